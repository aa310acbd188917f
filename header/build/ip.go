package build

import (
	"net/netip"

	"github.com/softnet/softnet/header"
)

// IPv4Opts describes an IPv4 header for IPv4.
type IPv4Opts struct {
	Src, Dst netip.Addr
	// TTL is the time to live; 0 means header.IPv4DefaultTTL (64) unless
	// ZeroTTL is set.
	TTL     uint8
	ZeroTTL bool
	Proto   uint8
	ID      uint16
	DF, MF  bool
	// FragOff is the fragment offset in bytes (a multiple of 8).
	FragOff uint16
	TOS     uint8
	// Options are raw IPv4 options, padded with EOL to a multiple of 4.
	Options []byte
	// NoL4Checksum leaves the transport checksum as found in the payload.
	NoL4Checksum bool
}

// IPv4 returns an IPv4 packet carrying payload, with the header checksum
// computed and, for an unfragmented UDP or TCP payload whose checksum field
// is zero, the transport checksum too.
func IPv4(o IPv4Opts, payload []byte) []byte {
	ttl := o.TTL
	if ttl == 0 && !o.ZeroTTL {
		ttl = header.IPv4DefaultTTL
	}
	var flags uint16
	if o.DF {
		flags |= header.IPv4FlagDF
	}
	if o.MF {
		flags |= header.IPv4FlagMF
	}
	f := header.IPv4Fields{
		TOS: o.TOS, ID: o.ID, Flags: flags, FragmentOffset: o.FragOff,
		TTL: ttl, Protocol: o.Proto, Src: o.Src, Dst: o.Dst, Options: o.Options,
	}
	hlen := header.IPv4EncodedLength(&f)
	f.TotalLength = uint16(hlen + len(payload))
	b := make([]byte, hlen+len(payload))
	ip := header.IPv4(b)
	ip.Encode(&f)
	copy(b[hlen:], payload)
	ip.UpdateChecksum()
	if !o.NoL4Checksum && !ip.IsFragment() {
		fillL4(o.Proto, b[hlen:], ip.SourceSlice(), ip.DestinationSlice(), true)
	}
	return b
}

// IPv6Opts describes a fixed IPv6 header for IPv6.
type IPv6Opts struct {
	Src, Dst netip.Addr
	// HopLimit is the hop limit; 0 means 64 unless ZeroHopLimit is set.
	HopLimit     uint8
	ZeroHopLimit bool
	// NextHeader is the protocol of payload (which may start with
	// extension headers, see IPv6Fragment and IPv6Options).
	NextHeader   uint8
	TrafficClass uint8
	FlowLabel    uint32
	// NoL4Checksum leaves the transport checksum as found in the payload.
	NoL4Checksum bool
}

// IPv6 returns an IPv6 packet carrying payload. For an unfragmented UDP,
// TCP or ICMPv6 payload (after any extension headers) whose checksum
// field is zero, the checksum is computed.
func IPv6(o IPv6Opts, payload []byte) []byte {
	hl := o.HopLimit
	if hl == 0 && !o.ZeroHopLimit {
		hl = header.IPv6DefaultHopLimit
	}
	b := make([]byte, header.IPv6MinimumSize+len(payload))
	ip := header.IPv6(b)
	ip.Encode(&header.IPv6Fields{
		TrafficClass: o.TrafficClass, FlowLabel: o.FlowLabel,
		PayloadLength: uint16(len(payload)), NextHeader: o.NextHeader,
		HopLimit: hl, Src: o.Src, Dst: o.Dst,
	})
	copy(b[header.IPv6MinimumSize:], payload)
	if o.NoL4Checksum {
		return b
	}
	info := header.WalkIPv6(b)
	if info.Status != header.IPv6ExtOK || info.Fragment != nil {
		return b
	}
	fillL4(info.Protocol, b[info.Offset:], ip.SourceSlice(), ip.DestinationSlice(), true)
	return b
}

// IPv6Fragment returns a fragment extension header followed by payload.
func IPv6Fragment(next uint8, offset uint16, more bool, id uint32, payload []byte) []byte {
	b := make([]byte, header.IPv6FragmentSize+len(payload))
	header.IPv6Fragment(b).Encode(&header.IPv6FragmentFields{NextHeader: next, FragmentOffset: offset, More: more, ID: id})
	copy(b[header.IPv6FragmentSize:], payload)
	return b
}

// IPv6Options returns an 8-byte hop-by-hop or destination-options header
// (it is the same layout) holding one PadN option, followed by payload.
func IPv6Options(next uint8, payload []byte) []byte {
	b := make([]byte, 8+len(payload))
	b[0], b[1] = next, 0
	b[2], b[3] = 1, 4 // PadN, 4 bytes of padding
	copy(b[8:], payload)
	return b
}

// FixChecksums recomputes, in place, the IPv4 header checksum (if pkt is
// IPv4) and the UDP/TCP/ICMP/ICMPv6 checksum of an unfragmented packet,
// and returns pkt. It ignores packets it cannot parse.
func FixChecksums(pkt []byte) []byte {
	if len(pkt) == 0 {
		return pkt
	}
	switch pkt[0] >> 4 {
	case 4:
		ip := header.IPv4(pkt)
		if !ip.IsValid(len(pkt)) {
			return pkt
		}
		ip.UpdateChecksum()
		if !ip.IsFragment() {
			fillL4(ip.Protocol(), ip.Payload(), ip.SourceSlice(), ip.DestinationSlice(), false)
		}
	case 6:
		ip := header.IPv6(pkt)
		info := header.WalkIPv6(pkt)
		if !ip.IsValid(len(pkt)) || info.Status != header.IPv6ExtOK || info.Fragment != nil {
			return pkt
		}
		end := header.IPv6MinimumSize + int(ip.PayloadLength())
		fillL4(info.Protocol, pkt[info.Offset:end], ip.SourceSlice(), ip.DestinationSlice(), false)
	}
	return pkt
}

// fillL4 computes the transport checksum of l4; with onlyIfZero it leaves
// a non-zero checksum field alone.
func fillL4(proto uint8, l4, src, dst []byte, onlyIfZero bool) {
	switch proto {
	case header.IPProtoUDP:
		u := header.UDP(l4)
		if len(l4) >= header.UDPMinimumSize && (!onlyIfZero || u.Checksum() == 0) {
			u.UpdateChecksum(src, dst)
		}
	case header.IPProtoTCP:
		t := header.TCP(l4)
		if len(l4) >= header.TCPMinimumSize && (!onlyIfZero || t.Checksum() == 0) {
			t.UpdateChecksum(src, dst)
		}
	case header.IPProtoICMPv6:
		c := header.ICMPv6(l4)
		if len(l4) >= header.ICMPv6MinimumSize && (!onlyIfZero || c.Checksum() == 0) {
			c.UpdateChecksum(src, dst)
		}
	case header.IPProtoICMP:
		c := header.ICMPv4(l4)
		if len(l4) >= header.ICMPv4MinimumSize && (!onlyIfZero || c.Checksum() == 0) {
			c.UpdateChecksum()
		}
	}
}
