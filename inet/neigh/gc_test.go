package neigh

import (
	"net/netip"
	"testing"
	"time"
)

func TestPeriodicGC(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		tp := DefaultTableParams()
		tp.GCThresh1 = 2
		c.Table = &tp
	})
	a := netip.MustParseAddr("192.0.2.10")
	b := netip.MustParseAddr("192.0.2.11")
	h.t.Update(2, a, mac1, Stale, Override|Create)
	h.t.Update(2, b, mac1, Stale, Override|Create)
	h.t.Add(add(ip1, mac1, Permanent))
	h.run(59 * time.Second)
	if h.t.Len() != 3 {
		t.Fatalf("collected too early: %d left", h.t.Len())
	}
	h.reach(2, ip2, mac2) // REACHABLE, timer running at 59s
	h.run(2 * time.Second)
	if _, ok := h.t.Lookup(2, a); ok {
		t.Error("stale entry unused for gc_stale_time not collected")
	}
	for _, k := range []netip.Addr{ip1, ip2} {
		if _, ok := h.t.Lookup(2, k); !ok {
			t.Errorf("%v collected", k)
		}
	}
	if s := h.t.Stats(); s.PeriodicGCRuns != 3 || s.Destroys != 2 {
		t.Errorf("periodic_gc_runs %d (want 3: at 30s, 45s, 60s) destroys %d", s.PeriodicGCRuns, s.Destroys)
	}
}

func TestPeriodicGCBelowThresh1(t *testing.T) {
	h := newHarness(t, nil)
	h.t.Update(2, ip1, mac1, Stale, Override|Create)
	h.out(2, ip2, 1)
	h.run(time.Hour)
	if h.t.Len() != 2 {
		t.Errorf("entries collected below gc_thresh1: %d left", h.t.Len())
	}
	// FAILED entries are collected once over gc_thresh1.
	h.t.SetTableParams(TableParams{GCThresh1: 1, GCThresh2: 512, GCThresh3: 1024})
	h.run(time.Minute)
	if h.t.Len() != 0 {
		t.Errorf("%d entries left", h.t.Len())
	}
	// An empty table has no pending timer.
	if _, timers := h.loop.Pending(); timers != 0 {
		t.Errorf("%d timers pending on an empty table", timers)
	}
}

func TestForcedGC(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Table = &TableParams{GCThresh1: 128, GCThresh2: 2, GCThresh3: 3}
	})
	addrs := []netip.Addr{
		netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"),
		netip.MustParseAddr("192.0.2.3"), netip.MustParseAddr("192.0.2.4"),
	}
	for _, a := range addrs[:3] {
		if err := h.t.Update(2, a, mac1, Stale, Override|Create); err != nil {
			t.Fatal(err)
		}
	}
	err := h.t.Update(2, addrs[3], mac1, Stale, Override|Create)
	if extackErrno(err) != "ENOBUFS" {
		t.Fatalf("full table: %v", err)
	}
	// Permanent entries are exempt.
	if err := h.t.Add(add(netip.MustParseAddr("192.0.2.9"), mac1, Permanent)); err != nil {
		t.Fatalf("permanent on a full table: %v", err)
	}
	// Output to a full table drops with NEIGH_CREATEFAIL.
	if err := h.t.Output(2, addrs[3], pkt(t, 1)); extackErrno(err) != "ENOBUFS" || h.drops(DropCreateFail) != 1 {
		t.Errorf("output: %v drops %d", err, h.drops(DropCreateFail))
	}
	h.run(6 * time.Second)
	if err := h.t.Update(2, addrs[3], mac1, Stale, Override|Create); err != nil {
		t.Fatalf("after 6s: %v", err)
	}
	for i, a := range addrs {
		_, ok := h.t.Lookup(2, a)
		if want := i >= 2; ok != want {
			t.Errorf("%v present=%v, want %v (oldest first)", a, ok, want)
		}
	}
	s := h.t.Stats()
	if s.ForcedGCRuns != 3 || s.TableFulls != 2 {
		t.Errorf("forced_gc_runs %d table_fulls %d", s.ForcedGCRuns, s.TableFulls)
	}
	if i := h.t.Info(); i.Entries != 3 || i.GCEntries != 2 {
		t.Errorf("info %+v", i)
	}
}

func TestStatsAndHashGrow(t *testing.T) {
	h := newHarness(t, nil)
	for i := range 9 {
		h.t.Update(2, netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), mac1, Stale, Override|Create)
	}
	h.t.Lookup(2, ip1)
	s := h.t.Stats()
	if s.Allocs != 9 || s.HashGrows != 1 || s.Lookups != 10 || s.Hits != 0 {
		t.Errorf("stats %+v", s)
	}
	if i := h.t.Info(); i.HashMask != 15 || i.Entries != 9 || i.KeyLen != 4 {
		t.Errorf("info %+v", i)
	}
	h.t.RcvProbe(true)
	h.t.RcvProbe(false)
	h.t.RcvProbe(false)
	if s := h.t.Stats(); s.RcvProbesMcast != 1 || s.RcvProbesUcast != 2 {
		t.Errorf("rcv probes %+v", s)
	}
}

func TestFamily6(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Family = 6 })
	if err := h.t.Update(2, netip6, mac1, Reachable, Override|OverrideIsRouter|IsRouter|Create); err != nil {
		t.Fatal(err)
	}
	e, err := h.t.Get(2, netip6)
	if err != nil || e.Flags&FlagRouter == 0 || e.State != Reachable {
		t.Errorf("%+v %v", e, err)
	}
	if err := h.t.Update(2, ip1, mac1, Stale, Create); extackErrno(err) != "EINVAL" {
		t.Errorf("v4 in v6 table: %v", err)
	}
	if h.t.Params(0).Locktime != 0 || h.t.Info().KeyLen != 16 {
		t.Error("v6 defaults")
	}
}
