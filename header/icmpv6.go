package header

import (
	"encoding/binary"
	"net/netip"
)

// ICMPv6 sizes.
const (
	// ICMPv6MinimumSize is the size of the ICMPv6 header.
	ICMPv6MinimumSize = 8
	// ICMPv6ErrorPayloadMax bounds the invoking packet quoted in an ICMPv6
	// error so the message fits in the minimum MTU.
	ICMPv6ErrorPayloadMax = IPv6MinimumMTU - IPv6MinimumSize - ICMPv6MinimumSize
)

// ICMPv6 types (include/uapi/linux/icmpv6.h, include/net/ndisc.h).
const (
	ICMPv6DstUnreachable  uint8 = 1   // ICMPV6_DEST_UNREACH
	ICMPv6PacketTooBig    uint8 = 2   // ICMPV6_PKT_TOOBIG
	ICMPv6TimeExceeded    uint8 = 3   // ICMPV6_TIME_EXCEED
	ICMPv6ParamProblem    uint8 = 4   // ICMPV6_PARAMPROB
	ICMPv6EchoRequest     uint8 = 128 // ICMPV6_ECHO_REQUEST
	ICMPv6EchoReply       uint8 = 129 // ICMPV6_ECHO_REPLY
	ICMPv6RouterSolicit   uint8 = 133 // NDISC_ROUTER_SOLICITATION
	ICMPv6RouterAdvert    uint8 = 134 // NDISC_ROUTER_ADVERTISEMENT
	ICMPv6NeighborSolicit uint8 = 135 // NDISC_NEIGHBOUR_SOLICITATION
	ICMPv6NeighborAdvert  uint8 = 136 // NDISC_NEIGHBOUR_ADVERTISEMENT
	ICMPv6Redirect        uint8 = 137 // NDISC_REDIRECT
)

// ICMPv6 destination-unreachable codes.
const (
	ICMPv6NoRoute         uint8 = 0 // ICMPV6_NOROUTE
	ICMPv6AdminProhibited uint8 = 1 // ICMPV6_ADM_PROHIBITED
	ICMPv6BeyondScope     uint8 = 2 // ICMPV6_NOT_NEIGHBOUR
	ICMPv6AddrUnreachable uint8 = 3 // ICMPV6_ADDR_UNREACH
	ICMPv6PortUnreachable uint8 = 4 // ICMPV6_PORT_UNREACH
	ICMPv6PolicyFail      uint8 = 5 // ICMPV6_POLICY_FAIL
	ICMPv6RejectRoute     uint8 = 6 // ICMPV6_REJECT_ROUTE
)

// ICMPv6 time-exceeded codes.
const (
	ICMPv6HopLimitExceeded  uint8 = 0 // ICMPV6_EXC_HOPLIMIT
	ICMPv6ReassemblyTimeout uint8 = 1 // ICMPV6_EXC_FRAGTIME
)

// ICMPv6 parameter-problem codes.
const (
	ICMPv6ErroneousHeader uint8 = 0 // ICMPV6_HDR_FIELD
	ICMPv6UnknownHeader   uint8 = 1 // ICMPV6_UNK_NEXTHDR
	ICMPv6UnknownOption   uint8 = 2 // ICMPV6_UNK_OPTION
)

// IsICMPv6Error reports whether an ICMPv6 type is an error message (types
// 0-127, RFC 4443 section 2.1).
func IsICMPv6Error(typ uint8) bool { return typ < 128 }

// ICMPv6 is an ICMPv6 message view (RFC 4443):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Type      |     Code      |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Identifier / MTU / Pointer / NA flags / RA fields / unused  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Message body                              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The view spans the whole message. Accessors require
// len >= ICMPv6MinimumSize (IsValid); the NDP accessors in ndp.go require
// the size of their message (see NDPMinimumSize).
type ICMPv6 []byte

// ICMPv6Fields describes the 8-byte ICMPv6 header for Encode.
type ICMPv6Fields struct {
	Type, Code uint8
	Checksum   uint16
	// Rest is the 4-byte word after the checksum: ident<<16|seq for echo,
	// the MTU for packet too big, the pointer for parameter problem, the
	// flags<<24 for a neighbour advertisement.
	Rest uint32
}

// IsValid reports whether b is long enough for the ICMPv6 header.
func (b ICMPv6) IsValid() bool { return len(b) >= ICMPv6MinimumSize }

// Type returns the message type.
func (b ICMPv6) Type() uint8 { return b[0] }

// Code returns the message code.
func (b ICMPv6) Code() uint8 { return b[1] }

// Checksum returns the checksum field.
func (b ICMPv6) Checksum() uint16 { return binary.BigEndian.Uint16(b[2:4]) }

// Rest returns the 32-bit word after the checksum.
func (b ICMPv6) Rest() uint32 { return binary.BigEndian.Uint32(b[4:8]) }

// Ident returns the echo identifier.
func (b ICMPv6) Ident() uint16 { return binary.BigEndian.Uint16(b[4:6]) }

// Sequence returns the echo sequence number.
func (b ICMPv6) Sequence() uint16 { return binary.BigEndian.Uint16(b[6:8]) }

// MTU returns the MTU of a packet-too-big message.
func (b ICMPv6) MTU() uint32 { return b.Rest() }

// Pointer returns the parameter-problem pointer.
func (b ICMPv6) Pointer() uint32 { return b.Rest() }

// Payload returns the bytes after the 8-byte header.
func (b ICMPv6) Payload() []byte { return b[ICMPv6MinimumSize:] }

// SetType sets the type.
func (b ICMPv6) SetType(t uint8) { b[0] = t }

// SetCode sets the code.
func (b ICMPv6) SetCode(c uint8) { b[1] = c }

// SetChecksum sets the checksum field.
func (b ICMPv6) SetChecksum(v uint16) { binary.BigEndian.PutUint16(b[2:4], v) }

// SetRest sets the 32-bit word after the checksum.
func (b ICMPv6) SetRest(v uint32) { binary.BigEndian.PutUint32(b[4:8], v) }

// SetIdent sets the echo identifier.
func (b ICMPv6) SetIdent(id uint16) { binary.BigEndian.PutUint16(b[4:6], id) }

// SetSequence sets the echo sequence number.
func (b ICMPv6) SetSequence(seq uint16) { binary.BigEndian.PutUint16(b[6:8], seq) }

// SetMTU sets the packet-too-big MTU.
func (b ICMPv6) SetMTU(mtu uint32) { b.SetRest(mtu) }

// SetPointer sets the parameter-problem pointer.
func (b ICMPv6) SetPointer(p uint32) { b.SetRest(p) }

// CalculateChecksum returns the checksum field value for the whole message
// carried between src and dst (16-byte addresses), using the IPv6
// pseudo-header; the field's current value is ignored.
func (b ICMPv6) CalculateChecksum(src, dst []byte) uint16 {
	s := PseudoHeaderChecksum(IPProtoICMPv6, src, dst, uint16(len(b)))
	s = Checksum(b[:2], s)
	return ^Checksum(b[4:], s)
}

// CalculateChecksumAddr is CalculateChecksum with netip.Addr addresses.
func (b ICMPv6) CalculateChecksumAddr(src, dst netip.Addr) uint16 {
	s16, d16 := as16(src), as16(dst)
	return b.CalculateChecksum(s16[:], d16[:])
}

// UpdateChecksum computes and stores the checksum.
func (b ICMPv6) UpdateChecksum(src, dst []byte) { b.SetChecksum(b.CalculateChecksum(src, dst)) }

// IsChecksumValid reports whether the checksum is correct for a message
// carried between src and dst.
func (b ICMPv6) IsChecksumValid(src, dst []byte) bool {
	s := PseudoHeaderChecksum(IPProtoICMPv6, src, dst, uint16(len(b)))
	return Checksum(b, s) == 0xffff
}

// Encode writes the 8-byte header.
func (b ICMPv6) Encode(f *ICMPv6Fields) {
	b[0], b[1] = f.Type, f.Code
	b.SetChecksum(f.Checksum)
	b.SetRest(f.Rest)
}

// Fields decodes the 8-byte header.
func (b ICMPv6) Fields() ICMPv6Fields {
	return ICMPv6Fields{Type: b.Type(), Code: b.Code(), Checksum: b.Checksum(), Rest: b.Rest()}
}
