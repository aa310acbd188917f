package fib

import "slices"

// node is one 8-bit stride of the trie. A node at depth d (the root is
// depth 0) is reached by the first d octets of a key and holds:
//
//   - the prefixes of length 8d..8d+7 below that path, numbered 1..255 by
//     pfxIndex and stored popcount-compressed in pfxs;
//   - per octet value of the next 8 bits, either a child node (kids) or, when
//     only one route lives under that octet, the route itself as a leaf
//     (path compression: a /24 in a sparse /16 costs one leaf, not a node).
//
// kidBits and leafBits are disjoint. Nodes are immutable once published; a
// writer may modify a node in place only when node.gen equals the generation
// of its own transaction, which means no reader can reach it yet.
//
// Fields are ordered for the lookup's descent: the slot bitmaps and arrays
// come first so that one or two cache lines serve a step down.
type node[V any] struct {
	kidBits  bitset256
	leafBits bitset256
	kids     []*node[V]
	leaves   []leaf[V]
	pfxBits  bitset256
	pfxs     []V
	gen      uint64
}

// leaf is a whole route stored in a child slot: its masked key, its length
// in bits and its value.
type leaf[V any] struct {
	k    key
	bits uint8
	val  V
}

// lookup finds the longest prefix covering k below n. It reports the value,
// the prefix length and the masked prefix key.
func (n *node[V]) lookup(k key) (v V, plen int, ok bool) {
	var stack [16]*node[V]
	depth := 0
	for {
		stack[depth] = n
		o := k.octet(depth)
		if n.kidBits.test(uint(o)) {
			n = n.kids[n.kidBits.rank(uint(o))]
			depth++
			continue
		}
		if n.leafBits.test(uint(o)) {
			l := &n.leaves[n.leafBits.rank(uint(o))]
			if l.k.covers(int(l.bits), k) {
				return l.val, int(l.bits), true
			}
		}
		break
	}
	for ; depth >= 0; depth-- {
		n := stack[depth]
		if idx, ok := n.pfxBits.lpm(k.octet(depth)); ok {
			return n.pfxs[n.pfxBits.rank(idx)], 8*depth + idxLen(idx), true
		}
	}
	return v, 0, false
}

// get finds the exact prefix k/plen below n (n at depth).
func (n *node[V]) get(depth int, k key, plen int) (v V, ok bool) {
	for {
		o := k.octet(depth)
		rel := plen - 8*depth
		if rel < 8 {
			idx := pfxIndex(o, rel)
			if !n.pfxBits.test(idx) {
				return v, false
			}
			return n.pfxs[n.pfxBits.rank(idx)], true
		}
		if n.kidBits.test(uint(o)) {
			n = n.kids[n.kidBits.rank(uint(o))]
			depth++
			continue
		}
		if n.leafBits.test(uint(o)) {
			l := &n.leaves[n.leafBits.rank(uint(o))]
			if l.k == k && int(l.bits) == plen {
				return l.val, true
			}
		}
		return v, false
	}
}

// isEmpty reports whether n holds no route at all.
func (n *node[V]) isEmpty() bool {
	return len(n.pfxs) == 0 && len(n.kids) == 0 && len(n.leaves) == 0
}

// own returns n itself if the transaction gen may modify it, or a private
// copy stamped with gen otherwise (path copying).
func (n *node[V]) own(gen uint64) *node[V] {
	if n.gen == gen {
		return n
	}
	c := &node[V]{
		gen:      gen,
		pfxBits:  n.pfxBits,
		kidBits:  n.kidBits,
		leafBits: n.leafBits,
		pfxs:     slices.Clone(n.pfxs),
		kids:     slices.Clone(n.kids),
		leaves:   slices.Clone(n.leaves),
	}
	return c
}

// insert stores k/plen=v below n (at depth), returning the node to put in
// n's place. n must already be owned by gen.
func (n *node[V]) insert(gen uint64, depth int, k key, plen int, v V) (old V, replaced bool) {
	for {
		o := k.octet(depth)
		rel := plen - 8*depth
		if rel < 8 {
			idx := pfxIndex(o, rel)
			r := n.pfxBits.rank(idx)
			if n.pfxBits.test(idx) {
				old, n.pfxs[r] = n.pfxs[r], v
				return old, true
			}
			n.pfxBits.set(idx)
			n.pfxs = slices.Insert(n.pfxs, r, v)
			return old, false
		}
		if n.kidBits.test(uint(o)) {
			r := n.kidBits.rank(uint(o))
			c := n.kids[r].own(gen)
			n.kids[r] = c
			n, depth = c, depth+1
			continue
		}
		if !n.leafBits.test(uint(o)) {
			n.leafBits.set(uint(o))
			r := n.leafBits.rank(uint(o))
			n.leaves = slices.Insert(n.leaves, r, leaf[V]{k, uint8(plen), v})
			return old, false
		}
		r := n.leafBits.rank(uint(o))
		l := &n.leaves[r]
		if l.k == k && int(l.bits) == plen {
			old, l.val = l.val, v
			return old, true
		}
		// Two routes now share this slot: push the leaf down into a new
		// node and carry on inserting there.
		c := &node[V]{gen: gen}
		c.insert(gen, depth+1, l.k, int(l.bits), l.val)
		n.leaves = slices.Delete(n.leaves, r, r+1)
		n.leafBits.clear(uint(o))
		n.kidBits.set(uint(o))
		n.kids = slices.Insert(n.kids, n.kidBits.rank(uint(o)), c)
		n, depth = c, depth+1
	}
}

// delete removes k/plen below n (at depth); the caller has checked that it
// exists and that n is owned by gen. Children left empty are removed and
// children left with a single route are folded back into a leaf.
func (n *node[V]) delete(gen uint64, depth int, k key, plen int) (old V) {
	o := k.octet(depth)
	rel := plen - 8*depth
	if rel < 8 {
		idx := pfxIndex(o, rel)
		r := n.pfxBits.rank(idx)
		old = n.pfxs[r]
		n.pfxBits.clear(idx)
		n.pfxs = slices.Delete(n.pfxs, r, r+1)
		return old
	}
	if n.leafBits.test(uint(o)) {
		r := n.leafBits.rank(uint(o))
		old = n.leaves[r].val
		n.leafBits.clear(uint(o))
		n.leaves = slices.Delete(n.leaves, r, r+1)
		return old
	}
	r := n.kidBits.rank(uint(o))
	c := n.kids[r].own(gen)
	old = c.delete(gen, depth+1, k, plen)
	n.kids[r] = c
	switch {
	case c.isEmpty():
		n.kidBits.clear(uint(o))
		n.kids = slices.Delete(n.kids, r, r+1)
	case len(c.kids) == 0 && len(c.pfxs)+len(c.leaves) == 1:
		l := c.single(depth+1, k.mask(8*(depth+1)))
		n.kidBits.clear(uint(o))
		n.kids = slices.Delete(n.kids, r, r+1)
		n.leafBits.set(uint(o))
		n.leaves = slices.Insert(n.leaves, n.leafBits.rank(uint(o)), l)
	}
	return old
}

// single returns the only route of a node without children as a leaf; path
// is the node's own key prefix (depth octets, rest zero).
func (n *node[V]) single(depth int, path key) leaf[V] {
	if len(n.leaves) == 1 {
		return n.leaves[0]
	}
	idx, _ := n.pfxBits.next(0)
	return leaf[V]{
		k:    path.withOctet(depth, idxStart(idx)),
		bits: uint8(8*depth + idxLen(idx)),
		val:  n.pfxs[0],
	}
}

// count reports the number of routes below n (used by tests).
func (n *node[V]) count() int {
	c := len(n.pfxs) + len(n.leaves)
	for _, k := range n.kids {
		c += k.count()
	}
	return c
}

// trim gives the arrays of every node written by transaction gen a tight
// capacity before the version is published: growth by append leaves up to
// half an array unused, which a table of a million routes would carry
// forever. Nodes of older versions are shared and already tight.
func (n *node[V]) trim(gen uint64) {
	if n == nil || n.gen != gen {
		return
	}
	n.pfxs = tight(n.pfxs)
	n.kids = tight(n.kids)
	n.leaves = tight(n.leaves)
	for _, c := range n.kids {
		c.trim(gen)
	}
}

func tight[S ~[]E, E any](s S) S {
	if cap(s)-len(s) <= len(s)/8 {
		return s
	}
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}
