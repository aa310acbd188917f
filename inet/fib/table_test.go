package fib

import (
	"net/netip"
	"slices"
	"testing"
)

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func mustAddr(s string) netip.Addr     { return netip.MustParseAddr(s) }

// compare checks every read of tbl against ref.
func compare(t testing.TB, tbl *Table[int], ref refTable, g gen, probes int) {
	t.Helper()
	if tbl.Len() != len(ref) {
		t.Fatalf("Len = %d, want %d", tbl.Len(), len(ref))
	}
	for p, v := range ref {
		if got, ok := tbl.Get(p); !ok || got != v {
			t.Fatalf("Get(%v) = %d, %v; want %d", p, got, ok, v)
		}
	}
	for range probes {
		a := g.addr(g.r.IntN(2) == 0)
		wp, wv, wok := ref.lookup(a)
		gp, gv, gok := tbl.Lookup(a)
		if gp != wp || gv != wv || gok != wok {
			t.Fatalf("Lookup(%v) = %v %d %v; want %v %d %v", a, gp, gv, gok, wp, wv, wok)
		}
		if v, ok := tbl.LookupValue(a); v != wv || ok != wok {
			t.Fatalf("LookupValue(%v) = %d %v; want %d %v", a, v, ok, wv, wok)
		}
	}
	var got []netip.Prefix
	for p, v := range tbl.All() {
		if ref[p] != v {
			t.Fatalf("Walk: %v = %d, want %d", p, v, ref[p])
		}
		got = append(got, p)
	}
	if want := ref.sorted(); !slices.Equal(got, want) {
		t.Fatalf("Walk order:\n got %v\nwant %v", got, want)
	}
	checkInvariants(t, tbl.Snapshot())
}

func TestRandomOps(t *testing.T) {
	for seed := range uint64(20) {
		g := newGen(seed)
		var tbl Table[int]
		ref := refTable{}
		for i := range 1500 {
			p := g.prefix()
			switch op := g.r.IntN(10); {
			case op < 5:
				wold, wrep := ref[p]
				old, rep := tbl.Insert(p, i)
				if old != wold || rep != wrep {
					t.Fatalf("seed %d: Insert(%v) = %d %v; want %d %v", seed, p, old, rep, wold, wrep)
				}
				ref[p] = i
			case op < 8:
				wold, wok := ref[p]
				old, ok := tbl.Delete(p)
				if old != wold || ok != wok {
					t.Fatalf("seed %d: Delete(%v) = %d %v; want %d %v", seed, p, old, ok, wold, wok)
				}
				delete(ref, p)
			default:
				a := g.addr(p.Addr().Is4())
				wp, wv, wok := ref.lookup(a)
				if gp, gv, gok := tbl.Lookup(a); gp != wp || gv != wv || gok != wok {
					t.Fatalf("seed %d: Lookup(%v) = %v %d %v; want %v %d %v", seed, a, gp, gv, gok, wp, wv, wok)
				}
			}
			if i%250 == 0 {
				compare(t, &tbl, ref, g, 50)
			}
		}
		compare(t, &tbl, ref, g, 500)
		// Drain: the trie must shrink back to nothing.
		for p := range ref {
			tbl.Delete(p)
		}
		if s := tbl.Snapshot(); s.Len() != 0 || s.trie(true) != nil || s.trie(false) != nil {
			t.Fatalf("seed %d: table not empty after deleting everything", seed)
		}
	}
}

func TestUpdateBatch(t *testing.T) {
	g := newGen(99)
	var tbl Table[int]
	ref := refTable{}
	for round := range 5 {
		tbl.Update(func(tx *Tx[int]) {
			for i := range 800 {
				p := g.prefix()
				if g.r.IntN(3) == 0 {
					tx.Delete(p)
					delete(ref, p)
					continue
				}
				tx.Insert(p, round*1000+i)
				ref[p] = round*1000 + i
				if v, ok := tx.Get(p); !ok || v != round*1000+i {
					t.Fatalf("tx.Get(%v) does not see its own write", p)
				}
			}
			if tx.Len() != len(ref) {
				t.Fatalf("tx.Len = %d, want %d", tx.Len(), len(ref))
			}
		})
		compare(t, &tbl, ref, g, 300)
	}
	tbl.Update(func(tx *Tx[int]) { tx.Clear() })
	compare(t, &tbl, refTable{}, g, 10)
}

func TestUpdateIsolation(t *testing.T) {
	var tbl Table[int]
	tbl.Insert(mustPrefix("198.51.100.0/24"), 1)
	before := tbl.Snapshot()
	tbl.Update(func(tx *Tx[int]) {
		tx.Insert(mustPrefix("198.51.100.0/25"), 2)
		tx.Delete(mustPrefix("198.51.100.0/24"))
		if tbl.Len() != 1 {
			t.Errorf("uncommitted change visible to readers")
		}
		if _, ok := tbl.Get(mustPrefix("198.51.100.0/25")); ok {
			t.Errorf("uncommitted insert visible to readers")
		}
	})
	if _, _, ok := before.Lookup(mustAddr("198.51.100.3")); !ok || before.Len() != 1 {
		t.Errorf("old snapshot changed")
	}
	if p, v, _ := tbl.Lookup(mustAddr("198.51.100.3")); p != mustPrefix("198.51.100.0/25") || v != 2 {
		t.Errorf("Lookup after Update = %v %d", p, v)
	}
}

func TestUpdatePanicPublishesNothing(t *testing.T) {
	var tbl Table[int]
	tbl.Insert(mustPrefix("192.0.2.0/24"), 1)
	var leaked *Tx[int]
	func() {
		defer func() { _ = recover() }()
		tbl.Update(func(tx *Tx[int]) {
			leaked = tx
			tx.Insert(mustPrefix("198.51.100.0/24"), 2)
			panic("boom")
		})
	}()
	if tbl.Len() != 1 {
		t.Fatalf("Len = %d after panicking Update, want 1", tbl.Len())
	}
	defer func() {
		if recover() == nil {
			t.Errorf("using a Tx after Update did not panic")
		}
	}()
	leaked.Insert(mustPrefix("203.0.113.0/24"), 3)
}

func TestPrefixHandling(t *testing.T) {
	var tbl Table[string]
	if _, rep := tbl.Insert(netip.Prefix{}, "x"); rep || tbl.Len() != 0 {
		t.Fatalf("invalid prefix stored")
	}
	if _, ok := tbl.Get(netip.Prefix{}); ok {
		t.Fatalf("Get(invalid) found something")
	}
	if _, ok := tbl.Delete(netip.Prefix{}); ok {
		t.Fatalf("Delete(invalid) deleted something")
	}
	tbl.Insert(mustPrefix("198.51.100.77/24"), "v4")
	if v, ok := tbl.Get(mustPrefix("198.51.100.0/24")); !ok || v != "v4" {
		t.Fatalf("unmasked prefix not stored masked")
	}
	tbl.Insert(mustPrefix("::ffff:198.51.100.0/120"), "mapped")
	tests := []struct {
		addr, pfx, val string
	}{
		{"198.51.100.9", "198.51.100.0/24", "v4"},
		{"::ffff:198.51.100.9", "::ffff:198.51.100.0/120", "mapped"},
		{"203.0.113.1", "", ""},
	}
	for _, tt := range tests {
		p, v, ok := tbl.Lookup(mustAddr(tt.addr))
		if tt.pfx == "" {
			if ok {
				t.Errorf("Lookup(%s) = %v, want none", tt.addr, p)
			}
			continue
		}
		if !ok || p != mustPrefix(tt.pfx) || v != tt.val {
			t.Errorf("Lookup(%s) = %v %q, want %s %q", tt.addr, p, v, tt.pfx, tt.val)
		}
	}
	tbl.Insert(mustPrefix("::/0"), "default6")
	if _, _, ok := tbl.Lookup(netip.Addr{}); ok {
		t.Errorf("Lookup(zero Addr) found a route")
	}
	if _, ok := tbl.LookupValue(netip.Addr{}); ok {
		t.Errorf("LookupValue(zero Addr) found a route")
	}
	if p, v, ok := tbl.Lookup(mustAddr("fe80::1%eth0")); !ok || p != mustPrefix("::/0") || v != "default6" {
		t.Errorf("Lookup(zoned) = %v %q %v, want ::/0", p, v, ok)
	}
}

func TestHostAndDefaultRoutes(t *testing.T) {
	var tbl Table[int]
	routes := []string{"0.0.0.0/0", "::/0", "255.255.255.255/32", "0.0.0.0/32",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "::/128", "1.2.3.4/32", "1.2.3.5/32", "1.2.3.0/31"}
	for i, r := range routes {
		tbl.Insert(mustPrefix(r), i)
	}
	tests := []struct{ addr, want string }{
		{"255.255.255.255", "255.255.255.255/32"},
		{"255.255.255.254", "0.0.0.0/0"},
		{"0.0.0.0", "0.0.0.0/32"},
		{"1.2.3.4", "1.2.3.4/32"},
		{"1.2.3.5", "1.2.3.5/32"},
		{"1.2.3.1", "1.2.3.0/31"},
		{"::", "::/128"},
		{"::1", "::/0"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"},
	}
	for _, tt := range tests {
		if p, _, ok := tbl.Lookup(mustAddr(tt.addr)); !ok || p != mustPrefix(tt.want) {
			t.Errorf("Lookup(%s) = %v, want %s", tt.addr, p, tt.want)
		}
	}
	checkInvariants(t, tbl.Snapshot())
}

func TestZeroAllocs(t *testing.T) {
	var tbl Table[int]
	g := newGen(7)
	for i := range 2000 {
		tbl.Insert(g.prefix(), i)
	}
	a4, a6 := mustAddr("198.51.100.3"), mustAddr("2001:db8::1")
	p := mustPrefix("198.51.100.0/24")
	allocs := testing.AllocsPerRun(100, func() {
		tbl.Lookup(a4)
		tbl.Lookup(a6)
		tbl.LookupValue(a4)
		tbl.LookupValue(a6)
		tbl.Get(p)
	})
	if allocs != 0 {
		t.Errorf("lookups allocate %.1f times per run, want 0", allocs)
	}
}
