package mode

import (
	"encoding/binary"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// BEET mode (RFC 7402, Linux's XFRM_MODE_BEET): the inner IP header is
// dropped on output and rebuilt on input from the SA's selector, so the
// wire carries only the outer header (the SA's addresses, of the SA's
// family) in front of the IPsec header. The inner and outer families may
// differ. An IPv4 inner header's options travel behind a BEET pseudo
// header (struct ip_beet_phdr, protocol 94) so they survive the trip.

// ProtoBEETPH is IPPROTO_BEETPH, the pseudo header's protocol number.
const ProtoBEETPH = 94

// beetPHMax is IPV4_BEET_PHMAXLEN: the pseudo header (4 bytes) plus up to
// 4 bytes of NOP padding, so that header, padding and options fill whole
// 8-byte units.
const beetPHMax = 8

// maxIPv4Opts is the most IPv4 options a header can carry.
const maxIPv4Opts = 40

// beetFields are the header fields BEET carries from one IP header to the
// next (XFRM_MODE_SKB_CB after xfrm4/6_extract_header): an IPv6 header
// gives no ID and DF set; an IPv4 header no flow label.
type beetFields struct {
	tos, ttl, proto uint8
	id, frag        uint16
	flowLbl         uint32
}

// extract reads the fields of the IP header at the front of pkt and
// returns its length (the fixed header: IPv6 extension headers stay in
// the payload, as Linux's BEET keeps them behind the IPsec header).
func extract(pkt []byte) (f beetFields, hlen int, ok bool) {
	if len(pkt) < 1 {
		return f, 0, false
	}
	switch pkt[0] >> 4 {
	case 4:
		ip := header.IPv4(pkt)
		if len(pkt) < header.IPv4MinimumSize {
			return f, 0, false
		}
		hlen = ip.HeaderLength()
		if hlen < header.IPv4MinimumSize || hlen > len(pkt) {
			return f, 0, false
		}
		f = beetFields{tos: ip.TOS(), ttl: ip.TTL(), proto: ip.Protocol(), id: ip.ID(), frag: ip.FlagsFragOff()}
		return f, hlen, true
	case 6:
		if len(pkt) < header.IPv6MinimumSize {
			return f, 0, false
		}
		ip := header.IPv6(pkt)
		f = beetFields{tos: ip.TrafficClass(), ttl: ip.HopLimit(), proto: ip.NextHeader(),
			frag: header.IPv4FlagDF, flowLbl: ip.FlowLabel()}
		return f, header.IPv6MinimumSize, true
	}
	return f, 0, false
}

// BEETEncap turns the packet at the front of b into BEET's outer form for
// SA x (xfrm4_beet_encap_add / xfrm6_beet_encap_add): the inner header is
// replaced by one of the SA's family carrying the inner TOS/traffic
// class, TTL/hop limit, ID, fragment bits and flow label, with the SA's
// addresses; IPv4 options move behind a BEET pseudo header. The outer
// header's protocol field holds the next header the IPsec header must
// carry (the inner protocol, or 94 with a pseudo header); the caller
// inserts its header at hlen and patches the byte at nhOff. It returns
// XfrmOutStateModeError for a malformed packet or one whose family is not
// the selector's.
func BEETEncap(x *xfrm.State, b *packet.Buffer) (hlen, nhOff int, nh uint8, d *xfrm.Drop) {
	c := x.Cfg()
	pkt := b.Bytes()
	f, ihl, ok := extract(pkt)
	if !ok || (c.Selector.Family != 0 && int(pkt[0]>>4) != c.Selector.Family) {
		return 0, 0, 0, x.MIB().Count(xfrm.OutStateModeError)
	}
	var opts [maxIPv4Opts]byte
	optlen := 0
	if pkt[0]>>4 == 4 {
		optlen = copy(opts[:], pkt[header.IPv4MinimumSize:ihl])
	}
	phlen := 0
	if optlen > 0 {
		phlen = beetPHMax - optlen&4
	}
	hlen = OuterLen(c.Family)
	if !b.Reserve(hlen+phlen+optlen, 0) {
		return 0, 0, 0, x.MIB().Count(xfrm.OutError)
	}
	b.Pull(ihl)
	if optlen > 0 {
		ph := b.Push(phlen + optlen)
		ph[0], ph[1], ph[2], ph[3] = f.proto, byte(optlen/8), byte(4-optlen&4), 0
		for i := 4; i < phlen; i++ {
			ph[i] = 1 // IPOPT_NOP
		}
		copy(ph[phlen:], opts[:optlen])
		f.proto = ProtoBEETPH
	}
	b.Push(hlen)
	var sa, da [16]byte
	src, dst := BEETAddrs(x, c.Family, &sa, &da)
	putHeader(b.Bytes(), c.Family, &f, src, dst, 0)
	SetProtocol(b, c.Family)
	b.SetNetworkHeader(0)
	b.SetTransportHeader(hlen)
	if c.Family == 4 {
		return hlen, 9, f.proto, nil
	}
	return hlen, 6, f.proto, nil
}

// putHeader writes an IP header of family fam at the front of pkt (whose
// length is the packet's) with f's fields and the given addresses; an
// IPv4 header is 20 + optlen bytes long (the options already in place)
// and gets its checksum.
func putHeader(pkt []byte, fam int, f *beetFields, src, dst []byte, optlen int) {
	if fam == 4 {
		ip := header.IPv4(pkt)
		pkt[0] = 0x45 + byte(optlen/4)
		ip.SetTOS(f.tos)
		ip.SetTotalLength(uint16(len(pkt)))
		binary.BigEndian.PutUint16(pkt[4:6], f.id)
		binary.BigEndian.PutUint16(pkt[6:8], f.frag)
		pkt[8], pkt[9] = f.ttl, f.proto
		copy(pkt[12:16], src)
		copy(pkt[16:20], dst)
		ip.UpdateChecksum()
		return
	}
	binary.BigEndian.PutUint32(pkt[0:4], 6<<28|uint32(f.tos)<<20|f.flowLbl&0xfffff)
	binary.BigEndian.PutUint16(pkt[4:6], uint16(len(pkt)-header.IPv6MinimumSize))
	pkt[6], pkt[7] = f.proto, f.ttl
	copy(pkt[8:24], src)
	copy(pkt[24:40], dst)
}

// BEETDecap makes b, whose data starts at the outer IP header, hold the
// inner packet rebuilt from the payload at [ps, pe) with next header nh
// (xfrm4_remove_beet_encap / xfrm6_remove_beet_encap): a header of the
// selector's family (the outer's when the selector has none) with the
// selector's addresses and the outer header's TOS/traffic class, TTL/hop
// limit, ID, fragment bits and flow label; an IPv4 pseudo header gives
// back the options behind it. A malformed pseudo header is
// XfrmInStateModeError.
func BEETDecap(x *xfrm.State, b *packet.Buffer, nh uint8, ps, pe int) *xfrm.Drop {
	c := x.Cfg()
	f, _, ok := extract(b.Bytes())
	if !ok || ps > pe {
		return x.MIB().Count(xfrm.InStateModeError)
	}
	f.proto = nh
	fam := c.Selector.Family
	if fam == 0 {
		fam = c.Family
	}
	optlen := 0
	if fam == 4 && nh == ProtoBEETPH {
		ph := b.Bytes()[ps:pe]
		if len(ph) < 4 {
			return x.MIB().Count(xfrm.InStateModeError)
		}
		phlen := 4 + int(ph[2])
		optlen = int(ph[1])*8 + beetPHMax - phlen
		if optlen < 0 || optlen&3 != 0 || optlen > maxIPv4Opts || phlen+optlen > len(ph) {
			return x.MIB().Count(xfrm.InStateModeError)
		}
		f.proto = ph[0]
		ps += phlen // the options stay, right behind the rebuilt header
	}
	ihl := OuterLen(fam)
	b.Pull(ps)
	b.Trim(pe - ps)
	if !b.Reserve(ihl, 0) {
		return x.MIB().Count(xfrm.InError)
	}
	b.Push(ihl)
	var sa, da [16]byte
	PutAddr(sa[:], c.Selector.Saddr.Addr())
	PutAddr(da[:], c.Selector.Daddr.Addr())
	al := AddrLen(fam)
	putHeader(b.Bytes(), fam, &f, sa[:al], da[:al], optlen)
	SetProtocol(b, fam)
	b.SetNetworkHeader(0)
	b.SetTransportHeader(ihl + optlen)
	return nil
}
