package netdev

import "sync"

const maxPernet = 32

var (
	pernetMu   sync.Mutex
	pernetExit []func(*Namespace)
)

// Pernet is per-namespace storage for one subsystem (pernet_operations with
// an id). Create one at package init with NewPernet; Get returns the
// namespace's value, creating it on first use, without locking afterwards.
type Pernet[T any] struct {
	id   int
	init func(*Namespace) *T
	exit func(*Namespace, *T)
}

// NewPernet registers per-namespace storage. init creates the value (with
// RTNL possibly held: it must not take it); exit, if not nil, runs when the
// namespace is deleted.
func NewPernet[T any](init func(*Namespace) *T, exit func(*Namespace, *T)) *Pernet[T] {
	pernetMu.Lock()
	defer pernetMu.Unlock()
	if len(pernetExit) >= maxPernet {
		panic("netdev: too many pernet subsystems")
	}
	p := &Pernet[T]{id: len(pernetExit), init: init, exit: exit}
	pernetExit = append(pernetExit, func(ns *Namespace) {
		if v, ok := ns.pernet[p.id].Load().(*T); ok && p.exit != nil {
			p.exit(ns, v)
		}
	})
	return p
}

// Get returns the namespace's value.
func (p *Pernet[T]) Get(ns *Namespace) *T {
	if v, ok := ns.pernet[p.id].Load().(*T); ok {
		return v
	}
	ns.pernetMu.Lock()
	defer ns.pernetMu.Unlock()
	if v, ok := ns.pernet[p.id].Load().(*T); ok {
		return v
	}
	v := p.init(ns)
	ns.pernet[p.id].Store(v)
	return v
}

// Peek returns the value if it was created, else nil.
func (p *Pernet[T]) Peek(ns *Namespace) *T {
	v, _ := ns.pernet[p.id].Load().(*T)
	return v
}

func runPernetExits(ns *Namespace) {
	pernetMu.Lock()
	exits := append([]func(*Namespace){}, pernetExit...)
	pernetMu.Unlock()
	for i := len(exits) - 1; i >= 0; i-- {
		exits[i](ns)
	}
}
