package fib

import (
	"iter"
	"net/netip"
)

// Walk calls fn for every route, IPv4 first, then IPv6, until fn returns
// false. Each family comes in the order its kernel table dumps it (so that
// "ip route show" output can match Linux line for line):
//
//   - IPv4 as net/ipv4/fib_trie.c: by address ascending and, for routes with
//     the same address, longer prefix first (10.0.0.0/24, 10.0.0.0/8,
//     10.1.0.0/16), since a trie leaf keeps its aliases by suffix length;
//   - IPv6 as net/ipv6/ip6_fib.c: post-order of the prefix tree, so a
//     prefix comes after all the prefixes it contains (2001:db8::/48,
//     2001:db8:1::/48, 2001:db8::/32, and ::/0 last).
//
// Walk sees one snapshot; writers may run meanwhile. fn must not call
// Update on the same Table (it would not deadlock, but the walk would not
// see the change).
func (t *Table[V]) Walk(fn func(netip.Prefix, V) bool) {
	Snapshot[V]{t.root.Load()}.Walk(fn)
}

// All returns an iterator over the routes in Walk order.
func (t *Table[V]) All() iter.Seq2[netip.Prefix, V] {
	return Snapshot[V]{t.root.Load()}.All()
}

// All returns an iterator over the routes of s in Walk order.
func (s Snapshot[V]) All() iter.Seq2[netip.Prefix, V] {
	return func(yield func(netip.Prefix, V) bool) { s.Walk(yield) }
}

// Walk calls fn for every route of s in the order described at Table.Walk.
func (s Snapshot[V]) Walk(fn func(netip.Prefix, V) bool) {
	if s.Walk4(fn) {
		s.Walk6(fn)
	}
}

// Walk4 walks the IPv4 routes only, in fib_trie order. It reports whether
// the walk ran to the end (fn never returned false).
func (s Snapshot[V]) Walk4(fn func(netip.Prefix, V) bool) bool {
	n := s.trie(true)
	if n == nil {
		return true
	}
	w := &preWalker[V]{fn: fn}
	return n.walkPre(0, key{}, w) && w.flush()
}

// Walk6 walks the IPv6 routes only, in ip6_fib order. It reports whether
// the walk ran to the end.
func (s Snapshot[V]) Walk6(fn func(netip.Prefix, V) bool) bool {
	n := s.trie(false)
	if n == nil {
		return true
	}
	return n.walkPost(0, key{}, fn)
}

// route is one buffered Walk item.
type route[V any] struct {
	k    key
	bits int
	val  V
}

// preWalker turns the trie's natural pre-order (address ascending, shorter
// prefix first) into fib_trie order by buffering the routes that share an
// address and emitting them longest first.
type preWalker[V any] struct {
	fn  func(netip.Prefix, V) bool
	run []route[V]
}

func (w *preWalker[V]) emit(k key, bits int, v V) bool {
	if len(w.run) > 0 && w.run[0].k != k && !w.flush() {
		return false
	}
	w.run = append(w.run, route[V]{k, bits, v})
	return true
}

func (w *preWalker[V]) flush() bool {
	for i := len(w.run) - 1; i >= 0; i-- {
		r := &w.run[i]
		if !w.fn(prefixOf(r.k, r.bits, true), r.val) {
			return false
		}
	}
	w.run = w.run[:0]
	return true
}

// walkPre visits n (at depth, reached by path) in address order, shorter
// prefix first for equal addresses.
func (n *node[V]) walkPre(depth int, path key, w *preWalker[V]) bool {
	var starts bitset256
	for i, ok := n.pfxBits.next(1); ok; i, ok = n.pfxBits.next(i + 1) {
		starts.set(uint(idxStart(i)))
	}
	slots := n.kidBits.or(&n.leafBits)
	all := starts.or(&slots)
	for s, ok := all.next(0); ok; s, ok = all.next(s + 1) {
		o := uint8(s)
		k := path.withOctet(depth, o)
		if starts.test(s) {
			for rel := 0; rel < 8; rel++ {
				if idx := pfxIndex(o, rel); idxStart(idx) == o && n.pfxBits.test(idx) {
					v := n.pfxs[n.pfxBits.rank(idx)]
					if !w.emit(k, 8*depth+rel, v) {
						return false
					}
				}
			}
		}
		if !n.walkSlot(depth, k, w.emit, func(c *node[V]) bool { return c.walkPre(depth+1, k, w) }) {
			return false
		}
	}
	return true
}

// walkPost visits n in post-order: a prefix after everything it contains.
func (n *node[V]) walkPost(depth int, path key, fn func(netip.Prefix, V) bool) bool {
	var ends bitset256
	for i, ok := n.pfxBits.next(1); ok; i, ok = n.pfxBits.next(i + 1) {
		ends.set(uint(idxStart(i)) + 1<<(8-idxLen(i)) - 1)
	}
	slots := n.kidBits.or(&n.leafBits)
	all := ends.or(&slots)
	emit := func(k key, bits int, v V) bool { return fn(prefixOf(k, bits, false), v) }
	for s, ok := all.next(0); ok; s, ok = all.next(s + 1) {
		o := uint8(s)
		k := path.withOctet(depth, o)
		if !n.walkSlot(depth, k, emit, func(c *node[V]) bool { return c.walkPost(depth+1, k, fn) }) {
			return false
		}
		if !ends.test(s) {
			continue
		}
		for rel := 7; rel >= 0; rel-- {
			idx := pfxIndex(o, rel)
			if uint(idxStart(idx))+1<<(8-rel)-1 != s || !n.pfxBits.test(idx) {
				continue
			}
			if !emit(path.withOctet(depth, idxStart(idx)), 8*depth+rel, n.pfxs[n.pfxBits.rank(idx)]) {
				return false
			}
		}
	}
	return true
}

// walkSlot visits the child or leaf in slot k.octet(depth) of n, if any.
func (n *node[V]) walkSlot(depth int, k key, emit func(key, int, V) bool, down func(*node[V]) bool) bool {
	o := uint(k.octet(depth))
	switch {
	case n.kidBits.test(o):
		return down(n.kids[n.kidBits.rank(o)])
	case n.leafBits.test(o):
		l := &n.leaves[n.leafBits.rank(o)]
		return emit(l.k, int(l.bits), l.val)
	}
	return true
}
