package inet

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet/frag"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

func init() {
	netdev.AddPacketHandler(netdev.EthPIPv6, rcv6)
}

// rcv6 is ipv6_rcv: validate, count, route, deliver or forward. It owns
// b (data at the IPv6 header).
func rcv6(d *netdev.Device, b *packet.Buffer) {
	ns := d.Namespace()
	if ns == nil {
		b.Free()
		return
	}
	st := stateOf(ns)
	m := &st.mib.Ip6
	if b.PktType == packet.PacketOtherHost {
		d.Drop(b, DropOtherHost)
		return
	}
	m.InReceives.Add(1)
	if st.sys.disableIPv6.Load() != 0 {
		m.InDiscards.Add(1)
		d.Drop(b, DropIPv6Disabled)
		return
	}
	data := b.Bytes()
	if len(data) < header.IPv6MinimumSize {
		m.InHdrErrors.Add(1)
		d.Drop(b, DropHdrTrunc)
		return
	}
	ip := header.IPv6(data)
	if ip.Version() != 6 {
		m.InHdrErrors.Add(1)
		d.Drop(b, netdev.DropUnhandledProto)
		return
	}
	src, dst := ip.Source(), ip.Destination()
	if src.IsMulticast() || (dst.IsLoopback() && d.Flags()&netdev.FlagLoopback == 0) {
		m.InHdrErrors.Add(1)
		d.Drop(b, DropIPInvalidSource)
		return
	}
	plen := int(ip.PayloadLength())
	if header.IPv6MinimumSize+plen > len(data) {
		m.InTruncatedPkts.Add(1)
		d.Drop(b, netdev.DropPktTooSmall)
		return
	}
	b.Trim(header.IPv6MinimumSize + plen)
	m.InOctets.Add(uint64(b.Len()))
	b.SetNetworkHeader(0)
	if dst.IsMulticast() {
		m.InMcastPkts.Add(1)
		st.localDeliver6(d, b)
		return
	}
	fr := st.lookup(dst)
	switch {
	case fr != nil && fr.r.Type == RouteLocal:
		st.localDeliver6(d, b)
	case fr == nil:
		st.forwardReject6(d, b, RouteUnreachable)
	default:
		st.forward6(d, b, fr)
	}
}

// forwardReject6 answers a packet that hit no route or a reject route
// (ip6_pkt_discard / ip6_pkt_prohibit).
func (st *netState) forwardReject6(d *netdev.Device, b *packet.Buffer, t RouteType) {
	m := &st.mib.Ip6
	if !st.forwarding(FamilyV6) {
		m.InAddrErrors.Add(1)
		d.Drop(b, DropIPInAddrErrors)
		return
	}
	switch t {
	case RouteBlackhole:
		d.Drop(b, DropBlackhole)
	case RouteProhibit:
		st.icmpSend6(b, header.ICMPv6DstUnreachable, header.ICMPv6AdminProhibited, 0)
		d.Drop(b, DropReject)
	default:
		m.InNoRoutes.Add(1)
		st.icmpSend6(b, header.ICMPv6DstUnreachable, header.ICMPv6NoRoute, 0)
		d.Drop(b, DropIPInNoRoutes)
	}
}

// forward6 is ip6_forward. It owns b.
func (st *netState) forward6(in *netdev.Device, b *packet.Buffer, fr *fibRoute) {
	m := &st.mib.Ip6
	if !st.forwarding(FamilyV6) {
		m.InAddrErrors.Add(1)
		in.Drop(b, DropIPInAddrErrors)
		return
	}
	if fr.r.Type != RouteUnicast {
		st.forwardReject6(in, b, fr.r.Type)
		return
	}
	if b.PktType != packet.PacketHost {
		in.Drop(b, DropOtherHost)
		return
	}
	ip := header.IPv6(b.Bytes())
	if ip.Source().IsLinkLocalUnicast() || ip.Destination().IsLinkLocalUnicast() {
		m.InDiscards.Add(1)
		st.icmpSend6(b, header.ICMPv6DstUnreachable, header.ICMPv6BeyondScope, 0)
		in.Drop(b, DropIPInvalidDest)
		return
	}
	if ip.HopLimit() <= 1 {
		m.InHdrErrors.Add(1)
		st.icmpSend6(b, header.ICMPv6TimeExceeded, header.ICMPv6HopLimitExceeded, 0)
		in.Drop(b, DropTTLExpired)
		return
	}
	dst := &fr.dst
	daddr := ip.Destination()
	if dst.route.Encap != nil || outputHook.Load() != nil {
		ip.SetHopLimit(ip.HopLimit() - 1)
		if st.hooked(b, dst, FamilyV6, true) {
			m.ForwDatagrams.Add(1)
			return
		}
		ip.SetHopLimit(ip.HopLimit() + 1)
	}
	mtu := int(dst.PathMTU(daddr))
	if mtu < header.IPv6MinimumMTU {
		mtu = header.IPv6MinimumMTU
	}
	if b.Len() > mtu && b.GSO.Size == 0 {
		m.InTooBigErrors.Add(1)
		st.mib.Frag6.FragFails.Add(1)
		st.icmpSend6(b, header.ICMPv6PacketTooBig, 0, uint32(mtu))
		in.Drop(b, DropPktTooBig)
		return
	}
	ip.SetHopLimit(ip.HopLimit() - 1)
	m.ForwDatagrams.Add(1)
	m.OutOctets.Add(uint64(b.Len()))
	st.finishOutput(dst.Dev, dst.Nexthop(daddr), b, FamilyV6)
}

// localDeliver6 is ip6_input_finish: walk the extension headers,
// reassemble, and hand the upper layer to its handlers. As in Linux
// (ip6_protocol_deliver_rcu), only hop-by-hop, routing, fragment and
// destination options are walked here: AH is an upper-layer protocol
// whose handler gets the packet with the transport header at AH.
func (st *netState) localDeliver6(d *netdev.Device, b *packet.Buffer) {
	m := &st.mib.Ip6
	info := header.WalkIPv6Flags(b.Bytes(), header.IPv6WalkStopAtAH)
	if !st.extOK6(d, b, &info) {
		return
	}
	proto, off := info.Protocol, info.Offset
	nhOff := info.NextHeaderOffset
	if info.Fragment != nil {
		fhOff := info.FragmentHeaderOffset
		var whole, ok bool
		if b, whole, ok = st.reassemble6(d, b); !ok {
			return
		}
		info = header.WalkIPv6Flags(b.Bytes(), header.IPv6WalkStopAtAH)
		if info.Status == header.IPv6ExtOK && info.Fragment != nil && (whole || info.FragmentHeaderOffset != fhOff) {
			// A fragment header inside the reassembled packet.
			info.Status = header.IPv6ExtTruncated
		}
		if !st.extOK6(d, b, &info) {
			return
		}
		proto, off, nhOff = info.Protocol, info.Offset, info.NextHeaderOffset
	}
	b.SetNetworkHeader(0)
	if off > b.Len() {
		m.InHdrErrors.Add(1)
		d.Drop(b, DropHdrTrunc)
		return
	}
	if proto == header.IPProtoNoNext {
		m.InDelivers.Add(1)
		b.Free()
		return
	}
	b.Pull(off)
	b.SetTransportHeader(0)
	if dispatch(FamilyV6, proto, d.Namespace(), d, b) {
		m.InDelivers.Add(1)
		return
	}
	b.Push(off)
	m.InUnknownProtos.Add(1)
	st.icmpSend6(b, header.ICMPv6ParamProblem, header.ICMPv6UnknownHeader, uint32(nhOff))
	d.Drop(b, DropIPNoProto)
}

// extOK6 checks the outcome of the delivery walk; on failure it answers
// and drops b and returns false.
func (st *netState) extOK6(d *netdev.Device, b *packet.Buffer, info *header.IPv6ExtInfo) bool {
	m := &st.mib.Ip6
	switch info.Status {
	case header.IPv6ExtOK:
		return true
	case header.IPv6ExtHopByHopNotFirst:
		m.InUnknownProtos.Add(1)
		st.icmpSend6(b, header.ICMPv6ParamProblem, header.ICMPv6UnknownHeader, uint32(info.NextHeaderOffset))
		d.Drop(b, DropIPv6BadExthdr)
	default:
		m.InHdrErrors.Add(1)
		d.Drop(b, DropIPv6BadExthdr)
	}
	return false
}

// reassemble6 hands a fragment to the reassembler (ipv6_frag_rcv). It
// returns the whole packet, reassembled (its fragment header removed) or
// an atomic fragment (kept as it is), or ok false when there is none yet
// (or the fragment was answered and dropped).
func (st *netState) reassemble6(d *netdev.Device, b *packet.Buffer) (p *packet.Buffer, reassembled, ok bool) {
	res := st.frag.r6.Add(b)
	switch res.Status {
	case frag.Done:
		return res.Packet, res.Reassembled, true
	case frag.ParamProblem:
		if res.Packet != nil {
			st.mib.Ip6.InHdrErrors.Add(1)
			st.icmpSend6(res.Packet, header.ICMPv6ParamProblem, res.ICMPCode, res.Pointer)
			d.Drop(res.Packet, DropIPv6BadExthdr)
		}
	default:
		if res.Packet != nil {
			res.Packet.Free()
		}
	}
	return nil, false, false
}
