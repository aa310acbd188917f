package vti

import (
	"net/netip"

	"github.com/softnet/softnet/gso"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/tunnel"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// Drop reasons of the transmit path shared with xfrm interfaces.
var (
	DropNoState  = netdev.RegisterDropReason("VTI_NO_STATE") // no usable tunnel-mode state for the flow (carrier error)
	DropLoop     = tunnel.DropLoop                           // the bundle's route leads back into the device
	DropTooBig   = netdev.RegisterDropReason("VTI_TOO_BIG")  // oversize DF / IPv6 packet: ICMP sent
	DropNotIP    = netdev.RegisterDropReason("VTI_NOT_IP")   // neither IPv4 nor IPv6
	DropOutError = netdev.RegisterDropReason("VTI_XFRM_OUT") // the transform failed
)

// xmit is vti_tunnel_xmit: the inner packet's flow, with the tunnel's
// okey as its mark and the vti device as its oif, is looked up in the
// out policies; the first state of the bundle must pass StateCheck, then
// SendBundle sends it.
func xmit(t *tunnel.Tunnel, b *packet.Buffer) {
	d := t.Dev()
	if !innerOK(b) {
		d.Stats.TxErrors.Add(1)
		d.Drop(b, DropNotIP)
		return
	}
	c := t.Config()
	ns := t.Net().Namespace()
	var bd stack.Bundle
	found, err := stack.LookupBundleCached(ns, b, d.Index(), c.OKey, 0, &bd, stack.DeviceBundleCache(d))
	if !found || err != nil || !StateCheck(bd.First(), c.Remote, c.Local) {
		LinkFailure(ns, d, b)
		return
	}
	SendBundle(ns, d, b, &bd, false)
}

// innerOK reports whether b holds an IPv4 or IPv6 header matching its
// protocol (pskb_inet_may_pull).
func innerOK(b *packet.Buffer) bool {
	p := b.Bytes()
	switch b.Protocol {
	case netdev.EthPIPv4:
		return len(p) >= header.IPv4MinimumSize && p[0]>>4 == 4
	case netdev.EthPIPv6:
		return len(p) >= header.IPv6MinimumSize && p[0]>>4 == 6
	}
	return false
}

// StateCheck is vti_state_check: the bundle's first state must exist, be
// in tunnel mode with an IPv4 outer header, and go to remote from local
// (a state or tunnel without a source matches any); a tunnel without a
// remote only needs the state's source to equal local.
func StateCheck(x *xfrm.State, remote, local netip.Addr) bool {
	if x == nil {
		return false
	}
	c := x.Cfg()
	if c.Mode != xfrm.ModeTunnel || c.Family != 4 {
		return false
	}
	if zero(remote) {
		return c.Saddr == local.Unmap() || (zero(local) && zero(c.Saddr))
	}
	if c.ID.Daddr != remote.Unmap() {
		return false
	}
	return zero(local) || zero(c.Saddr) || c.Saddr == local.Unmap()
}

func zero(a netip.Addr) bool { return !a.IsValid() || a.IsUnspecified() }

// LinkFailure is the tx_error_icmp exit: tx_carrier_errors, a link
// failure ICMP to the inner sender (dst_link_failure) and tx_errors.
func LinkFailure(ns *netdev.Namespace, d *netdev.Device, b *packet.Buffer) {
	d.Stats.TxCarrierErrors.Add(1)
	inet.LinkFailure(ns, b)
	d.Stats.TxErrors.Add(1)
	d.Drop(b, DropNoState)
}

// SendBundle is the tail shared by vti_xmit and xfrmi_xmit2: a bundle
// whose route leads back into d counts a collision; a packet larger than
// the bundle's MTU updates the inner destination's PMTU and, if it has
// DF (IPv4) or is IPv6 (over 1280 bytes when v6Min is set, as xfrm
// interfaces do), gets frag-needed / packet-too-big (at least 1280) and
// is dropped, while a non-DF IPv4 packet goes on and is fragmented after
// encapsulation. The packet is then scrubbed and transformed; tx stats
// count the inner packet. It owns b.
func SendBundle(ns *netdev.Namespace, d *netdev.Device, b *packet.Buffer, bd *stack.Bundle, v6Min bool) {
	if bd.Outer == nil || bd.Outer.Dev == d {
		d.Stats.Collisions.Add(1)
		d.Stats.TxErrors.Add(1)
		d.Drop(b, DropLoop)
		return
	}
	n := b.Len()
	if mtu := bd.MTU(); n > mtu && !gsoFits(b, mtu) && !pmtuPass(ns, b, mtu, v6Min) {
		d.Stats.TxErrors.Add(1)
		d.Drop(b, DropTooBig)
		return
	}
	Scrub(b, d.Namespace() != ns)
	b.Protocol = protoOf(b)
	if err := bd.Output(ns, b); err != nil {
		d.Stats.TxErrors.Add(1)
		d.Stats.TxAbortedErrors.Add(1)
		d.Drops.Add(DropOutError)
		return
	}
	d.Stats.CountTx(n)
}

// gsoFits reports whether b is a GSO super-packet whose segments fit the
// MTU (skb_gso_validate_network_len): it is segmented before encryption.
func gsoFits(b *packet.Buffer, mtu int) bool {
	if b.GSO.Size == 0 {
		return false
	}
	hl, ok := gso.HeaderLen(b)
	return ok && hl+int(b.GSO.Size) <= mtu
}

func protoOf(b *packet.Buffer) uint16 {
	if p := b.Bytes(); len(p) > 0 && p[0]>>4 == 6 {
		return netdev.EthPIPv6
	}
	return netdev.EthPIPv4
}

// pmtuPass handles an inner packet above the bundle MTU; it reports
// whether the packet may still be sent.
func pmtuPass(ns *netdev.Namespace, b *packet.Buffer, mtu int, v6Min bool) bool {
	p := b.Bytes()
	if b.Protocol == netdev.EthPIPv4 {
		ip := header.IPv4(p)
		inet.UpdatePMTU(ns, ip.Destination(), uint32(max(mtu, 0)))
		if !ip.DontFragment() {
			return true
		}
		inet.ICMPSend(ns, b, header.ICMPv4DestUnreach, header.ICMPv4FragNeeded, uint32(max(mtu, 0)))
		return false
	}
	mtu = max(mtu, header.IPv6MinimumMTU)
	inet.UpdatePMTU(ns, header.IPv6(p).Destination(), uint32(mtu))
	if v6Min && len(p) <= header.IPv6MinimumMTU {
		return true
	}
	inet.ICMPSend(ns, b, header.ICMPv6PacketTooBig, 0, uint32(mtu))
	return false
}
