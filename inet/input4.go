package inet

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet/frag"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

func init() {
	netdev.AddPacketHandler(netdev.EthPIPv4, rcv4)
}

// rcv4 is ip_rcv: validate, count, route and deliver or forward an IPv4
// packet. It owns b (data at the IP header).
func rcv4(d *netdev.Device, b *packet.Buffer) {
	ns := d.Namespace()
	if ns == nil {
		b.Free()
		return
	}
	st := stateOf(ns)
	m := &st.mib.Ip4
	if b.PktType == packet.PacketOtherHost {
		d.Drop(b, DropOtherHost)
		return
	}
	m.InReceives.Add(1)
	data := b.Bytes()
	if len(data) < header.IPv4MinimumSize {
		m.InHdrErrors.Add(1)
		d.Drop(b, DropHdrTrunc)
		return
	}
	ip := header.IPv4(data)
	if ip.Version() != 4 || ip.IHL() < 5 || ip.HeaderLength() > len(data) {
		m.InHdrErrors.Add(1)
		d.Drop(b, DropIPInHdr)
		return
	}
	if !ip.IsChecksumValid() {
		m.InHdrErrors.Add(1)
		d.Drop(b, DropIPCsum)
		return
	}
	tot := int(ip.TotalLength())
	if tot > len(data) {
		m.InTruncatedPkts.Add(1)
		d.Drop(b, netdev.DropPktTooSmall)
		return
	}
	if tot < ip.HeaderLength() {
		m.InHdrErrors.Add(1)
		d.Drop(b, DropIPInHdr)
		return
	}
	b.Trim(tot)
	ip = ip[:tot]
	m.InOctets.Add(uint64(tot))
	if ip.IHL() > 5 && !st.checkOptions4(d, b, ip) {
		return
	}
	b.SetNetworkHeader(0)
	src, dst := ip.Source(), ip.Destination()
	if src.IsMulticast() || isLimitedBcast(src) {
		m.InAddrErrors.Add(1)
		d.Drop(b, DropIPInvalidSource)
		return
	}
	if dst.IsMulticast() || isLimitedBcast(dst) {
		if dst.IsMulticast() {
			m.InMcastPkts.Add(1)
		} else {
			m.InBcastPkts.Add(1)
		}
		st.localDeliver4(d, b)
		return
	}
	fr := st.lookup(dst)
	switch {
	case fr == nil:
		st.inputNoRoute4(d, b)
	case fr.r.Type == RouteLocal:
		if src.IsLoopback() && d.Flags()&netdev.FlagLoopback == 0 {
			m.InAddrErrors.Add(1)
			d.Drop(b, DropIPInvalidSource)
			return
		}
		st.localDeliver4(d, b)
	case fr.r.Type == RouteBroadcast:
		m.InBcastPkts.Add(1)
		st.localDeliver4(d, b)
	default:
		st.forward4(d, b, fr)
	}
}

// checkOptions4 validates IPv4 options (ip_options_compile): a malformed
// list gets parameter problem pointing at the bad byte.
func (st *netState) checkOptions4(d *netdev.Device, b *packet.Buffer, ip header.IPv4) bool {
	it := header.NewIPv4OptionIterator(ip.Options())
	for {
		if _, ok := it.Next(); !ok {
			break
		}
	}
	if !it.Malformed() {
		return true
	}
	st.mib.Ip4.InHdrErrors.Add(1)
	b.SetNetworkHeader(0)
	st.icmpSend4(b, header.ICMPv4ParamProblem, 0, uint32(header.IPv4MinimumSize+it.ErrorOffset())<<24)
	d.Drop(b, DropIPOptions)
	return false
}

// inputNoRoute4 handles a packet with no route: counted IpInNoRoutes when
// forwarding (with ICMP net unreachable), IpInAddrErrors when not.
func (st *netState) inputNoRoute4(d *netdev.Device, b *packet.Buffer) {
	if !st.forwarding(FamilyV4) {
		st.mib.Ip4.InAddrErrors.Add(1)
		d.Drop(b, DropIPInAddrErrors)
		return
	}
	st.mib.Ip4.InNoRoutes.Add(1)
	st.icmpSend4(b, header.ICMPv4DestUnreach, header.ICMPv4NetUnreach, 0)
	d.Drop(b, DropIPInNoRoutes)
}

// forward4 is ip_forward: the router's path. It owns b.
func (st *netState) forward4(in *netdev.Device, b *packet.Buffer, fr *fibRoute) {
	m := &st.mib.Ip4
	if !st.forwarding(FamilyV4) {
		m.InAddrErrors.Add(1)
		in.Drop(b, DropIPInAddrErrors)
		return
	}
	if b.PktType != packet.PacketHost {
		in.Drop(b, DropOtherHost)
		return
	}
	switch fr.r.Type {
	case RouteUnicast:
	case RouteBlackhole:
		in.Drop(b, DropBlackhole)
		return
	case RouteUnreachable:
		st.icmpSend4(b, header.ICMPv4DestUnreach, header.ICMPv4HostUnreach, 0)
		in.Drop(b, DropReject)
		return
	case RouteProhibit:
		st.icmpSend4(b, header.ICMPv4DestUnreach, header.ICMPv4AdminProhibited, 0)
		in.Drop(b, DropReject)
		return
	default:
		m.InNoRoutes.Add(1)
		st.icmpSend4(b, header.ICMPv4DestUnreach, header.ICMPv4NetUnreach, 0)
		in.Drop(b, DropIPInNoRoutes)
		return
	}
	ip := header.IPv4(b.Bytes())
	if ip.TTL() <= 1 {
		m.InHdrErrors.Add(1)
		st.icmpSend4(b, header.ICMPv4TimeExceeded, header.ICMPv4TTLExceeded, 0)
		in.Drop(b, DropTTLExpired)
		return
	}
	dst := &fr.dst
	daddr := ip.Destination()
	if (dst.route.Encap != nil || outputHook.Load() != nil) && st.forwardHooked(b, dst, ip) {
		return
	}
	mtu := int(dst.PathMTU(daddr))
	if b.Len() > mtu && ip.DontFragment() && b.GSO.Size == 0 {
		st.mib.Frag4.FragFails.Add(1)
		st.icmpSend4(b, header.ICMPv4DestUnreach, header.ICMPv4FragNeeded, uint32(mtu))
		in.Drop(b, DropPktTooBig)
		return
	}
	ip.DecTTL()
	if dst.Dev == in && b.SecPath == nil {
		st.maybeSendRedirect(in, b, ip.Source(), dst.Nexthop(daddr))
	}
	m.ForwDatagrams.Add(1)
	m.OutOctets.Add(uint64(b.Len()))
	if b.Len() > mtu && b.GSO.Size == 0 {
		st.fragment4(b, dst, daddr, mtu, false)
		return
	}
	st.finishOutput(dst.Dev, dst.Nexthop(daddr), b, FamilyV4)
}

// localDeliver4 is ip_local_deliver: reassembly, then the protocol
// handlers. It owns b (data at the IP header).
func (st *netState) localDeliver4(d *netdev.Device, b *packet.Buffer) {
	ip := header.IPv4(b.Bytes())
	if ip.IsFragment() {
		res := st.frag.r4.Add(b)
		switch res.Status {
		case frag.Done:
			b = res.Packet
			ip = header.IPv4(b.Bytes())
		case frag.Dropped:
			return
		default:
			if res.Packet != nil {
				res.Packet.Free()
			}
			return
		}
	}
	b.SetNetworkHeader(0)
	proto := ip.Protocol()
	hl := ip.HeaderLength()
	b.Pull(hl)
	b.SetTransportHeader(0)
	if dispatch(FamilyV4, proto, d.Namespace(), d, b) {
		st.mib.Ip4.InDelivers.Add(1)
		return
	}
	b.Push(hl)
	st.mib.Ip4.InUnknownProtos.Add(1)
	st.icmpSend4(b, header.ICMPv4DestUnreach, header.ICMPv4ProtoUnreach, 0)
	d.Drop(b, DropIPNoProto)
}

// forwardHooked hands a forwarded packet to the encap handler or output
// hook after the TTL decrement; it reports whether one took it.
func (st *netState) forwardHooked(b *packet.Buffer, dst *Dst, ip header.IPv4) bool {
	ip.DecTTL()
	if st.hooked(b, dst, FamilyV4, true) {
		st.mib.Ip4.ForwDatagrams.Add(1)
		return true
	}
	ip.SetTTLUpdateChecksum(ip.TTL() + 1)
	return false
}

// csumTrusted reports whether the transport checksum needs no check
// (skb_csum_unnecessary): it was verified (CHECKSUM_UNNECESSARY) or the
// packet was made on this machine and its checksum is still to be filled
// in (CHECKSUM_PARTIAL, as from a guest with offloads).
func csumTrusted(b *packet.Buffer) bool {
	return b.Csum.Mode == packet.CsumUnnecessary || b.Csum.Mode == packet.CsumPartial
}
