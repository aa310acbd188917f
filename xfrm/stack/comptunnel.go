package stack

import (
	"net/netip"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/internal/mode"
)

// A tunnel-mode IPComp SA sends a packet it cannot shrink as plain IP in
// IP (ipcomp_output below the threshold). Linux gives every such SA a
// kernel tunnel state with its addresses (ipcomp_tunnel_attach; package
// xfrm keeps it in the SAD), which xfrm4_tunnel / xfrm6_tunnel use to
// decapsulate those packets, so that they arrive with that state in their
// SecPath and satisfy an optional (level use) IPComp template.

func init() {
	h := kernTunnelRcv{}
	for _, fam := range []int{4, 6} {
		inet.AddProtocol(fam, uint8(xfrm.ProtoIPIP), prioKernTunnel, h)
		inet.AddProtocol(fam, uint8(xfrm.ProtoIPv6), prioKernTunnel, h)
	}
}

// prioKernTunnel runs the kernel tunnel states in tunnel4's order: after
// VTI (10) and the ipip devices (2: an ipip device with the same
// endpoints as a tunnel-mode IPComp SA takes its packets, as in Linux),
// ahead of the end of the chain (0), which answers a packet nobody took
// with ICMP unreachable as tunnel4_rcv does.
const prioKernTunnel = 1

// kernTunnelRcv is xfrm_tunnel_rcv / xfrm6_tunnel_rcv: IP in IP between
// the addresses of a tunnel-mode IPComp SA is decapsulated through the
// kernel state; anything else is left to the other handlers.
type kernTunnelRcv struct{}

func (kernTunnelRcv) Receive(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	outer := b.NetworkHeader()
	var daddr, saddr netip.Addr
	switch {
	case len(outer) >= header.IPv4MinimumSize && outer[0]>>4 == 4:
		daddr, saddr = header.IPv4(outer).Destination(), header.IPv4(outer).Source()
	case len(outer) >= header.IPv6MinimumSize && outer[0]>>4 == 6:
		daddr, saddr = header.IPv6(outer).Destination(), header.IPv6(outer).Source()
	default:
		return inet.Declined
	}
	// xfrm_tunnel_rcv / xfrm6_tunnel_rcv: the state is looked up by the
	// outer destination, the source's SPI and the outer family's protocol.
	n := xfrm.ForNamespace(ns)
	fam := 4
	if daddr.Is6() {
		fam = 6
	}
	spi := n.SAD.TunnelSPI(saddr)
	x := n.SAD.Lookup(daddr, spi, xfrm.TunnelProto(fam), b.Mark)
	if spi == 0 || x == nil || !x.KernelTunnel() || !b.PushTo(b.NetworkStart()) {
		return inet.Declined
	}
	mac, hasMAC := saveMAC(b)
	pkt := b.Bytes()
	hlen, _, nh, ok := mode.Split(pkt)
	var tos uint8
	if pkt[0]>>4 == 4 {
		tos = header.IPv4(pkt).TOS()
	} else {
		tos = header.IPv6(pkt).TrafficClass()
	}
	if !ok {
		dev.Drop(b, DropPolicy)
		return inet.Handled
	}
	// xfrm_input's lifetime accounting of the tunnel state (`ip -s xfrm
	// state` shows the uncompressed packets it decapsulated).
	if _, d := x.InputCheck(0, 0); d != nil {
		dev.Drop(b, d.Reason)
		return inet.Handled
	}
	if d := x.InputDone(0, 0, len(pkt)-hlen); d != nil {
		dev.Drop(b, d.Reason)
		return inet.Handled
	}
	if d := mode.Decap(x, b, tos, nh, hlen, len(pkt)); d != nil {
		dev.Drop(b, d.Reason)
		return inet.Handled
	}
	if d := innerModeCheck(x, b); d != nil {
		dev.Drop(b, d.Reason)
		return inet.Handled
	}
	sp, ok := xfrm.AppendSecPath(b.SecPath, x)
	if !ok {
		n.MIB.Inc(xfrm.InBufferError)
		dev.Drop(b, DropPolicy)
		return inet.Handled
	}
	b.SecPath = sp
	reinject(ns, dev, b, mac, hasMAC)
	return inet.Handled
}

func (kernTunnelRcv) Err(*netdev.Namespace, inet.ICMPErr) bool { return false }
