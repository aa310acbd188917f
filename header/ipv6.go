package header

import (
	"encoding/binary"
	"net/netip"
)

// IPv6 sizes (include/uapi/linux/ipv6.h).
const (
	// IPv6MinimumSize is the size of the fixed header.
	IPv6MinimumSize = 40
	// IPv6AddressSize is the size of an IPv6 address.
	IPv6AddressSize = 16
	// IPv6Version is the value of the version field.
	IPv6Version = 6
	// IPv6MinimumMTU is the minimum link MTU (RFC 8200 section 5).
	IPv6MinimumMTU = 1280
	// IPv6DefaultHopLimit is Linux's default (sysctl hop_limit).
	IPv6DefaultHopLimit = 64
	// IPv6FlowLabelMask masks the 20-bit flow label.
	IPv6FlowLabelMask = 0x000fffff
)

// IPv6 is the fixed IPv6 header view (RFC 8200):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version| Traffic Class |           Flow Label                  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|         Payload Length        |  Next Header  |   Hop Limit   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                                                               |
//	+                         Source Address (16)                   +
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                                                               |
//	+                      Destination Address (16)                 +
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Accessors assume IsValid (or len >= IPv6MinimumSize for fixed fields).
type IPv6 []byte

// IPv6Fields describes a fixed IPv6 header for Encode.
type IPv6Fields struct {
	TrafficClass  uint8
	FlowLabel     uint32 // low 20 bits
	PayloadLength uint16
	NextHeader    uint8
	HopLimit      uint8
	Src, Dst      netip.Addr
}

// IsValid reports whether b holds a version-6 header whose payload length
// fits in min(pktLen, len(b)). Jumbograms (payload length 0 with a jumbo
// option) are not supported. Safe on any slice.
func (b IPv6) IsValid(pktLen int) bool {
	pktLen = min(pktLen, len(b))
	return pktLen >= IPv6MinimumSize && b.Version() == IPv6Version &&
		IPv6MinimumSize+int(b.PayloadLength()) <= pktLen
}

// Version returns the version field.
func (b IPv6) Version() uint8 { return b[0] >> 4 }

// TrafficClass returns the traffic class (DSCP and ECN).
func (b IPv6) TrafficClass() uint8 { return uint8(binary.BigEndian.Uint16(b[0:2]) >> 4) }

// ECN returns the ECN codepoint of the traffic class.
func (b IPv6) ECN() uint8 { return b.TrafficClass() & ECNMask }

// FlowLabel returns the 20-bit flow label.
func (b IPv6) FlowLabel() uint32 { return binary.BigEndian.Uint32(b[0:4]) & IPv6FlowLabelMask }

// PayloadLength returns the payload length field.
func (b IPv6) PayloadLength() uint16 { return binary.BigEndian.Uint16(b[4:6]) }

// NextHeader returns the next header field.
func (b IPv6) NextHeader() uint8 { return b[6] }

// HopLimit returns the hop limit field.
func (b IPv6) HopLimit() uint8 { return b[7] }

// SourceSlice returns the 16 source address bytes (aliasing b).
func (b IPv6) SourceSlice() []byte { return b[8:24] }

// DestinationSlice returns the 16 destination address bytes (aliasing b).
func (b IPv6) DestinationSlice() []byte { return b[24:40] }

// Source returns the source address.
func (b IPv6) Source() netip.Addr { return netip.AddrFrom16([16]byte(b[8:24])) }

// Destination returns the destination address.
func (b IPv6) Destination() netip.Addr { return netip.AddrFrom16([16]byte(b[24:40])) }

// Payload returns the bytes after the fixed header up to the payload
// length, clamped to len(b).
func (b IPv6) Payload() []byte {
	return b[IPv6MinimumSize:min(IPv6MinimumSize+int(b.PayloadLength()), len(b))]
}

// SetTrafficClass sets the traffic class, keeping version and flow label.
func (b IPv6) SetTrafficClass(tc uint8) {
	v := binary.BigEndian.Uint16(b[0:2])&0xf00f | uint16(tc)<<4
	binary.BigEndian.PutUint16(b[0:2], v)
}

// SetFlowLabel sets the flow label, keeping version and traffic class.
func (b IPv6) SetFlowLabel(fl uint32) {
	v := binary.BigEndian.Uint32(b[0:4])&^IPv6FlowLabelMask | fl&IPv6FlowLabelMask
	binary.BigEndian.PutUint32(b[0:4], v)
}

// SetPayloadLength sets the payload length field.
func (b IPv6) SetPayloadLength(l uint16) { binary.BigEndian.PutUint16(b[4:6], l) }

// SetNextHeader sets the next header field.
func (b IPv6) SetNextHeader(nh uint8) { b[6] = nh }

// SetHopLimit sets the hop limit field.
func (b IPv6) SetHopLimit(hl uint8) { b[7] = hl }

// SetSource sets the source address.
func (b IPv6) SetSource(a netip.Addr) { putAddr16(b[8:24], a) }

// SetDestination sets the destination address.
func (b IPv6) SetDestination(a netip.Addr) { putAddr16(b[24:40], a) }

// Encode writes the fixed header described by f.
func (b IPv6) Encode(f *IPv6Fields) {
	v := uint32(IPv6Version)<<28 | uint32(f.TrafficClass)<<20 | f.FlowLabel&IPv6FlowLabelMask
	binary.BigEndian.PutUint32(b[0:4], v)
	b.SetPayloadLength(f.PayloadLength)
	b.SetNextHeader(f.NextHeader)
	b.SetHopLimit(f.HopLimit)
	b.SetSource(f.Src)
	b.SetDestination(f.Dst)
}

// Fields decodes the fixed header (control paths and tests).
func (b IPv6) Fields() IPv6Fields {
	return IPv6Fields{
		TrafficClass:  b.TrafficClass(),
		FlowLabel:     b.FlowLabel(),
		PayloadLength: b.PayloadLength(),
		NextHeader:    b.NextHeader(),
		HopLimit:      b.HopLimit(),
		Src:           b.Source(),
		Dst:           b.Destination(),
	}
}
