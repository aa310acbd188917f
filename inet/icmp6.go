package inet

import (
	"net/netip"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

func init() {
	AddProtocol(FamilyV6, header.IPProtoICMPv6, 0, &protoFunc{rcv: icmpRcv6, err: icmpErrToSocket})
}

// putIPv6 writes a 40-byte IPv6 header at the start of p (the whole
// packet).
func (st *netState) putIPv6(p []byte, src, dst netip.Addr, tc, nh, hop uint8) {
	ip := header.IPv6(p)
	if hop == 0 {
		hop = uint8(st.sys.hopLimit6.Load())
	}
	p[0], p[1], p[2], p[3] = 0x60, 0, 0, 0
	ip.SetTrafficClass(tc)
	ip.SetPayloadLength(uint16(len(p) - header.IPv6MinimumSize))
	ip.SetNextHeader(nh)
	ip.SetHopLimit(hop)
	ip.SetSource(src)
	ip.SetDestination(dst)
}

// icmpSend6 is icmp6_send: an ICMPv6 error about orig (data at its IPv6
// header; not owned) to its source, unless RFC 4443 2.4(e) forbids it or
// the rate limit says no.
func (st *netState) icmpSend6(orig *packet.Buffer, typ, code uint8, info uint32) {
	data := orig.Bytes()
	if len(data) < header.IPv6MinimumSize || data[0]>>4 != 6 {
		return
	}
	ip := header.IPv6(data)
	src, dst := ip.Source(), ip.Destination()
	if src.IsUnspecified() || src.IsMulticast() {
		return
	}
	if (dst.IsMulticast() || orig.PktType != packet.PacketHost && orig.PktType != packet.PacketOutgoing) &&
		!(typ == header.ICMPv6PacketTooBig || (typ == header.ICMPv6ParamProblem && code == header.ICMPv6UnknownOption)) {
		return
	}
	if info := header.WalkIPv6(data); info.Status == header.IPv6ExtOK && info.Protocol == header.IPProtoICMPv6 &&
		!info.IsNonFirstFragment() && info.Offset < len(data) && header.IsICMPv6Error(data[info.Offset]) {
		return
	}
	var saddr netip.Addr
	if !dst.IsMulticast() && st.isLocalAddr(dst) {
		saddr = dst
	}
	rt, err := OutputLookup(st.ns, Flow{Dst: src, Src: saddr, Proto: header.IPProtoICMPv6})
	if err != nil {
		return
	}
	plen := 128
	if rt.route != nil {
		plen = rt.route.Dst.Bits()
	}
	loop := rt.Type == RouteLocal || (rt.Dev != nil && rt.Dev.Flags()&netdev.FlagLoopback != 0)
	if !st.allow6(typ, src, plen, loop) {
		return
	}
	if !saddr.IsValid() {
		saddr = rt.SelectSource(src)
		if !saddr.IsValid() {
			return
		}
	}
	q := min(len(data), header.ICMPv6ErrorPayloadMax)
	n := header.IPv6MinimumSize + header.ICMPv6MinimumSize + q
	b, err := packet.New(packet.DefaultHeadroom, n)
	if err != nil {
		return
	}
	p := b.Put(n)
	ic := header.ICMPv6(p[header.IPv6MinimumSize:])
	ic.SetType(typ)
	ic.SetCode(code)
	ic.SetRest(info)
	copy(ic.Payload(), data[:q])
	ic.SetChecksum(0)
	ic.SetChecksum(ic.CalculateChecksumAddr(saddr, src))
	st.putIPv6(p, saddr, src, 0, header.IPProtoICMPv6, 0)
	st.mib.Icmp6.OutMsgs.Add(1)
	st.mib.Icmp6.OutType[typ].Add(1)
	st.output6(b, rt, src, false)
}

// icmpRcv6 is icmpv6_rcv. b's data is at the ICMPv6 header.
func icmpRcv6(ns *netdev.Namespace, d *netdev.Device, b *packet.Buffer) ProtoVerdict {
	st := stateOf(ns)
	m := &st.mib.Icmp6
	data := b.Bytes()
	nh := header.IPv6(b.NetworkHeader())
	if len(data) < header.ICMPv6MinimumSize {
		m.InErrors.Add(1)
		d.Drop(b, DropHdrTrunc)
		return Handled
	}
	ic := header.ICMPv6(data)
	if !csumTrusted(b) && !ic.IsChecksumValid(nh.SourceSlice(), nh.DestinationSlice()) {
		m.InCsumErrors.Add(1)
		m.InErrors.Add(1)
		d.Drop(b, DropICMPCsum)
		return Handled
	}
	m.InMsgs.Add(1)
	m.InType[ic.Type()].Add(1)
	switch t := ic.Type(); {
	case t == header.ICMPv6EchoRequest:
		st.echoReply6(d, b)
		return Handled
	case t == header.ICMPv6EchoReply:
		st.socks.deliverEcho(ns, b, FamilyV6)
	case t == header.ICMPv6NeighborSolicit || t == header.ICMPv6NeighborAdvert:
		st.ndiscRcv(d, b, nh, ic)
	case header.IsICMPv6Error(t):
		st.icmpErr6(d, b, nh, ic)
	}
	b.Free()
	return Handled
}

// echoReply6 is icmpv6_echo_reply, in the request's buffer.
func (st *netState) echoReply6(d *netdev.Device, b *packet.Buffer) {
	nh := header.IPv6(b.NetworkHeader())
	src, dst := nh.Source(), nh.Destination()
	tc := nh.TrafficClass()
	saddr := dst
	if dst.IsMulticast() || !st.isLocalAddr(dst) {
		saddr = netip.Addr{}
	}
	rt, err := OutputLookup(st.ns, Flow{Dst: src, Src: saddr, Proto: header.IPProtoICMPv6, Oif: oifFor6(d, src)})
	if err != nil {
		d.Drop(b, DropIPOutNoRoutes)
		return
	}
	if !saddr.IsValid() {
		if saddr = rt.SelectSource(src); !saddr.IsValid() {
			d.Drop(b, DropIPOutNoRoutes)
			return
		}
	}
	ic := header.ICMPv6(b.Bytes())
	ic.SetType(header.ICMPv6EchoReply)
	ic.SetChecksum(0)
	ic.SetChecksum(ic.CalculateChecksumAddr(saddr, src))
	if b.Push(header.IPv6MinimumSize) == nil {
		d.Drop(b, netdev.DropNoHeadroom)
		return
	}
	st.putIPv6(b.Bytes(), saddr, src, tc, header.IPProtoICMPv6, 0)
	resetMeta(b)
	st.mib.Icmp6.OutMsgs.Add(1)
	st.mib.Icmp6.OutType[header.ICMPv6EchoReply].Add(1)
	st.output6(b, rt, src, true)
}

// oifFor6 binds replies to link-local peers to the arrival device.
func oifFor6(d *netdev.Device, peer netip.Addr) int32 {
	if peer.IsLinkLocalUnicast() {
		return d.Index()
	}
	return 0
}

// icmpErr6 handles a received ICMPv6 error: PMTU learning for packet too
// big, then the quoted protocol's handlers.
func (st *netState) icmpErr6(d *netdev.Device, b *packet.Buffer, nh header.IPv6, ic header.ICMPv6) {
	q := ic.Payload()
	if len(q) < header.IPv6MinimumSize {
		st.mib.Icmp6.InErrors.Add(1)
		return
	}
	inner := header.IPv6(q)
	e := ICMPErr{Family: FamilyV6, Type: ic.Type(), Code: ic.Code(), Info: ic.Rest(), From: nh.Source(), Payload: q, Dev: d}
	if ic.Type() == header.ICMPv6PacketTooBig {
		e.MTU = ic.MTU()
		st.learnPMTU(inner.Destination(), e.MTU)
	}
	info := header.WalkIPv6(q)
	dispatchErr(FamilyV6, info.Protocol, st.ns, e)
}
