package mpls

import (
	"slices"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/tunnel"
)

// Encap is the MPLS lightweight-tunnel state of an IP route (ip route …
// encap mpls L1/L2 [ttl N]): the label stack pushed on packets routed over
// it (mpls_iptunnel.c).
type Encap struct {
	Labels []uint32
	// TTL, if not zero, is the label TTL; else the IP TTL is propagated.
	TTL uint8
}

func init() {
	tunnel.RegisterLWT(tunnel.LWT{
		Match:  func(e any) bool { _, ok := e.(*Encap); return ok },
		Output: encapOutput,
	})
}

// encapOutput is mpls_xmit: push the route's labels and send the packet
// to the route's nexthop as MPLS.
func encapOutput(ns *netdev.Namespace, b *packet.Buffer, dst *inet.Dst, family int) error {
	e := dst.Encap().(*Encap)
	p := b.Bytes()
	ttl := e.TTL
	if ttl == 0 {
		switch {
		case family == inet.FamilyV4 && len(p) >= header.IPv4MinimumSize:
			ttl = header.IPv4(p).TTL()
		case family == inet.FamilyV6 && len(p) >= header.IPv6MinimumSize:
			ttl = p[7]
		default:
			ttl = 255
		}
	}
	dev := dst.Dev
	if dev == nil {
		b.Free()
		return nil
	}
	if !push(b, e.Labels, ttl, true) {
		dev.DropTx(b, netdev.DropNoHeadroom)
		return nil
	}
	var daddr = dst.Gateway
	if !daddr.IsValid() && len(p) >= header.IPv4MinimumSize && family == inet.FamilyV4 {
		daddr = header.IPv4(p).Destination()
	}
	output(ns, dev, b, dev.Index(), daddr)
	return nil
}

// Clone returns a deep copy.
func (e *Encap) Clone() *Encap { return &Encap{Labels: slices.Clone(e.Labels), TTL: e.TTL} }
