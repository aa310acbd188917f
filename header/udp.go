package header

import (
	"encoding/binary"
	"net/netip"
)

// UDPMinimumSize is the size of a UDP header.
const UDPMinimumSize = 8

// UDP is a UDP datagram view (RFC 768):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          Source Port          |       Destination Port        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|            Length             |           Checksum            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The view normally spans the datagram (header and payload). Accessors
// require len >= UDPMinimumSize; Payload requires IsValid.
type UDP []byte

// UDPFields describes a UDP header for Encode.
type UDPFields struct {
	SrcPort, DstPort uint16
	Length           uint16
	Checksum         uint16
}

// IsValid reports whether b holds a UDP header whose length field is at
// least 8 and fits in b. Safe on any slice.
func (b UDP) IsValid() bool {
	if len(b) < UDPMinimumSize {
		return false
	}
	l := int(b.Length())
	return l >= UDPMinimumSize && l <= len(b)
}

// SourcePort returns the source port.
func (b UDP) SourcePort() uint16 { return binary.BigEndian.Uint16(b[0:2]) }

// DestinationPort returns the destination port.
func (b UDP) DestinationPort() uint16 { return binary.BigEndian.Uint16(b[2:4]) }

// Length returns the length field (header and payload).
func (b UDP) Length() uint16 { return binary.BigEndian.Uint16(b[4:6]) }

// Checksum returns the checksum field (0 means none, IPv4 only).
func (b UDP) Checksum() uint16 { return binary.BigEndian.Uint16(b[6:8]) }

// Payload returns b[8:Length].
func (b UDP) Payload() []byte { return b[UDPMinimumSize:b.Length()] }

// SetSourcePort sets the source port.
func (b UDP) SetSourcePort(p uint16) { binary.BigEndian.PutUint16(b[0:2], p) }

// SetDestinationPort sets the destination port.
func (b UDP) SetDestinationPort(p uint16) { binary.BigEndian.PutUint16(b[2:4], p) }

// SetLength sets the length field.
func (b UDP) SetLength(l uint16) { binary.BigEndian.PutUint16(b[4:6], l) }

// SetChecksum sets the checksum field.
func (b UDP) SetChecksum(v uint16) { binary.BigEndian.PutUint16(b[6:8], v) }

// CalculateChecksum returns the checksum field value for the whole of b
// (header and payload, len(b) bytes) sent from src to dst (4- or 16-byte
// addresses); the field's current value is ignored. A computed 0 is
// returned as 0xffff (RFC 768).
func (b UDP) CalculateChecksum(src, dst []byte) uint16 {
	s := PseudoHeaderChecksum(IPProtoUDP, src, dst, uint16(len(b)))
	s = Checksum(b[:6], s)
	c := ^Checksum(b[8:], s)
	if c == 0 {
		return 0xffff
	}
	return c
}

// CalculateChecksumAddr is CalculateChecksum with netip.Addr addresses.
func (b UDP) CalculateChecksumAddr(src, dst netip.Addr) uint16 {
	if src.Is4() {
		s, d := as4(src), as4(dst)
		return b.CalculateChecksum(s[:], d[:])
	}
	s, d := as16(src), as16(dst)
	return b.CalculateChecksum(s[:], d[:])
}

// UpdateChecksum computes and stores the checksum.
func (b UDP) UpdateChecksum(src, dst []byte) { b.SetChecksum(b.CalculateChecksum(src, dst)) }

// IsChecksumValid reports whether the checksum over b is correct for src
// and dst. A zero checksum field ("no checksum", allowed for IPv4) is not
// treated specially: callers check for it first.
func (b UDP) IsChecksumValid(src, dst []byte) bool {
	s := PseudoHeaderChecksum(IPProtoUDP, src, dst, uint16(len(b)))
	return Checksum(b, s) == 0xffff
}

// Encode writes the header.
func (b UDP) Encode(f *UDPFields) {
	b.SetSourcePort(f.SrcPort)
	b.SetDestinationPort(f.DstPort)
	b.SetLength(f.Length)
	b.SetChecksum(f.Checksum)
}

// Fields decodes the header.
func (b UDP) Fields() UDPFields {
	return UDPFields{SrcPort: b.SourcePort(), DstPort: b.DestinationPort(), Length: b.Length(), Checksum: b.Checksum()}
}
