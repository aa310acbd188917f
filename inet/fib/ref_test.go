package fib

import (
	"cmp"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// refTable is the obviously correct reference: a map and a linear scan.
type refTable map[netip.Prefix]int

func (r refTable) lookup(a netip.Addr) (netip.Prefix, int, bool) {
	var best netip.Prefix
	found := false
	for p := range r {
		if p.Contains(a) && (!found || p.Bits() > best.Bits()) {
			best, found = p, true
		}
	}
	return best, r[best], found
}

// lastAddr128 returns the last address of p as a 128-bit number.
func lastAddr128(p netip.Prefix) (hi, lo uint64) {
	b := p.Addr().As16()
	hi, lo = binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	n := p.Bits()
	if p.Addr().Is4() {
		n += 96
	}
	if n < 64 {
		hi |= ^uint64(0) >> n
	}
	if n < 128 {
		lo |= ^uint64(0) >> max(n-64, 0)
	}
	return hi, lo
}

// sorted returns r's routes in the kernel dump order documented at Walk.
func (r refTable) sorted() []netip.Prefix {
	var v4, v6 []netip.Prefix
	for p := range r {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	slices.SortFunc(v4, func(a, b netip.Prefix) int {
		return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(b.Bits(), a.Bits()))
	})
	slices.SortFunc(v6, func(a, b netip.Prefix) int {
		ah, al := lastAddr128(a)
		bh, bl := lastAddr128(b)
		return cmp.Or(cmp.Compare(ah, bh), cmp.Compare(al, bl), cmp.Compare(b.Bits(), a.Bits()))
	})
	return append(v4, v6...)
}

// gen draws prefixes and addresses from a deliberately small space so that
// routes overlap, nest and collide often.
type gen struct{ r *rand.Rand }

func newGen(seed uint64) gen { return gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g gen) addr(is4 bool) netip.Addr {
	pick := func() byte {
		switch g.r.IntN(4) {
		case 0:
			return 0
		case 1:
			return 255
		default:
			return byte(g.r.IntN(4) * 64 / (1 + g.r.IntN(2)))
		}
	}
	var b [16]byte
	for i := range b {
		b[i] = pick()
	}
	if g.r.IntN(8) == 0 {
		b[g.r.IntN(16)] = byte(g.r.Uint32())
	}
	if is4 {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16(b)
}

func (g gen) prefix() netip.Prefix {
	is4 := g.r.IntN(2) == 0
	a := g.addr(is4)
	n := g.r.IntN(a.BitLen() + 1)
	switch g.r.IntN(6) {
	case 0:
		n = 0
	case 1:
		n = a.BitLen()
	case 2:
		n = 8 * g.r.IntN(a.BitLen()/8+1)
	}
	return netip.PrefixFrom(a, n).Masked()
}

// checkInvariants verifies the trie's shape: counts, compaction and leaf
// placement.
func checkInvariants[V any](t testing.TB, s Snapshot[V]) {
	t.Helper()
	total := 0
	for _, n := range []*node[V]{s.trie(true), s.trie(false)} {
		if n == nil {
			continue
		}
		if n.isEmpty() {
			t.Fatalf("empty root kept")
		}
		total += n.count()
		checkNode(t, n, 0, key{})
	}
	if total != s.Len() {
		t.Fatalf("Len %d, trie holds %d", s.Len(), total)
	}
}

func checkNode[V any](t testing.TB, n *node[V], depth int, path key) {
	t.Helper()
	if n.pfxBits.count() != len(n.pfxs) || n.kidBits.count() != len(n.kids) || n.leafBits.count() != len(n.leaves) {
		t.Fatalf("depth %d: bitset/array length mismatch", depth)
	}
	if n.pfxBits.test(0) {
		t.Fatalf("depth %d: prefix index 0 used", depth)
	}
	for i := range n.kidBits {
		if n.kidBits[i]&n.leafBits[i] != 0 {
			t.Fatalf("depth %d: slot is both child and leaf", depth)
		}
	}
	for s, ok := n.leafBits.next(0); ok; s, ok = n.leafBits.next(s + 1) {
		l := n.leaves[n.leafBits.rank(s)]
		k := path.withOctet(depth, uint8(s))
		if int(l.bits) < 8*(depth+1) || !k.covers(8*(depth+1), l.k) || l.k != l.k.mask(int(l.bits)) {
			t.Fatalf("depth %d slot %d: misplaced leaf %v/%d", depth, s, l.k, l.bits)
		}
	}
	for s, ok := n.kidBits.next(0); ok; s, ok = n.kidBits.next(s + 1) {
		c := n.kids[n.kidBits.rank(s)]
		if c.isEmpty() || (len(c.kids) == 0 && len(c.pfxs)+len(c.leaves) == 1) {
			t.Fatalf("depth %d slot %d: child not compacted", depth, s)
		}
		checkNode(t, c, depth+1, path.withOctet(depth, uint8(s)))
	}
}
