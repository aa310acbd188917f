package neigh

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
)

func add(addr netip.Addr, ll []byte, s State) Request {
	return Request{Ifindex: 2, Addr: addr, LLAddr: ll, State: s, Create: true, Excl: true}
}

func replace(addr netip.Addr, ll []byte, s State) Request {
	return Request{Ifindex: 2, Addr: addr, LLAddr: ll, State: s, Create: true, Replace: true}
}

func change(addr netip.Addr, ll []byte, s State) Request {
	return Request{Ifindex: 2, Addr: addr, LLAddr: ll, State: s, Replace: true}
}

func TestAdmin(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pre   []Request
		req   Request
		err   string
		msg   string
		state State
		ll    []byte
	}{
		{name: "add permanent", req: add(ip1, mac1, Permanent), state: Permanent, ll: mac1},
		{name: "add existing", pre: []Request{add(ip1, mac1, Permanent)}, req: add(ip1, mac2, Permanent),
			err: "EEXIST", state: Permanent, ll: mac1},
		{name: "replace existing", pre: []Request{add(ip1, mac1, Permanent)}, req: replace(ip1, mac2, Reachable),
			state: Reachable, ll: mac2},
		{name: "replace creates", req: replace(ip1, mac2, Stale), state: Stale, ll: mac2},
		{name: "change missing", req: change(ip1, mac1, Permanent), err: "ENOENT"},
		{name: "change without replace keeps lladdr", pre: []Request{add(ip1, mac1, Stale)},
			req: Request{Ifindex: 2, Addr: ip1, LLAddr: mac2, State: Reachable}, state: Stale, ll: mac1},
		{name: "add without lladdr", req: add(ip1, nil, Permanent), err: "EINVAL",
			msg: "No link layer address given", state: None},
		{name: "short lladdr", req: add(ip1, []byte{1, 2}, Permanent), err: "EINVAL", msg: "Invalid link address"},
		{name: "wrong family", req: add(netip6, mac1, Permanent), err: "EINVAL", msg: "Invalid network address"},
		{name: "proxy", req: Request{Ifindex: 2, Addr: ip1, Flags: FlagProxy, Create: true}, err: "EOPNOTSUPP",
			msg: "Proxy neighbour entries are not supported"},
		{name: "noarp", req: add(ip1, mac1, NoARP), state: NoARP, ll: mac1},
		{name: "add incomplete", req: add(ip1, nil, Incomplete), state: Incomplete},
		{name: "router flag", req: Request{Ifindex: 2, Addr: ip1, LLAddr: mac1, State: Stale, Flags: FlagRouter,
			Create: true, Excl: true}, state: Stale, ll: mac1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			for _, r := range tc.pre {
				if err := h.t.Add(r); err != nil {
					t.Fatalf("pre: %v", err)
				}
			}
			err := h.t.Add(tc.req)
			want := tc.err
			if want == "" {
				want = "nil"
			}
			if got := extackErrno(err); got != want || extack.MessageOf(err) != tc.msg {
				t.Fatalf("err %v (%q), want %s %q", err, extack.MessageOf(err), want, tc.msg)
			}
			e, ok := h.t.Lookup(2, ip1)
			if !ok {
				if tc.state != None || (tc.err != "" && tc.msg != "No link layer address given") {
					return
				}
				t.Fatal("entry missing")
			}
			if e.State != tc.state || !bytes.Equal(e.LLAddr, tc.ll) {
				t.Errorf("got %v %x, want %v %x", e.State, e.LLAddr, tc.state, tc.ll)
			}
			if tc.req.Flags&FlagRouter != 0 && e.Flags&FlagRouter == 0 {
				t.Error("router flag not set")
			}
		})
	}
}

func TestAdminMessages(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.t.Del(2, ip1); extackErrno(err) != "ENOENT" || extack.MessageOf(err) != "" {
		t.Errorf("del missing: %v", err)
	}
	if _, err := h.t.Get(2, ip1); extackErrno(err) != "ENOENT" || extack.MessageOf(err) != "Neighbour entry not found" {
		t.Errorf("get missing: %v", err)
	}
	if err := h.t.Add(add(ip1, mac1, Permanent)); err != nil {
		t.Fatal(err)
	}
	if err := h.t.Add(add(ip1, mac1, Permanent)); extackErrno(err) != "EEXIST" || extack.MessageOf(err) != "" {
		t.Errorf("add existing: %v", err)
	}
	if e, err := h.t.Get(2, ip1); err != nil || e.State != Permanent {
		t.Errorf("get: %+v %v", e, err)
	}
	if err := h.t.Del(2, ip1); err != nil {
		t.Errorf("del: %v", err)
	}
	if h.t.Len() != 0 {
		t.Errorf("%d entries left", h.t.Len())
	}
}

func TestAdminPermanentStays(t *testing.T) {
	h := newHarness(t, nil)
	h.t.Add(add(ip1, mac1, Permanent))
	h.run(time.Hour)
	h.wantState(2, ip1, Permanent)
	h.out(2, ip1, 1)
	if len(h.sent) != 1 || len(h.sols) != 0 {
		t.Errorf("sent %d sols %d", len(h.sent), len(h.sols))
	}
}

func TestAdminUse(t *testing.T) {
	h := newHarness(t, nil)
	h.t.Add(Request{Ifindex: 2, Addr: ip1, Flags: FlagUse, Create: true, Replace: true})
	h.wantState(2, ip1, Incomplete)
	if len(h.sols) != 1 {
		t.Errorf("use sent %d probes", len(h.sols))
	}
	// use on a PERMANENT entry drops PERMANENT (Linux: new = old & ~PERMANENT).
	h.t.Add(add(ip2, mac1, Permanent))
	h.t.Add(Request{Ifindex: 2, Addr: ip2, Flags: FlagUse, Replace: true})
	h.wantState(2, ip2, Incomplete)
}

func TestAdminStaleBecomesDelayOnUse(t *testing.T) {
	h := newHarness(t, nil)
	h.t.Add(replace(ip1, mac1, Stale))
	h.out(2, ip1, 1)
	h.wantState(2, ip1, Delay)
	// admin DELAY/PROBE start their timer at once.
	h.t.Add(replace(ip2, mac2, Probe))
	h.run(time.Millisecond)
	if len(h.sols) != 1 || !bytes.Equal(h.sols[0].lladdr, mac2) {
		t.Errorf("nud probe: %+v", h.sols)
	}
}

func TestDelIncompleteFailsQueue(t *testing.T) {
	packettest.CheckBalance(t)
	h := newHarness(t, nil)
	h.out(2, ip1, 1)
	if err := h.t.Del(2, ip1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h.reports, []byte{1}) || h.t.Len() != 0 {
		t.Errorf("reports %v len %d", h.reports, h.t.Len())
	}
	h.run(10 * time.Second)
	if len(h.sols) != 1 {
		t.Errorf("probes after delete: %d", len(h.sols))
	}
}

func TestFlush(t *testing.T) {
	h := newHarness(t, nil)
	h.t.Add(add(ip1, mac1, Permanent))
	h.reach(2, ip2, mac2)
	h.reach(3, ip2, mac2)
	n := h.t.Flush(2, func(e Entry) bool { return e.State&(Permanent|NoARP) == 0 })
	if n != 1 || h.t.Len() != 2 {
		t.Errorf("flushed %d, %d left", n, h.t.Len())
	}
	if n := h.t.Flush(0, nil); n != 2 || h.t.Len() != 0 {
		t.Errorf("flush all %d, %d left", n, h.t.Len())
	}
}

func TestDump(t *testing.T) {
	h := newHarness(t, nil)
	h.reach(3, ip1, mac1)
	h.reach(2, ip2, mac2)
	h.reach(2, ip1, mac1)
	d := h.t.Dump(0)
	if len(d) != 3 || d[0].Ifindex != 2 || d[0].Addr != ip1 || d[1].Addr != ip2 || d[2].Ifindex != 3 {
		t.Errorf("dump order %+v", d)
	}
	if len(h.t.Dump(3)) != 1 {
		t.Error("dump by ifindex")
	}
}

func TestDeviceEvents(t *testing.T) {
	packettest.CheckBalance(t)
	setup := func() *harness {
		h := newHarness(t, nil)
		h.t.Add(add(ip1, mac1, Permanent))
		h.out(2, ip2, 1) // INCOMPLETE with a queued packet
		h.reach(3, ip2, mac2)
		return h
	}
	h := setup()
	h.t.CarrierDown(2)
	if _, ok := h.t.Lookup(2, ip1); !ok {
		t.Error("carrier down removed a PERMANENT entry")
	}
	if _, ok := h.t.Lookup(2, ip2); ok {
		t.Error("carrier down kept a dynamic entry")
	}
	if h.drops(netdev.DropNeighDead) != 1 {
		t.Errorf("NEIGH_DEAD drops %d", h.drops(netdev.DropNeighDead))
	}
	h.t.DeviceDown(2)
	if _, ok := h.t.Lookup(2, ip1); ok {
		t.Error("device down kept a PERMANENT entry")
	}
	if _, ok := h.t.Lookup(3, ip2); !ok {
		t.Error("device down removed another device's entry")
	}
	h.run(10 * time.Second)
	if len(h.sols) != 1 {
		t.Errorf("probes after removal: %d", len(h.sols))
	}
	h2 := setup()
	h2.t.SetParams(2, DefaultParams(4))
	h2.t.DeviceUnregister(2)
	if h2.t.Len() != 1 || len(h2.t.parms) != 0 {
		t.Errorf("unregister left %d entries, %d parms", h2.t.Len(), len(h2.t.parms))
	}
	h2.t.ChangeAddr(3)
	if h2.t.Len() != 0 {
		t.Error("changeaddr kept entries")
	}
	s := h2.t.Stats()
	if s.Allocs != 3 || s.Destroys != 3 {
		t.Errorf("allocs %d destroys %d", s.Allocs, s.Destroys)
	}
}

func TestParams(t *testing.T) {
	h := newHarness(t, nil)
	h.reach(2, ip1, mac1)
	p := DefaultParams(4)
	p.BaseReachableTime = 2 * time.Second
	p.RetransTime = 3 * time.Second
	h.t.SetParams(2, p)
	if got := h.t.Params(2); got.RetransTime != 3*time.Second {
		t.Errorf("params %+v", got)
	}
	if got := h.t.Params(0); got.RetransTime != time.Second {
		t.Errorf("default changed: %+v", got)
	}
	if got := h.t.ReachableTime(2); got != 2*time.Second { // 1s + (15000%2000) ms
		t.Errorf("reachable %v", got)
	}
	// The existing entry follows the device's parameters.
	h.out(2, ip2, 1)
	h.run(3 * time.Second)
	if len(h.sols) != 2 {
		t.Errorf("retrans 3s: %d probes", len(h.sols))
	}
}
