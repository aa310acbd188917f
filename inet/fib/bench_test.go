package fib

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"sync"
	"testing"
)

// ipv4Len draws an IPv4 prefix length with roughly the shape of a
// full-table BGP feed: mostly /24, many /16–/23, few shorter or longer.
func ipv4Len(r *rand.Rand) int {
	x := r.IntN(1000)
	for _, c := range []struct{ upTo, bits int }{
		{580, 24}, {680, 23}, {790, 22}, {840, 21}, {880, 20}, {905, 19},
		{920, 18}, {930, 17}, {945, 16}, {955, 8 + r.IntN(8)},
	} {
		if x < c.upTo {
			return c.bits
		}
	}
	return 25 + r.IntN(8)
}

// ipv6Len draws an IPv6 prefix length: mostly /48, the rest /32–/64.
func ipv6Len(r *rand.Rand) int {
	switch x := r.IntN(100); {
	case x < 60:
		return 48
	case x < 75:
		return 32 + r.IntN(16)
	default:
		return 49 + r.IntN(16)
	}
}

func randomRoutes4(n int, seed uint64) []netip.Prefix {
	r := rand.New(rand.NewPCG(seed, 4))
	out := make([]netip.Prefix, n)
	for i := range out {
		u := uint32(1<<24) + r.Uint32N(223<<24) // 1.0.0.0 – 223.255.255.255
		a := netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
		out[i] = netip.PrefixFrom(a, ipv4Len(r)).Masked()
	}
	return out
}

func randomRoutes6(n int, seed uint64) []netip.Prefix {
	r := rand.New(rand.NewPCG(seed, 6))
	out := make([]netip.Prefix, n)
	for i := range out {
		var b [16]byte
		b[0], b[1] = 0x20, byte(r.IntN(16)) // 2000::/12, like the global table
		for j := 2; j < 8; j++ {
			b[j] = byte(r.Uint32())
		}
		out[i] = netip.PrefixFrom(netip.AddrFrom16(b), ipv6Len(r)).Masked()
	}
	return out
}

// probes returns addresses to look up: half inside random routes (with
// random host bits), half uniformly random in the family's space.
func probes(routes []netip.Prefix, seed uint64) []netip.Addr {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]netip.Addr, 1<<16)
	for i := range out {
		p := routes[r.IntN(len(routes))]
		b := p.Addr().As16()
		for j := range b {
			if r.IntN(2) == 0 || 8*j >= p.Bits()+96*btoi(p.Addr().Is4()) {
				b[j] = byte(r.Uint32())
			}
		}
		a := netip.AddrFrom16(b)
		if p.Addr().Is4() {
			a = netip.AddrFrom4([4]byte(b[12:]))
		}
		if i%2 == 0 {
			a = maskedInto(p, a)
		}
		out[i] = a
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// maskedInto returns a with its first p.Bits() bits taken from p.
func maskedInto(p netip.Prefix, a netip.Addr) netip.Addr {
	pb, ab := p.Addr().AsSlice(), a.AsSlice()
	for i := range pb {
		keep := min(max(p.Bits()-8*i, 0), 8)
		m := byte(0xff << (8 - keep))
		ab[i] = pb[i]&m | ab[i]&^m
	}
	out, _ := netip.AddrFromSlice(ab)
	return out
}

// build loads routes into a new table in one Update and reports the heap
// bytes the table holds.
func build(routes []netip.Prefix) (*Table[int], float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tbl := new(Table[int])
	tbl.Update(func(tx *Tx[int]) {
		for i, p := range routes {
			tx.Insert(p, i)
		}
	})
	runtime.GC()
	runtime.ReadMemStats(&after)
	return tbl, float64(after.HeapAlloc-before.HeapAlloc) / float64(tbl.Len())
}

type fixture struct {
	routes []netip.Prefix
	addrs  []netip.Addr
	tbl    *Table[int]
	bpr    float64
}

var fixtures sync.Map // name → func() *fixture

func getFixture(name string, mk func() []netip.Prefix) *fixture {
	f, _ := fixtures.LoadOrStore(name, sync.OnceValue(func() *fixture {
		routes := mk()
		tbl, bpr := build(routes)
		return &fixture{routes, probes(routes, 42), tbl, bpr}
	}))
	return f.(func() *fixture)()
}

func fix4M() *fixture {
	return getFixture("v4-1M", func() []netip.Prefix { return randomRoutes4(1_000_000, 1) })
}
func fix6() *fixture {
	return getFixture("v6-100k", func() []netip.Prefix { return randomRoutes6(100_000, 1) })
}
func fixSmall() *fixture {
	return getFixture("small", func() []netip.Prefix {
		return append(randomRoutes4(50, 2), randomRoutes6(50, 2)...)
	})
}

func benchLookup(b *testing.B, f *fixture) {
	b.ReportAllocs()
	mask := len(f.addrs) - 1
	for i := 0; b.Loop(); i++ {
		f.tbl.Lookup(f.addrs[i&mask])
	}
	b.ReportMetric(f.bpr, "B/route")
	b.ReportMetric(float64(f.tbl.Len()), "routes")
}

func benchLookupValue(b *testing.B, f *fixture) {
	b.ReportAllocs()
	mask := len(f.addrs) - 1
	for i := 0; b.Loop(); i++ {
		f.tbl.LookupValue(f.addrs[i&mask])
	}
}

func BenchmarkLookup4_1M(b *testing.B)        { benchLookup(b, fix4M()) }
func BenchmarkLookupValue4_1M(b *testing.B)   { benchLookupValue(b, fix4M()) }
func BenchmarkLookup6_100k(b *testing.B)      { benchLookup(b, fix6()) }
func BenchmarkLookupValue6_100k(b *testing.B) { benchLookupValue(b, fix6()) }
func BenchmarkLookupSmall(b *testing.B)       { benchLookup(b, fixSmall()) }

func benchBulk(b *testing.B, routes []netip.Prefix) {
	b.ReportAllocs()
	var bpr float64
	for b.Loop() {
		_, bpr = build(routes)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(routes)), "ns/route")
	b.ReportMetric(bpr, "B/route")
}

func BenchmarkBulkLoad4_1M(b *testing.B)   { benchBulk(b, fix4M().routes) }
func BenchmarkBulkLoad6_100k(b *testing.B) { benchBulk(b, fix6().routes) }

// BenchmarkInsertDelete4_1M measures single writes (one path copy and one
// publication each) against a full IPv4 table.
func BenchmarkInsertDelete4_1M(b *testing.B) {
	f := fix4M()
	extra := randomRoutes4(1024, 77)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := extra[i&1023]
		if i&1024 == 0 {
			f.tbl.Insert(p, i)
		} else {
			f.tbl.Delete(p)
		}
	}
}
