package inet

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

type protoEntry struct {
	prio int
	h    ProtoHandler
}

var (
	protoMu sync.Mutex
	protos4 [256]atomic.Pointer[[]protoEntry]
	protos6 [256]atomic.Pointer[[]protoEntry]
)

// AddProtocol registers a handler for IP protocol proto of a family (4 or
// 6), as inet_add_protocol / xfrm4_protocol_register: handlers of one
// protocol are tried from the highest priority down until one returns
// Handled. Call it at package init. ICMP, ICMPv6 and UDP are registered
// here at priority 0.
func AddProtocol(family int, proto uint8, priority int, h ProtoHandler) {
	protoMu.Lock()
	defer protoMu.Unlock()
	tab := &protos4
	if family == FamilyV6 {
		tab = &protos6
	}
	var list []protoEntry
	if p := tab[proto].Load(); p != nil {
		list = slices.Clone(*p)
	}
	list = append(list, protoEntry{priority, h})
	slices.SortStableFunc(list, func(a, b protoEntry) int { return b.prio - a.prio })
	tab[proto].Store(&list)
}

// RemoveProtocol removes a handler registered with AddProtocol (for tests
// and module-style teardown).
func RemoveProtocol(family int, proto uint8, h ProtoHandler) {
	protoMu.Lock()
	defer protoMu.Unlock()
	tab := &protos4
	if family == FamilyV6 {
		tab = &protos6
	}
	p := tab[proto].Load()
	if p == nil {
		return
	}
	list := slices.DeleteFunc(slices.Clone(*p), func(e protoEntry) bool { return e.h == h })
	tab[proto].Store(&list)
}

func handlersFor(family int, proto uint8) []protoEntry {
	tab := &protos4
	if family == FamilyV6 {
		tab = &protos6
	}
	if p := tab[proto].Load(); p != nil {
		return *p
	}
	return nil
}

// dispatch offers b (data at the transport header) to the protocol's
// handlers; it reports whether one took it.
func dispatch(family int, proto uint8, ns *netdev.Namespace, d *netdev.Device, b *packet.Buffer) bool {
	for _, e := range handlersFor(family, proto) {
		if e.h.Receive(ns, d, b) == Handled {
			return true
		}
	}
	return false
}

// Redispatch offers b to the handlers of another protocol than its IP
// header names, as xfrm4_rcv_encap hands UDP-encapsulated ESP to the ESP
// handlers: the data is at the transport header (which for ESP-in-UDP is
// the UDP header). It reports whether a handler took b; if not, b is
// still the caller's.
func Redispatch(family int, proto uint8, ns *netdev.Namespace, d *netdev.Device, b *packet.Buffer) bool {
	return dispatch(family, proto, ns, d, b)
}

// dispatchErr offers an ICMP error to the handlers of the quoted protocol.
func dispatchErr(family int, proto uint8, ns *netdev.Namespace, e ICMPErr) {
	for _, h := range handlersFor(family, proto) {
		if h.h.Err(ns, e) {
			return
		}
	}
}

// protoFunc adapts functions to ProtoHandler.
type protoFunc struct {
	rcv func(ns *netdev.Namespace, d *netdev.Device, b *packet.Buffer) ProtoVerdict
	err func(ns *netdev.Namespace, e ICMPErr) bool
}

func (p *protoFunc) Receive(ns *netdev.Namespace, d *netdev.Device, b *packet.Buffer) ProtoVerdict {
	return p.rcv(ns, d, b)
}

func (p *protoFunc) Err(ns *netdev.Namespace, e ICMPErr) bool {
	if p.err == nil {
		return false
	}
	return p.err(ns, e)
}
