package fib

import "net/netip"

// Tx is a write transaction on a Table, valid only inside the function
// passed to Table.Update. Its reads see its own writes. A Tx is not safe
// for use by several goroutines at once.
type Tx[V any] struct {
	gen   uint64
	r     root[V]
	dirty bool
	done  bool
}

func (tx *Tx[V]) check() {
	if tx.done {
		panic("fib: Tx used after Update returned")
	}
}

// Insert stores v for prefix p (masked), replacing and returning the
// previous value if p was present. Invalid prefixes are ignored.
func (tx *Tx[V]) Insert(p netip.Prefix, v V) (old V, replaced bool) {
	tx.check()
	if !p.IsValid() {
		return old, false
	}
	p = p.Masked()
	is4 := p.Addr().Is4()
	n, cnt := tx.slot(is4)
	if *n == nil {
		*n = &node[V]{gen: tx.gen}
	} else {
		*n = (*n).own(tx.gen)
	}
	old, replaced = (*n).insert(tx.gen, 0, keyOf(p.Addr()), p.Bits(), v)
	if !replaced {
		*cnt++
	}
	tx.dirty = true
	return old, replaced
}

// Delete removes prefix p (masked) and returns its value, or ok=false if it
// was not present.
func (tx *Tx[V]) Delete(p netip.Prefix) (old V, ok bool) {
	tx.check()
	if _, ok := tx.Get(p); !ok {
		return old, false
	}
	p = p.Masked()
	n, cnt := tx.slot(p.Addr().Is4())
	*n = (*n).own(tx.gen)
	old = (*n).delete(tx.gen, 0, keyOf(p.Addr()), p.Bits())
	if (*n).isEmpty() {
		*n = nil
	}
	*cnt--
	tx.dirty = true
	return old, true
}

// Get returns the value stored for exactly prefix p, as of this
// transaction.
func (tx *Tx[V]) Get(p netip.Prefix) (V, bool) {
	tx.check()
	return Snapshot[V]{&tx.r}.Get(p)
}

// Lookup is Table.Lookup as of this transaction.
func (tx *Tx[V]) Lookup(a netip.Addr) (netip.Prefix, V, bool) {
	tx.check()
	return Snapshot[V]{&tx.r}.Lookup(a)
}

// Len reports the number of prefixes as of this transaction.
func (tx *Tx[V]) Len() int { return tx.r.n4 + tx.r.n6 }

// Clear removes every route of both families.
func (tx *Tx[V]) Clear() {
	tx.check()
	tx.r = root[V]{}
	tx.dirty = true
}

func (tx *Tx[V]) slot(is4 bool) (**node[V], *int) {
	if is4 {
		return &tx.r.v4, &tx.r.n4
	}
	return &tx.r.v6, &tx.r.n6
}
