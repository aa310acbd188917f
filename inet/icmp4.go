package inet

import (
	"net/netip"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

func init() {
	AddProtocol(FamilyV4, header.IPProtoICMP, 0, &protoFunc{rcv: icmpRcv4, err: icmpErrToSocket})
}

// icmpErrorQuoteMax bounds an ICMP error to 576 bytes (RFC 1812 4.3.2.3).
const icmpErrorQuoteMax = 576 - header.IPv4MinimumSize - header.ICMPv4MinimumSize

// icmpSend4 is icmp_send: send an ICMP error about orig (data at its IP
// header; not owned) to its source, unless Linux's rules forbid it (an
// error about an error, a non-first fragment, a broadcast, a bad source)
// or the rate limit says no.
func (st *netState) icmpSend4(orig *packet.Buffer, typ, code uint8, info uint32) {
	data := orig.Bytes()
	if len(data) < header.IPv4MinimumSize {
		return
	}
	ip := header.IPv4(data)
	hl := ip.HeaderLength()
	if ip.Version() != 4 || hl < header.IPv4MinimumSize || hl > len(data) {
		return
	}
	switch orig.PktType {
	case packet.PacketBroadcast, packet.PacketMulticast, packet.PacketOtherHost:
		return
	}
	src, dst := ip.Source(), ip.Destination()
	if src.IsUnspecified() || src.IsMulticast() || isLimitedBcast(src) || st.isBroadcast4(src) ||
		dst.IsMulticast() || isLimitedBcast(dst) || st.isBroadcast4(dst) {
		return
	}
	if ip.FragmentOffset() != 0 {
		return
	}
	if ip.Protocol() == header.IPProtoICMP && len(data) > hl {
		if t := data[hl]; header.IsICMPError(t) || t > header.ICMPv4TimestampReply {
			return
		}
	}
	var saddr netip.Addr
	if st.isLocalAddr(dst) {
		saddr = dst
	}
	rt, err := OutputLookup(st.ns, Flow{Dst: src, Src: saddr, Proto: header.IPProtoICMP})
	if err != nil {
		return
	}
	loop := rt.Type == RouteLocal || (rt.Dev != nil && rt.Dev.Flags()&netdev.FlagLoopback != 0)
	if !st.allow4(typ, code, src, loop) {
		return
	}
	if !saddr.IsValid() {
		saddr = rt.SelectSource(src)
	}
	q := min(len(data), icmpErrorQuoteMax)
	b, err := packet.New(packet.DefaultHeadroom, header.IPv4MinimumSize+header.ICMPv4MinimumSize+q)
	if err != nil {
		return
	}
	p := b.Put(header.IPv4MinimumSize + header.ICMPv4MinimumSize + q)
	ic := header.ICMPv4(p[header.IPv4MinimumSize:])
	ic.SetType(typ)
	ic.SetCode(code)
	ic.SetChecksum(0)
	ic.SetRest(info)
	copy(ic.Payload(), data[:q])
	ic.UpdateChecksum()
	st.putIPv4(p, saddr, src, (ip.TOS()&0x1e)|0xc0, header.IPProtoICMP, 0, false)
	st.mib.Icmp4.OutMsgs.Add(1)
	st.mib.Icmp4.OutType[typ].Add(1)
	st.output4(b, rt, src)
}

// putIPv4 writes a 20-byte IPv4 header at the start of p, which holds the
// whole packet.
func (st *netState) putIPv4(p []byte, src, dst netip.Addr, tos, proto, ttl uint8, df bool) {
	ip := header.IPv4(p)
	if ttl == 0 {
		ttl = uint8(st.sys.defaultTTL.Load())
	}
	ip.SetHeaderLength(header.IPv4MinimumSize)
	ip.SetTOS(tos)
	ip.SetTotalLength(uint16(len(p)))
	ip.SetID(uint16(st.ids.Add(1)))
	ip.SetFlagsFragOff(0)
	if df {
		ip.SetFlagsFragOff(header.IPv4FlagDF)
	}
	ip.SetTTL(ttl)
	ip.SetProtocol(proto)
	ip.SetSource(src)
	ip.SetDestination(dst)
	ip.SetChecksum(0)
	ip.UpdateChecksum()
}

// icmpRcv4 is icmp_rcv. b's data is at the ICMP header.
func icmpRcv4(ns *netdev.Namespace, d *netdev.Device, b *packet.Buffer) ProtoVerdict {
	st := stateOf(ns)
	m := &st.mib.Icmp4
	data := b.Bytes()
	if len(data) < header.ICMPv4MinimumSize {
		m.InErrors.Add(1)
		d.Drop(b, DropHdrTrunc)
		return Handled
	}
	ic := header.ICMPv4(data)
	if !csumTrusted(b) && !ic.IsChecksumValid() {
		m.InCsumErrors.Add(1)
		m.InErrors.Add(1)
		d.Drop(b, DropICMPCsum)
		return Handled
	}
	m.InMsgs.Add(1)
	m.InType[ic.Type()].Add(1)
	switch t := ic.Type(); {
	case t == header.ICMPv4Echo:
		st.echoReply4(d, b)
		return Handled
	case t == header.ICMPv4EchoReply:
		st.socks.deliverEcho(ns, b, FamilyV4)
	case header.IsICMPError(t):
		st.icmpErr4(d, b, ic)
	}
	b.Free()
	return Handled
}

// echoReply4 is icmp_echo: turn the request around in its own buffer.
func (st *netState) echoReply4(d *netdev.Device, b *packet.Buffer) {
	nh := header.IPv4(b.NetworkHeader())
	src, dst := nh.Source(), nh.Destination()
	tos := nh.TOS()
	if st.sys.icmpEchoIgnore.Load() != 0 || dst.IsMulticast() || isLimitedBcast(dst) ||
		b.PktType == packet.PacketBroadcast || st.isBroadcast4(dst) {
		b.Free()
		return
	}
	rt, err := OutputLookup(st.ns, Flow{Dst: src, Src: dst, Proto: header.IPProtoICMP, Mark: b.Mark})
	if err != nil {
		st.mib.Icmp4.OutErrors.Add(1)
		d.Drop(b, DropIPOutNoRoutes)
		return
	}
	ic := header.ICMPv4(b.Bytes())
	ic.SetType(header.ICMPv4EchoReply)
	ic.SetChecksum(header.ChecksumUpdate16(ic.Checksum(), uint16(header.ICMPv4Echo)<<8, uint16(header.ICMPv4EchoReply)<<8))
	p := b.Push(header.IPv4MinimumSize)
	if p == nil {
		d.Drop(b, netdev.DropNoHeadroom)
		return
	}
	st.putIPv4(b.Bytes(), dst, src, tos, header.IPProtoICMP, 0, false)
	resetMeta(b)
	st.mib.Icmp4.OutMsgs.Add(1)
	st.mib.Icmp4.OutType[header.ICMPv4EchoReply].Add(1)
	st.output4(b, rt, src)
}

// resetMeta clears receive-side metadata before a packet is sent back.
func resetMeta(b *packet.Buffer) {
	b.PktType = packet.PacketHost
	b.Dst = nil
	b.SecPath = nil
	b.Tunnel = packet.TunnelInfo{}
	b.Csum = packet.Csum{}
	b.GSO = packet.GSO{}
}

// icmpErr4 handles a received ICMP error (icmp_unreach): PMTU learning
// for frag needed, then the quoted protocol's error handlers.
func (st *netState) icmpErr4(d *netdev.Device, b *packet.Buffer, ic header.ICMPv4) {
	q := ic.Payload()
	if len(q) < header.IPv4MinimumSize+8 {
		st.mib.Icmp4.InErrors.Add(1)
		return
	}
	inner := header.IPv4(q)
	if inner.Version() != 4 || inner.HeaderLength() < header.IPv4MinimumSize || inner.HeaderLength()+8 > len(q) {
		st.mib.Icmp4.InErrors.Add(1)
		return
	}
	e := ICMPErr{Family: FamilyV4, Type: ic.Type(), Code: ic.Code(), Info: ic.Rest(),
		From: header.IPv4(b.NetworkHeader()).Source(), Payload: q, Dev: d}
	if ic.Type() == header.ICMPv4DestUnreach && ic.Code() == header.ICMPv4FragNeeded {
		e.MTU = uint32(ic.MTU())
		st.learnPMTU(inner.Destination(), e.MTU)
	}
	if ic.Type() == header.ICMPv4Redirect && ic.Code() <= header.ICMPv4RedirectHostTOS {
		st.redirect(d, e.From, inner.Destination(), ic.Gateway())
	}
	dispatchErr(FamilyV4, inner.Protocol(), st.ns, e)
}

// learnPMTU records an exception when mtu is below the current path MTU.
func (st *netState) learnPMTU(dst netip.Addr, mtu uint32) {
	min := uint32(68)
	if dst.Is6() {
		min = 1280
	}
	if mtu < min && dst.Is4() {
		mtu = uint32(st.sys.minPMTU.Load())
	}
	if mtu < min && dst.Is6() {
		mtu = min
	}
	if fr := st.lookup(dst); fr != nil && fr.dst.Dev != nil {
		if cur := fr.dst.PathMTU(dst); cur <= mtu {
			return
		}
	}
	UpdatePMTU(st.ns, dst, mtu)
}

// icmpErrToSocket delivers an error quoting an ICMP echo to the ping
// socket that sent it.
func icmpErrToSocket(ns *netdev.Namespace, e ICMPErr) bool {
	return stateOf(ns).socks.deliverEchoErr(ns, e)
}
