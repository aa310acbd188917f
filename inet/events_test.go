package inet_test

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
)

// eventLog records events as short lines and keeps the set of addresses
// and routes they imply, to compare with a dump.
type eventLog struct {
	lines  []string
	addrs  map[string]bool
	routes map[string]bool
}

func routeKey(r inet.Route) string {
	r.Flags &^= inet.RouteFlagLinkdown
	return fmt.Sprintf("%+v", r)
}

func addrKey(a inet.Addr) string { return fmt.Sprintf("%+v", a) }

func (l *eventLog) record(ev inet.Event) {
	switch ev.Type {
	case inet.EventNewAddr, inet.EventDelAddr:
		l.lines = append(l.lines, fmt.Sprintf("%s %d %s", ev.Type, ev.Ifindex, ev.Addr.Prefix))
		l.dropAddr(ev.Addr) // a changed address replaces its old version
		if ev.Type == inet.EventNewAddr {
			l.addrs[addrKey(ev.Addr)] = true
		}
	default:
		r := ev.Route
		l.lines = append(l.lines, fmt.Sprintf("%s %d %s table %d type %s", ev.Type, ev.Ifindex, r.Dst, r.Table, r.Type))
		if ev.Replace {
			delete(l.routes, routeKey(ev.Old))
		}
		if ev.Type == inet.EventNewRoute {
			l.routes[routeKey(r)] = true
		} else {
			delete(l.routes, routeKey(r))
		}
	}
}

// dropAddr forgets any version of the address (same device and prefix).
func (l *eventLog) dropAddr(a inet.Addr) {
	prefix := fmt.Sprintf("{Ifindex:%d Prefix:%s Peer:%s ", a.Ifindex, a.Prefix, a.Peer)
	for k := range l.addrs {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			delete(l.addrs, k)
		}
	}
}

func (l *eventLog) check(t *testing.T, ns *netdev.Namespace) {
	t.Helper()
	var gotA, wantA, gotR, wantR []string
	for k := range l.addrs {
		gotA = append(gotA, k)
	}
	for _, a := range inet.Addrs(ns, 0, 0) {
		wantA = append(wantA, addrKey(a))
	}
	for k := range l.routes {
		gotR = append(gotR, k)
	}
	for _, r := range inet.Routes(ns, inet.RouteFilter{}) {
		wantR = append(wantR, routeKey(r))
	}
	for _, s := range [][]string{gotA, wantA, gotR, wantR} {
		slices.Sort(s)
	}
	if d := cmp.Diff(wantA, gotA); d != "" {
		t.Errorf("addresses implied by events differ from the dump (-dump +events):\n%s", d)
	}
	if d := cmp.Diff(wantR, gotR); d != "" {
		t.Errorf("routes implied by events differ from the dump (-dump +events):\n%s", d)
	}
}

func subscribeLog(t *testing.T, g *goldenNS) *eventLog {
	l := &eventLog{addrs: map[string]bool{}, routes: map[string]bool{}}
	// Start from the current state, as a monitor would after a dump.
	g.w.Lock()
	for _, a := range inet.Addrs(g.ns, 0, 0) {
		l.addrs[addrKey(a)] = true
	}
	for _, r := range inet.Routes(g.ns, inet.RouteFilter{}) {
		l.routes[routeKey(r)] = true
	}
	g.w.Unlock()
	cancel := inet.Subscribe(g.ns, l.record)
	t.Cleanup(cancel)
	return l
}

func TestEventsAddrAndKernelRoutes(t *testing.T) {
	g := newGolden(t)
	l := subscribeLog(t, g)
	d := g.dummy("d0", "02:00:00:00:00:01")
	g.up(d)
	idx := d.Index()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	l.lines = nil
	must(inet.AddAddr(g.ns, inet.Addr{Ifindex: idx, Prefix: netip.MustParsePrefix("192.0.2.1/24"),
		Broadcast: netip.MustParseAddr("192.0.2.255")}, false))
	want := []string{
		"RTM_NEWADDR 2 192.0.2.1/24",
		"RTM_NEWROUTE 2 192.0.2.1/32 table 255 type local",
		"RTM_NEWROUTE 2 192.0.2.255/32 table 255 type broadcast",
		"RTM_NEWROUTE 2 192.0.2.0/24 table 254 type unicast",
	}
	if d := cmp.Diff(want, l.lines); d != "" {
		t.Errorf("add address (-want +got):\n%s", d)
	}
	l.check(t, g.ns)

	l.lines = nil
	must(inet.AddRoute(g.ns, inet.Route{Dst: netip.MustParsePrefix("198.51.100.0/24"),
		Gateway: netip.MustParseAddr("192.0.2.254"), Protocol: inet.ProtoBoot}, inet.RouteCreate|inet.RouteExcl))
	must(inet.DelRoute(g.ns, inet.Route{Dst: netip.MustParsePrefix("198.51.100.0/24")}))
	must(inet.DelAddr(g.ns, inet.Addr{Ifindex: idx, Prefix: netip.MustParsePrefix("192.0.2.1/24")}))
	want = []string{
		"RTM_NEWROUTE 2 198.51.100.0/24 table 254 type unicast",
		"RTM_DELROUTE 2 198.51.100.0/24 table 254 type unicast",
		"RTM_DELADDR 2 192.0.2.1/24",
		"RTM_DELROUTE 2 192.0.2.255/32 table 255 type broadcast",
		"RTM_DELROUTE 2 192.0.2.0/24 table 254 type unicast",
		"RTM_DELROUTE 2 192.0.2.1/32 table 255 type local",
	}
	slices.Sort(want[3:])
	got := slices.Clone(l.lines)
	slices.Sort(got[3:])
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("route add/del, address del (-want +got):\n%s", d)
	}
	l.check(t, g.ns)
}

// TestEventsMatchDump changes a namespace in many ways and checks that
// replaying the events over the initial dump gives the final dump.
func TestEventsMatchDump(t *testing.T) {
	g := newGolden(t)
	l := subscribeLog(t, g)
	d0 := g.dummy("d0", "02:00:00:00:00:01")
	d1 := g.dummy("d1", "02:00:00:00:00:02")
	g.up(d0)
	g.up(d1)
	loop := g.w.Loop().(*netdev.SimLoop)
	steps := []func() error{
		func() error {
			return inet.AddAddr(g.ns, inet.Addr{Ifindex: d0.Index(), Prefix: netip.MustParsePrefix("192.0.2.1/24")}, false)
		},
		func() error {
			return inet.AddAddr(g.ns, inet.Addr{Ifindex: d0.Index(), Prefix: netip.MustParsePrefix("192.0.2.2/24")}, false)
		},
		func() error {
			return inet.AddAddr(g.ns, inet.Addr{Ifindex: d1.Index(), Prefix: netip.MustParsePrefix("2001:db8::1/64")}, false)
		},
		func() error {
			return inet.AddAddr(g.ns, inet.Addr{Ifindex: d1.Index(), Prefix: netip.MustParsePrefix("2001:db8::1/64"),
				ValidLft: 100, PreferredLft: 50}, true)
		},
		func() error {
			return inet.AddRoute(g.ns, inet.Route{Dst: netip.MustParsePrefix("0.0.0.0/0"),
				Gateway: netip.MustParseAddr("192.0.2.254")}, inet.RouteCreate|inet.RouteExcl)
		},
		func() error {
			return inet.AddRoute(g.ns, inet.Route{Dst: netip.MustParsePrefix("0.0.0.0/0"),
				Gateway: netip.MustParseAddr("192.0.2.253")}, inet.RouteCreate|inet.RouteReplace)
		},
		func() error {
			return inet.AddRoute(g.ns, inet.Route{Dst: netip.MustParsePrefix("2001:db8:1::/48"),
				Gateway: netip.MustParseAddr("2001:db8::fe")}, inet.RouteCreate|inet.RouteExcl)
		},
		func() error { loop.RunFor(2 * time.Second); return nil }, // DAD completes
		func() error { g.ns.Close(d1); return nil },
		func() error { return g.ns.Open(d1) },
		func() error { loop.RunFor(2 * time.Second); return nil },
		func() error {
			return inet.DelAddr(g.ns, inet.Addr{Ifindex: d0.Index(), Prefix: netip.MustParsePrefix("192.0.2.1/24")})
		},
		func() error { _, err := inet.FlushRoutes(g.ns, inet.RouteFilter{Table: inet.TableMain}); return err },
		func() error { return inet.FlushAddrs(g.ns, d1.Index(), 0) },
		func() error { return g.ns.DelLink(d0) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		l.check(t, g.ns)
		if t.Failed() {
			t.Fatalf("after step %d", i)
		}
	}
}

func TestEventsCancel(t *testing.T) {
	g := newGolden(t)
	n := 0
	cancel := inet.Subscribe(g.ns, func(inet.Event) { n++ })
	d := g.dummy("d0", "02:00:00:00:00:01")
	g.up(d)
	if n == 0 {
		t.Fatal("no events for a device coming up (ff00::/8, link-local)")
	}
	cancel()
	n = 0
	if err := inet.AddAddr(g.ns, inet.Addr{Ifindex: d.Index(), Prefix: netip.MustParsePrefix("192.0.2.1/24")}, false); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d events after cancel", n)
	}
}
