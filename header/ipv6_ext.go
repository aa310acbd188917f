package header

import "encoding/binary"

const (
	// IPv6FragmentSize is the size of the fragment extension header.
	IPv6FragmentSize = 8
	// IPv6MaxExtHeaders bounds the extension-header walk.
	IPv6MaxExtHeaders = 16
)

// IPv6Fragment is the fragment extension header view (RFC 8200 4.5):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         Identification                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Accessors require len >= IPv6FragmentSize.
type IPv6Fragment []byte

// IPv6FragmentFields describes a fragment header for Encode.
type IPv6FragmentFields struct {
	NextHeader     uint8
	FragmentOffset uint16 // in bytes, a multiple of 8
	More           bool
	ID             uint32
}

// IsValid reports whether b can hold a fragment header.
func (b IPv6Fragment) IsValid() bool { return len(b) >= IPv6FragmentSize }

// NextHeader returns the next header field.
func (b IPv6Fragment) NextHeader() uint8 { return b[0] }

// FragmentOffset returns the fragment offset in bytes.
func (b IPv6Fragment) FragmentOffset() uint16 { return binary.BigEndian.Uint16(b[2:4]) &^ 7 }

// More reports whether the M (more fragments) flag is set.
func (b IPv6Fragment) More() bool { return b[3]&1 != 0 }

// ID returns the identification field.
func (b IPv6Fragment) ID() uint32 { return binary.BigEndian.Uint32(b[4:8]) }

// Encode writes the fragment header (reserved fields zero).
func (b IPv6Fragment) Encode(f *IPv6FragmentFields) {
	b[0], b[1] = f.NextHeader, 0
	v := f.FragmentOffset &^ 7
	if f.More {
		v |= 1
	}
	binary.BigEndian.PutUint16(b[2:4], v)
	binary.BigEndian.PutUint32(b[4:8], f.ID)
}

// Fields decodes the fragment header.
func (b IPv6Fragment) Fields() IPv6FragmentFields {
	return IPv6FragmentFields{NextHeader: b.NextHeader(), FragmentOffset: b.FragmentOffset(), More: b.More(), ID: b.ID()}
}

// IPv6ExtStatus is the outcome of an extension-header walk.
type IPv6ExtStatus uint8

// Walk outcomes.
const (
	// IPv6ExtOK: the walk reached an upper-layer protocol, ESP, "no next
	// header", or the payload of a non-first fragment.
	IPv6ExtOK IPv6ExtStatus = iota
	// IPv6ExtTruncated: an extension header runs past the packet.
	IPv6ExtTruncated
	// IPv6ExtTooMany: more than IPv6MaxExtHeaders extension headers.
	IPv6ExtTooMany
	// IPv6ExtHopByHopNotFirst: a hop-by-hop header not directly after the
	// fixed header (RFC 8200 4.1; Linux answers "unknown next header").
	IPv6ExtHopByHopNotFirst
)

// IPv6ExtInfo is the result of WalkIPv6Ext.
type IPv6ExtInfo struct {
	Status IPv6ExtStatus
	// Protocol is the protocol where the walk stopped: the upper-layer
	// protocol, or IPProtoESP, or IPProtoNoNext. For a non-first fragment it
	// is the fragment header's next header. On failure, the extension header
	// that could not be walked.
	Protocol uint8
	// Offset is where that header begins, from the start of the buffer.
	Offset int
	// NextHeaderOffset is the offset of the byte that holds Protocol (the
	// ICMPv6 parameter-problem pointer for an unknown next header).
	NextHeaderOffset int
	// Count is the number of extension headers walked.
	Count int
	// Fragment is the fragment header view, or nil if there is none.
	Fragment IPv6Fragment
	// FragmentHeaderOffset is the offset of Fragment (0 if none).
	FragmentHeaderOffset int
}

// IsNonFirstFragment reports whether the packet is a fragment other than
// the first; its Offset points at fragment data, not an upper-layer header.
func (i *IPv6ExtInfo) IsNonFirstFragment() bool {
	return i.Fragment != nil && i.Fragment.FragmentOffset() != 0
}

// IsIPv6ExtHeader reports whether nh names an extension header the walker
// steps over (hop-by-hop, routing, fragment, destination options, AH,
// mobility).
func IsIPv6ExtHeader(nh uint8) bool {
	switch nh {
	case IPProtoHopByHop, IPProtoRouting, IPProtoFragment, IPProtoDstOpts, IPProtoAH, IPProtoMobility:
		return true
	}
	return false
}

// IPv6WalkFlags select which extension headers a walk steps over.
type IPv6WalkFlags uint8

const (
	// IPv6WalkStopAtAH ends the walk at an authentication header, which
	// is then reported as the protocol (IPProtoAH, Offset at the AH
	// header). Linux's local delivery (ip6_protocol_deliver_rcu) hands AH
	// to its own protocol handler, and the xfrm flow decoding
	// (_decode_session6) takes AH as the flow's protocol; without the
	// flag the walk steps over AH, as ipv6_skip_exthdr does (ICMPv6 error
	// handling, fragment checks).
	IPv6WalkStopAtAH IPv6WalkFlags = 1 << iota
)

// stopsAt reports whether a walk with flags fl ends at header nh.
func (fl IPv6WalkFlags) stopsAt(nh uint8) bool {
	if nh == IPProtoAH {
		return fl&IPv6WalkStopAtAH != 0
	}
	return !IsIPv6ExtHeader(nh)
}

// WalkIPv6 walks the extension headers of pkt, which begins with an IPv6
// fixed header; the walk is bounded by the payload length (when that fits
// in pkt) and by IPv6MaxExtHeaders. Safe on any slice: fewer than 40 bytes
// give IPv6ExtTruncated. Like ipv6_skip_exthdr, it steps over AH and does
// not look inside ESP; WalkIPv6Flags with IPv6WalkStopAtAH stops at AH.
func WalkIPv6(pkt []byte) IPv6ExtInfo { return WalkIPv6Flags(pkt, 0) }

// WalkIPv6Flags is WalkIPv6 with walk flags; WalkIPv6Flags(pkt,
// IPv6WalkStopAtAH) is the walk of IPv6 local delivery.
func WalkIPv6Flags(pkt []byte, fl IPv6WalkFlags) IPv6ExtInfo {
	if len(pkt) < IPv6MinimumSize {
		return IPv6ExtInfo{Status: IPv6ExtTruncated}
	}
	ip := IPv6(pkt)
	end := min(len(pkt), IPv6MinimumSize+int(ip.PayloadLength()))
	return WalkIPv6ExtFlags(pkt[:end], ip.NextHeader(), IPv6MinimumSize, 6, fl)
}

// WalkIPv6Ext walks extension headers in b starting at offset off, where
// the header type is nh and the byte naming it is at nhOff. It never reads
// outside b. It steps over AH.
func WalkIPv6Ext(b []byte, nh uint8, off, nhOff int) IPv6ExtInfo {
	return WalkIPv6ExtFlags(b, nh, off, nhOff, 0)
}

// WalkIPv6ExtFlags is WalkIPv6Ext with walk flags.
func WalkIPv6ExtFlags(b []byte, nh uint8, off, nhOff int, fl IPv6WalkFlags) IPv6ExtInfo {
	info := IPv6ExtInfo{Protocol: nh, Offset: off, NextHeaderOffset: nhOff}
	for !fl.stopsAt(nh) {
		if nh == IPProtoHopByHop && info.Count > 0 {
			info.Status = IPv6ExtHopByHopNotFirst
			return info
		}
		if info.Count == IPv6MaxExtHeaders {
			info.Status = IPv6ExtTooMany
			return info
		}
		if off < 0 || off+8 > len(b) {
			info.Status = IPv6ExtTruncated
			return info
		}
		var hlen int
		switch nh {
		case IPProtoFragment:
			hlen = IPv6FragmentSize
			info.Fragment = IPv6Fragment(b[off : off+IPv6FragmentSize])
			info.FragmentHeaderOffset = off
		case IPProtoAH:
			hlen = (int(b[off+1]) + 2) * 4
		default:
			hlen = (int(b[off+1]) + 1) * 8
		}
		if off+hlen > len(b) {
			info.Status = IPv6ExtTruncated
			return info
		}
		info.Count++
		nhOff = off
		nh = b[off]
		off += hlen
		info.Protocol, info.Offset, info.NextHeaderOffset = nh, off, nhOff
		if info.IsNonFirstFragment() {
			break
		}
	}
	return info
}
