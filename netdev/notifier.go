package netdev

import (
	"slices"
	"sync"
)

// Event is a netdev notifier event (NETDEV_* in include/linux/netdevice.h).
type Event uint8

// Notifier events. Subscribers can veto the ones marked vetoable by
// returning an error, which undoes the change and reaches the user.
const (
	EventRegister Event = iota + 1 // vetoable
	EventPreUp                     // vetoable
	EventUp
	EventGoingDown
	EventDown
	EventChange        // flags or carrier changed
	EventPreChangeMTU  // vetoable
	EventChangeMTU     // vetoable (the change is reverted)
	EventChangeName    // vetoable (the name is reverted)
	EventPreChangeAddr // vetoable
	EventChangeAddr
	EventFeatChange
	EventUnregister
	EventChangeTxQueueLen // vetoable
)

var eventNames = map[Event]string{
	EventRegister: "REGISTER", EventPreUp: "PRE_UP", EventUp: "UP", EventGoingDown: "GOING_DOWN",
	EventDown: "DOWN", EventChange: "CHANGE", EventPreChangeMTU: "PRECHANGEMTU",
	EventChangeMTU: "CHANGEMTU", EventChangeName: "CHANGENAME", EventPreChangeAddr: "PRE_CHANGEADDR",
	EventChangeAddr: "CHANGEADDR", EventFeatChange: "FEAT_CHANGE", EventUnregister: "UNREGISTER",
	EventChangeTxQueueLen: "CHANGE_TX_QUEUE_LEN",
}

// String returns the NETDEV_ name without the prefix.
func (e Event) String() string { return eventNames[e] }

// Vetoable reports whether a subscriber's error stops the change.
func (e Event) Vetoable() bool {
	switch e {
	case EventRegister, EventPreUp, EventPreChangeMTU, EventChangeMTU, EventChangeName,
		EventPreChangeAddr, EventChangeTxQueueLen:
		return true
	}
	return false
}

// Notifier is called for device events with the world's RTNL held: it must
// not call locking Namespace methods (use the *Locked variants).
type Notifier func(ev Event, d *Device) error

type notifierEntry struct {
	prio int
	id   int
	fn   Notifier
}

var (
	globalMu        sync.Mutex
	globalNotifiers []notifierEntry
	nextNotifierID  int
)

// RegisterNotifier adds a notifier for every namespace of every world
// (register_netdevice_notifier); higher priority runs first. Subsystems call
// it at package init.
func RegisterNotifier(prio int, fn Notifier) {
	globalMu.Lock()
	defer globalMu.Unlock()
	nextNotifierID++
	globalNotifiers = append(globalNotifiers, notifierEntry{prio, nextNotifierID, fn})
	slices.SortStableFunc(globalNotifiers, func(a, b notifierEntry) int { return b.prio - a.prio })
}

// Subscribe adds a notifier for this namespace only (for monitors); the
// returned function removes it.
func (ns *Namespace) Subscribe(fn Notifier) (cancel func()) {
	ns.world.Lock()
	defer ns.world.Unlock()
	nextNotifierID++
	id := nextNotifierID
	ns.subs = append(ns.subs, notifierEntry{0, id, fn})
	return func() {
		ns.world.Lock()
		defer ns.world.Unlock()
		ns.subs = slices.DeleteFunc(ns.subs, func(e notifierEntry) bool { return e.id == id })
	}
}

// notify calls every notifier; for a vetoable event the first error stops
// the chain and is returned. RTNL is held.
func (ns *Namespace) notify(ev Event, d *Device) error {
	globalMu.Lock()
	list := slices.Clone(globalNotifiers)
	globalMu.Unlock()
	for _, n := range list {
		if err := n.fn(ev, d); err != nil && ev.Vetoable() {
			return err
		}
	}
	for _, n := range slices.Clone(ns.subs) {
		if err := n.fn(ev, d); err != nil && ev.Vetoable() {
			return err
		}
	}
	return nil
}
