package neigh

import (
	"bytes"
	"testing"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/packet/packettest"
)

func TestUpdateRules(t *testing.T) {
	type step struct {
		lladdr []byte
		state  State
		flags  UpdateFlags
	}
	for _, tc := range []struct {
		name      string
		setup     []step
		do        step
		err       string
		state     State
		lladdr    []byte
		router    bool
		noEntryOK bool
		pre       func(*harness)
	}{
		{name: "reply on new", do: step{mac1, Reachable, Override | Create}, state: Reachable, lladdr: mac1},
		{name: "no lladdr on new", pre: func(h *harness) { h.t.Resolve(2, ip1) }, do: step{nil, Reachable, Override},
			err: "EINVAL", state: Incomplete},
		{name: "no override keeps reachable address", setup: []step{{mac1, Reachable, Override | Create}},
			do: step{mac2, Reachable, 0}, state: Reachable, lladdr: mac1},
		{name: "weak override makes stale", setup: []step{{mac1, Reachable, Override | Create}},
			do: step{mac2, Reachable, WeakOverride}, state: Stale, lladdr: mac1},
		{name: "weak override on stale does nothing", setup: []step{{mac1, Stale, Override | Create}},
			do: step{mac2, Reachable, WeakOverride}, state: Stale, lladdr: mac1},
		{name: "override replaces", setup: []step{{mac1, Reachable, Override | Create}},
			do: step{mac2, Stale, Override}, state: Stale, lladdr: mac2},
		{name: "same address stale keeps reachable", setup: []step{{mac1, Reachable, Override | Create}},
			do: step{mac1, Stale, Override}, state: Reachable, lladdr: mac1},
		{name: "same address stale admin", setup: []step{{mac1, Reachable, Override | Create}},
			do: step{mac1, Stale, Override | Admin}, state: Stale, lladdr: mac1},
		{name: "no lladdr keeps cached", setup: []step{{mac1, Stale, Override | Create}},
			do: step{nil, Reachable, 0}, state: Reachable, lladdr: mac1},
		{name: "permanent refuses non-admin", setup: []step{{mac1, Permanent, Admin | Override | Create}},
			do: step{mac2, Reachable, Override}, err: "EPERM", state: Permanent, lladdr: mac1},
		{name: "permanent admin override", setup: []step{{mac1, Permanent, Admin | Override | Create}},
			do: step{mac2, Reachable, Admin | Override}, state: Reachable, lladdr: mac2},
		{name: "router set", setup: []step{{mac1, Stale, Override | Create}},
			do: step{mac1, Reachable, Override | OverrideIsRouter | IsRouter}, state: Reachable, lladdr: mac1, router: true},
		{name: "router not set when address refused", setup: []step{{mac1, Reachable, Override | Create}},
			do: step{mac2, Reachable, OverrideIsRouter | IsRouter}, state: Reachable, lladdr: mac1},
		{name: "router cleared", setup: []step{{mac1, Stale, Override | OverrideIsRouter | IsRouter | Create}},
			do: step{mac1, Stale, Override | OverrideIsRouter}, state: Stale, lladdr: mac1},
		{name: "failed stops", setup: []step{{mac1, Reachable, Override | Create}},
			do: step{nil, Failed, Admin}, state: Failed},
		{name: "missing without create", do: step{mac1, Reachable, Override}, err: "ENOENT", noEntryOK: true},
		{name: "create needs lladdr", do: step{nil, Stale, Override | Create}, err: "ENOENT", noEntryOK: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			if tc.pre != nil {
				tc.pre(h)
			}
			for _, s := range tc.setup {
				if err := h.t.Update(2, ip1, s.lladdr, s.state, s.flags); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			err := h.t.Update(2, ip1, tc.do.lladdr, tc.do.state, tc.do.flags)
			want := tc.err
			if want == "" {
				want = "nil"
			}
			if got := extackErrno(err); got != want {
				t.Fatalf("err %v, want %s", err, want)
			}
			e, ok := h.t.Lookup(2, ip1)
			if !ok {
				if !tc.noEntryOK {
					t.Fatal("entry missing")
				}
				return
			}
			if e.State != tc.state || !bytes.Equal(e.LLAddr, tc.lladdr) || (e.Flags&FlagRouter != 0) != tc.router {
				t.Errorf("got %v %x router=%v; want %v %x router=%v", e.State, e.LLAddr, e.Flags&FlagRouter != 0,
					tc.state, tc.lladdr, tc.router)
			}
		})
	}
}

func TestUpdateMessages(t *testing.T) {
	h := newHarness(t, nil)
	h.t.Resolve(2, ip1)
	err := h.t.Update(2, ip1, nil, Reachable, Override)
	if extack.MessageOf(err) != "No link layer address given" {
		t.Errorf("message %q", extack.MessageOf(err))
	}
	if err := h.t.Update(2, netip6, mac1, Stale, Create); extack.MessageOf(err) != "Invalid network address" {
		t.Errorf("v6 address in v4 table: %v", err)
	}
}

func TestFailedUpdateFailsQueue(t *testing.T) {
	packettest.CheckBalance(t)
	h := newHarness(t, nil)
	h.out(2, ip1, 1)
	h.out(2, ip1, 2)
	if err := h.t.Update(2, ip1, nil, Failed, Admin|Override); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h.reports, []byte{1, 2}) {
		t.Errorf("reports %v", h.reports)
	}
	h.wantState(2, ip1, Failed)
}

func TestStaleUpdateReleasesQueue(t *testing.T) {
	packettest.CheckBalance(t)
	h := newHarness(t, nil)
	h.out(2, ip1, 1)
	// An unsolicited NA (no S flag): STALE; the queue is sent and the
	// entry moves on to DELAY as the released packet uses it.
	h.t.Update(2, ip1, mac1, Stale, Override)
	if got := h.tags(); !bytes.Equal(got, []byte{1}) {
		t.Fatalf("released %v", got)
	}
	h.wantState(2, ip1, Delay)
}

func TestLladdrChangeResetsConfirmed(t *testing.T) {
	h := newHarness(t, nil)
	h.reach(2, ip1, mac1)
	h.t.Update(2, ip1, mac2, Stale, Override)
	e, _ := h.t.Lookup(2, ip1)
	if !e.Confirmed.Before(h.loop.Now().Add(-59e9)) {
		t.Errorf("confirmed %v not reset to 2*base ago", e.Confirmed)
	}
	if h.notes == 0 {
		t.Error("no notification")
	}
}
