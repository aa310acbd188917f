package macvtap_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
	"github.com/softnet/softnet/netdev"
)

func addAddr(t *testing.T, ns *netdev.Namespace, dev, prefix string) {
	t.Helper()
	d := ns.DeviceByName(dev)
	if err := inet.AddAddr(ns, inet.Addr{Ifindex: d.Index(), Prefix: netip.MustParsePrefix(prefix)}, false); err != nil {
		t.Fatal(err)
	}
}

func ping(t *testing.T, e *env, from *netdev.Namespace, to string, count int) int {
	t.Helper()
	replies := 0
	c, err := inet.DialICMP(from, inet.FamilyV4, func(ev inet.EchoEvent) {
		if ev.Reply {
			replies++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range count {
		if err := c.SendEcho(netip.MustParseAddr(to), inet.EchoOpts{ID: 1, Seq: uint16(i + 1)}); err != nil {
			t.Fatal(err)
		}
		e.loop.RunFor(time.Second)
	}
	return replies
}

// TestGuestPings is the lab's guest endpoint: a tapguest NIC in namespace
// vm behind macvtap0 pings the lower device's peer and back, and a
// second guest on a bridge-mode sibling.
func TestGuestPings(t *testing.T) {
	e := newEnv(t)
	e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	e.macvtap(t, "macvtap1", macvlan.ModeBridge, mac1)
	for i, name := range []string{"vm0", "vm1"} {
		vm, err := e.w.AddNamespace(name)
		if err != nil {
			t.Fatal(err)
		}
		quiet(vm)
		d, err := e.ns.NewLink(&netdev.LinkRequest{Name: name, Kind: "tapguest", Link: []string{"macvtap0", "macvtap1"}[i]})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ns.SetLink(d, &netdev.LinkRequest{NetNS: name}); err != nil {
			t.Fatal(err)
		}
		if err := vm.SetLink(d, &netdev.LinkRequest{Up: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		addAddr(t, vm, name, []string{"192.0.2.20/24", "192.0.2.21/24"}[i])
	}
	addAddr(t, e.peer, "eth0", "192.0.2.1/24")
	vm0, vm1 := e.w.Namespace("vm0"), e.w.Namespace("vm1")
	if n := ping(t, e, vm0, "192.0.2.1", 3); n != 3 {
		t.Fatalf("vm0 → peer: %d/3 replies", n)
	}
	if n := ping(t, e, e.peer, "192.0.2.20", 3); n != 3 {
		t.Fatalf("peer → vm0: %d/3 replies", n)
	}
	if n := ping(t, e, vm0, "192.0.2.21", 3); n != 3 {
		t.Fatalf("vm0 → vm1 (bridge): %d/3 replies", n)
	}
	info := vm1.DeviceByName("vm1").Kind().(netdev.InfoFiller).LinkInfo(vm1.DeviceByName("vm1")).(*macvtap.GuestInfo)
	if info.Tap != "tap4" {
		t.Fatalf("guest info %+v", info)
	}
	// Deleting the macvtap takes the guest's carrier away.
	if err := e.ns.DelLink(e.ns.DeviceByName("macvtap1")); err != nil {
		t.Fatal(err)
	}
	if vm1.DeviceByName("vm1").Carrier() {
		t.Fatal("guest kept carrier after its macvtap was deleted")
	}
	if n := ping(t, e, vm0, "192.0.2.21", 1); n != 0 {
		t.Fatal("reply from a guest whose macvtap is gone")
	}
}
