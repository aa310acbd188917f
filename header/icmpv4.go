package header

import (
	"encoding/binary"
	"net/netip"
)

// ICMPv4MinimumSize is the size of the ICMP header (type, code, checksum
// and the 4-byte rest-of-header).
const ICMPv4MinimumSize = 8

// ICMPv4 types (include/uapi/linux/icmp.h).
const (
	ICMPv4EchoReply      uint8 = 0  // ICMP_ECHOREPLY
	ICMPv4DestUnreach    uint8 = 3  // ICMP_DEST_UNREACH
	ICMPv4SourceQuench   uint8 = 4  // ICMP_SOURCE_QUENCH
	ICMPv4Redirect       uint8 = 5  // ICMP_REDIRECT
	ICMPv4Echo           uint8 = 8  // ICMP_ECHO
	ICMPv4TimeExceeded   uint8 = 11 // ICMP_TIME_EXCEEDED
	ICMPv4ParamProblem   uint8 = 12 // ICMP_PARAMETERPROB
	ICMPv4Timestamp      uint8 = 13 // ICMP_TIMESTAMP
	ICMPv4TimestampReply uint8 = 14 // ICMP_TIMESTAMPREPLY
)

// ICMPv4 destination-unreachable codes.
const (
	ICMPv4NetUnreach      uint8 = 0  // ICMP_NET_UNREACH
	ICMPv4HostUnreach     uint8 = 1  // ICMP_HOST_UNREACH
	ICMPv4ProtoUnreach    uint8 = 2  // ICMP_PROT_UNREACH
	ICMPv4PortUnreach     uint8 = 3  // ICMP_PORT_UNREACH
	ICMPv4FragNeeded      uint8 = 4  // ICMP_FRAG_NEEDED
	ICMPv4SourceRouteFail uint8 = 5  // ICMP_SR_FAILED
	ICMPv4NetUnknown      uint8 = 6  // ICMP_NET_UNKNOWN
	ICMPv4HostUnknown     uint8 = 7  // ICMP_HOST_UNKNOWN
	ICMPv4NetProhibited   uint8 = 9  // ICMP_NET_ANO
	ICMPv4HostProhibited  uint8 = 10 // ICMP_HOST_ANO
	ICMPv4AdminProhibited uint8 = 13 // ICMP_PKT_FILTERED
)

// ICMPv4 redirect codes.
const (
	ICMPv4RedirectNet     uint8 = 0 // ICMP_REDIR_NET
	ICMPv4RedirectHost    uint8 = 1 // ICMP_REDIR_HOST
	ICMPv4RedirectNetTOS  uint8 = 2 // ICMP_REDIR_NETTOS
	ICMPv4RedirectHostTOS uint8 = 3 // ICMP_REDIR_HOSTTOS
)

// ICMPv4 time-exceeded codes.
const (
	ICMPv4TTLExceeded       uint8 = 0 // ICMP_EXC_TTL
	ICMPv4ReassemblyTimeout uint8 = 1 // ICMP_EXC_FRAGTIME
)

// IsICMPError reports whether an ICMPv4 type is an error message
// (icmp_is_err): destination unreachable, source quench, redirect, time
// exceeded and parameter problem.
func IsICMPError(typ uint8) bool {
	switch typ {
	case ICMPv4DestUnreach, ICMPv4SourceQuench, ICMPv4Redirect, ICMPv4TimeExceeded, ICMPv4ParamProblem:
		return true
	}
	return false
}

// ICMPv4 is an ICMPv4 message view (RFC 792):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Type      |     Code      |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Identifier (echo) / Pointer (param) / unused / Gateway    |
//	|     Sequence (echo)   / Next-hop MTU (frag needed)            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Data: echo payload, or the offending IP header + 8 bytes  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The view spans the whole message (the checksum covers all of it).
// Accessors require len >= ICMPv4MinimumSize (IsValid).
type ICMPv4 []byte

// ICMPv4Fields describes an ICMPv4 header for Encode.
type ICMPv4Fields struct {
	Type, Code uint8
	Checksum   uint16
	// Rest is the 4-byte rest-of-header: ident<<16|seq for echo,
	// MTU for frag needed, pointer<<24 for param problem, the gateway
	// address for redirect.
	Rest uint32
}

// IsValid reports whether b is long enough for the ICMP header.
func (b ICMPv4) IsValid() bool { return len(b) >= ICMPv4MinimumSize }

// Type returns the message type.
func (b ICMPv4) Type() uint8 { return b[0] }

// Code returns the message code.
func (b ICMPv4) Code() uint8 { return b[1] }

// Checksum returns the checksum field.
func (b ICMPv4) Checksum() uint16 { return binary.BigEndian.Uint16(b[2:4]) }

// Rest returns the 4-byte rest-of-header as a number.
func (b ICMPv4) Rest() uint32 { return binary.BigEndian.Uint32(b[4:8]) }

// Ident returns the echo identifier.
func (b ICMPv4) Ident() uint16 { return binary.BigEndian.Uint16(b[4:6]) }

// Sequence returns the echo sequence number.
func (b ICMPv4) Sequence() uint16 { return binary.BigEndian.Uint16(b[6:8]) }

// MTU returns the next-hop MTU of a fragmentation-needed message
// (RFC 1191).
func (b ICMPv4) MTU() uint16 { return binary.BigEndian.Uint16(b[6:8]) }

// Pointer returns the parameter-problem pointer.
func (b ICMPv4) Pointer() uint8 { return b[4] }

// Gateway returns the redirect gateway address.
func (b ICMPv4) Gateway() netip.Addr { return netip.AddrFrom4([4]byte(b[4:8])) }

// Payload returns the data after the 8-byte header.
func (b ICMPv4) Payload() []byte { return b[ICMPv4MinimumSize:] }

// SetType sets the type.
func (b ICMPv4) SetType(t uint8) { b[0] = t }

// SetCode sets the code.
func (b ICMPv4) SetCode(c uint8) { b[1] = c }

// SetChecksum sets the checksum field.
func (b ICMPv4) SetChecksum(v uint16) { binary.BigEndian.PutUint16(b[2:4], v) }

// SetRest sets the 4-byte rest-of-header.
func (b ICMPv4) SetRest(v uint32) { binary.BigEndian.PutUint32(b[4:8], v) }

// SetIdent sets the echo identifier.
func (b ICMPv4) SetIdent(id uint16) { binary.BigEndian.PutUint16(b[4:6], id) }

// SetSequence sets the echo sequence number.
func (b ICMPv4) SetSequence(seq uint16) { binary.BigEndian.PutUint16(b[6:8], seq) }

// SetMTU sets the next-hop MTU (and clears the unused half).
func (b ICMPv4) SetMTU(mtu uint16) { b.SetRest(uint32(mtu)) }

// SetPointer sets the parameter-problem pointer (and clears the rest).
func (b ICMPv4) SetPointer(p uint8) { b.SetRest(uint32(p) << 24) }

// SetGateway sets the redirect gateway.
func (b ICMPv4) SetGateway(a netip.Addr) { putAddr4(b[4:8], a) }

// CalculateChecksum returns the checksum field value for the whole message
// (the field's current value is ignored).
func (b ICMPv4) CalculateChecksum() uint16 {
	return ^Checksum(b[4:], Checksum(b[:2], 0))
}

// UpdateChecksum computes and stores the checksum.
func (b ICMPv4) UpdateChecksum() { b.SetChecksum(b.CalculateChecksum()) }

// IsChecksumValid reports whether the checksum over the message is correct.
func (b ICMPv4) IsChecksumValid() bool { return Checksum(b, 0) == 0xffff }

// Encode writes the 8-byte header.
func (b ICMPv4) Encode(f *ICMPv4Fields) {
	b[0], b[1] = f.Type, f.Code
	b.SetChecksum(f.Checksum)
	b.SetRest(f.Rest)
}

// Fields decodes the 8-byte header.
func (b ICMPv4) Fields() ICMPv4Fields {
	return ICMPv4Fields{Type: b.Type(), Code: b.Code(), Checksum: b.Checksum(), Rest: b.Rest()}
}
