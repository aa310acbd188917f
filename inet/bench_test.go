package inet_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// forwardRig is a router r receiving on a veth (r:eth0) and forwarding
// to a dummy device (r:out) that discards what it sends: the forwarding
// path alone, with no peer to run.
type forwardRig struct {
	tp    *topo.Topo
	in    *netdev.Device
	out   *netdev.Device
	frame []byte
}

func newForwardRig(tb testing.TB, size int) *forwardRig {
	tp := topo.New(tb)
	tp.Host("a")
	r := tp.Router("r")
	tp.Link("a:eth0", "r:eth0", "192.0.2.1/24", "192.0.2.254/24")
	up := true
	out, err := r.NewLink(&netdev.LinkRequest{Name: "out", Kind: "dummy", Up: &up})
	if err != nil {
		tb.Fatal(err)
	}
	if err := inet.AddAddr(r, inet.Addr{Ifindex: out.Index(), Prefix: netip.MustParsePrefix("198.51.100.254/24")}, false); err != nil {
		tb.Fatal(err)
	}
	in := tp.Dev("r:eth0")
	ip := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("198.51.100.2"),
		Proto: header.IPProtoUDP}, build.UDP(1000, 2000, make([]byte, size)))
	frame := build.Ethernet(header.MAC(in.HardwareAddr()), header.MAC{2, 0, 0, 0, 0, 1}, 0x0800, ip)
	return &forwardRig{tp: tp, in: in, out: out, frame: frame}
}

func (f *forwardRig) one() {
	b, _ := packet.FromBytes(f.frame)
	if netdev.EthTypeTrans(f.in, b) {
		f.in.Receive(b)
	}
}

func TestForwardIPv4NoAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	f := newForwardRig(t, 64)
	f.one() // resolve the neighbour
	before := f.out.Stats.Snapshot().TxPackets
	allocs := testing.AllocsPerRun(1000, f.one)
	if allocs != 0 {
		t.Errorf("forwarding allocates %.1f times per packet", allocs)
	}
	if got := f.out.Stats.Snapshot().TxPackets - before; got < 1000 {
		t.Errorf("only %d packets forwarded", got)
	}
}

func BenchmarkForwardIPv4(b *testing.B) {
	f := newForwardRig(b, 64)
	f.one()
	b.ReportAllocs()
	b.SetBytes(int64(len(f.frame)))
	b.ResetTimer()
	for range b.N {
		f.one()
	}
}
