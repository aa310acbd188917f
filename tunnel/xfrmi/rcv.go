package xfrmi

import (
	"encoding/binary"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/tunnel/vti"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// Prio is xfrmi's xfrm4_protocol priority: after vti (100), before plain
// xfrm (0).
const Prio = 10

// DropPolicy counts decapsulated packets the in policy check (with the
// interface's if_id) refused.
var DropPolicy = netdev.RegisterDropReason("XFRMI_POLICY")

func init() {
	for _, p := range []xfrm.Proto{xfrm.ProtoESP, xfrm.ProtoAH, xfrm.ProtoComp} {
		stack.RegisterProtocol(inet.FamilyV4, p, Prio, &handler{proto: p})
	}
}

type handler struct{ proto xfrm.Proto }

// Receive claims IPv4 packets whose SA (looked up with the packet's
// mark) carries the if_id of an interface of the namespace; the others
// are left to plain xfrm.
func (h *handler) Receive(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	outer := header.IPv4(b.NetworkHeader())
	if len(outer) < header.IPv4MinimumSize {
		return inet.Declined
	}
	p := b.Bytes()
	if outer.Protocol() == header.IPProtoUDP {
		p = espInUDP(p)
	}
	spi, ok := stack.SPIOf(h.proto, p)
	if !ok {
		return inet.Declined
	}
	x := xfrm.ForNamespace(ns).SAD.Lookup(outer.Destination(), spi, h.proto, b.Mark)
	if x == nil || x.Cfg().IfID == 0 {
		return inet.Declined
	}
	xi := Lookup(ns, x.Cfg().IfID)
	if xi == nil || !b.PushTo(b.NetworkStart()) {
		return inet.Declined
	}
	stack.InputMarked(ns, dev, b, h.proto, b.Mark, rcvCB{xi})
	return inet.Handled
}

// espInUDP is the ESP header of an ESP-in-UDP packet whose data starts at
// the UDP header (RFC 3948; behind the zero marker of espinudp-nonike).
func espInUDP(p []byte) []byte {
	if len(p) < header.UDPMinimumSize+8 {
		return nil
	}
	p = p[header.UDPMinimumSize:]
	if binary.BigEndian.Uint64(p) == 0 {
		return p[8:]
	}
	return p
}

// Err leaves ICMP errors to plain xfrm and inet (xfrmi4_err only updates
// the PMTU, which inet does).
func (h *handler) Err(*netdev.Namespace, inet.ICMPErr) bool { return false }

// rcvCB is xfrmi_rcv_cb.
type rcvCB struct{ xi *Iface }

// XfrmInputDone counts failures on the interface; a decapsulated packet
// is checked against the in policies with the interface's if_id here
// (Linux defers that check to the socket/forward layer, which in softnet
// only knows plain policies), scrubbed and delivered on the interface.
func (c rcvCB) XfrmInputDone(b *packet.Buffer, x *xfrm.State, failed bool) *netdev.Device {
	d := c.xi.dev
	if failed {
		d.Stats.RxErrors.Add(1)
		d.Stats.RxDropped.Add(1)
		return nil
	}
	p := c.xi.p.Load()
	ifID := p.IfID
	if p.CollectMD {
		ifID = x.Cfg().IfID
	}
	if !stack.PolicyCheckIn(c.xi.ns, b, b.Mark, ifID) {
		d.Stats.RxErrors.Add(1)
		d.Stats.RxDropped.Add(1)
		d.Drop(b, DropPolicy)
		return nil
	}
	vti.Scrub(b, d.Namespace() != c.xi.ns)
	if p.CollectMD {
		b.Tunnel = packet.TunnelInfo{Present: true, Key: uint64(x.Cfg().IfID)}
	}
	d.Stats.CountRx(b.Len())
	return d
}
