package macvtap_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ptr[T any](v T) *T { return &v }

var (
	mac0 = header.MAC{0x02, 0, 0, 0, 0, 0x10}
	mac1 = header.MAC{0x02, 0, 0, 0, 0, 0x11}
	ip0  = netip.MustParseAddr("192.0.2.10")
	ip1  = netip.MustParseAddr("192.0.2.11")
)

type env struct {
	w    *netdev.World
	loop *netdev.SimLoop
	ns   *netdev.Namespace
	peer *netdev.Namespace
}

// newEnv builds a world with veth default/eth0 – peer/eth0, both up.
func newEnv(t testing.TB) *env {
	if tt, ok := t.(*testing.T); ok {
		packettest.CheckBalance(tt)
	}
	loop := netdev.NewSimLoop(time.Unix(0, 0))
	return newEnvLoop(t, loop, loop)
}

func newEnvLoop(t testing.TB, l netdev.Loop, sim *netdev.SimLoop) *env {
	w := netdev.NewWorld(netdev.Options{Loop: l})
	t.Cleanup(w.Close)
	peer, err := w.AddNamespace("peer")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{w: w, loop: sim, ns: w.Init(), peer: peer}
	quiet(w.Init())
	quiet(peer)
	if _, err := e.ns.NewLink(&netdev.LinkRequest{Name: "eth0", Kind: "veth", Up: ptr(true),
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "eth0", NetNS: "peer"}}}); err != nil {
		t.Fatal(err)
	}
	if err := peer.Open(peer.DeviceByName("eth0")); err != nil {
		t.Fatal(err)
	}
	return e
}

// macvtap creates an up macvtap on eth0 and returns its tap.
func (e *env) macvtap(t testing.TB, name string, mode macvlan.Mode, addr header.MAC) *macvtap.Tap {
	t.Helper()
	d, err := e.ns.NewLink(&netdev.LinkRequest{Name: name, Kind: "macvtap", Link: "eth0", Up: ptr(true),
		Address: netdev.HWAddr(addr[:]), Data: &macvlan.Data{Mode: &mode}})
	if err != nil {
		t.Fatal(err)
	}
	return macvtap.TapOf(d)
}

func (e *env) run() {
	if e.loop != nil {
		e.loop.RunIdle(time.Second)
	}
}

func open(t testing.TB, tap *macvtap.Tap) *macvtap.Queue {
	t.Helper()
	q, err := macvtap.Open(tap)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

// udpFrame builds an Ethernet/IPv4/UDP frame with a correct checksum.
func udpFrame(dst, src header.MAC, sip, dip netip.Addr, sport, dport uint16, payload []byte) []byte {
	return build.Ethernet(dst, src, header.EtherTypeIPv4,
		build.IPv4(build.IPv4Opts{Src: sip, Dst: dip, Proto: header.IPProtoUDP},
			build.UDPWithChecksum(sip, dip, sport, dport, payload)))
}

func withHdr(h header.VirtioNetHdrFields, frame []byte) []byte {
	out := make([]byte, header.VirtioNetHdrSize+len(frame))
	header.VirtioNetHdr(out).Encode(&h, false)
	copy(out[header.VirtioNetHdrSize:], frame)
	return out
}

// quiet turns IPv6 off in ns so that the stack sends no solicitations or
// reports of its own: the tests count frames.
func quiet(ns *netdev.Namespace) { ns.SetSysctl("net.ipv6.conf.all.disable_ipv6", "1") }
