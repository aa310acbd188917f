package netdev_test

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testEthertype = 0x88B5 // IEEE local experimental

type sink struct {
	got []string
	on  []string
}

var testSink = &sink{}

func init() {
	netdev.AddPacketHandler(testEthertype, func(d *netdev.Device, b *packet.Buffer) {
		testSink.got = append(testSink.got, string(b.Bytes()))
		testSink.on = append(testSink.on, d.Namespace().Name()+"/"+d.Name())
		b.Free()
	})
}

func up() *bool { t := true; return &t }

func newWorld(t *testing.T) (*netdev.World, *netdev.SimLoop) {
	t.Helper()
	packettest.CheckBalance(t)
	loop := netdev.NewSimLoop(time.Unix(0, 0))
	w := netdev.NewWorld(netdev.Options{Loop: loop})
	t.Cleanup(w.Close)
	testSink.got, testSink.on = nil, nil
	return w, loop
}

func frame(t *testing.T, dst []byte, payload string) *packet.Buffer {
	b, err := packet.New(packet.DefaultHeadroom, 64)
	if err != nil {
		t.Fatal(err)
	}
	copy(b.Put(len(payload)), payload)
	return b
}

func TestVethAcrossNamespaces(t *testing.T) {
	w, loop := newWorld(t)
	a := w.Init()
	bns, err := w.AddNamespace("b")
	if err != nil {
		t.Fatal(err)
	}
	v0, err := a.NewLink(&netdev.LinkRequest{Name: "v0", Kind: "veth", Up: up(),
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "v1", NetNS: "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	v1 := bns.DeviceByName("v1")
	if v1 == nil || netdev.VethPeerOf(v0) != v1 {
		t.Fatal("peer not created in namespace b")
	}
	// Both ends have ifindex 2 in their namespaces, so, as in Linux's
	// default_operstate, iflink == ifindex and the state is DOWN, not
	// LOWERLAYERDOWN.
	if v0.Flags()&netdev.FlagRunning != 0 || v0.OperState() != netdev.OperDown {
		t.Fatalf("v0 with peer down: flags %v oper %v", v0.Flags(), v0.OperState())
	}
	if err := bns.Open(v1); err != nil {
		t.Fatal(err)
	}
	if v0.OperState() != netdev.OperUp || v0.Flags()&netdev.FlagLowerUp == 0 {
		t.Fatalf("v0 with peer up: oper %v flags %v", v0.OperState(), v0.Flags())
	}
	b := frame(t, nil, "")
	netdev.PushEthernet(v0, b, v1.HardwareAddr(), testEthertype)
	copy(b.Put(5), "hello")
	b.Mark = 9
	if err := v0.Transmit(b); err != nil {
		t.Fatal(err)
	}
	if len(testSink.got) != 0 {
		t.Fatal("delivered before the loop ran: veth must go through the backlog")
	}
	loop.Run()
	if len(testSink.got) != 1 || testSink.got[0] != "hello" || testSink.on[0] != "b/v1" {
		t.Fatalf("got %q on %q", testSink.got, testSink.on)
	}
	if s := v0.Stats.Snapshot(); s.TxPackets != 1 || s.TxBytes != 19 {
		t.Fatalf("v0 stats %+v", s)
	}
	if s := v1.Stats.Snapshot(); s.RxPackets != 1 || s.RxBytes != 19 {
		t.Fatalf("v1 stats %+v", s)
	}
	// Deleting namespace b deletes v1 and, with it, v0.
	if err := w.DelNamespace("b"); err != nil {
		t.Fatal(err)
	}
	if a.DeviceByName("v0") != nil || !v0.IsDead() {
		t.Fatal("v0 survived its peer's namespace")
	}
}

func TestDropsAreCounted(t *testing.T) {
	w, loop := newWorld(t)
	ns := w.Init()
	v0, _ := ns.NewLink(&netdev.LinkRequest{Name: "v0", Kind: "veth", Up: up(),
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "v1"}}})
	v1 := ns.DeviceByName("v1")
	if v0.OperState() != netdev.OperLowerLayerDown {
		t.Fatalf("v0 with peer down: %v, want LOWERLAYERDOWN", v0.OperState())
	}
	// Peer down: tx_dropped with DEV_READY.
	b := frame(t, nil, "x")
	netdev.PushEthernet(v0, b, v1.HardwareAddr(), testEthertype)
	v0.Transmit(b)
	if v0.Stats.TxDropped.Load() != 1 || v0.Drops.Get(netdev.DropDevReady) != 1 {
		t.Fatal("drop to a down peer not counted")
	}
	ns.Open(v1)
	// Unknown ethertype: rx_nohandler and UNHANDLED_PROTO.
	b = frame(t, nil, "x")
	netdev.PushEthernet(v0, b, v1.HardwareAddr(), 0x9999)
	v0.Transmit(b)
	// Runt: rx_length_errors.
	b = frame(t, nil, "short")
	v0.Transmit(b)
	loop.Run()
	if v1.Stats.RxNoHandler.Load() != 1 || v1.Drops.Get(netdev.DropUnhandledProto) != 1 {
		t.Fatal("unhandled protocol not counted")
	}
	if v0.Stats.Snapshot().TxPackets != 1 || v1.Stats.RxLengthErrors.Load() != 1 {
		t.Fatalf("runt not counted: %+v", v1.Stats.Snapshot())
	}
	// Down device: Transmit refuses with ErrNetDown.
	ns.Close(v0)
	b = frame(t, nil, "x")
	if err := v0.Transmit(b); !errors.Is(err, netdev.ErrNetDown) {
		t.Fatalf("Transmit on down device: %v", err)
	}
}

func TestNamesAndErrors(t *testing.T) {
	w, _ := newWorld(t)
	ns := w.Init()
	for _, tc := range []struct {
		req   netdev.LinkRequest
		want  string
		errno syscall.Errno
	}{
		{netdev.LinkRequest{Name: "dum%d", Kind: "dummy"}, "dum0", 0},
		{netdev.LinkRequest{Name: "dum%d", Kind: "dummy"}, "dum1", 0},
		{netdev.LinkRequest{Kind: "dummy"}, "dummy0", 0},
		{netdev.LinkRequest{Name: "dum0", Kind: "dummy"}, "", syscall.EEXIST},
		{netdev.LinkRequest{Name: "abcdefghijklmnop", Kind: "dummy"}, "", syscall.EINVAL},
		{netdev.LinkRequest{Name: "a/b", Kind: "dummy"}, "", syscall.EINVAL},
		{netdev.LinkRequest{Name: "x", Kind: "nosuch"}, "", syscall.EOPNOTSUPP},
		{netdev.LinkRequest{Name: "lo", Kind: "dummy"}, "", syscall.EEXIST},
	} {
		d, err := ns.NewLink(&tc.req)
		if tc.errno != 0 {
			if extack.ErrnoOf(err) != tc.errno {
				t.Errorf("%+v: err %v, want %v", tc.req, err, tc.errno)
			}
			continue
		}
		if err != nil || d.Name() != tc.want {
			t.Errorf("%+v: got %v %v, want %s", tc.req, d, err, tc.want)
		}
	}
	if ifi := ns.DeviceByName("dum0").Index(); ifi != 2 {
		t.Errorf("dum0 ifindex %d, want 2 (lo is 1)", ifi)
	}
	v, _ := ns.NewLink(&netdev.LinkRequest{Name: "v0", Kind: "veth"})
	big, small := uint32(70000), uint32(67)
	if err := ns.SetLink(v, &netdev.LinkRequest{MTU: &big}); extack.MessageOf(err) != "mtu greater than device maximum" {
		t.Errorf("mtu 70000: %v", err)
	}
	if err := ns.SetLink(v, &netdev.LinkRequest{MTU: &small}); extack.MessageOf(err) != "mtu less than device minimum" {
		t.Errorf("mtu 67: %v", err)
	}
	if err := ns.DelLink(ns.Loopback()); extack.ErrnoOf(err) != syscall.EOPNOTSUPP {
		t.Errorf("deleting lo: %v", err)
	}
}

func TestNotifierVeto(t *testing.T) {
	w, _ := newWorld(t)
	ns := w.Init()
	var seen []netdev.Event
	cancel := ns.Subscribe(func(ev netdev.Event, d *netdev.Device) error {
		seen = append(seen, ev)
		if ev == netdev.EventChangeMTU && d.MTU() == 1300 {
			return extack.New(syscall.EINVAL, "vetoed")
		}
		if ev == netdev.EventPreUp && d.Name() == "nope" {
			return extack.New(syscall.EPERM, "no up")
		}
		return nil
	})
	defer cancel()
	d, _ := ns.NewLink(&netdev.LinkRequest{Name: "d0", Kind: "dummy", Up: up()})
	m := uint32(1300)
	if err := ns.SetLink(d, &netdev.LinkRequest{MTU: &m}); err == nil || d.MTU() != 1500 {
		t.Fatalf("veto of CHANGEMTU not honoured: err %v mtu %d", err, d.MTU())
	}
	n, _ := ns.NewLink(&netdev.LinkRequest{Name: "nope", Kind: "dummy"})
	if err := ns.Open(n); err == nil || n.IsUp() {
		t.Fatal("veto of PRE_UP not honoured")
	}
	ns.DelLink(d)
	want := []netdev.Event{netdev.EventRegister, netdev.EventPreUp, netdev.EventUp,
		netdev.EventPreChangeMTU, netdev.EventChangeMTU, netdev.EventChangeMTU,
		netdev.EventRegister, netdev.EventPreUp,
		netdev.EventGoingDown, netdev.EventDown, netdev.EventUnregister}
	if len(seen) != len(want) {
		t.Fatalf("events %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("events %v, want %v", seen, want)
		}
	}
}

func TestSimLoopTimersInOrder(t *testing.T) {
	_, loop := newWorld(t)
	var order []int
	loop.AfterFunc(3*time.Second, func() { order = append(order, 3) })
	loop.AfterFunc(time.Second, func() { order = append(order, 1) })
	tm := loop.AfterFunc(2*time.Second, func() { order = append(order, 2) })
	tm.Stop()
	loop.RunFor(5 * time.Second)
	if len(order) != 2 || order[0] != 1 || order[1] != 3 {
		t.Fatalf("order %v", order)
	}
	if got := loop.Now(); !got.Equal(time.Unix(5, 0)) {
		t.Fatalf("clock %v", got)
	}
}

func TestDummyFlagsAndOperstate(t *testing.T) {
	w, _ := newWorld(t)
	ns := w.Init()
	d, _ := ns.NewLink(&netdev.LinkRequest{Name: "d0", Kind: "dummy"})
	if d.QdiscName() != "noop" || d.OperState() != netdev.OperDown {
		t.Fatalf("fresh dummy: qdisc %s oper %v", d.QdiscName(), d.OperState())
	}
	ns.Open(d)
	if got := d.Flags().String(); got != "BROADCAST,NOARP,UP,LOWER_UP" {
		t.Fatalf("flags %q", got)
	}
	if d.OperState() != netdev.OperUnknown || d.QdiscName() != "noqueue" {
		t.Fatalf("up dummy: oper %v qdisc %s", d.OperState(), d.QdiscName())
	}
	lo := ns.Loopback()
	if lo.Index() != 1 || lo.MTU() != 65536 || lo.Flags().String() != "LOOPBACK" {
		t.Fatalf("lo: %d %d %s", lo.Index(), lo.MTU(), lo.Flags())
	}
}

func TestLinuxMTUAndNameQuirks(t *testing.T) {
	w, _ := newWorld(t)
	ns := w.Init()
	if _, err := ns.NewLink(&netdev.LinkRequest{Name: "abcdefghijklmnop", Kind: "dummy"}); extack.MessageOf(err) != "Attribute failed policy validation" {
		t.Errorf("16-byte name: %v", err)
	}
	if _, err := ns.NewLink(&netdev.LinkRequest{Name: "abcdefghijklmno", Kind: "dummy"}); err != nil {
		t.Errorf("15-byte name: %v", err)
	}
	d, _ := ns.NewLink(&netdev.LinkRequest{Name: "d0", Kind: "dummy"})
	neg := uint32(0xFFFFFFFF) // ip link set d0 mtu -1
	if err := ns.SetLink(d, &netdev.LinkRequest{MTU: &neg}); extack.MessageOf(err) != "mtu less than device minimum" {
		t.Errorf("mtu -1: %v", err)
	}
	big := uint32(70000) // dummy and lo have no maximum
	if err := ns.SetLink(ns.Loopback(), &netdev.LinkRequest{MTU: &big}); err != nil || ns.Loopback().MTU() != 70000 {
		t.Errorf("lo mtu 70000: %v", err)
	}
	alias := "uplink one"
	if err := ns.SetLink(d, &netdev.LinkRequest{Alias: &alias}); err != nil || d.Alias() != alias {
		t.Errorf("alias: %v %q", err, d.Alias())
	}
}

func TestUnmanagedCarrierIsOn(t *testing.T) {
	w, _ := newWorld(t)
	ns := w.Init()
	d, _ := ns.NewLink(&netdev.LinkRequest{Name: "d0", Kind: "dummy", Up: up()})
	if d.Flags()&netdev.FlagRunning == 0 || !d.Carrier() {
		t.Fatalf("dummy up without RUNNING: %v", d.Flags())
	}
}

func TestSimLoopBacklogAllocatesNothing(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	w, loop := newWorld(t)
	ns := w.Init()
	v0, _ := ns.NewLink(&netdev.LinkRequest{Name: "v0", Kind: "veth", Up: up(),
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "v1", Up: up()}}})
	v1 := ns.DeviceByName("v1")
	ns.Open(v1)
	send := func() {
		b, _ := packet.New(packet.DefaultHeadroom, 64)
		netdev.PushEthernet(v0, b, v1.HardwareAddr(), 0x9999)
		v0.Transmit(b)
		loop.Run()
	}
	send()
	if n := testing.AllocsPerRun(200, send); n != 0 {
		t.Fatalf("allocs per veth hand-off = %v, want 0", n)
	}
}
