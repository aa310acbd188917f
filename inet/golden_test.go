package inet_test

import (
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
)

// The tests here replay parts of testdata/golden (Linux 6.1) through the
// API and compare with what ip printed, using a small formatter that
// mimics ip route / ip addr for the fields involved.

func routeLine(ns *netdev.Namespace, r inet.Route, showTable bool) string {
	var b strings.Builder
	if r.Type != inet.RouteUnicast {
		b.WriteString(r.Type.String() + " ")
	}
	if r.Dst.Bits() == 0 {
		b.WriteString("default")
	} else if (r.Dst.Addr().Is4() && r.Dst.Bits() == 32) || (r.Dst.Addr().Is6() && r.Dst.Bits() == 128) {
		b.WriteString(r.Dst.Addr().String())
	} else {
		b.WriteString(r.Dst.String())
	}
	if r.Gateway.IsValid() {
		b.WriteString(" via " + r.Gateway.String())
	}
	if r.Ifindex != 0 {
		b.WriteString(" dev " + ns.Device(r.Ifindex).Name())
	}
	if showTable && r.Table != inet.TableMain {
		fmt.Fprintf(&b, " table %s", map[uint32]string{255: "local"}[r.Table]+tableNum(r.Table))
	}
	switch r.Protocol {
	case inet.ProtoKernel:
		b.WriteString(" proto kernel")
	case inet.ProtoStatic:
		b.WriteString(" proto static")
	}
	if r.Family == 4 {
		if r.Scope != inet.ScopeUniverse {
			b.WriteString(" scope " + r.Scope.String())
		}
		if r.PrefSrc.IsValid() {
			b.WriteString(" src " + r.PrefSrc.String())
		}
		if r.Metric != 0 {
			fmt.Fprintf(&b, " metric %d", r.Metric)
		}
	} else {
		fmt.Fprintf(&b, " metric %d", r.Metric)
	}
	if r.MTU != 0 {
		if r.MTULock {
			fmt.Fprintf(&b, " mtu lock %d", r.MTU)
		} else {
			fmt.Fprintf(&b, " mtu %d", r.MTU)
		}
	}
	if r.Family == 6 {
		b.WriteString(" pref medium")
	}
	return b.String()
}

func tableNum(t uint32) string {
	if t == 255 {
		return ""
	}
	return fmt.Sprint(t)
}

func routeLines(ns *netdev.Namespace, f inet.RouteFilter) []string {
	var out []string
	for _, r := range inet.Routes(ns, f) {
		out = append(out, routeLine(ns, r, f.Table == 0))
	}
	return out
}

func addrLines(ns *netdev.Namespace, ifindex int32, family int) []string {
	var out []string
	for _, a := range inet.Addrs(ns, ifindex, family) {
		s := a.Prefix.String()
		if a.Peer.IsValid() {
			s = a.Prefix.Addr().String() + " peer " + a.Peer.String()
		}
		if a.Broadcast.IsValid() {
			s += " brd " + a.Broadcast.String()
		}
		s += " scope " + a.Scope.String()
		if a.Flags&inet.AddrSecondary != 0 {
			s += " secondary"
		}
		if a.Flags&inet.AddrTentative != 0 {
			s += " tentative"
		}
		if a.Label != "" {
			s += " " + a.Label
		}
		out = append(out, s)
	}
	return out
}

type goldenNS struct {
	t  *testing.T
	w  *netdev.World
	ns *netdev.Namespace
}

func newGolden(t *testing.T) *goldenNS {
	packettest.CheckBalance(t)
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	return &goldenNS{t, w, w.Init()}
}

func (g *goldenNS) dummy(name, mac string) *netdev.Device {
	hw, _ := netdev.ParseHWAddr(mac)
	d, err := g.ns.NewLink(&netdev.LinkRequest{Name: name, Kind: "dummy", Address: hw})
	if err != nil {
		g.t.Fatal(err)
	}
	return d
}

func (g *goldenNS) up(d *netdev.Device) {
	if err := g.ns.Open(d); err != nil {
		g.t.Fatal(err)
	}
}

func (g *goldenNS) addr(d *netdev.Device, a inet.Addr) error {
	a.Ifindex = d.Index()
	return inet.AddAddr(g.ns, a, false)
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

func diff(t *testing.T, what string, got, want []string) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

func TestGoldenAddrIPv4(t *testing.T) {
	g := newGolden(t)
	d := g.dummy("d0", "02:00:00:00:00:01")
	for _, a := range []inet.Addr{
		{Prefix: pfx("192.0.2.1/24")},
		{Prefix: pfx("192.0.2.2/24")},
		{Prefix: pfx("198.51.100.1/24"), Broadcast: ip("198.51.100.255")},
		{Prefix: pfx("198.51.100.77/25"), Broadcast: ip("198.51.100.127"), Label: "d0:1"},
		{Prefix: pfx("203.0.113.129/32"), Peer: pfx("203.0.113.130/32")},
		{Prefix: pfx("203.0.113.65/32"), Scope: inet.ScopeLink},
		{Prefix: pfx("203.0.113.1/24"), Scope: inet.ScopeHost},
		{Prefix: pfx("203.0.113.200/32")},
	} {
		if err := g.addr(d, a); err != nil {
			t.Fatal(err)
		}
	}
	diff(t, "ip addr", addrLines(g.ns, d.Index(), 4), []string{
		"203.0.113.1/24 scope host d0",
		"203.0.113.65/32 scope link d0",
		"192.0.2.1/24 scope global d0",
		"198.51.100.1/24 brd 198.51.100.255 scope global d0",
		"198.51.100.77/25 brd 198.51.100.127 scope global d0:1",
		"203.0.113.129 peer 203.0.113.130/32 scope global d0",
		"203.0.113.200/32 scope global d0",
		"192.0.2.2/24 scope global secondary d0",
	})
	diff(t, "main while down", routeLines(g.ns, inet.RouteFilter{Table: inet.TableMain}), nil)
	diff(t, "local while down", routeLines(g.ns, inet.RouteFilter{Table: inet.TableLocal}), []string{
		"local 192.0.2.1 dev d0 proto kernel scope host src 192.0.2.1",
		"local 192.0.2.2 dev d0 proto kernel scope host src 192.0.2.1",
		"local 198.51.100.1 dev d0 proto kernel scope host src 198.51.100.1",
		"local 198.51.100.77 dev d0 proto kernel scope host src 198.51.100.77",
		"local 203.0.113.1 dev d0 proto kernel scope host src 203.0.113.1",
		"local 203.0.113.65 dev d0 proto kernel scope host src 203.0.113.65",
		"local 203.0.113.129 dev d0 proto kernel scope host src 203.0.113.129",
		"local 203.0.113.200 dev d0 proto kernel scope host src 203.0.113.200",
	})
	g.up(d)
	diff(t, "main", routeLines(g.ns, inet.RouteFilter{Table: inet.TableMain, Family: 4}), []string{
		"192.0.2.0/24 dev d0 proto kernel scope link src 192.0.2.1",
		"198.51.100.0/25 dev d0 proto kernel scope link src 198.51.100.77",
		"198.51.100.0/24 dev d0 proto kernel scope link src 198.51.100.1",
		"203.0.113.0/24 dev d0 proto kernel scope link src 203.0.113.1",
		"203.0.113.130 dev d0 proto kernel scope link src 203.0.113.129",
	})
	diff(t, "local", routeLines(g.ns, inet.RouteFilter{Table: inet.TableLocal, Family: 4}), []string{
		"local 192.0.2.1 dev d0 proto kernel scope host src 192.0.2.1",
		"local 192.0.2.2 dev d0 proto kernel scope host src 192.0.2.1",
		"broadcast 192.0.2.255 dev d0 proto kernel scope link src 192.0.2.1",
		"local 198.51.100.1 dev d0 proto kernel scope host src 198.51.100.1",
		"local 198.51.100.77 dev d0 proto kernel scope host src 198.51.100.77",
		"broadcast 198.51.100.127 dev d0 proto kernel scope link src 198.51.100.77",
		"broadcast 198.51.100.255 dev d0 proto kernel scope link src 198.51.100.1",
		"local 203.0.113.1 dev d0 proto kernel scope host src 203.0.113.1",
		"local 203.0.113.65 dev d0 proto kernel scope host src 203.0.113.65",
		"local 203.0.113.129 dev d0 proto kernel scope host src 203.0.113.129",
		"local 203.0.113.200 dev d0 proto kernel scope host src 203.0.113.200",
		"broadcast 203.0.113.255 dev d0 proto kernel scope link src 203.0.113.1",
	})
	diff(t, "ipv6 after up", addrLines(g.ns, d.Index(), 6), []string{"fe80::ff:fe00:1/64 scope link"})
}

func TestGoldenAddrErrorsAndDelete(t *testing.T) {
	g := newGolden(t)
	d := g.dummy("d0", "02:00:00:00:00:01")
	g.up(d)
	if err := g.addr(d, inet.Addr{Prefix: pfx("192.0.2.1/24")}); err != nil {
		t.Fatal(err)
	}
	if err := g.addr(d, inet.Addr{Prefix: pfx("192.0.2.1/24")}); extack.ErrnoOf(err) != syscall.EEXIST {
		t.Errorf("duplicate add: %v", err)
	}
	if err := inet.DelAddr(g.ns, inet.Addr{Ifindex: d.Index(), Prefix: pfx("192.0.2.99/24")}); extack.ErrnoOf(err) != syscall.EADDRNOTAVAIL {
		t.Errorf("absent delete: %v", err)
	}
	for _, s := range []string{"192.0.2.2/24", "192.0.2.3/24", "198.51.100.1/24"} {
		g.addr(d, inet.Addr{Prefix: pfx(s)})
	}
	inet.DelAddr(g.ns, inet.Addr{Ifindex: d.Index(), Prefix: pfx("192.0.2.2/24")})
	diff(t, "after deleting a secondary", addrLines(g.ns, d.Index(), 4), []string{
		"192.0.2.1/24 scope global d0", "198.51.100.1/24 scope global d0", "192.0.2.3/24 scope global secondary d0"})
	inet.DelAddr(g.ns, inet.Addr{Ifindex: d.Index(), Prefix: pfx("192.0.2.1/24")})
	diff(t, "after deleting the primary", addrLines(g.ns, d.Index(), 4), []string{"198.51.100.1/24 scope global d0"})
	diff(t, "routes", routeLines(g.ns, inet.RouteFilter{Table: inet.TableMain, Family: 4}),
		[]string{"198.51.100.0/24 dev d0 proto kernel scope link src 198.51.100.1"})
	g.addr(d, inet.Addr{Prefix: pfx("2001:db8::1/64"), Flags: inet.AddrNoDAD})
	if err := inet.FlushAddrs(g.ns, d.Index(), 0); err != nil {
		t.Fatal(err)
	}
	diff(t, "after flush", routeLines(g.ns, inet.RouteFilter{}), []string{
		"multicast ff00::/8 dev d0 table local proto kernel metric 256 pref medium"})
}

func TestGoldenRouteAddModify(t *testing.T) {
	g := newGolden(t)
	d0, d1 := g.dummy("d0", "02:00:00:00:00:01"), g.dummy("d1", "02:00:00:00:00:02")
	g.up(d0)
	g.up(d1)
	g.addr(d0, inet.Addr{Prefix: pfx("192.0.2.10/24")})
	g.addr(d1, inet.Addr{Prefix: pfx("198.51.100.10/24")})
	add := inet.RouteCreate | inet.RouteExcl
	rt := func(dst, gw string) inet.Route {
		r := inet.Route{Dst: pfx(dst), Protocol: inet.ProtoBoot}
		if gw != "" {
			r.Gateway = ip(gw)
		}
		return r
	}
	errs := []struct {
		r     inet.Route
		flags inet.RouteAddFlags
		errno syscall.Errno
		msg   string
	}{
		{rt("203.0.113.0/26", "192.0.2.1"), add, 0, ""},
		{rt("203.0.113.0/26", "192.0.2.1"), add, syscall.EEXIST, ""},
		{rt("203.0.113.0/26", "198.51.100.1"), add, syscall.EEXIST, ""},
		{rt("203.0.113.0/26", "198.51.100.1"), inet.RouteCreate | inet.RouteReplace, 0, ""},
		{rt("203.0.113.64/26", "192.0.2.2"), inet.RouteCreate | inet.RouteReplace, 0, ""},
		{func() inet.Route { r := rt("203.0.113.64/26", "192.0.2.3"); r.MTU = 1280; return r }(), inet.RouteReplace, 0, ""},
		{rt("203.0.113.192/26", "192.0.2.3"), inet.RouteReplace, syscall.ENOENT, ""},
		{rt("203.0.113.64/26", "198.51.100.2"), inet.RouteCreate | inet.RouteAppend, 0, ""},
		{rt("203.0.113.64/26", "198.51.100.3"), inet.RouteCreate, 0, ""},
		{rt("203.0.113.128/26", "203.0.113.250"), add, syscall.EINVAL, "Nexthop has invalid gateway"},
		{rt("203.0.113.128/26", "192.0.2.10"), add, 0, ""},
		{func() inet.Route { r := rt("203.0.113.128/26", "192.0.2.1"); r.Ifindex = d1.Index(); return r }(), add, syscall.EINVAL, "Nexthop has invalid gateway"},
		{rt("203.0.113.129/26", ""), add, syscall.EINVAL, "Invalid prefix for given prefix length"},
		{rt("203.0.113.128/26", ""), add, syscall.ENODEV, ""},
	}
	for i, e := range errs {
		err := inet.AddRoute(g.ns, e.r, e.flags)
		if extack.ErrnoOf(err) != e.errno && !(err == nil && e.errno == 0) || extack.MessageOf(err) != e.msg {
			t.Errorf("step %d: %v, want %v %q", i, err, e.errno, e.msg)
		}
	}
	diff(t, "main", routeLines(g.ns, inet.RouteFilter{Table: inet.TableMain, Family: 4}), []string{
		"192.0.2.0/24 dev d0 proto kernel scope link src 192.0.2.10",
		"198.51.100.0/24 dev d1 proto kernel scope link src 198.51.100.10",
		"203.0.113.0/26 via 198.51.100.1 dev d1",
		"203.0.113.64/26 via 198.51.100.3 dev d1",
		"203.0.113.64/26 via 192.0.2.3 dev d0 mtu 1280",
		"203.0.113.64/26 via 198.51.100.2 dev d1",
		"203.0.113.128/26 via 192.0.2.10 dev d0",
	})
	if err := inet.DelRoute(g.ns, inet.Route{Dst: pfx("203.0.113.192/26")}); extack.ErrnoOf(err) != syscall.ESRCH {
		t.Errorf("delete absent: %v", err)
	}
	if err := inet.DelRoute(g.ns, inet.Route{Dst: pfx("203.0.113.64/26"), Table: 100}); extack.MessageOf(err) != "FIB table does not exist" {
		t.Errorf("delete in absent table: %v", err)
	}
	if err := inet.DelRoute(g.ns, inet.Route{Dst: pfx("203.0.113.64/26"), Gateway: ip("198.51.100.2")}); err != nil {
		t.Error(err)
	}
	g.ns.Close(d1)
	diff(t, "after d1 down", routeLines(g.ns, inet.RouteFilter{Table: inet.TableMain, Family: 4}), []string{
		"192.0.2.0/24 dev d0 proto kernel scope link src 192.0.2.10",
		"203.0.113.64/26 via 192.0.2.3 dev d0 mtu 1280",
		"203.0.113.128/26 via 192.0.2.10 dev d0",
	})
}

func TestGoldenRouteTypesAndGet(t *testing.T) {
	g := newGolden(t)
	g.up(g.ns.Loopback())
	d := g.dummy("d0", "02:00:00:00:00:01")
	g.up(d)
	g.addr(d, inet.Addr{Prefix: pfx("192.0.2.10/24")})
	for _, x := range []struct {
		t   inet.RouteType
		dst string
	}{{inet.RouteBlackhole, "203.0.113.0/27"}, {inet.RouteUnreachable, "203.0.113.32/27"},
		{inet.RouteProhibit, "203.0.113.64/27"}, {inet.RouteThrow, "203.0.113.96/27"},
		{inet.RouteBlackhole, "2001:db8:dead::/48"}, {inet.RouteUnreachable, "2001:db8:beef::/48"},
		{inet.RouteProhibit, "2001:db8:cafe::/48"}} {
		if err := inet.AddRoute(g.ns, inet.Route{Dst: pfx(x.dst), Type: x.t}, inet.RouteCreate|inet.RouteExcl); err != nil {
			t.Fatal(err)
		}
	}
	inet.AddRoute(g.ns, inet.Route{Dst: pfx("0.0.0.0/0"), Type: inet.RouteUnreachable}, inet.RouteCreate|inet.RouteExcl)
	diff(t, "v6 main", routeLines(g.ns, inet.RouteFilter{Table: inet.TableMain, Family: 6}), []string{
		"unreachable 2001:db8:beef::/48 dev lo metric 1024 pref medium",
		"prohibit 2001:db8:cafe::/48 dev lo metric 1024 pref medium",
		"blackhole 2001:db8:dead::/48 dev lo metric 1024 pref medium",
		"fe80::/64 dev d0 proto kernel metric 256 pref medium",
	})
	for dst, want := range map[string]syscall.Errno{
		"203.0.113.5": syscall.EINVAL, "203.0.113.37": syscall.EHOSTUNREACH, "203.0.113.69": syscall.EACCES,
		"203.0.113.101": syscall.ENETUNREACH, "198.51.100.5": syscall.EHOSTUNREACH,
		"2001:db8:dead::1": syscall.EINVAL, "2001:db8:beef::1": syscall.EHOSTUNREACH,
	} {
		if _, err := inet.RouteGet(g.ns, inet.RouteGetRequest{Dst: ip(dst)}); extack.ErrnoOf(err) != want {
			t.Errorf("route get %s: %v, want %v", dst, err, want)
		}
	}
	inet.DelRoute(g.ns, inet.Route{Dst: pfx("0.0.0.0/0"), Type: inet.RouteUnreachable})
	inet.AddRoute(g.ns, inet.Route{Dst: pfx("203.0.113.128/27"), Gateway: ip("192.0.2.1")}, inet.RouteCreate|inet.RouteExcl)
	g.addr(d, inet.Addr{Prefix: pfx("2001:db8::10/64"), Flags: inet.AddrNoDAD})
	gets := []struct {
		req                   inet.RouteGetRequest
		typ                   inet.RouteType
		dev, src, gw, flagstr string
	}{
		{inet.RouteGetRequest{Dst: ip("203.0.113.133")}, inet.RouteUnicast, "d0", "192.0.2.10", "192.0.2.1", ""},
		{inet.RouteGetRequest{Dst: ip("192.0.2.77")}, inet.RouteUnicast, "d0", "192.0.2.10", "", ""},
		{inet.RouteGetRequest{Dst: ip("192.0.2.10")}, inet.RouteLocal, "lo", "192.0.2.10", "", "local"},
		{inet.RouteGetRequest{Dst: ip("127.1.2.3")}, inet.RouteLocal, "lo", "127.0.0.1", "", "local"},
		{inet.RouteGetRequest{Dst: ip("192.0.2.255")}, inet.RouteBroadcast, "d0", "192.0.2.10", "", "local,brd"},
		{inet.RouteGetRequest{Dst: ip("2001:db8::1")}, inet.RouteUnicast, "d0", "2001:db8::10", "", ""},
		{inet.RouteGetRequest{Dst: ip("2001:db8::10")}, inet.RouteLocal, "lo", "2001:db8::10", "", "local"},
		{inet.RouteGetRequest{Dst: ip("fe80::1")}, inet.RouteUnicast, "d0", "fe80::ff:fe00:1", "", ""},
	}
	for _, x := range gets {
		res, err := inet.RouteGet(g.ns, x.req)
		if err != nil {
			t.Errorf("route get %v: %v", x.req.Dst, err)
			continue
		}
		gw := ""
		if res.Gateway.IsValid() {
			gw = res.Gateway.String()
		}
		got := fmt.Sprint(res.Type, " ", g.ns.Device(res.Ifindex).Name(), " ", res.PrefSrc, " ", gw, " ", strings.Join(res.CacheFlags, ","))
		want := fmt.Sprint(x.typ, " ", x.dev, " ", x.src, " ", x.gw, " ", x.flagstr)
		if got != want {
			t.Errorf("route get %v = %q, want %q", x.req.Dst, got, want)
		}
	}
	if _, err := inet.RouteGet(g.ns, inet.RouteGetRequest{Dst: ip("203.0.113.133"), Src: ip("198.51.100.1")}); extack.ErrnoOf(err) != syscall.ENETUNREACH {
		t.Errorf("from a foreign address: %v", err)
	}
	if _, err := inet.RouteGet(g.ns, inet.RouteGetRequest{Dst: ip("203.0.113.133"), Iif: "d0", Src: ip("198.51.100.1")}); extack.ErrnoOf(err) != syscall.EHOSTUNREACH {
		t.Errorf("iif without forwarding: %v", err)
	}
}

func TestGoldenLoopbackAndIPv6(t *testing.T) {
	g := newGolden(t)
	lo := g.ns.Loopback()
	g.up(lo)
	diff(t, "lo addrs", addrLines(g.ns, 1, 0), []string{"127.0.0.1/8 scope host lo", "::1/128 scope host"})
	diff(t, "local", routeLines(g.ns, inet.RouteFilter{Table: inet.TableLocal}), []string{
		"local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1",
		"local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1",
		"broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1",
		"local ::1 dev lo proto kernel metric 0 pref medium",
	})
	g.ns.Close(lo)
	diff(t, "lo down addrs", addrLines(g.ns, 1, 0), []string{"127.0.0.1/8 scope host lo"})
	diff(t, "lo down routes", routeLines(g.ns, inet.RouteFilter{}), []string{
		"local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1",
		"local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1",
	})

	d := g.dummy("d0", "02:00:00:00:00:01")
	g.addr(d, inet.Addr{Prefix: pfx("2001:db8::1/64")})
	diff(t, "v6 down", addrLines(g.ns, d.Index(), 6), []string{"2001:db8::1/64 scope global"})
	g.up(d)
	g.addr(d, inet.Addr{Prefix: pfx("2001:db8:0:1::5/64")})
	g.addr(d, inet.Addr{Prefix: pfx("2001:db8:0:2::5/64"), Flags: inet.AddrNoDAD})
	diff(t, "v6 addrs", addrLines(g.ns, d.Index(), 6), []string{
		"2001:db8:0:2::5/64 scope global", "2001:db8:0:1::5/64 scope global",
		"2001:db8::1/64 scope global", "fe80::ff:fe00:1/64 scope link"})
	diff(t, "v6 main", routeLines(g.ns, inet.RouteFilter{Table: inet.TableMain, Family: 6}), []string{
		"2001:db8::/64 dev d0 proto kernel metric 256 pref medium",
		"2001:db8:0:1::/64 dev d0 proto kernel metric 256 pref medium",
		"2001:db8:0:2::/64 dev d0 proto kernel metric 256 pref medium",
		"fe80::/64 dev d0 proto kernel metric 256 pref medium",
	})
	if err := inet.AddRoute(g.ns, inet.Route{Dst: pfx("2001:db8:5::/64"), Gateway: ip("2001:db8:9::1")}, inet.RouteCreate|inet.RouteExcl); extack.ErrnoOf(err) != syscall.EHOSTUNREACH {
		t.Errorf("unreachable v6 gateway: %v", err)
	}
}

func TestDADOnVeth(t *testing.T) {
	g := newGolden(t)
	v1, _ := netdev.ParseHWAddr("02:00:00:00:00:a1")
	v0, _ := netdev.ParseHWAddr("02:00:00:00:00:a0")
	d, err := g.ns.NewLink(&netdev.LinkRequest{Name: "v0", Kind: "veth", Address: v0,
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "v1", Address: v1}}})
	if err != nil {
		t.Fatal(err)
	}
	g.addr(d, inet.Addr{Prefix: pfx("2001:db8::1/64")})
	g.up(d)
	diff(t, "no carrier", addrLines(g.ns, d.Index(), 6), []string{"2001:db8::1/64 scope global tentative"})
	g.up(g.ns.DeviceByName("v1"))
	diff(t, "carrier", addrLines(g.ns, d.Index(), 6), []string{
		"2001:db8::1/64 scope global tentative", "fe80::ff:fe00:a0/64 scope link tentative"})
	g.w.Loop().(*netdev.SimLoop).RunFor(3e9)
	diff(t, "after DAD", addrLines(g.ns, d.Index(), 6), []string{
		"2001:db8::1/64 scope global", "fe80::ff:fe00:a0/64 scope link"})
}

func TestDADFailure(t *testing.T) {
	g := newGolden(t)
	v0, _ := netdev.ParseHWAddr("02:00:00:00:00:a0")
	d, err := g.ns.NewLink(&netdev.LinkRequest{Name: "v0", Kind: "veth", Address: v0,
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "v1"}}})
	if err != nil {
		t.Fatal(err)
	}
	peer := g.ns.DeviceByName("v1")
	g.up(peer)
	// The peer holds the address already.
	g.addr(peer, inet.Addr{Prefix: pfx("2001:db8::1/64"), Flags: inet.AddrNoDAD})
	g.addr(d, inet.Addr{Prefix: pfx("2001:db8::1/64")})
	g.up(d)
	g.w.Loop().(*netdev.SimLoop).RunFor(3e9)
	var flags []string
	for _, a := range inet.Addrs(g.ns, d.Index(), 6) {
		if a.Prefix == pfx("2001:db8::1/64") {
			flags = append(flags, fmt.Sprintf("%#x", uint32(a.Flags&(inet.AddrTentative|inet.AddrDADFailed))))
		}
	}
	if len(flags) != 1 || flags[0] != "0x48" {
		t.Errorf("flags %v, want tentative dadfailed", flags)
	}
}
