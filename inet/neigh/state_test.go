package neigh

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
)

func TestStateString(t *testing.T) {
	for _, tc := range []struct {
		s    State
		want string
	}{
		{None, "NONE"}, {Incomplete, "INCOMPLETE"}, {Reachable, "REACHABLE"}, {Stale, "STALE"},
		{Delay, "DELAY"}, {Probe, "PROBE"}, {Failed, "FAILED"}, {NoARP, "NOARP"},
		{Permanent, "PERMANENT"}, {Reachable | Stale, "REACHABLE STALE"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%#x: %q, want %q", uint8(tc.s), got, tc.want)
		}
	}
}

func TestParseState(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want State
		bad  bool
	}{
		{"permanent", Permanent, false}, {"perm", Permanent, false}, {"p", Permanent, false},
		{"reachable", Reachable, false}, {"reach", Reachable, false},
		{"noarp", NoARP, false}, {"none", None, false}, {"stale", Stale, false},
		{"incomplete", Incomplete, false}, {"delay", Delay, false}, {"probe", Probe, false},
		{"failed", Failed, false}, {"fail", Failed, false},
		{"0x80", Permanent, false}, {"2", Reachable, false}, {"0", None, false},
		{"3", 0, true}, {"0x100", 0, true}, {"sta", 0, true}, {"", 0, true}, {"bogus", 0, true},
	} {
		got, err := ParseState(tc.in)
		if (err != nil) != tc.bad || (!tc.bad && got != tc.want) {
			t.Errorf("ParseState(%q) = %v, %v; want %v bad=%v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestResolveSuccess(t *testing.T) {
	packettest.CheckBalance(t)
	h := newHarness(t, nil)
	h.out(2, ip1, 1)
	h.out(2, ip1, 2)
	h.wantState(2, ip1, Incomplete)
	if len(h.sols) != 1 || h.sols[0].lladdr != nil || !h.sols[0].hasPkt || h.sols[0].pktTag != 1 || h.sols[0].at != 0 {
		t.Fatalf("first solicitation %+v, want one broadcast at once with the latest packet", h.sols)
	}
	h.run(time.Second)
	if len(h.sols) != 2 || h.sols[1].at != time.Second {
		t.Fatalf("solicitations %+v, want a second after 1s", h.sols)
	}
	h.out(2, ip1, 3)
	h.reach(2, ip1, mac1)
	h.wantState(2, ip1, Reachable)
	if got := h.tags(); !bytes.Equal(got, []byte{1, 2, 3}) {
		t.Fatalf("released %v, want [1 2 3] in order", got)
	}
	for _, s := range h.sent {
		if !bytes.Equal(s.lladdr, mac1) || s.ifindex != 2 {
			t.Errorf("sent to %x on %d", s.lladdr, s.ifindex)
		}
	}
	// Connected: sent synchronously.
	h.out(2, ip1, 4)
	if got := h.tags(); len(got) != 4 || got[3] != 4 {
		t.Fatalf("sent %v", got)
	}
	e, _ := h.t.Lookup(2, ip1)
	if e.Queued != 0 || e.Refcnt != 1 || !bytes.Equal(e.LLAddr, mac1) {
		t.Errorf("entry %+v", e)
	}
}

func TestResolveFailure(t *testing.T) {
	packettest.CheckBalance(t)
	h := newHarness(t, nil)
	h.out(2, ip1, 7)
	h.out(2, ip1, 8)
	h.run(2 * time.Second)
	h.wantState(2, ip1, Incomplete)
	h.run(time.Second)
	h.wantState(2, ip1, Failed)
	var at []time.Duration
	for _, s := range h.sols {
		if s.lladdr != nil {
			t.Errorf("INCOMPLETE probe must be broadcast: %+v", s)
		}
		at = append(at, s.at)
	}
	if want := []time.Duration{0, time.Second, 2 * time.Second}; !equalDur(at, want) {
		t.Errorf("probes at %v, want %v", at, want)
	}
	if !bytes.Equal(h.reports, []byte{7, 8}) {
		t.Errorf("error reports %v, want [7 8]", h.reports)
	}
	if got := h.drops(netdev.DropNeighFailed); got != 2 {
		t.Errorf("NEIGH_FAILED drops %d, want 2", got)
	}
	if s := h.t.Stats(); s.ResFailed != 1 {
		t.Errorf("res_failed %d", s.ResFailed)
	}
	// A new packet to a FAILED neighbour restarts resolution.
	h.out(2, ip1, 9)
	h.wantState(2, ip1, Incomplete)
	if len(h.sols) != 4 {
		t.Errorf("no new probe: %d", len(h.sols))
	}
	h.run(10 * time.Second)
	h.wantState(2, ip1, Failed)
}

func equalDur(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReachableToStaleDelayProbeFailed(t *testing.T) {
	packettest.CheckBalance(t)
	h := newHarness(t, nil)
	h.reach(2, ip1, mac1)
	h.run(30 * time.Second)
	h.wantState(2, ip1, Reachable) // now <= confirmed + reachable_time
	h.run(time.Second)
	h.wantState(2, ip1, Stale)
	h.run(time.Hour) // STALE has no timer
	h.wantState(2, ip1, Stale)
	// Use: sent at once, DELAY.
	h.out(2, ip1, 1)
	h.wantState(2, ip1, Delay)
	if got := h.tags(); len(got) != 1 {
		t.Fatalf("STALE entry must send at once, sent %v", got)
	}
	h.run(5 * time.Second)
	h.wantState(2, ip1, Probe)
	if len(h.sols) != 1 || !bytes.Equal(h.sols[0].lladdr, mac1) {
		t.Fatalf("PROBE must unicast to the cached address: %+v", h.sols)
	}
	// PROBE still sends.
	h.out(2, ip1, 2)
	if got := h.tags(); len(got) != 2 {
		t.Fatalf("PROBE entry must send, sent %v", got)
	}
	h.run(2 * time.Second)
	h.wantState(2, ip1, Probe)
	h.run(time.Second)
	h.wantState(2, ip1, Failed)
	if len(h.sols) != 3 {
		t.Errorf("%d unicast probes, want 3", len(h.sols))
	}
	for _, s := range h.sols {
		if !bytes.Equal(s.lladdr, mac1) {
			t.Errorf("probe %+v not unicast", s)
		}
	}
	if e, _ := h.t.Lookup(2, ip1); e.LLAddr != nil {
		t.Errorf("FAILED entry shows lladdr %x", e.LLAddr)
	}
}

func TestDelayConfirmedBecomesReachable(t *testing.T) {
	h := newHarness(t, nil)
	h.t.Update(2, ip1, mac1, Stale, Override|Create)
	h.wantState(2, ip1, Stale)
	h.out(2, ip1, 1)
	h.wantState(2, ip1, Delay)
	h.run(2 * time.Second)
	h.t.Confirm(2, ip1)
	h.run(3 * time.Second)
	h.wantState(2, ip1, Reachable)
	if len(h.sols) != 0 {
		t.Errorf("confirmed entry probed: %+v", h.sols)
	}
	// Reachable for reachable_time after the confirmation (at 2s).
	h.run(26 * time.Second)
	h.wantState(2, ip1, Reachable)
	h.run(2 * time.Second)
	h.wantState(2, ip1, Stale)
}

func TestReachableUsedGoesDelay(t *testing.T) {
	// A REACHABLE entry whose last slow-path use is recent goes to DELAY
	// rather than STALE when its reachable time ends.
	h := newHarness(t, func(c *Config) {
		p := DefaultParams(4)
		p.BaseReachableTime = 4 * time.Second
		c.Params = &p
		c.Rand = func() uint32 { return 2000 }
	})
	h.t.Update(2, ip1, mac1, Stale, Override|Create)
	h.out(2, ip1, 1) // used now, DELAY
	h.t.Confirm(2, ip1)
	h.run(5 * time.Second)
	h.wantState(2, ip1, Reachable)
	h.out(2, ip1, 2) // connected path: used not updated
	h.run(4 * time.Second)
	h.wantState(2, ip1, Stale)
}

func TestProbeReachableOnReply(t *testing.T) {
	h := newHarness(t, nil)
	h.t.Update(2, ip1, mac1, Stale, Override|Create)
	h.out(2, ip1, 1)
	h.run(5 * time.Second)
	h.wantState(2, ip1, Probe)
	h.reach(2, ip1, mac1)
	h.wantState(2, ip1, Reachable)
	h.run(10 * time.Second)
	h.wantState(2, ip1, Reachable)
	if len(h.sols) != 1 {
		t.Errorf("%d probes after the reply", len(h.sols))
	}
}

func TestNoMcastProbesFailsAtOnce(t *testing.T) {
	packettest.CheckBalance(t)
	h := newHarness(t, func(c *Config) {
		p := DefaultParams(4)
		p.McastProbes = 0
		c.Params = &p
	})
	h.out(2, ip1, 1)
	h.wantState(2, ip1, Failed)
	if h.drops(netdev.DropNeighFailed) != 1 || len(h.sols) != 0 || len(h.reports) != 0 {
		t.Errorf("drops %d sols %d reports %d", h.drops(netdev.DropNeighFailed), len(h.sols), len(h.reports))
	}
}

func TestAppProbes(t *testing.T) {
	var app int
	h := newHarness(t, func(c *Config) {
		p := DefaultParams(4)
		p.McastProbes, p.AppProbes = 1, 2
		c.Params = &p
		c.AppSolicit = func(int32, netip.Addr) { app++ }
	})
	h.t.Resolve(2, ip1)
	h.run(10 * time.Second)
	h.wantState(2, ip1, Failed)
	// probes start at ucast(3): 3,4 are app probes, 5 multicast.
	if app != 2 || len(h.sols) != 1 {
		t.Errorf("app %d mcast %d, want 2 and 1", app, len(h.sols))
	}
}

func TestQueueBound(t *testing.T) {
	packettest.CheckBalance(t)
	h := newHarness(t, func(c *Config) {
		p := DefaultParams(4)
		p.QueueLenBytes = 3 * 2048
		c.Params = &p
	})
	for i := byte(1); i <= 5; i++ {
		h.out(2, ip1, i)
	}
	e, _ := h.t.Lookup(2, ip1)
	if e.Queued != 3 || e.QueuedBytes > 3*2048 {
		t.Fatalf("queued %d (%d bytes), want 3", e.Queued, e.QueuedBytes)
	}
	if got := h.drops(netdev.DropNeighQueueFull); got != 2 {
		t.Errorf("NEIGH_QUEUEFULL %d, want 2", got)
	}
	if s := h.t.Stats(); s.UnresolvedDiscards != 2 {
		t.Errorf("unresolved_discards %d", s.UnresolvedDiscards)
	}
	h.reach(2, ip1, mac1)
	if got := h.tags(); !bytes.Equal(got, []byte{3, 4, 5}) {
		t.Errorf("released %v, want the newest three [3 4 5]", got)
	}
}

func TestUnresQlen(t *testing.T) {
	if got := DefaultParams(4).UnresQlen(); got != 101 {
		t.Errorf("unres_qlen %d, want 101", got)
	}
}

func TestConstructNoARP(t *testing.T) {
	bcast := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	h := newHarness(t, func(c *Config) {
		c.Construct = func(ifindex int32, a netip.Addr) (Setup, error) {
			if a.IsMulticast() {
				return Setup{State: NoARP, LLAddr: bcast, AddrLen: 6}, nil
			}
			if ifindex == 9 {
				return Setup{State: NoARP, AddrLen: 0}, nil
			}
			return Setup{AddrLen: 6}, nil
		}
	})
	h.out(2, netip.MustParseAddr("224.0.0.1"), 1)
	h.out(9, ip1, 2)
	if len(h.sent) != 2 || !bytes.Equal(h.sent[0].lladdr, bcast) || len(h.sent[1].lladdr) != 0 {
		t.Fatalf("sent %+v", h.sent)
	}
	if err := h.t.Update(2, netip.MustParseAddr("224.0.0.1"), mac1, Reachable, Override); extackErrno(err) != "EPERM" {
		t.Errorf("non-admin update of NOARP: %v", err)
	}
}
