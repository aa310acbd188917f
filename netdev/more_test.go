package netdev_test

import (
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

type counter struct{ n atomic.Int64 }

var testPernet = netdev.NewPernet(func(*netdev.Namespace) *counter { return &counter{} },
	func(ns *netdev.Namespace, c *counter) { c.n.Store(-1) })

func TestPernetIsPerNamespace(t *testing.T) {
	w, _ := newWorld(t)
	b, _ := w.AddNamespace("b")
	testPernet.Get(w.Init()).n.Add(5)
	if testPernet.Get(b).n.Load() != 0 || testPernet.Get(w.Init()).n.Load() != 5 {
		t.Fatal("pernet values shared between namespaces")
	}
	c := testPernet.Get(b)
	w.DelNamespace("b")
	if c.n.Load() != -1 {
		t.Fatal("pernet exit did not run on namespace deletion")
	}
}

func TestSysctlFallbackTunnels(t *testing.T) {
	w, _ := newWorld(t)
	b, _ := w.AddNamespace("b")
	init := w.Init()
	for _, tc := range []struct {
		val             string
		initOK, otherOK bool
	}{{"0", true, true}, {"1", true, false}, {"2", false, false}} {
		if err := init.SetSysctl("net.core.fb_tunnels_only_for_init_net", tc.val); err != nil {
			t.Fatal(err)
		}
		if init.FallbackTunnelsAllowed() != tc.initOK || b.FallbackTunnelsAllowed() != tc.otherOK {
			t.Errorf("value %s: init %v other %v", tc.val, init.FallbackTunnelsAllowed(), b.FallbackTunnelsAllowed())
		}
	}
	if err := init.SetSysctl("net.core.fb_tunnels_only_for_init_net", "3"); extack.ErrnoOf(err) != syscall.EINVAL {
		t.Errorf("out of range value accepted: %v", err)
	}
	if _, err := init.GetSysctl("net.nope"); extack.ErrnoOf(err) != syscall.ENOENT {
		t.Errorf("unknown sysctl: %v", err)
	}
}

func TestRenameAndMoveNamespace(t *testing.T) {
	w, _ := newWorld(t)
	ns := w.Init()
	b, _ := w.AddNamespace("b")
	d, _ := ns.NewLink(&netdev.LinkRequest{Name: "d0", Kind: "dummy", Up: up()})
	if err := ns.SetLink(d, &netdev.LinkRequest{NewName: "d1"}); extack.ErrnoOf(err) != syscall.EBUSY {
		t.Fatalf("rename while up: %v", err)
	}
	ns.Close(d)
	if err := ns.SetLink(d, &netdev.LinkRequest{NewName: "d1"}); err != nil || ns.DeviceByName("d1") != d || ns.DeviceByName("d0") != nil {
		t.Fatalf("rename: %v", err)
	}
	if err := ns.SetLink(d, &netdev.LinkRequest{NetNS: "b"}); err != nil {
		t.Fatal(err)
	}
	if ns.DeviceByName("d1") != nil || b.DeviceByName("d1") != d || d.Namespace() != b {
		t.Fatal("device did not move")
	}
	if err := ns.SetLink(ns.Loopback(), &netdev.LinkRequest{NetNS: "b"}); err == nil {
		t.Fatal("lo moved to another namespace")
	}
}

type recordTap struct {
	mu  sync.Mutex
	dir []netdev.Direction
	len []int
}

func (r *recordTap) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dir = append(r.dir, dir)
	r.len = append(r.len, b.Len())
}

func TestTapsSeeWholeFramesBothWays(t *testing.T) {
	w, loop := newWorld(t)
	ns := w.Init()
	v0, _ := ns.NewLink(&netdev.LinkRequest{Name: "v0", Kind: "veth", Up: up(),
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "v1", Up: up()}}})
	v1 := ns.DeviceByName("v1")
	ns.Open(v1)
	tap := &recordTap{}
	v0.AddTap(tap)
	v1.AddTap(tap)
	b := frame(t, nil, "")
	netdev.PushEthernet(v0, b, v1.HardwareAddr(), testEthertype)
	copy(b.Put(3), "abc")
	v0.Transmit(b)
	loop.Run()
	if len(tap.dir) != 2 || tap.dir[0] != netdev.DirOut || tap.dir[1] != netdev.DirIn || tap.len[0] != 17 || tap.len[1] != 17 {
		t.Fatalf("tap saw dirs %v lens %v", tap.dir, tap.len)
	}
	v0.RemoveTap(tap)
}

func TestRealLoopDelivers(t *testing.T) {
	packettest.CheckBalance(t)
	loop := netdev.NewRealLoop(2)
	w := netdev.NewWorld(netdev.Options{Loop: loop})
	defer w.Close()
	ns := w.Init()
	v0, _ := ns.NewLink(&netdev.LinkRequest{Name: "v0", Kind: "veth", Up: up(),
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "v1"}}})
	v1 := ns.DeviceByName("v1")
	ns.Open(v1)
	var got atomic.Int64
	v1.AddTap(tapFunc(func() { got.Add(1) }))
	for range 10 {
		b := frame(t, nil, "")
		netdev.PushEthernet(v0, b, v1.HardwareAddr(), 0x9999)
		v0.Transmit(b)
	}
	deadline := time.Now().Add(5 * time.Second)
	for got.Load() < 10 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got.Load() != 10 {
		t.Fatalf("real loop delivered %d of 10", got.Load())
	}
}

type tapFunc func()

func (f tapFunc) Tap(*netdev.Device, *packet.Buffer, netdev.Direction) { f() }

func FuzzParseHWAddr(f *testing.F) {
	for _, s := range []string{"02:00:00:00:00:01", "ff:ff", "", ":", "0:1:2", "zz:00", "001:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := netdev.ParseHWAddr(s)
		if err != nil {
			return
		}
		b, err := netdev.ParseHWAddr(a.String())
		if err != nil || b.String() != a.String() {
			t.Fatalf("round trip %q → %q → %q (%v)", s, a, b, err)
		}
	})
}

type captureTap struct{ frames [][]byte }

func (c *captureTap) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	if dir == netdev.DirOut {
		c.frames = append(c.frames, append([]byte(nil), b.Bytes()...))
	}
}

// A device without checksum offload gets frames whose partial checksum was
// completed on the way (validate_xmit_skb → skb_checksum_help).
func TestTransmitCompletesChecksumWithoutOffload(t *testing.T) {
	w, loop := newWorld(t)
	ns := w.Init()
	v0, _ := ns.NewLink(&netdev.LinkRequest{Name: "v0", Kind: "veth", Up: up(),
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "v1", Up: up()}}})
	ns.Open(ns.DeviceByName("v1"))
	c := &captureTap{}
	v0.AddTap(c)
	send := func() []byte {
		b, _ := packet.New(packet.DefaultHeadroom, 64)
		p := b.Put(8)
		copy(p, []byte{0x12, 0x34, 0x56, 0x78, 0, 0, 0xff, 0xff}) // sum field at 4..5 holds the seed 0
		b.Csum = packet.Csum{Mode: packet.CsumPartial, Start: 0, Offset: 4}
		netdev.PushEthernet(v0, b, []byte{2, 0, 0, 0, 0, 9}, 0x9999)
		v0.Transmit(b)
		loop.Run()
		return c.frames[len(c.frames)-1][14:]
	}
	if got := send(); got[4] != 0 || got[5] != 0 {
		t.Fatalf("a device with checksum offload got a completed checksum: % x", got)
	}
	v0.SetFeatures(v0.Features() &^ (netdev.FeatHWCsum | netdev.FeatIPCsum | netdev.FeatIPv6Csum))
	got := send()
	if sum := uint32(got[0])<<8 | uint32(got[1]); got[4] == 0 && got[5] == 0 || sum == 0 {
		t.Fatalf("checksum not completed: % x", got)
	}
	// The completed field makes the one's-complement sum of the bytes 0xffff.
	var s uint32
	for i := 0; i < len(got); i += 2 {
		s += uint32(got[i])<<8 | uint32(got[i+1])
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	if s != 0xffff {
		t.Fatalf("sum over the completed bytes = %#x, want 0xffff (% x)", s, got)
	}
}
