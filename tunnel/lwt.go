package tunnel

import (
	"sync"
	"sync/atomic"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// LWT is a lightweight-tunnel encapsulation type (lwtunnel_encap_ops): a
// route whose Encap it recognises sends its packets through Output.
type LWT struct {
	// Match reports whether a Route.Encap value is of this type.
	Match func(encap any) bool
	// Output transmits b (data at the IP header) along dst; it owns b.
	Output inet.EncapHandler
}

var (
	lwtMu sync.Mutex
	lwts  atomic.Pointer[[]LWT]
)

// RegisterLWT adds an encapsulation type; call it at init. The tunnel
// package installs the one inet encap handler that dispatches to them
// (ip here, mpls in package mpls).
func RegisterLWT(l LWT) {
	lwtMu.Lock()
	defer lwtMu.Unlock()
	var list []LWT
	if p := lwts.Load(); p != nil {
		list = append(list, *p...)
	}
	list = append(list, l)
	lwts.Store(&list)
}

// DropLWT counts packets whose route encap no type handles.
var DropLWT = netdev.RegisterDropReason("LWTUNNEL_XMIT")

func lwtOutput(ns *netdev.Namespace, b *packet.Buffer, dst *inet.Dst, family int) error {
	enc := dst.Encap()
	if p := lwts.Load(); p != nil {
		for _, l := range *p {
			if l.Match(enc) {
				return l.Output(ns, b, dst, family)
			}
		}
	}
	if dst.Dev != nil {
		dst.Dev.DropTx(b, DropLWT)
	} else {
		b.Free()
	}
	return nil
}

func init() {
	inet.SetEncapHandler(lwtOutput)
	RegisterLWT(LWT{
		Match: func(e any) bool { _, ok := e.(*RouteEncap); return ok },
		Output: func(ns *netdev.Namespace, b *packet.Buffer, dst *inet.Dst, family int) error {
			// ip_tun lwtunnel: the route only attaches transmit metadata;
			// the packet goes on to the route's (external) tunnel device.
			b.Tunnel = dst.Encap().(*RouteEncap).Info()
			b.Protocol = netdev.EthPIPv4
			if family == inet.FamilyV6 {
				b.Protocol = netdev.EthPIPv6
			}
			b.SetNetworkHeader(0)
			if dst.Dev == nil {
				b.Free()
				return nil
			}
			return dst.Dev.Transmit(b)
		},
	})
}
