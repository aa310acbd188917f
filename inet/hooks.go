package inet

import (
	"sync/atomic"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// OutputHook sees every routed IP packet just before it goes to the
// neighbour layer: locally generated (forward false) and forwarded
// (forward true) ones, data at the IP header, dst its route. It returns
// HookTaken or HookDropped when it took the packet (it then owns b),
// HookPass to let it go on.
// This is where xfrm applies output policies (xfrm_lookup's bundle in
// Linux, which replaces the dst).
type OutputHook func(ns *netdev.Namespace, b *packet.Buffer, dst *Dst, family int, forward bool) HookVerdict

// HookVerdict is what an OutputHook did with a packet.
type HookVerdict uint8

const (
	// HookPass: the hook left the packet alone; it goes on as routed.
	HookPass HookVerdict = iota
	// HookTaken: the hook took the packet and sent it on (transformed).
	HookTaken
	// HookDropped: the hook took the packet and dropped it (policy block,
	// no states), counting the drop itself.
	HookDropped
)

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
	return st.hookVerdict(b, dst, family, forward) != HookPass
}

// hookVerdict is hooked with the output hook's verdict (an encap
// handler's transmit is HookTaken).
func (st *netState) hookVerdict(b *packet.Buffer, dst *Dst, family int, forward bool) HookVerdict {
	if dst.route != nil && dst.route.Encap != nil {
		if h := encapHandler.Load(); h != nil {
			(*h)(st.ns, b, dst, family)
			return HookTaken
		}
	}
	if h := outputHook.Load(); h != nil {
		return (*h)(st.ns, b, dst, family, forward)
	}
	return HookPass
}

// InputPolicyHook is the input policy check (xfrm4_policy_check /
// xfrm6_policy_check, direction in) for the handlers of protocols that
// check for themselves rather than at delivery (Linux's no_policy
// protocols: tunnel4's IP-in-IP and MPLS-in-IP, whose ipip devices check
// a packet they claim). b's data is at its transport header with the
// network header set; the hook leaves it there, counts a failure in its
// MIB and reports whether b may pass.
type InputPolicyHook func(ns *netdev.Namespace, b *packet.Buffer) bool

var inputPolicyHook atomic.Pointer[InputPolicyHook]

// SetInputPolicyHook installs the input policy check (nil removes it).
// Call it at package init.
func SetInputPolicyHook(h InputPolicyHook) {
	if h == nil {
		inputPolicyHook.Store(nil)
		return
	}
	inputPolicyHook.Store(&h)
}

// InputPolicyOK runs the input policy check on b (data at its transport
// header); without a hook every packet passes.
func InputPolicyOK(ns *netdev.Namespace, b *packet.Buffer) bool {
	if h := inputPolicyHook.Load(); h != nil {
		return (*h)(ns, b)
	}
	return true
}
