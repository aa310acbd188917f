package vti

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/tunnel"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// Protocol-table priorities: the xfrm handlers at xfrm4_protocol's 100
// (ahead of plain xfrm at 0), the IP-in-IP handler above ipip's (tunnel4
// runs vti's handler first).
const (
	PrioXfrm = stack.PrioVTI
	PrioIPIP = 10
)

// Drop reasons of vti's receive path.
var (
	DropInputMode = netdev.RegisterDropReason("XFRM_IN_STATE_MODE_ERROR") // decapsulated packet is neither IPv4 nor IPv6
	DropPolicy    = netdev.RegisterDropReason("VTI_POLICY")               // the in policy check (mark = ikey) refused it
)

func init() {
	for _, p := range []xfrm.Proto{xfrm.ProtoESP, xfrm.ProtoAH, xfrm.ProtoComp} {
		stack.RegisterProtocol(inet.FamilyV4, p, PrioXfrm, &xfrmHandler{proto: p})
	}
	inet.AddProtocol(inet.FamilyV4, tunnel.ProtoIPIP, PrioIPIP, ipipHandler{proto: netdev.EthPIPv4})
	inet.AddProtocol(inet.FamilyV4, header.IPProtoIPv6, PrioIPIP, ipipHandler{proto: netdev.EthPIPv6})
}

// lookup is the tunnel of an outer IPv4 header received on dev.
func lookup(ns *netdev.Namespace, dev *netdev.Device, outer header.IPv4) *tunnel.Tunnel {
	var link int32
	if dev != nil {
		link = dev.Index()
	}
	return Fam.Net(ns).Lookup(link, packet.TunnelNoKey, outer.Source(), outer.Destination(), 0)
}

// xfrmHandler is vti_rcv_proto / vti_input for ESP, AH or IPComp.
type xfrmHandler struct{ proto xfrm.Proto }

// Receive claims packets of a vti tunnel (its endpoints match the outer
// header): the outer packet passes the input policy check, then xfrm
// input runs with the tunnel's ikey as the SA lookup mark and finishes in
// rxDone. Other packets are declined to plain xfrm.
func (h *xfrmHandler) Receive(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	outer := header.IPv4(b.NetworkHeader())
	if len(outer) < header.IPv4MinimumSize {
		return inet.Declined
	}
	t := lookup(ns, dev, outer)
	if t == nil {
		return inet.Declined
	}
	if !b.PushTo(b.NetworkStart()) {
		t.Dev().Stats.RxErrors.Add(1)
		t.Dev().DropRx(b, DropPolicy)
		return inet.Handled
	}
	if (b.SecPath != nil || !xfrm.ForNamespace(ns).SPD.Empty(xfrm.PolicyIn)) &&
		!stack.PolicyCheckIn(ns, b, b.Mark, 0) {
		t.Dev().Drop(b, DropPolicy)
		return inet.Handled
	}
	stack.InputMarked(ns, t.Dev(), b, h.proto, t.Config().IKey, rcvCB{t})
	return inet.Handled
}

// Err is vti4_err.
func (h *xfrmHandler) Err(ns *netdev.Namespace, e inet.ICMPErr) bool { return errHandler(ns, e) }

// rcvCB is vti_rcv_cb, the completion of a claimed packet's xfrm input.
type rcvCB struct{ t *tunnel.Tunnel }

// XfrmInputDone counts failures as rx_errors and rx_dropped; a decrypted
// packet must be IPv4 or IPv6 (XfrmInStateModeError) and pass the in
// policy check with the ikey as its mark (the packet's own mark is kept),
// then it is scrubbed, counted and delivered on the vti device.
func (c rcvCB) XfrmInputDone(b *packet.Buffer, x *xfrm.State, failed bool) *netdev.Device {
	d := c.t.Dev()
	if failed {
		d.Stats.RxErrors.Add(1)
		d.Stats.RxDropped.Add(1)
		return nil
	}
	ns := c.t.Net().Namespace()
	switch b.Protocol {
	case netdev.EthPIPv4, netdev.EthPIPv6:
	default:
		xfrm.ForNamespace(ns).MIB.Inc(xfrm.InStateModeError)
		c.rxDrop(b, DropInputMode)
		return nil
	}
	if !stack.PolicyCheckIn(ns, b, c.t.Config().IKey, 0) {
		c.rxDrop(b, DropPolicy)
		return nil
	}
	Scrub(b, d.Namespace() != ns)
	d.Stats.CountRx(b.Len())
	return d
}

func (c rcvCB) rxDrop(b *packet.Buffer, r netdev.DropReason) {
	d := c.t.Dev()
	d.Stats.RxErrors.Add(1)
	d.Stats.RxDropped.Add(1)
	d.Drop(b, r)
}

// Scrub is skb_scrub_packet for a packet crossing a route-based IPsec
// device: host packet type, no route, no SecPath or tunnel metadata, no
// checksum state; the mark too when it crosses namespaces.
func Scrub(b *packet.Buffer, xnet bool) {
	b.PktType = packet.PacketHost
	b.Dst = nil
	b.SecPath = nil
	b.Tunnel = packet.TunnelInfo{}
	b.Csum = packet.Csum{}
	if xnet {
		b.Mark = 0
	}
}

// ipipHandler is vti_rcv_tunnel (protocol 4) and vti_rcv_ipip6 (41):
// plain IP-in-IP or IPv6-in-IPv4 from a vti tunnel's remote (IPComp sends
// small packets uncompressed that way) is delivered as ipip would, on the
// vti device; other packets go on to the next handler.
type ipipHandler struct{ proto uint16 }

// Receive is vti_rcv_tunnel (the input policy gate has already run).
func (h ipipHandler) Receive(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	outer := header.IPv4(b.NetworkHeader())
	if len(outer) < header.IPv4MinimumSize {
		return inet.Declined
	}
	t := lookup(ns, dev, outer)
	if t == nil {
		return inet.Declined
	}
	b.Protocol = h.proto
	t.Rcv(b, nil)
	return inet.Handled
}

// Err is vti4_err for IP-in-IP: the tunnel takes it, nothing to do.
func (ipipHandler) Err(ns *netdev.Namespace, e inet.ICMPErr) bool {
	if len(e.Payload) < header.IPv4MinimumSize {
		return false
	}
	q := header.IPv4(e.Payload)
	return Fam.Net(ns).Lookup(devIndex(e.Dev), packet.TunnelNoKey, q.Destination(), q.Source(), 0) != nil
}

func devIndex(d *netdev.Device) int32 {
	if d == nil {
		return 0
	}
	return d.Index()
}

// errHandler is vti4_err for ESP, AH and IPComp: the quoted outer packet
// names the tunnel (destination = remote); its SPI finds the SA with the
// tunnel's okey as the mark; frag-needed then updates the PMTU of the
// remote, redirects are left to inet's route cache. It reports whether a
// vti tunnel took the error.
func errHandler(ns *netdev.Namespace, e inet.ICMPErr) bool {
	q := e.Payload
	if len(q) < header.IPv4MinimumSize {
		return false
	}
	outer := header.IPv4(q)
	t := Fam.Net(ns).Lookup(devIndex(e.Dev), packet.TunnelNoKey, outer.Destination(), outer.Source(), 0)
	if t == nil {
		return false
	}
	hl := outer.HeaderLength()
	if hl < header.IPv4MinimumSize || hl > len(q) {
		return true
	}
	proto := xfrm.Proto(outer.Protocol())
	spi, ok := stack.SPIOf(proto, q[hl:])
	if !ok {
		return true
	}
	switch e.Type {
	case header.ICMPv4DestUnreach:
		if e.Code != header.ICMPv4FragNeeded {
			return true
		}
	case header.ICMPv4Redirect:
	default:
		return true
	}
	x := xfrm.ForNamespace(ns).SAD.Lookup(outer.Destination(), spi, proto, t.Config().OKey)
	if x == nil {
		return true
	}
	if e.Type == header.ICMPv4DestUnreach && e.MTU != 0 {
		inet.UpdatePMTU(ns, outer.Destination(), e.MTU)
	}
	return true
}
