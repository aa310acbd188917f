package inet_test

import (
	"net/netip"
	"syscall"
	"testing"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
)

func TestDisableIPv6(t *testing.T) {
	packettest.CheckBalance(t)
	w := netdev.NewWorld(netdev.Options{})
	defer w.Close()
	ns := w.Init()
	up := true
	d, err := ns.NewLink(&netdev.LinkRequest{Name: "d0", Kind: "dummy", Address: netdev.HWAddr{2, 0, 0, 0, 0, 1}, Up: &up})
	if err != nil {
		t.Fatal(err)
	}
	if len(inet.Addrs(ns, d.Index(), inet.FamilyV6)) == 0 {
		t.Fatal("no link-local address on an up dummy")
	}
	if err := ns.SetSysctl("net.ipv6.conf.all.disable_ipv6", "1"); err != nil {
		t.Fatal(err)
	}
	if n := len(inet.Addrs(ns, 0, inet.FamilyV6)); n != 0 {
		t.Fatalf("%d IPv6 addresses left after disable_ipv6=1", n)
	}
	err = inet.AddAddr(ns, inet.Addr{Ifindex: d.Index(), Prefix: netip.MustParsePrefix("2001:db8::1/64")}, false)
	if extack.ErrnoOf(err) != syscall.EACCES {
		t.Fatalf("adding an IPv6 address while disabled: %v", err)
	}
	if err := ns.SetSysctl("net.ipv6.conf.all.disable_ipv6", "0"); err != nil {
		t.Fatal(err)
	}
	got := inet.Addrs(ns, d.Index(), inet.FamilyV6)
	if len(got) != 1 || got[0].Prefix.Addr() != netip.MustParseAddr("fe80::ff:fe00:1") {
		t.Fatalf("after re-enabling: %v", got)
	}
}

func TestISATAPLinkLocal(t *testing.T) {
	for _, tc := range []struct{ local, want string }{
		{"192.0.2.1", "fe80::5efe:c000:201"},         // TEST-NET-1: local scope
		{"198.51.100.2", "fe80::200:5efe:c633:6402"}, // TEST-NET-2: global
		{"10.1.2.3", "fe80::5efe:a01:203"},           // RFC 1918: local scope (the range table itself)
	} {
		got, ok := inet.ISATAPLinkLocal(netip.MustParseAddr(tc.local))
		if !ok || got != netip.MustParseAddr(tc.want) {
			t.Errorf("%s: %v %v, want %s", tc.local, got, ok, tc.want)
		}
	}
	if _, ok := inet.ISATAPLinkLocal(netip.IPv4Unspecified()); ok {
		t.Error("0.0.0.0 got a link-local address")
	}
}
