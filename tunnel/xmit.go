package tunnel

import (
	"encoding/binary"
	"net/netip"

	"github.com/softnet/softnet/gso"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Drop reasons of the tunnel core (Linux's names where it has them).
var (
	DropNoRoute     = netdev.RegisterDropReason("IP_OUTNOROUTES")     // outer route lookup failed
	DropLoop        = netdev.RegisterDropReason("TUNNEL_LOOP")        // outer route points back into the tunnel
	DropTooBig      = netdev.RegisterDropReason("PKT_TOO_BIG_TUNNEL") // inner DF packet above the tunnel's path MTU
	DropNoMetadata  = netdev.RegisterDropReason("TUNNEL_NO_METADATA") // external mode without tunnel metadata
	DropNoRemote    = netdev.RegisterDropReason("TUNNEL_NO_REMOTE")   // NBMA tunnel without a nexthop
	DropProto       = netdev.RegisterDropReason("TUNNEL_PROTO")       // protocol not carried in this mode
	DropECN         = netdev.RegisterDropReason("IP_TUNNEL_ECN")      // RFC 6040: CE outer on a Not-ECT inner packet
	DropInnerHdr    = netdev.RegisterDropReason("TUNNEL_INNER_HDR")   // inner header truncated
	DropEncapHdr    = netdev.RegisterDropReason("TUNNEL_ENCAP_HDR")   // FOU/GUE header malformed
	DropNoTunnel    = netdev.RegisterDropReason("TUNNEL_NO_DEVICE")   // FOU/GUE payload no tunnel took
	DropNoHeadroom  = netdev.DropNoHeadroom
	DropTunnelEncap = netdev.RegisterDropReason("TUNNEL_ENCAP_UNSUPP") // unknown encapsulation type
)

// Transmit is ip_tunnel_xmit: encapsulate b (data at the inner network
// header, b.Protocol set) in an outer IPv4 header carrying protocol proto
// with the tunnel's parameters, and send it. It owns b. Errors are counted
// on the device as Linux does: tx_carrier_errors (no route), collisions
// (route back into the tunnel), tx_errors, tx_dropped.
func (t *Tunnel) Transmit(b *packet.Buffer, proto uint8) {
	if b.GSO.Size != 0 {
		t.segment(b, proto, t.Transmit)
		return
	}
	c := t.Config()
	inner := innerHeader(b)
	isIP := b.Protocol == netdev.EthPIPv4 && len(inner) >= header.IPv4MinimumSize
	dst := c.Remote
	if isZero4(dst) {
		var ok bool
		if dst, ok = t.nbmaDst(b, isIP); !ok {
			t.txError(b, DropNoRemote)
			return
		}
	}
	tos := c.TOS
	if tos&1 != 0 {
		tos &^= 1
		if isIP {
			tos = header.IPv4(inner).TOS()
		}
	}
	fl := inet.Flow{Dst: dst, Oif: c.Link, Mark: c.Fwmark, TOS: tos & 0xfc, Proto: proto}
	if !isZero4(c.Local) {
		fl.Src = c.Local
	}
	var innerDF bool
	if isIP {
		innerDF = header.IPv4(inner).DontFragment()
	}
	t.send(b, sendArgs{fl: fl, encap: c.Encap, hlen: c.HLen, tos: tos, ttl: c.TTL,
		df: c.DF || innerDF, innerIP: isIP, innerDF: innerDF, relay: true})
}

// nbmaDst picks the outer destination of a tunnel without a remote: the
// transmit metadata, or the inner route's nexthop.
func (t *Tunnel) nbmaDst(b *packet.Buffer, isIP bool) (netip.Addr, bool) {
	if ti := &b.Tunnel; ti.Present && ti.TX && ti.Dst.Is4() && !ti.Dst.IsUnspecified() {
		return ti.Dst, true
	}
	if !isIP {
		return netip.Addr{}, false
	}
	daddr := header.IPv4(innerHeader(b)).Destination()
	rt, err := inet.OutputLookup(t.net.ns, inet.Flow{Dst: daddr})
	if err != nil {
		return netip.Addr{}, false
	}
	return rt.Nexthop(daddr), true
}

// TransmitMD is ip_md_tunnel_xmit: an external-mode transmission whose
// outer header comes from the packet's tunnel metadata (b.Tunnel with TX
// set, e.g. from tc tunnel_key) or from the inner route's encap (ip route
// … encap ip dst A). Without metadata the packet is a tx error.
func (t *Tunnel) TransmitMD(b *packet.Buffer, proto uint8) {
	if b.GSO.Size != 0 {
		t.segment(b, proto, t.TransmitMD)
		return
	}
	inner := innerHeader(b)
	isIP := b.Protocol == netdev.EthPIPv4 && len(inner) >= header.IPv4MinimumSize
	info, ok := t.txInfo(b, isIP)
	if !ok || !info.Dst.Is4() {
		t.txError(b, DropNoMetadata)
		return
	}
	tos := info.TOS
	if tos == 1 && isIP {
		tos = header.IPv4(inner).TOS()
	}
	fl := inet.Flow{Dst: info.Dst, Mark: b.Mark, TOS: tos & 0xfc, Proto: proto}
	if info.Src.IsValid() && !info.Src.IsUnspecified() {
		fl.Src = info.Src
	}
	ttl := info.TTL
	innerDF := isIP && header.IPv4(inner).DontFragment()
	t.send(b, sendArgs{fl: fl, tos: tos, ttl: ttl, df: info.Flags&packet.TunnelDontFrag != 0,
		innerIP: isIP, innerDF: innerDF})
}

// txInfo finds the transmit metadata of an external-mode packet.
func (t *Tunnel) txInfo(b *packet.Buffer, isIP bool) (packet.TunnelInfo, bool) {
	if b.Tunnel.Present && b.Tunnel.TX {
		return b.Tunnel, true
	}
	if !isIP {
		return packet.TunnelInfo{}, false
	}
	daddr := header.IPv4(innerHeader(b)).Destination()
	rt, err := inet.OutputLookup(t.net.ns, inet.Flow{Dst: daddr, Oif: t.dev.Index()})
	if err != nil || rt.Dev != t.dev {
		return packet.TunnelInfo{}, false
	}
	e, ok := rt.Route().Encap.(*RouteEncap)
	if !ok || e == nil {
		return packet.TunnelInfo{}, false
	}
	return e.Info(), true
}

// sendArgs are the per-packet outer header parameters.
type sendArgs struct {
	fl      inet.Flow
	encap   Encap
	hlen    int
	tos     uint8
	ttl     uint8
	df      bool
	innerIP bool
	innerDF bool
	relay   bool // apply the ICMP error relay (configured tunnels)
}

// send routes and encapsulates: the shared tail of Transmit and
// TransmitMD.
func (t *Tunnel) send(b *packet.Buffer, a sendArgs) {
	ns := t.net.ns
	d := t.dev
	proto := a.fl.Proto
	if a.encap.Type != EncapNone {
		if a.encap.HeaderLen() < 0 {
			t.txError(b, DropTunnelEncap)
			return
		}
		a.fl.Proto = header.IPProtoUDP
		a.fl.SPort, a.fl.DPort = t.encapSport(b, a.encap), a.encap.DPort
	}
	rt, err := inet.OutputLookup(ns, a.fl)
	if err != nil || rt.Dev == nil {
		d.Stats.TxCarrierErrors.Add(1)
		t.txError(b, DropNoRoute)
		return
	}
	if rt.Dev == d {
		d.Stats.Collisions.Add(1)
		t.txError(b, DropLoop)
		return
	}
	if !t.checkPMTU(b, rt, a) {
		t.txError(b, DropTooBig)
		return
	}
	if a.relay {
		t.relayErrors(b)
	}
	tos := a.tos&^header.ECNMask | header.ECNEncapsulate(t.innerECN(b, a.innerIP))
	ttl := a.ttl
	if ttl == 0 {
		ttl = 64
		if a.innerIP {
			ttl = header.IPv4(innerHeader(b)).TTL()
		}
	}
	src := a.fl.Src
	if !src.IsValid() {
		src = rt.SelectSource(a.fl.Dst)
	}
	n := len(innerHeader(b))
	if !t.pushHeaders(b, a, proto, src) {
		d.Stats.TxDropped.Add(1)
		d.Drops.Add(DropNoHeadroom)
		b.Free()
		return
	}
	ip := header.IPv4(b.Bytes())
	ip.SetTOS(tos)
	ip.SetTTL(ttl)
	df := a.df && !rt.MTULock
	if df {
		ip.SetFlagsFragOff(header.IPv4FlagDF)
	}
	ip.SetID(uint16(t.ipID.Add(1)))
	b.Tunnel = packet.TunnelInfo{}
	b.Protocol = netdev.EthPIPv4
	if err := inet.LocalOut(ns, b, rt); err != nil {
		d.Stats.TxDropped.Add(1)
		return
	}
	d.Stats.CountTx(n)
}

// innerECN is the inner packet's TOS for ECN encapsulation (0 for non-IP).
func (t *Tunnel) innerECN(b *packet.Buffer, isIP bool) uint8 {
	if !isIP {
		return 0
	}
	return header.IPv4(innerHeader(b)).TOS()
}

// pushHeaders prepends the encapsulation (UDP, GUE) and the outer IPv4
// header; it reports false when room could not be made.
func (t *Tunnel) pushHeaders(b *packet.Buffer, a sendArgs, proto uint8, src netip.Addr) bool {
	eh := a.encap.wireLen()
	need := header.IPv4MinimumSize + eh + int(t.dev.NeededHeadroom)
	if b.Headroom() < need && !b.Reserve(need, 0) {
		return false
	}
	if eh > 0 {
		t.pushEncap(b, a, proto, src)
		proto = header.IPProtoUDP
	}
	p := b.Push(header.IPv4MinimumSize)
	ip := header.IPv4(p)
	ip.SetHeaderLength(header.IPv4MinimumSize)
	ip.SetTOS(0)
	ip.SetTotalLength(uint16(min(b.Len(), 0xffff)))
	ip.SetFlagsFragOff(0)
	ip.SetProtocol(proto)
	ip.SetSource(src)
	ip.SetDestination(a.fl.Dst)
	ip.SetChecksum(0)
	b.SetNetworkHeader(0)
	return true
}

// pushEncap pushes the UDP (and GUE) header of a FOU/GUE tunnel
// (fou_build_header / gue_build_header).
func (t *Tunnel) pushEncap(b *packet.Buffer, a sendArgs, proto uint8, src netip.Addr) {
	if a.encap.Type == EncapGUE {
		gh := b.Push(gueHdrLen)
		gh[0], gh[1], gh[2], gh[3] = 0, proto, 0, 0 // version 0, no options
	}
	b.Push(header.UDPMinimumSize)
	u := header.UDP(b.Bytes())
	u.SetSourcePort(a.fl.SPort)
	u.SetDestinationPort(a.fl.DPort)
	u.SetLength(uint16(b.Len()))
	u.SetChecksum(0)
	if a.encap.Flags&EncapCsum != 0 {
		u.SetChecksum(u.CalculateChecksumAddr(src, a.fl.Dst))
	}
	b.SetTransportHeader(0)
}

// encapSport is the UDP source port: fixed, or from the flow hash
// (udp_flow_src_port over the default local port range 32768–60999).
func (t *Tunnel) encapSport(b *packet.Buffer, e Encap) uint16 {
	if e.SPort != 0 {
		return e.SPort
	}
	h := b.Hash
	if h == 0 {
		h = FlowHash(innerHeader(b))
	}
	const lo, hi = 32768, 61000
	return uint16((uint64(h)*(hi-lo))>>32) + lo
}

// FlowHash is a flow hash of an IPv4 packet's addresses, protocol and
// ports (what skb_get_hash gives the UDP source port); 0 for non-IPv4.
func FlowHash(p []byte) uint32 {
	if len(p) < header.IPv4MinimumSize || p[0]>>4 != 4 {
		return 0
	}
	ip := header.IPv4(p)
	h := uint32(2166136261)
	mix := func(v uint32) {
		for i := 0; i < 4; i++ {
			h ^= v & 0xff
			h *= 16777619
			v >>= 8
		}
	}
	mix(binary.BigEndian.Uint32(p[12:16]))
	mix(binary.BigEndian.Uint32(p[16:20]))
	mix(uint32(ip.Protocol()))
	hl := ip.HeaderLength()
	if ip.FragmentOffset() == 0 && (ip.Protocol() == header.IPProtoUDP || ip.Protocol() == header.IPProtoTCP) && len(p) >= hl+4 {
		mix(binary.BigEndian.Uint32(p[hl : hl+4]))
	}
	if h == 0 {
		h = 1
	}
	return h
}

// txError counts a transmit error (tx_errors and a reason) and frees b.
func (t *Tunnel) txError(b *packet.Buffer, r netdev.DropReason) {
	t.dev.Stats.TxErrors.Add(1)
	t.dev.Drops.Add(r)
	b.Free()
}

// segment splits a GSO super-packet into wire-sized segments before
// encapsulation (softnet's underlays take no IPXIP4 GSO), each sent with
// send; a malformed super-packet is a tx error.
func (t *Tunnel) segment(b *packet.Buffer, proto uint8, send func(*packet.Buffer, uint8)) {
	md := b.Tunnel
	err := gso.Segment(b, func(seg *packet.Buffer) {
		seg.Tunnel = md
		seg.GSO = packet.GSO{}
		send(seg, proto)
	})
	if err != nil {
		t.dev.Stats.TxErrors.Add(1)
		t.dev.Drops.Add(DropGSO)
	}
}

// DropGSO counts GSO super-packets that could not be segmented.
var DropGSO = netdev.RegisterDropReason("TUNNEL_GSO")

// innerHeader is the inner packet from its network header on: the data
// itself for ipip, past the kind's own header (GRE) for kinds that push one
// before calling Transmit (skb_inner_network_header).
func innerHeader(b *packet.Buffer) []byte {
	if off, ok := b.NetworkOffset(); ok && off > 0 && off <= b.Len() {
		return b.Bytes()[off:]
	}
	return b.Bytes()
}

// atInner runs f with b's data at the inner network header (for ICMP
// errors quoting the inner packet), then restores it.
func atInner(b *packet.Buffer, f func()) {
	off, ok := b.NetworkOffset()
	if !ok || off <= 0 || off > b.Len() {
		f()
		return
	}
	b.Pull(off)
	f()
	b.Push(off)
}
