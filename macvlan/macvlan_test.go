package macvlan_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testEthertype = 0x88B5

var got []string // "dev:payload" for every test frame delivered to a stack

func init() {
	netdev.AddPacketHandler(testEthertype, func(d *netdev.Device, b *packet.Buffer) {
		got = append(got, d.Namespace().Name()+"/"+d.Name()+":"+string(b.Bytes()))
		b.Free()
	})
}

func ptr[T any](v T) *T { return &v }

type lab struct {
	w    *netdev.World
	loop *netdev.SimLoop
	a, b *netdev.Namespace
}

// newLab makes namespaces a and b joined by veth a/eth0 – b/eth0, both up.
func newLab(t *testing.T) *lab {
	t.Helper()
	packettest.CheckBalance(t)
	loop := netdev.NewSimLoop(time.Unix(0, 0))
	w := netdev.NewWorld(netdev.Options{Loop: loop})
	t.Cleanup(w.Close)
	got = nil
	bns, err := w.AddNamespace("b")
	if err != nil {
		t.Fatal(err)
	}
	l := &lab{w: w, loop: loop, a: w.Init(), b: bns}
	if _, err := l.a.NewLink(&netdev.LinkRequest{Name: "eth0", Kind: "veth", Up: ptr(true),
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "eth0", NetNS: "b"}}}); err != nil {
		t.Fatal(err)
	}
	if err := l.b.Open(l.b.DeviceByName("eth0")); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *lab) macvlan(t *testing.T, name string, mode macvlan.Mode, addr string) *netdev.Device {
	t.Helper()
	a, _ := netdev.ParseHWAddr(addr)
	d, err := l.a.NewLink(&netdev.LinkRequest{Name: name, Kind: "macvlan", Link: "eth0", Address: a, Up: ptr(true),
		Data: &macvlan.Data{Mode: &mode}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

// send transmits a test frame from d to dst.
func send(t *testing.T, d *netdev.Device, dst, payload string) {
	t.Helper()
	da, _ := netdev.ParseHWAddr(dst)
	b, _ := packet.New(packet.DefaultHeadroom, 64)
	copy(b.Put(len(payload)), payload)
	if !netdev.PushEthernet(d, b, da, testEthertype) {
		t.Fatal("push")
	}
	d.Transmit(b)
}

func (l *lab) run(t *testing.T) []string {
	t.Helper()
	l.loop.RunIdle(time.Second)
	g := got
	got = nil
	return g
}

func same(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

const (
	mac0 = "02:00:00:00:00:10"
	mac1 = "02:00:00:00:00:11"
	bcst = "ff:ff:ff:ff:ff:ff"
)

func TestModes(t *testing.T) {
	tests := []struct {
		name     string
		mode     macvlan.Mode
		dst      string
		want     []string
		peerSees bool
	}{
		{"bridge unicast", macvlan.ModeBridge, mac1, []string{"default/mv1:x"}, false},
		{"bridge broadcast", macvlan.ModeBridge, bcst, []string{"default/mv1:x", "b/eth0:x"}, true},
		{"vepa unicast", macvlan.ModeVEPA, mac1, []string{"b/eth0:x"}, true},
		{"vepa broadcast", macvlan.ModeVEPA, bcst, []string{"b/eth0:x"}, true},
		{"private unicast", macvlan.ModePrivate, mac1, []string{"b/eth0:x"}, true},
		{"bridge to outside", macvlan.ModeBridge, "02:00:00:00:00:99", []string{"b/eth0:x"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLab(t)
			mv0 := l.macvlan(t, "mv0", tt.mode, mac0)
			l.macvlan(t, "mv1", tt.mode, mac1)
			l.b.SetLink(l.b.DeviceByName("eth0"), &netdev.LinkRequest{Promisc: ptr(true)})
			send(t, mv0, tt.dst, "x")
			if g := l.run(t); !same(g, tt.want) {
				t.Fatalf("delivered %q, want %q", g, tt.want)
			}
		})
	}
}

func TestFromOutside(t *testing.T) {
	for _, mode := range []macvlan.Mode{macvlan.ModePrivate, macvlan.ModeVEPA, macvlan.ModeBridge} {
		t.Run(mode.String(), func(t *testing.T) {
			l := newLab(t)
			l.macvlan(t, "mv0", mode, mac0)
			l.macvlan(t, "mv1", mode, mac1)
			peer := l.b.DeviceByName("eth0")
			send(t, peer, mac1, "u")
			send(t, peer, bcst, "b")
			send(t, peer, "33:33:00:00:00:01", "m")
			want := []string{"default/mv1:u", "default/mv0:b", "default/mv1:b", "default/eth0:b",
				"default/mv0:m", "default/mv1:m", "default/eth0:m"}
			if g := l.run(t); !same(g, want) {
				t.Fatalf("delivered %q, want %q", g, want)
			}
			mv1 := l.a.DeviceByName("mv1")
			if n := mv1.Stats.RxPackets.Load(); n != 3 {
				t.Errorf("mv1 rx_packets %d, want 3", n)
			}
			if n := mv1.Stats.Multicast.Load(); n != 2 {
				t.Errorf("mv1 multicast %d, want 2", n)
			}
		})
	}
}

func TestBroadcastQueueFull(t *testing.T) {
	l := newLab(t)
	l.a.NewLink(&netdev.LinkRequest{Name: "mv0", Kind: "macvlan", Link: "eth0", Up: ptr(true),
		Data: &macvlan.Data{BCQueueLen: ptr(uint32(2))}})
	lower := l.a.DeviceByName("eth0")
	peer := l.b.DeviceByName("eth0")
	for range 5 {
		send(t, peer, bcst, "b")
	}
	// The five frames are received in one backlog run before the
	// broadcast work runs: two fit in the queue.
	g := l.run(t)
	want := []string{"default/eth0:b", "default/eth0:b", "default/eth0:b", "default/eth0:b", "default/eth0:b",
		"default/mv0:b", "default/mv0:b"}
	if !same(g, want) {
		t.Fatalf("delivered %q, want %q", g, want)
	}
	if n := lower.Drops.Get(macvlan.DropBCQueueFull); n != 3 {
		t.Fatalf("bc queue drops %d, want 3", n)
	}
	if n := lower.Stats.RxDropped.Load(); n != 3 {
		t.Fatalf("lower rx_dropped %d, want 3", n)
	}
}

func TestSourceMode(t *testing.T) {
	l := newLab(t)
	peer := l.b.DeviceByName("eth0")
	remote := peer.HardwareAddr().String()
	m := macvlan.ModeSource
	op := macvlan.MacaddrAdd
	ra, _ := netdev.ParseHWAddr(remote)
	src, err := l.a.NewLink(&netdev.LinkRequest{Name: "src0", Kind: "macvlan", Link: "eth0", Up: ptr(true),
		Data: &macvlan.Data{Mode: &m, MacaddrMode: &op, Macaddr: ra}})
	if err != nil {
		t.Fatal(err)
	}
	l.macvlan(t, "mv1", macvlan.ModeBridge, mac1)
	send(t, peer, mac1, "s")
	want := []string{"default/mv1:s", "default/src0:s"} // src0's copy is OTHERHOST
	if g := l.run(t); !same(g, want) {
		t.Fatalf("delivered %q, want %q", g, want)
	}
	if n := src.Stats.RxPackets.Load(); n != 1 {
		t.Fatalf("src0 rx %d, want 1", n)
	}
	// nodst: normal delivery stops.
	if err := l.a.SetLink(src, &netdev.LinkRequest{Kind: "macvlan", Data: &macvlan.Data{Flags: ptr(macvlan.FlagNoDst)}}); err != nil {
		t.Fatal(err)
	}
	send(t, peer, mac1, "n")
	if g := l.run(t); !same(g, []string{"default/src0:n"}) {
		t.Fatalf("nodst: delivered %q", g)
	}
	info := src.Kind().(netdev.InfoFiller).LinkInfo(src).(*macvlan.Info)
	if info.MacaddrCount == nil || *info.MacaddrCount != 1 || info.Macaddrs[0].String() != remote {
		t.Fatalf("info %+v", info)
	}
	// flush
	fl := macvlan.MacaddrFlush
	if err := l.a.SetLink(src, &netdev.LinkRequest{Kind: "macvlan", Data: &macvlan.Data{MacaddrMode: &fl}}); err != nil {
		t.Fatal(err)
	}
	send(t, peer, mac1, "f")
	if g := l.run(t); !same(g, []string{"default/mv1:f"}) {
		t.Fatalf("after flush: %q", g)
	}
}

func errno(err error) syscall.Errno { return extack.ErrnoOf(err) }

func TestErrors(t *testing.T) {
	l := newLab(t)
	m := func(v macvlan.Mode) *macvlan.Mode { return &v }
	bad, _ := netdev.ParseHWAddr("01:00:00:00:00:01")
	tests := []struct {
		name string
		req  netdev.LinkRequest
		want syscall.Errno
	}{
		{"no link", netdev.LinkRequest{Name: "x", Kind: "macvlan"}, syscall.EINVAL},
		{"no such link", netdev.LinkRequest{Name: "x", Kind: "macvlan", Link: "nope"}, syscall.ENODEV},
		{"loopback", netdev.LinkRequest{Name: "x", Kind: "macvlan", Link: "lo"}, syscall.EINVAL},
		{"mtu above lower", netdev.LinkRequest{Name: "x", Kind: "macvlan", Link: "eth0", MTU: ptr(uint32(1600))}, syscall.EINVAL},
		{"multicast address", netdev.LinkRequest{Name: "x", Kind: "macvlan", Link: "eth0", Address: bad}, syscall.EADDRNOTAVAIL},
		{"bad mode", netdev.LinkRequest{Name: "x", Kind: "macvlan", Link: "eth0", Data: &macvlan.Data{Mode: m(3)}}, syscall.EINVAL},
		{"bad flags", netdev.LinkRequest{Name: "x", Kind: "macvlan", Link: "eth0", Data: &macvlan.Data{Flags: ptr(macvlan.Flags(4))}}, syscall.EINVAL},
		{"macaddr not source", netdev.LinkRequest{Name: "x", Kind: "macvlan", Link: "eth0",
			Data: &macvlan.Data{MacaddrMode: ptr(macvlan.MacaddrFlush)}}, syscall.EINVAL},
		{"macaddr count", netdev.LinkRequest{Name: "x", Kind: "macvlan", Link: "eth0",
			Data: &macvlan.Data{MacaddrCount: ptr(uint32(1))}}, syscall.EINVAL},
		{"del without address", netdev.LinkRequest{Name: "x", Kind: "macvlan", Link: "eth0",
			Data: &macvlan.Data{Mode: m(macvlan.ModeSource), MacaddrMode: ptr(macvlan.MacaddrDel)}}, syscall.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.a.NewLink(&tt.req)
			if errno(err) != tt.want {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if l.a.DeviceByName("x") != nil {
				t.Fatal("device left behind")
			}
		})
	}
	if h := l.a.DeviceByName("eth0").RxHandler(); h != nil {
		t.Fatal("failed creations left a port on eth0")
	}
}

func TestAddressBusyAndPassthru(t *testing.T) {
	l := newLab(t)
	lower := l.a.DeviceByName("eth0")
	l.macvlan(t, "mv0", macvlan.ModeBridge, mac0)
	a, _ := netdev.ParseHWAddr(mac0)
	d, err := l.a.NewLink(&netdev.LinkRequest{Name: "mv1", Kind: "macvlan", Link: "eth0", Address: a})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.a.Open(d); errno(err) != syscall.EADDRINUSE {
		t.Fatalf("open with a busy address: %v", err)
	}
	la := netdev.HWAddr(lower.HardwareAddr())
	d2, _ := l.a.NewLink(&netdev.LinkRequest{Name: "mv2", Kind: "macvlan", Link: "eth0", Address: la})
	if err := l.a.Open(d2); errno(err) != syscall.EADDRINUSE {
		t.Fatalf("open with the lower's address: %v", err)
	}
	if p := lower.Promiscuity(); p != 1 {
		t.Fatalf("lower promiscuity %d, want 1 (unicast list)", p)
	}
	// An open macvlan cannot take a sibling's address (EADDRINUSE, as
	// macvlan_set_mac_address), and keeps its own.
	d3 := l.macvlan(t, "mv3", macvlan.ModeBridge, "02:00:00:00:00:33")
	if err := l.a.SetLink(d3, &netdev.LinkRequest{Address: a}); errno(err) != syscall.EADDRINUSE {
		t.Fatalf("set a busy address on an open macvlan: %v", err)
	}
	if got := netdev.HWAddr(d3.HardwareAddr()).String(); got != "02:00:00:00:00:33" {
		t.Fatalf("address after the refused change: %s", got)
	}
	if err := l.a.DelLink(d3); err != nil {
		t.Fatal(err)
	}
	_, err = l.a.NewLink(&netdev.LinkRequest{Name: "pt", Kind: "macvlan", Link: "eth0",
		Data: &macvlan.Data{Mode: ptr(macvlan.ModePassthru)}})
	if errno(err) != syscall.EINVAL {
		t.Fatalf("passthru on a shared port: %v", err)
	}
	for _, n := range []string{"mv0", "mv1", "mv2"} {
		if err := l.a.DelLink(l.a.DeviceByName(n)); err != nil {
			t.Fatal(err)
		}
	}
	if p := lower.Promiscuity(); p != 0 {
		t.Fatalf("lower promiscuity %d after deletes", p)
	}
	pt, err := l.a.NewLink(&netdev.LinkRequest{Name: "pt", Kind: "macvlan", Link: "eth0", Up: ptr(true),
		Data: &macvlan.Data{Mode: ptr(macvlan.ModePassthru)}})
	if err != nil {
		t.Fatal(err)
	}
	if pt.HardwareAddr().String() != lower.HardwareAddr().String() || lower.Promiscuity() != 1 {
		t.Fatalf("passthru: addr %v lower %v promisc %d", pt.HardwareAddr(), lower.HardwareAddr(), lower.Promiscuity())
	}
	if _, err := l.a.NewLink(&netdev.LinkRequest{Name: "mv9", Kind: "macvlan", Link: "eth0"}); errno(err) != syscall.EINVAL {
		t.Fatalf("second device on a passthru port: %v", err)
	}
	if err := l.a.SetLink(pt, &netdev.LinkRequest{Kind: "macvlan", Data: &macvlan.Data{Mode: ptr(macvlan.ModeBridge)}}); errno(err) != syscall.EINVAL {
		t.Fatalf("leaving passthru: %v", err)
	}
	if err := l.a.SetLink(pt, &netdev.LinkRequest{Kind: "macvlan", Data: &macvlan.Data{Flags: ptr(macvlan.FlagNoPromisc)}}); err != nil {
		t.Fatal(err)
	}
	if lower.Promiscuity() != 0 {
		t.Fatal("nopromisc kept the promiscuity")
	}
	send(t, l.b.DeviceByName("eth0"), "02:99:00:00:00:01", "p")
	if g := l.run(t); !same(g, []string{"default/pt:p"}) {
		t.Fatalf("passthru delivery %q", g)
	}
}

func TestLowerEvents(t *testing.T) {
	l := newLab(t)
	lower := l.a.DeviceByName("eth0")
	mv := l.macvlan(t, "mv0", macvlan.ModeBridge, mac0)
	if mv.MTU() != 1500 || mv.Iflink() != lower.Index() || mv.Link() != lower.Index() {
		t.Fatalf("mtu %d iflink %d", mv.MTU(), mv.Iflink())
	}
	if err := l.a.SetLink(lower, &netdev.LinkRequest{MTU: ptr(uint32(1400))}); err != nil {
		t.Fatal(err)
	}
	if mv.MTU() != 1400 {
		t.Fatalf("mtu %d after lower mtu 1400", mv.MTU())
	}
	if err := l.a.SetLink(mv, &netdev.LinkRequest{MTU: ptr(uint32(1450))}); errno(err) != syscall.EINVAL {
		t.Fatalf("mtu above lower: %v", err)
	}
	l.b.Close(l.b.DeviceByName("eth0"))
	if mv.Carrier() {
		t.Fatal("carrier kept after the peer went down")
	}
	if err := l.a.DelLink(lower); err != nil {
		t.Fatal(err)
	}
	if l.a.DeviceByName("mv0") != nil || !mv.IsDead() {
		t.Fatal("macvlan survived its lower device")
	}
}
