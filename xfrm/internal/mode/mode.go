// Package mode holds the IP-level work shared by the xfrm transforms: the
// tunnel-mode outer header (xfrm4/6_tunnel_encap_add in xfrm_output.c), its
// removal with the DSCP/ECN rules (xfrm4/6_remove_tunnel_encap in
// xfrm_input.c), and the transport/BEET header shuffling (where the IPsec
// header goes in an IPv4 or IPv6 packet, ip6_find_1stfragopt).
package mode

import (
	"encoding/binary"
	"net/netip"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// IP protocol numbers used here.
const (
	ProtoIPIP = 4
	ProtoIPv6 = 41
	ProtoUDP  = 17
	ProtoNone = 59
)

// MaxL3 bounds the IP header plus unfragmentable extension headers that
// transport mode moves.
const MaxL3 = 512

// Split finds where an IPsec header goes in an IP packet (after the IPv4
// header; for IPv6 after hop-by-hop, routing, and destination options that
// precede a routing header). It returns the length of the part kept in
// front, the offset of the next-header byte to patch and that byte.
func Split(pkt []byte) (hlen, nhOff int, nh uint8, ok bool) {
	if len(pkt) < 1 {
		return 0, 0, 0, false
	}
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) < header.IPv4MinimumSize {
			return 0, 0, 0, false
		}
		h := header.IPv4(pkt).HeaderLength()
		if h < header.IPv4MinimumSize || h > len(pkt) {
			return 0, 0, 0, false
		}
		return h, 9, pkt[9], true
	case 6:
		if len(pkt) < header.IPv6MinimumSize {
			return 0, 0, 0, false
		}
		off, nhOff, nh := header.IPv6MinimumSize, 6, pkt[6]
		routing := false
		for {
			switch nh {
			case 0, 43, 60:
			default:
				return off, nhOff, nh, off <= MaxL3
			}
			if nh == 60 && routing {
				return off, nhOff, nh, off <= MaxL3
			}
			if nh == 43 {
				routing = true
			}
			if off+8 > len(pkt) {
				return 0, 0, 0, false
			}
			nhOff = off
			nh = pkt[off]
			off += (int(pkt[off+1]) + 1) * 8
			if off > len(pkt) {
				return 0, 0, 0, false
			}
		}
	}
	return 0, 0, 0, false
}

// Patch sets the next header byte and the length fields of the IP header
// at the front of pkt (whose total length is len(pkt)); for BEET it also
// replaces the addresses. The IPv4 checksum is recomputed.
func Patch(pkt []byte, nhOff int, nh uint8, beet bool, src, dst []byte) {
	if pkt[0]>>4 == 4 {
		ip := header.IPv4(pkt)
		ip.SetProtocol(nh)
		ip.SetTotalLength(uint16(len(pkt)))
		if beet {
			copy(ip.SourceSlice(), src)
			copy(ip.DestinationSlice(), dst)
		}
		ip.UpdateChecksum()
		return
	}
	pkt[nhOff] = nh
	binary.BigEndian.PutUint16(pkt[4:6], uint16(len(pkt)-header.IPv6MinimumSize))
	if beet {
		copy(pkt[8:24], src)
		copy(pkt[24:40], dst)
	}
}

// AddrLen is the address size of a family.
func AddrLen(fam int) int {
	if fam == 4 {
		return 4
	}
	return 16
}

// PutAddr writes a's bytes into dst.
func PutAddr(dst []byte, a netip.Addr) {
	if a.Is4() {
		v := a.As4()
		copy(dst, v[:])
		return
	}
	v := a.As16()
	copy(dst, v[:])
}

// OuterLen is the outer IP header size of a family.
func OuterLen(family int) int {
	if family == 6 {
		return header.IPv6MinimumSize
	}
	return header.IPv4MinimumSize
}

// Inner is what the outer header takes from the inner one
// (XFRM_MODE_SKB_CB: tos, frag_off, flow label).
type Inner struct {
	TOS     uint8
	DF      bool
	FlowLbl uint32
	Proto   uint8 // IPIP or IPv6, the next header of the IPsec header
}

// Inspect reads an inner packet's header; ok is false when malformed.
func Inspect(pkt []byte) (Inner, bool) {
	if len(pkt) < 1 {
		return Inner{}, false
	}
	switch pkt[0] >> 4 {
	case 4:
		ip := header.IPv4(pkt)
		if len(pkt) < header.IPv4MinimumSize || ip.HeaderLength() < header.IPv4MinimumSize || ip.HeaderLength() > len(pkt) {
			return Inner{}, false
		}
		return Inner{TOS: ip.TOS(), DF: ip.FlagsFragOff()&header.IPv4FlagDF != 0, Proto: ProtoIPIP}, true
	case 6:
		if len(pkt) < header.IPv6MinimumSize {
			return Inner{}, false
		}
		ip := header.IPv6(pkt)
		return Inner{TOS: ip.TrafficClass(), DF: true, FlowLbl: ip.FlowLabel(), Proto: ProtoIPv6}, true
	}
	return Inner{}, false
}

// PushOuter pushes the tunnel-mode outer header for SA x in front of b
// (xfrm4_tunnel_encap_add / xfrm6_tunnel_encap_add): DSCP copied unless
// dont-encap-dscp, ECN per RFC 6040 unless noecn, DF copied from the inner
// header unless nopmtudisc, the given TTL, the SA's addresses, proto as the
// outer protocol. It sets Protocol and the network header.
func PushOuter(x *xfrm.State, b *packet.Buffer, in Inner, proto, ttl uint8) {
	c := x.Cfg()
	tos := in.TOS
	if c.ExtraFlags&xfrm.ExtraDontEncapDSCP != 0 {
		tos = 0
	}
	tos = tos&^header.ECNMask | header.ECNEncapsulate(in.TOS)
	if c.Flags&xfrm.FlagNoECN != 0 {
		tos &^= header.ECNMask
	}
	if c.Family == 4 {
		ip := header.IPv4(b.Push(header.IPv4MinimumSize))
		var frag uint16
		if in.DF && c.Flags&xfrm.FlagNoPMTUDisc == 0 {
			frag = header.IPv4FlagDF
		}
		var id uint16
		if frag == 0 {
			id = x.NextIPID()
		}
		ip.Encode(&header.IPv4Fields{TOS: tos, TotalLength: uint16(b.Len()), ID: id, Flags: frag,
			TTL: ttl, Protocol: proto, Src: c.Saddr, Dst: c.ID.Daddr})
		ip.UpdateChecksum()
		b.Protocol = 0x0800
	} else {
		ip := header.IPv6(b.Push(header.IPv6MinimumSize))
		ip.Encode(&header.IPv6Fields{TrafficClass: tos, FlowLabel: in.FlowLbl, PayloadLength: uint16(b.Len() - header.IPv6MinimumSize),
			NextHeader: proto, HopLimit: ttl, Src: c.Saddr, Dst: c.ID.Daddr})
		b.Protocol = 0x86DD
	}
	b.SetNetworkHeader(0)
}

// Decap makes b hold the inner packet found at [ps, pe) with next header
// nh, applying decap-dscp and the RFC 6040 CE propagation (unless noecn)
// from the outer TOS/traffic class. It returns XfrmInStateModeError for a
// malformed inner packet.
func Decap(x *xfrm.State, b *packet.Buffer, outerTOS, nh uint8, ps, pe int) *xfrm.Drop {
	c := x.Cfg()
	inner := b.Bytes()[ps:pe]
	ce := c.Flags&xfrm.FlagNoECN == 0 && outerTOS&header.ECNMask == header.ECNCE
	switch nh {
	case ProtoIPIP:
		ip := header.IPv4(inner)
		if len(inner) < header.IPv4MinimumSize || inner[0]>>4 != 4 || ip.HeaderLength() < header.IPv4MinimumSize || ip.HeaderLength() > len(inner) {
			return x.MIB().Count(xfrm.InStateModeError)
		}
		if c.Flags&xfrm.FlagDecapDSCP != 0 {
			ip.SetTOSUpdateChecksum(outerTOS&^header.ECNMask | ip.TOS()&header.ECNMask)
		}
		if ce {
			ip.SetECNCE()
		}
		if tl := int(ip.TotalLength()); tl >= ip.HeaderLength() && tl < len(inner) {
			pe = ps + tl // TFC padding after the inner packet
		}
		b.Protocol = 0x0800
	case ProtoIPv6:
		if len(inner) < header.IPv6MinimumSize || inner[0]>>4 != 6 {
			return x.MIB().Count(xfrm.InStateModeError)
		}
		ip := header.IPv6(inner)
		tc := ip.TrafficClass()
		if c.Flags&xfrm.FlagDecapDSCP != 0 {
			tc = outerTOS&^header.ECNMask | tc&header.ECNMask
		}
		if ce && tc&header.ECNMask != header.ECNNotECT {
			tc |= header.ECNCE
		}
		ip.SetTrafficClass(tc)
		if tl := header.IPv6MinimumSize + int(ip.PayloadLength()); tl < len(inner) {
			pe = ps + tl
		}
		b.Protocol = 0x86DD
	default:
		return x.MIB().Count(xfrm.InStateModeError)
	}
	b.Pull(ps)
	b.Trim(pe - ps)
	b.SetNetworkHeader(0)
	return nil
}

// Rejoin makes b hold the packet rebuilt from its L3 header at [0, hlen)
// and the payload at [ps, pe), with next header nh (transport-mode input;
// BEET input is BEETDecap, IPComp has no BEET mode).
func Rejoin(x *xfrm.State, b *packet.Buffer, fam, hlen, nhOff int, nh uint8, ps, pe int) *xfrm.Drop {
	pkt := b.Bytes()
	copy(pkt[ps-hlen:ps], pkt[:hlen])
	b.Pull(ps - hlen)
	b.Trim(hlen + pe - ps)
	Patch(b.Bytes(), nhOff, nh, false, nil, nil)
	SetProtocol(b, fam)
	b.SetNetworkHeader(0)
	b.SetTransportHeader(hlen)
	return nil
}

// SetProtocol sets b.Protocol (the ethertype) for an IP family.
func SetProtocol(b *packet.Buffer, fam int) {
	if fam == 4 {
		b.Protocol = 0x0800
	} else {
		b.Protocol = 0x86DD
	}
}

// BEETAddrs returns the outer addresses BEET output writes (the SA's).
func BEETAddrs(x *xfrm.State, fam int, sa, da *[16]byte) (src, dst []byte) {
	c := x.Cfg()
	PutAddr(sa[:], c.Saddr)
	PutAddr(da[:], c.ID.Daddr)
	al := AddrLen(fam)
	return sa[:al], da[:al]
}
