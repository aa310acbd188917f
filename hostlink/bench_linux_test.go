package hostlink_test

import (
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/hostlink"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/internal/sys/privtest"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// counter is an rx handler that counts and frees.
type counter struct{ n, bytes atomic.Int64 }

func (c *counter) HandleRx(d *netdev.Device, b *packet.Buffer) (netdev.RxResult, *netdev.Device) {
	c.n.Add(1)
	c.bytes.Add(int64(b.Len()))
	b.Free()
	return netdev.RxConsumed, nil
}

// waitFor spins until n reaches want, or gives up after 100 ms (packets
// the host dropped never arrive).
func waitFor(n *atomic.Int64, want int64) {
	deadline := time.Now().Add(100 * time.Millisecond)
	for n.Load() < want && time.Now().Before(deadline) {
		runtime.Gosched()
	}
}

func tunBench(b *testing.B, vnet bool) *netdev.Device {
	privtest.Netns(b)
	privtest.RequireTun(b)
	w := newWorld(b)
	d := addLink(b, w.Init(), "t0", "host-tun", &hostlink.TunData{HostName: "sn0", VnetHdr: boolp(vnet)})
	if err := sys.LinkUp("sn0", true); err != nil {
		b.Fatal(err)
	}
	if err := sys.AddAddr4("sn0", netip.PrefixFrom(hostIP, 24)); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkTunWrite: softnet transmits 1400-byte UDP packets into the
// host through a TUN device (one write(2) each; the host drops them at a
// closed port).
func BenchmarkTunWrite(b *testing.B) {
	d := tunBench(b, true)
	frame := build.IPv4(build.IPv4Opts{Src: snIP, Dst: hostIP, Proto: header.IPProtoUDP},
		build.UDP(9, 9, make([]byte, 1372)))
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p, _ := packet.FromBytes(frame)
		d.Transmit(p)
	}
	b.StopTimer()
	b.ReportMetric(float64(d.Stats.TxPackets.Load())/b.Elapsed().Seconds(), "pkts/s")
}

// BenchmarkTunRead: the host sends 1400-byte datagrams into a TUN device
// (sendmmsg, 32 at a time); softnet's reader takes them in batches and
// delivers each to Device.Receive.
func BenchmarkTunRead(b *testing.B) {
	d := tunBench(b, true)
	c := &counter{}
	if err := d.SetRxHandler(c); err != nil {
		b.Fatal(err)
	}
	host, err := sys.OpenUDP(sys.UDPConfig{Addr: netip.AddrPortFrom(hostIP, 0)})
	if err != nil {
		b.Fatal(err)
	}
	defer host.Close()
	sb := sys.NewBatch(32)
	payload := make([]byte, 1372)
	for i := range sb.Msgs {
		sb.Msgs[i] = sys.Msg{Buf: payload, Addr: netip.AddrPortFrom(snIP, 9)}
	}
	b.SetBytes(1400)
	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < b.N; {
		n, err := host.SendBatch(sb, min(32, b.N-sent))
		if err != nil {
			b.Fatal(err)
		}
		sent += n
		waitFor(&c.n, int64(sent-256)) // keep at most 256 in flight (the TUN queue holds 500)
	}
	waitFor(&c.n, int64(b.N))
	b.StopTimer()
	b.ReportMetric(float64(c.n.Load())/b.Elapsed().Seconds(), "pkts/s")
	b.ReportMetric(float64(c.n.Load())/float64(b.N)*100, "%recv")
}
