package engine_test

import (
	"net/netip"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/netdevsim"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/engine"
	"github.com/softnet/softnet/xfrm/esp"
)

// big is a 1400-byte inner IPv4 packet.
var big = build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("203.0.113.2"), Dst: netip.MustParseAddr("203.0.113.130"), TTL: 64, Proto: 17},
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
// packets, tunnel mode, one SA) sealed by the software path inline in the
// caller's goroutine (esp.Output, then the device's transmit) and by the engine with 1 and 2 workers
// (Prepare on the producer, Seal on the workers, completion through
// FinishAsync/Resume to the device's wire in sequence order). One SA is
// the hard case: the engine must spray its packets over the workers. It
// reports speedup-vs-software and, for 2 workers, speedup-vs-1-worker.
//
// The producer goroutine (building each inner packet and preparing it)
// needs a core too: on a 2-core machine "workers-2" shares the two cores
// with the producer, and the figures say what that costs.
func BenchmarkESPGCM128(b *testing.B) {
	for _, name := range []string{"software", "workers-1", "workers-2"} {
		b.Run(name, func(b *testing.B) {
			workers := 1
			if name == "workers-2" {
				workers = 2
			}
			fl := newFlow(b.N)
			r := newRig(b, engine.Config{Workers: workers, QueueLen: flowWindow}, fl.sink)
			x := r.addSA(b, 0x500)
			swNS, swDev := plainDev(b)
			if name == "software" {
				x = swSA(b, swNS, 0x600)
			}
			b.SetBytes(int64(len(big)))
			b.ReportAllocs()
			b.ResetTimer()
			if name == "software" {
				p := esp.Params{TTL: 64}
				for i := 0; i < b.N; i++ {
					pb := innerBuf(b)
					if err := esp.Output(x, pb, &p); err != nil {
						b.Fatal(err)
					}
					swDev.XmitDirect(pb)
				}
			} else {
				engineLoop(b, r, x, fl)
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

// flowWindow is the most packets the benchmark keeps in the engine; the
// producer waits when it is reached and is woken, once, when half of it
// has drained (no per-packet channel operation).
const flowWindow = 512

// flow is the benchmark's flow control between producer and wire.
type flow struct {
	n        int64
	wake     chan struct{}
	finished chan struct{}
	_        [40]byte
	offered  atomic.Int64 // written by the producer
	_        [56]byte
	done     atomic.Int64 // written by the wire (a worker)
	waiting  atomic.Bool
}

func newFlow(n int) *flow {
	return &flow{n: int64(n), wake: make(chan struct{}, 1), finished: make(chan struct{})}
}

// reset readies f for a run of n more packets (no packet in flight).
func (f *flow) reset(n int) {
	f.n = f.done.Load() + int64(n)
	f.finished = make(chan struct{})
}

// sink is the device's wire: it frees the ESP packet, wakes a waiting
// producer when the window is half empty, and signals the last packet.
func (f *flow) sink(p *packet.Buffer) {
	p.Free()
	d := f.done.Add(1)
	if f.waiting.Load() && f.offered.Load()-d <= flowWindow/2 && f.waiting.CompareAndSwap(true, false) {
		f.wake <- struct{}{}
	}
	if d == f.n {
		close(f.finished)
	}
}

// admit blocks the producer while the window is full.
func (f *flow) admit() {
	if f.offered.Load()-f.done.Load() < flowWindow {
		return
	}
	f.waiting.Store(true)
	if f.offered.Load()-f.done.Load() <= flowWindow/2 && f.waiting.CompareAndSwap(true, false) {
		return // drained meanwhile; no wake-up was sent
	}
	<-f.wake
}

// engineLoop offers b.N packets within the flow window, so that nothing
// is dropped, and waits for the last completion.
func engineLoop(b *testing.B, r *rig, x *xfrm.State, f *flow) {
	engineRun(b, r, x, f, b.N)
}

// engineRun offers n packets and waits for the last completion.
func engineRun(b *testing.B, r *rig, x *xfrm.State, f *flow, n int) {
	xo := x.Offload()
	for i := 0; i < n; i++ {
		f.admit()
		pb := innerBuf(b)
		pb.Scratch[len(pb.Scratch)-1] = 0 // no link header set aside
		f.offered.Add(1)
		_ = r.e.XmitCrypto(r.d, xo, pb)
	}
	<-f.finished
	if d := r.e.Stats.Dropped.Load(); d != 0 {
		b.Fatalf("%d dropped", d)
	}
}

// plainDev is a netdevsim device without IPsec offload whose wire frees
// what it gets: the software path's transmit, so that both paths include
// the device transmit of the ESP packet.
func plainDev(tb testing.TB) (*netdev.Namespace, *netdev.Device) {
	tb.Helper()
	w := netdev.NewWorld(netdev.Options{})
	ns, err := w.AddNamespace("sw")
	if err != nil {
		tb.Fatal(err)
	}
	up := true
	d, err := ns.NewLink(&netdev.LinkRequest{Name: "sw0", Kind: "netdevsim", Up: &up, Data: &netdevsim.Config{NoIPsec: true}})
	if err != nil {
		tb.Fatal(err)
	}
	return ns, d
}

func swSA(tb testing.TB, ns *netdev.Namespace, spi uint32) *xfrm.State {
	c := xfrm.Config{ID: xfrm.ID{Daddr: netip.MustParseAddr("192.0.2.2"), SPI: spi, Proto: xfrm.ProtoESP},
		Saddr: netip.MustParseAddr("192.0.2.1"), Family: 4, Mode: xfrm.ModeTunnel, Reqid: 1,
		ExtraFlags: xfrm.ExtraOSeqMayWrap,
		AEAD:       &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: make([]byte, 20), ICVBits: 128}}
	x, err := xfrm.ForNamespace(ns).AddState(c, false)
	if err != nil {
		tb.Fatal(err)
	}
	return x
}

var _ = netdevsim.Of

// BenchmarkESPGCM128Scaling measures the same three paths as
// BenchmarkESPGCM128, interleaved: chunks of 500 packets through the
// software path, the 1-worker engine and the 2-worker engine in rotating
// order, so that all three see the same machine load (the build machine
// is shared). It reports the median over the chunks of each path's
// ns/packet and of the per-chunk ratios; ns/op is the time for one packet
// through each of the three paths.
func BenchmarkESPGCM128Scaling(b *testing.B) {
	const chunk = 500
	type path struct {
		name string
		run  func(n int)
		ns   []float64
	}
	swNS, swDev := plainDev(b)
	sw := swSA(b, swNS, 0x600)
	swp := esp.Params{TTL: 64}
	paths := []*path{{name: "software", run: func(n int) {
		for range n {
			pb := innerBuf(b)
			if err := esp.Output(sw, pb, &swp); err != nil {
				b.Fatal(err)
			}
			swDev.XmitDirect(pb)
		}
	}}}
	var r2 *rig
	for _, w := range []int{1, 2} {
		fl := newFlow(0)
		r := newRig(b, engine.Config{Workers: w, QueueLen: flowWindow}, fl.sink)
		r2 = r
		x := r.addSA(b, uint32(0x500+w))
		paths = append(paths, &path{name: "workers-" + itoa(w), run: func(n int) {
			fl.reset(n)
			engineRun(b, r, x, fl, n)
		}})
	}
	b.SetBytes(int64(len(big)) * 3)
	b.ReportAllocs()
	b.ResetTimer()
	for done, round := 0, 0; done < b.N; round++ {
		n := min(chunk, b.N-done)
		for i := range paths {
			p := paths[(i+round)%len(paths)]
			start := time.Now()
			p.run(n)
			p.ns = append(p.ns, float64(time.Since(start).Nanoseconds())/float64(n))
		}
		done += n
	}
	b.StopTimer()
	ratio := func(a, c []float64) float64 {
		r := make([]float64, len(a))
		for i := range a {
			r[i] = c[i] / a[i]
		}
		return median(r)
	}
	for _, p := range paths {
		b.ReportMetric(median(p.ns), p.name+"-ns/pkt")
	}
	b.ReportMetric(ratio(paths[1].ns, paths[0].ns), "w1-speedup-vs-sw")
	b.ReportMetric(ratio(paths[2].ns, paths[0].ns), "w2-speedup-vs-sw")
	b.ReportMetric(ratio(paths[2].ns, paths[1].ns), "w2-speedup-vs-w1")
	if s := r2.e.Sealed(); s[0]+s[1] > 0 {
		b.ReportMetric(float64(min(s[0], s[1]))/float64(s[0]+s[1]), "w2-lesser-share")
	}
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	return v[len(v)/2]
}

func itoa(n int) string { return strconv.Itoa(n) }
