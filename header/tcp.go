package header

import (
	"encoding/binary"
	"net/netip"
)

// TCP sizes.
const (
	// TCPMinimumSize is the size of a header without options.
	TCPMinimumSize = 20
	// TCPMaximumHeaderSize is the size of a header with data offset 15.
	TCPMaximumHeaderSize = 60
	// TCPMaximumOptionsSize is the largest options area.
	TCPMaximumOptionsSize = TCPMaximumHeaderSize - TCPMinimumSize
)

// TCP flags (the byte at offset 13).
const (
	TCPFlagFIN uint8 = 0x01
	TCPFlagSYN uint8 = 0x02
	TCPFlagRST uint8 = 0x04
	TCPFlagPSH uint8 = 0x08
	TCPFlagACK uint8 = 0x10
	TCPFlagURG uint8 = 0x20
	TCPFlagECE uint8 = 0x40
	TCPFlagCWR uint8 = 0x80
)

// TCP is a TCP segment view (RFC 9293):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          Source Port          |       Destination Port        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Sequence Number                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Acknowledgment Number                      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Data |       |C|E|U|A|P|R|S|F|                               |
//	| Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
//	|       |       |R|E|G|K|H|T|N|N|                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           Checksum            |         Urgent Pointer        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           [Options]                           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The view normally spans the segment. Accessors require
// len >= TCPMinimumSize; Options and Payload require IsValid.
type TCP []byte

// TCPFields describes a TCP header for Encode.
type TCPFields struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8
	Window           uint16
	Checksum         uint16
	Urgent           uint16
	// Options are copied after the fixed header and padded with zeros
	// (EOL) to a multiple of 4 bytes; at most TCPMaximumOptionsSize.
	Options []byte
}

// IsValid reports whether b holds a TCP header with a data offset of at
// least 5 words that fits in b. Safe on any slice.
func (b TCP) IsValid() bool {
	if len(b) < TCPMinimumSize {
		return false
	}
	d := b.DataOffset()
	return d >= TCPMinimumSize && d <= len(b)
}

// SourcePort returns the source port.
func (b TCP) SourcePort() uint16 { return binary.BigEndian.Uint16(b[0:2]) }

// DestinationPort returns the destination port.
func (b TCP) DestinationPort() uint16 { return binary.BigEndian.Uint16(b[2:4]) }

// Seq returns the sequence number.
func (b TCP) Seq() uint32 { return binary.BigEndian.Uint32(b[4:8]) }

// Ack returns the acknowledgment number.
func (b TCP) Ack() uint32 { return binary.BigEndian.Uint32(b[8:12]) }

// DataOffset returns the header length in bytes.
func (b TCP) DataOffset() int { return int(b[12]>>4) * 4 }

// Flags returns the flags byte (TCPFlag*).
func (b TCP) Flags() uint8 { return b[13] }

// Window returns the window field.
func (b TCP) Window() uint16 { return binary.BigEndian.Uint16(b[14:16]) }

// Checksum returns the checksum field.
func (b TCP) Checksum() uint16 { return binary.BigEndian.Uint16(b[16:18]) }

// UrgentPointer returns the urgent pointer.
func (b TCP) UrgentPointer() uint16 { return binary.BigEndian.Uint16(b[18:20]) }

// Options returns the options area, b[20:DataOffset].
func (b TCP) Options() []byte { return b[TCPMinimumSize:b.DataOffset()] }

// Payload returns the data after the header.
func (b TCP) Payload() []byte { return b[b.DataOffset():] }

// SetSourcePort sets the source port.
func (b TCP) SetSourcePort(p uint16) { binary.BigEndian.PutUint16(b[0:2], p) }

// SetDestinationPort sets the destination port.
func (b TCP) SetDestinationPort(p uint16) { binary.BigEndian.PutUint16(b[2:4], p) }

// SetSeq sets the sequence number.
func (b TCP) SetSeq(v uint32) { binary.BigEndian.PutUint32(b[4:8], v) }

// SetAck sets the acknowledgment number.
func (b TCP) SetAck(v uint32) { binary.BigEndian.PutUint32(b[8:12], v) }

// SetDataOffset sets the header length in bytes (a multiple of 4); the
// reserved bits are cleared.
func (b TCP) SetDataOffset(n int) { b[12] = uint8(n/4) << 4 }

// SetFlags sets the flags byte.
func (b TCP) SetFlags(f uint8) { b[13] = f }

// SetWindow sets the window field.
func (b TCP) SetWindow(w uint16) { binary.BigEndian.PutUint16(b[14:16], w) }

// SetChecksum sets the checksum field.
func (b TCP) SetChecksum(v uint16) { binary.BigEndian.PutUint16(b[16:18], v) }

// SetUrgentPointer sets the urgent pointer.
func (b TCP) SetUrgentPointer(u uint16) { binary.BigEndian.PutUint16(b[18:20], u) }

// CalculateChecksum returns the checksum field value for the whole of b
// (header and payload) sent from src to dst (4- or 16-byte addresses);
// the field's current value is ignored.
func (b TCP) CalculateChecksum(src, dst []byte) uint16 {
	s := PseudoHeaderChecksum(IPProtoTCP, src, dst, uint16(len(b)))
	s = Checksum(b[:16], s)
	return ^Checksum(b[18:], s)
}

// CalculateChecksumAddr is CalculateChecksum with netip.Addr addresses.
func (b TCP) CalculateChecksumAddr(src, dst netip.Addr) uint16 {
	if src.Is4() {
		s, d := as4(src), as4(dst)
		return b.CalculateChecksum(s[:], d[:])
	}
	s, d := as16(src), as16(dst)
	return b.CalculateChecksum(s[:], d[:])
}

// UpdateChecksum computes and stores the checksum.
func (b TCP) UpdateChecksum(src, dst []byte) { b.SetChecksum(b.CalculateChecksum(src, dst)) }

// IsChecksumValid reports whether the checksum over b is correct.
func (b TCP) IsChecksumValid(src, dst []byte) bool {
	s := PseudoHeaderChecksum(IPProtoTCP, src, dst, uint16(len(b)))
	return Checksum(b, s) == 0xffff
}

// Encode writes the header described by f, options included. b must hold
// TCPEncodedLength(f) bytes.
func (b TCP) Encode(f *TCPFields) {
	opts := f.Options[:min(len(f.Options), TCPMaximumOptionsSize)]
	hlen := TCPMinimumSize + (len(opts)+3)&^3
	b.SetSourcePort(f.SrcPort)
	b.SetDestinationPort(f.DstPort)
	b.SetSeq(f.Seq)
	b.SetAck(f.Ack)
	b.SetDataOffset(hlen)
	b.SetFlags(f.Flags)
	b.SetWindow(f.Window)
	b.SetChecksum(f.Checksum)
	b.SetUrgentPointer(f.Urgent)
	n := copy(b[TCPMinimumSize:hlen], opts)
	clear(b[TCPMinimumSize+n : hlen])
}

// TCPEncodedLength returns the header length Encode writes for f.
func TCPEncodedLength(f *TCPFields) int {
	return TCPMinimumSize + (min(len(f.Options), TCPMaximumOptionsSize)+3)&^3
}

// Fields decodes the header (Options alias b).
func (b TCP) Fields() TCPFields {
	return TCPFields{
		SrcPort: b.SourcePort(), DstPort: b.DestinationPort(),
		Seq: b.Seq(), Ack: b.Ack(), Flags: b.Flags(), Window: b.Window(),
		Checksum: b.Checksum(), Urgent: b.UrgentPointer(), Options: b.Options(),
	}
}
