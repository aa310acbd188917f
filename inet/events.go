package inet

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/softnet/softnet/netdev"
)

// Address and route notifications: the RTNLGRP_IPV4_IFADDR,
// RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE and RTNLGRP_IPV6_ROUTE
// multicast groups a netlink listener such as `ip monitor` joins
// (rtmsg_ifa in devinet.c, inet6_ifa_notify in addrconf.c, rtmsg_fib in
// fib_semantics.c, inet6_rt_notify in ip6_fib.c).

// EventType says what changed.
type EventType uint8

// Event types, named after the rtnetlink messages.
const (
	// EventNewAddr: an address was added or changed (flags such as
	// tentative cleared after DAD, lifetimes replaced): RTM_NEWADDR.
	EventNewAddr EventType = iota + 1
	// EventDelAddr: an address was removed (also when its device went
	// down or away): RTM_DELADDR.
	EventDelAddr
	// EventNewRoute: a route was added, by a user or by the kernel
	// (connected, local, broadcast, IPv6 multicast routes): RTM_NEWROUTE.
	EventNewRoute
	// EventDelRoute: a route was removed: RTM_DELROUTE.
	EventDelRoute
)

// String is the message name (RTM_NEWADDR, …).
func (t EventType) String() string {
	switch t {
	case EventNewAddr:
		return "RTM_NEWADDR"
	case EventDelAddr:
		return "RTM_DELADDR"
	case EventNewRoute:
		return "RTM_NEWROUTE"
	case EventDelRoute:
		return "RTM_DELROUTE"
	}
	return "RTM_UNKNOWN"
}

// Event is one address or route change of a namespace.
type Event struct {
	Type EventType
	// Family is FamilyV4 or FamilyV6.
	Family int
	// Ifindex is the address's device, or the route's output device (0
	// for a route without one).
	Ifindex int32
	// Addr is the address (EventNewAddr, EventDelAddr).
	Addr Addr
	// Route is the route (EventNewRoute, EventDelRoute).
	Route Route
	// Replace marks an EventNewRoute that took the place of Old (a route
	// replace: NLM_F_REPLACE, no RTM_DELROUTE for Old).
	Replace bool
	// Old is the replaced route when Replace is set.
	Old Route
}

// Listener receives events. It runs with the RTNL held, on the goroutine
// that made the change, in the order of the changes; it must not block
// and must not change inet's configuration. A route event is delivered
// while the routing table is being committed: the Event carries
// everything about the change, and a Routes dump from inside the
// listener may not show it yet.
type Listener func(Event)

type eventSub struct {
	id int
	fn Listener
}

// eventState is one namespace's listeners, copy-on-write so that
// publishing without listeners costs one atomic load.
type eventState struct {
	mu   sync.Mutex
	next int
	subs atomic.Pointer[[]eventSub]
}

var eventNet = netdev.NewPernet(func(*netdev.Namespace) *eventState { return &eventState{} }, nil)

// Subscribe registers fn for every address and route event of ns (a
// netlink listener of the address and route groups, such as `ip
// monitor`); cancel unregisters it. Subscribing does not replay the
// current state: dump it with Addrs and Routes first, under the RTNL,
// for a consistent start.
func Subscribe(ns *netdev.Namespace, fn Listener) (cancel func()) {
	es := eventNet.Get(ns)
	es.mu.Lock()
	defer es.mu.Unlock()
	es.next++
	id := es.next
	es.store(append(es.list(), eventSub{id, fn}))
	return func() {
		es.mu.Lock()
		defer es.mu.Unlock()
		es.store(slices.DeleteFunc(es.list(), func(s eventSub) bool { return s.id == id }))
	}
}

// list returns a private copy of the listeners (es.mu held).
func (es *eventState) list() []eventSub {
	if p := es.subs.Load(); p != nil {
		return slices.Clone(*p)
	}
	return nil
}

func (es *eventState) store(l []eventSub) { es.subs.Store(&l) }

// listeners returns ns's listeners, nil when there are none.
func listeners(ns *netdev.Namespace) []eventSub {
	if ns == nil {
		return nil
	}
	if p := eventNet.Get(ns).subs.Load(); p != nil {
		return *p
	}
	return nil
}

func emit(subs []eventSub, ev Event) {
	for _, s := range subs {
		s.fn(ev)
	}
}

// notifyAddrs publishes the difference between a device's previous
// (nil: none) and new address lists of one family: removed addresses first, then added or
// changed ones, each in list order. RTNL is held.
func notifyAddrs(d *netdev.Device, family int, prev *[]Addr, cur []Addr) {
	subs := listeners(d.Namespace())
	if len(subs) == 0 {
		return
	}
	var old []Addr
	if prev != nil {
		old = *prev
	}
	same := func(a, b Addr) bool { return a.Prefix == b.Prefix && a.Peer == b.Peer }
	for _, a := range old {
		if !slices.ContainsFunc(cur, func(x Addr) bool { return same(x, a) }) {
			emit(subs, Event{Type: EventDelAddr, Family: family, Ifindex: d.Index(), Addr: a})
		}
	}
	for _, a := range cur {
		i := slices.IndexFunc(old, func(x Addr) bool { return same(x, a) })
		if i < 0 || old[i] != a {
			emit(subs, Event{Type: EventNewAddr, Family: family, Ifindex: d.Index(), Addr: a})
		}
	}
}

// notifyInsert publishes a route added to a prefix whose previous entry
// was old (nil: none) and whose new list is cur: a replace when a route of
// old is missing from cur. RTNL is held.
func (st *netState) notifyInsert(old *fibEntry, cur []*fibRoute, fr *fibRoute) {
	subs := listeners(st.ns)
	if len(subs) == 0 {
		return
	}
	ev := Event{Type: EventNewRoute, Family: fr.r.Family, Ifindex: fr.r.Ifindex, Route: cloneRoute(fr.r)}
	if old != nil {
		for _, x := range old.routes {
			if !slices.Contains(cur, x) {
				ev.Replace, ev.Old = true, cloneRoute(x.r)
			}
		}
	}
	emit(subs, ev)
}

// notifyRoute publishes one route change. RTNL is held.
func (st *netState) notifyRoute(t EventType, r Route) {
	subs := listeners(st.ns)
	if len(subs) == 0 {
		return
	}
	r = cloneRoute(r)
	emit(subs, Event{Type: t, Family: r.Family, Ifindex: r.Ifindex, Route: r})
}
