package fib

import (
	"net/netip"
	"sync"
	"sync/atomic"
)

// Table is a longest-prefix-match table from IPv4 and IPv6 prefixes to
// values of type V. The two families live in separate tries inside one
// Table; an IPv4-mapped IPv6 prefix or address (::ffff:a.b.c.d) belongs to
// the IPv6 trie and is never unmapped.
//
// Prefixes are keys in their masked form: every method masks the prefix it
// is given (p.Masked()), so 10.1.2.3/8 and 10.0.0.0/8 name the same route.
// Callers that must reject unmasked prefixes, as the kernel does with
// "Invalid prefix for given prefix length", check p == p.Masked() first.
// An invalid prefix (the zero netip.Prefix) is never stored: Insert ignores
// it and Get and Delete report false.
//
// Readers (Lookup, LookupValue, Get, Walk, All, Len, Snapshot) never lock
// and never allocate on the lookup path; they run concurrently with writers
// and see either the table before or after each write or Update, never a
// part of one. Writers (Insert, Delete, Update) are serialized by a mutex
// inside the Table. The zero Table is empty and ready to use; a Table must
// not be copied after first use.
type Table[V any] struct {
	mu   sync.Mutex // serializes writers
	gen  uint64     // last transaction generation, guarded by mu
	root atomic.Pointer[root[V]]
}

// root is one published version of the table.
type root[V any] struct {
	v4, v6 *node[V]
	n4, n6 int
}

// Snapshot is an immutable view of a Table at one moment. Its methods see
// exactly the routes present when it was taken, whatever writers do later.
// The zero Snapshot is empty.
type Snapshot[V any] struct {
	r *root[V]
}

// Snapshot returns the current version of the table.
func (t *Table[V]) Snapshot() Snapshot[V] { return Snapshot[V]{t.root.Load()} }

// Lookup returns the longest prefix in the table that contains a, and its
// value.
func (t *Table[V]) Lookup(a netip.Addr) (netip.Prefix, V, bool) {
	return Snapshot[V]{t.root.Load()}.Lookup(a)
}

// LookupValue is Lookup without building the matched prefix: the fastest
// form of the forwarding lookup.
func (t *Table[V]) LookupValue(a netip.Addr) (V, bool) {
	return Snapshot[V]{t.root.Load()}.LookupValue(a)
}

// Get returns the value stored for exactly prefix p.
func (t *Table[V]) Get(p netip.Prefix) (V, bool) {
	return Snapshot[V]{t.root.Load()}.Get(p)
}

// Len reports the number of prefixes in the table, both families.
func (t *Table[V]) Len() int { return Snapshot[V]{t.root.Load()}.Len() }

// Insert stores v for prefix p (masked), replacing and returning the
// previous value if p was present. Invalid prefixes are ignored.
func (t *Table[V]) Insert(p netip.Prefix, v V) (old V, replaced bool) {
	t.Update(func(tx *Tx[V]) { old, replaced = tx.Insert(p, v) })
	return old, replaced
}

// Delete removes prefix p (masked) and returns its value, or ok=false if p
// was not in the table (in which case the table is not rewritten).
func (t *Table[V]) Delete(p netip.Prefix) (old V, ok bool) {
	if _, present := t.Get(p); !present {
		// Racy pre-check only to spare the mutex; Update re-checks.
		return old, false
	}
	t.Update(func(tx *Tx[V]) { old, ok = tx.Delete(p) })
	return old, ok
}

// Update runs fn with a transaction holding the table's writer lock and
// publishes all of fn's changes at once when fn returns. Readers see none
// of them before that. Nodes created inside one Update are modified in
// place, so loading many routes in one Update costs about as much as
// building the trie from scratch, not one path copy per route. If fn
// panics, nothing is published. tx must not be used after fn returns.
func (t *Table[V]) Update(fn func(tx *Tx[V])) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gen++
	tx := &Tx[V]{gen: t.gen}
	if r := t.root.Load(); r != nil {
		tx.r = *r
	}
	defer func() { tx.done = true }()
	fn(tx)
	if tx.dirty {
		tx.r.v4.trim(tx.gen)
		tx.r.v6.trim(tx.gen)
		r := tx.r
		t.root.Store(&r)
	}
}

// Lookup returns the longest prefix in s that contains a, and its value.
// The zero (invalid) Addr matches nothing.
func (s Snapshot[V]) Lookup(a netip.Addr) (p netip.Prefix, v V, ok bool) {
	n := s.trie(a.Is4())
	if n == nil || !a.IsValid() {
		return p, v, false
	}
	k := keyOf(a)
	v, plen, ok := n.lookup(k)
	if !ok {
		return p, v, false
	}
	return prefixOf(k.mask(plen), plen, a.Is4()), v, true
}

// LookupValue returns the value of the longest prefix in s containing a.
func (s Snapshot[V]) LookupValue(a netip.Addr) (v V, ok bool) {
	n := s.trie(a.Is4())
	if n == nil || !a.IsValid() {
		return v, false
	}
	v, _, ok = n.lookup(keyOf(a))
	return v, ok
}

// Get returns the value stored for exactly prefix p.
func (s Snapshot[V]) Get(p netip.Prefix) (v V, ok bool) {
	if !p.IsValid() {
		return v, false
	}
	n := s.trie(p.Addr().Is4())
	if n == nil {
		return v, false
	}
	return n.get(0, keyOf(p.Masked().Addr()), p.Bits())
}

// Len reports the number of prefixes in s.
func (s Snapshot[V]) Len() int {
	if s.r == nil {
		return 0
	}
	return s.r.n4 + s.r.n6
}

func (s Snapshot[V]) trie(is4 bool) *node[V] {
	switch {
	case s.r == nil:
		return nil
	case is4:
		return s.r.v4
	default:
		return s.r.v6
	}
}
