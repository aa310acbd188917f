package engine_test

import (
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/netdevsim"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/engine"
	"github.com/softnet/softnet/xfrm/esp"
)

// big is a 1400-byte inner IPv4 packet.
var big = build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("10.1.0.2"), Dst: netip.MustParseAddr("10.2.0.2"), TTL: 64, Proto: 17},
	make([]byte, 1400-20))

func innerBuf(tb testing.TB) *packet.Buffer {
	b, err := packet.New(128, len(big))
	if err != nil {
		tb.Fatal(err)
	}
	copy(b.Put(len(big)), big)
	b.SetNetworkHeader(0)
	return b
}

// nsPerOp remembers the software path's and one worker's time per packet
// for the scaling ratios of the later sub-benchmarks.
var nsPerOp = map[string]float64{}

// BenchmarkESPGCM128 is ESP AES-128-GCM (rfc4106, 1400-byte inner
// packets, tunnel mode, two SAs) sealed by the software path in the
// caller's goroutine and by the engine with 1 and 2 workers (completion
// through FinishAsync/Resume to the device's wire included). It reports
// speedup-vs-software and, for 2 workers, speedup-vs-1-worker.
func BenchmarkESPGCM128(b *testing.B) {
	for _, name := range []string{"software", "workers-1", "workers-2"} {
		b.Run(name, func(b *testing.B) {
			var done atomic.Int64
			const qlen = 256
			slots, finished := make(chan struct{}, qlen), make(chan struct{})
			sink := func(p *packet.Buffer) {
				p.Free()
				<-slots
				if done.Add(1) == int64(b.N) {
					close(finished)
				}
			}
			workers := 1
			if name == "workers-2" {
				workers = 2
			}
			r := newRig(b, engine.Config{Workers: workers, QueueLen: qlen}, sink)
			xs := []*xfrm.State{r.addSA(b, 0x500), r.addSA(b, 0x501)}
			if name == "software" {
				xs = []*xfrm.State{swSA(b, r.ns, 0x600), swSA(b, r.ns, 0x601)}
			}
			b.SetBytes(int64(len(big)))
			b.ReportAllocs()
			b.ResetTimer()
			if name == "software" {
				p := esp.Params{TTL: 64}
				for i := 0; i < b.N; i++ {
					pb := innerBuf(b)
					if err := esp.Output(xs[i&1], pb, &p); err != nil {
						b.Fatal(err)
					}
					pb.Free()
				}
			} else {
				engineLoop(b, r, xs, slots, finished)
			}
			b.StopTimer()
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			nsPerOp[name] = ns
			if sw := nsPerOp["software"]; sw > 0 && name != "software" {
				b.ReportMetric(sw/ns, "speedup-vs-software")
			}
			if one := nsPerOp["workers-1"]; one > 0 && name == "workers-2" {
				b.ReportMetric(one/ns, "speedup-vs-1-worker")
			}
		})
	}
}

// engineLoop offers b.N packets, keeping at most qlen in flight (the
// producer blocks on a semaphore the wire releases) so that nothing is
// dropped, and waits for the last completion.
func engineLoop(b *testing.B, r *rig, xs []*xfrm.State, slots chan struct{}, finished chan struct{}) {
	for i := 0; i < b.N; i++ {
		slots <- struct{}{}
		pb := innerBuf(b)
		pb.Scratch[len(pb.Scratch)-1] = 0 // no link header set aside
		_ = r.e.XmitCrypto(r.d, xs[i&1].Offload(), pb)
	}
	<-finished
	if d := r.e.Stats.Dropped.Load(); d != 0 {
		b.Fatalf("%d dropped", d)
	}
}

func swSA(tb testing.TB, ns *netdev.Namespace, spi uint32) *xfrm.State {
	c := xfrm.Config{ID: xfrm.ID{Daddr: netip.MustParseAddr("192.0.2.2"), SPI: spi, Proto: xfrm.ProtoESP},
		Saddr: netip.MustParseAddr("192.0.2.1"), Family: 4, Mode: xfrm.ModeTunnel, Reqid: 1,
		AEAD: &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: make([]byte, 20), ICVBits: 128}}
	x, err := xfrm.ForNamespace(ns).AddState(c, false)
	if err != nil {
		tb.Fatal(err)
	}
	return x
}

var _ = netdevsim.Of
