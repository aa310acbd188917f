package inet

import (
	"sync/atomic"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// OutputHook sees every routed IP packet just before it goes to the
// neighbour layer: locally generated (forward false) and forwarded
// (forward true) ones, data at the IP header, dst its route. It returns
// true when it took the packet (it then owns b), false to let it go on.
// This is where xfrm applies output policies (xfrm_lookup's bundle in
// Linux, which replaces the dst).
type OutputHook func(ns *netdev.Namespace, b *packet.Buffer, dst *Dst, family int, forward bool) bool

// EncapHandler transmits a packet whose route carries a lightweight-tunnel
// encapsulation (Route.Encap, lwtunnel_output/lwtunnel_xmit). It owns b
// (data at the IP header).
type EncapHandler func(ns *netdev.Namespace, b *packet.Buffer, dst *Dst, family int) error

var (
	outputHook   atomic.Pointer[OutputHook]
	encapHandler atomic.Pointer[EncapHandler]
)

// SetOutputHook installs the output hook (nil removes it). Call it at
// package init.
func SetOutputHook(h OutputHook) {
	if h == nil {
		outputHook.Store(nil)
		return
	}
	outputHook.Store(&h)
}

// SetEncapHandler installs the handler for routes with Encap set (nil
// removes it). Call it at package init.
func SetEncapHandler(h EncapHandler) {
	if h == nil {
		encapHandler.Store(nil)
		return
	}
	encapHandler.Store(&h)
}

// Encap returns the route's lightweight-tunnel encapsulation, or nil.
func (d *Dst) Encap() any {
	if d.route == nil {
		return nil
	}
	return d.route.Encap
}

// hooked runs the encap handler and the output hook; it reports whether
// one of them took b.
func (st *netState) hooked(b *packet.Buffer, dst *Dst, family int, forward bool) bool {
	if dst.route != nil && dst.route.Encap != nil {
		if h := encapHandler.Load(); h != nil {
			(*h)(st.ns, b, dst, family)
			return true
		}
	}
	if h := outputHook.Load(); h != nil {
		return (*h)(st.ns, b, dst, family, forward)
	}
	return false
}
