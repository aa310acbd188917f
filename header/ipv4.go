package header

import (
	"encoding/binary"
	"net/netip"
)

// IPv4 sizes and limits (include/uapi/linux/ip.h).
const (
	// IPv4MinimumSize is the size of a header without options.
	IPv4MinimumSize = 20
	// IPv4MaximumHeaderSize is the size of a header with IHL 15.
	IPv4MaximumHeaderSize = 60
	// IPv4MaximumOptionsSize is the largest options area.
	IPv4MaximumOptionsSize = IPv4MaximumHeaderSize - IPv4MinimumSize
	// IPv4AddressSize is the size of an IPv4 address.
	IPv4AddressSize = 4
	// IPv4Version is the value of the version field.
	IPv4Version = 4
	// IPv4MaximumTotalLength is the largest total length.
	IPv4MaximumTotalLength = 0xffff
	// IPv4DefaultTTL is Linux's default (sysctl ip_default_ttl).
	IPv4DefaultTTL = 64
)

// Bits of the 16-bit flags+fragment-offset field (include/net/ip.h).
const (
	IPv4FlagReserved   uint16 = 0x8000 // IP_CE, the "evil bit"
	IPv4FlagDF         uint16 = 0x4000 // IP_DF
	IPv4FlagMF         uint16 = 0x2000 // IP_MF
	IPv4FragOffsetMask uint16 = 0x1fff // IP_OFFSET, in 8-byte units
)

// IPv4 is an IPv4 header view (RFC 791):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version|  IHL  |    DSCP   |ECN|          Total Length         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|         Identification        |R|D|M|     Fragment Offset     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Time to Live |    Protocol   |         Header Checksum       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       Source Address                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Destination Address                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Options                    |    Padding    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The view usually spans the whole packet. Accessors assume Check/IsValid
// succeeded (or, for the fixed fields, len >= IPv4MinimumSize).
type IPv4 []byte

// IPv4Fields describes an IPv4 header for Encode.
type IPv4Fields struct {
	TOS         uint8
	TotalLength uint16
	ID          uint16
	// Flags holds IPv4FlagDF/IPv4FlagMF/IPv4FlagReserved bits.
	Flags uint16
	// FragmentOffset is in bytes; it must be a multiple of 8.
	FragmentOffset uint16
	TTL            uint8
	Protocol       uint8
	Checksum       uint16
	Src, Dst       netip.Addr
	// Options are copied after the fixed header and padded with EOL (zero)
	// to a multiple of 4 bytes; at most IPv4MaximumOptionsSize.
	Options []byte
}

// IPv4Error says why an IPv4 header is invalid.
type IPv4Error uint8

// IPv4 validation outcomes, as ip_rcv_core classifies them.
const (
	IPv4OK             IPv4Error = iota
	IPv4ErrTooShort              // fewer than 20 bytes, or fewer than IHL*4
	IPv4ErrVersion               // version is not 4
	IPv4ErrIHL                   // IHL < 5
	IPv4ErrTotalLength           // total length < IHL*4
	IPv4ErrTruncated             // total length > packet length
)

var ipv4ErrNames = [...]string{"ok", "too short", "bad version", "bad IHL", "bad total length", "truncated"}

// String returns a short description.
func (e IPv4Error) String() string {
	if int(e) < len(ipv4ErrNames) {
		return ipv4ErrNames[e]
	}
	return "unknown"
}

// Check validates the header against a packet of pktLen bytes (normally
// len(b)); pktLen larger than len(b) is treated as len(b). Safe on any slice.
// The checksum is not verified (see IsChecksumValid).
func (b IPv4) Check(pktLen int) IPv4Error {
	pktLen = min(pktLen, len(b))
	if pktLen < IPv4MinimumSize {
		return IPv4ErrTooShort
	}
	if b.Version() != IPv4Version {
		return IPv4ErrVersion
	}
	hlen := b.HeaderLength()
	if hlen < IPv4MinimumSize {
		return IPv4ErrIHL
	}
	if hlen > pktLen {
		return IPv4ErrTooShort
	}
	tlen := int(b.TotalLength())
	if tlen < hlen {
		return IPv4ErrTotalLength
	}
	if tlen > pktLen {
		return IPv4ErrTruncated
	}
	return IPv4OK
}

// IsValid reports whether Check(pktLen) == IPv4OK: version 4, IHL >= 5,
// IHL*4 <= total length <= min(pktLen, len(b)).
func (b IPv4) IsValid(pktLen int) bool { return b.Check(pktLen) == IPv4OK }

// Version returns the version field.
func (b IPv4) Version() uint8 { return b[0] >> 4 }

// IHL returns the header length in 32-bit words.
func (b IPv4) IHL() uint8 { return b[0] & 0xf }

// HeaderLength returns the header length in bytes (IHL*4).
func (b IPv4) HeaderLength() int { return int(b[0]&0xf) * 4 }

// TOS returns the type-of-service byte (DSCP and ECN).
func (b IPv4) TOS() uint8 { return b[1] }

// DSCP returns the differentiated services code point (TOS >> 2).
func (b IPv4) DSCP() uint8 { return b[1] >> 2 }

// ECN returns the ECN codepoint (TOS & 3).
func (b IPv4) ECN() uint8 { return b[1] & ECNMask }

// TotalLength returns the total length field.
func (b IPv4) TotalLength() uint16 { return binary.BigEndian.Uint16(b[2:4]) }

// ID returns the identification field.
func (b IPv4) ID() uint16 { return binary.BigEndian.Uint16(b[4:6]) }

// FlagsFragOff returns the raw flags+fragment-offset field (frag_off).
func (b IPv4) FlagsFragOff() uint16 { return binary.BigEndian.Uint16(b[6:8]) }

// TTL returns the time-to-live field.
func (b IPv4) TTL() uint8 { return b[8] }

// Protocol returns the protocol field.
func (b IPv4) Protocol() uint8 { return b[9] }

// Checksum returns the header checksum field.
func (b IPv4) Checksum() uint16 { return binary.BigEndian.Uint16(b[10:12]) }

// SourceSlice returns the 4 source address bytes (aliasing b).
func (b IPv4) SourceSlice() []byte { return b[12:16] }

// DestinationSlice returns the 4 destination address bytes (aliasing b).
func (b IPv4) DestinationSlice() []byte { return b[16:20] }

// Source returns the source address.
func (b IPv4) Source() netip.Addr { return netip.AddrFrom4([4]byte(b[12:16])) }

// Destination returns the destination address.
func (b IPv4) Destination() netip.Addr { return netip.AddrFrom4([4]byte(b[16:20])) }

// Options returns the options area, b[20:IHL*4].
func (b IPv4) Options() []byte { return b[IPv4MinimumSize:b.HeaderLength()] }

// Header returns b[:IHL*4].
func (b IPv4) Header() []byte { return b[:b.HeaderLength()] }

// Payload returns b[IHL*4:TotalLength], clamped to len(b).
func (b IPv4) Payload() []byte {
	end := min(int(b.TotalLength()), len(b))
	start := min(b.HeaderLength(), end)
	return b[start:end]
}

// SetHeaderLength sets version 4 and the header length in bytes (rounded
// down to a multiple of 4).
func (b IPv4) SetHeaderLength(hlen int) { b[0] = IPv4Version<<4 | uint8(hlen/4)&0xf }

// SetTOS sets the TOS byte.
func (b IPv4) SetTOS(tos uint8) { b[1] = tos }

// SetTotalLength sets the total length field.
func (b IPv4) SetTotalLength(l uint16) { binary.BigEndian.PutUint16(b[2:4], l) }

// SetID sets the identification field.
func (b IPv4) SetID(id uint16) { binary.BigEndian.PutUint16(b[4:6], id) }

// SetFlagsFragOff sets the raw flags+fragment-offset field.
func (b IPv4) SetFlagsFragOff(v uint16) { binary.BigEndian.PutUint16(b[6:8], v) }

// SetTTL sets the TTL without updating the checksum.
func (b IPv4) SetTTL(ttl uint8) { b[8] = ttl }

// SetProtocol sets the protocol field.
func (b IPv4) SetProtocol(p uint8) { b[9] = p }

// SetChecksum sets the checksum field to v.
func (b IPv4) SetChecksum(v uint16) { binary.BigEndian.PutUint16(b[10:12], v) }

// SetSource sets the source address; a non-IPv4 address writes 0.0.0.0.
func (b IPv4) SetSource(a netip.Addr) { putAddr4(b[12:16], a) }

// SetDestination sets the destination address; non-IPv4 writes 0.0.0.0.
func (b IPv4) SetDestination(a netip.Addr) { putAddr4(b[16:20], a) }

// CalculateChecksum returns the value the checksum field should hold for
// the current header bytes (the field's own value is ignored).
func (b IPv4) CalculateChecksum() uint16 {
	h := b.Header()
	s := Checksum(h[:10], 0)
	return ^Checksum(h[12:], s)
}

// UpdateChecksum recomputes and stores the header checksum (ip_send_check).
func (b IPv4) UpdateChecksum() { b.SetChecksum(b.CalculateChecksum()) }

// IsChecksumValid reports whether the header checksum is correct.
func (b IPv4) IsChecksumValid() bool { return Checksum(b.Header(), 0) == 0xffff }

// DecTTL decrements the TTL and updates the checksum incrementally, like
// ip_decrease_ttl. The caller checks TTL > 1 first.
func (b IPv4) DecTTL() {
	b.SetTTLUpdateChecksum(b[8] - 1)
}

// SetTTLUpdateChecksum sets the TTL and incrementally updates the checksum.
func (b IPv4) SetTTLUpdateChecksum(ttl uint8) {
	old := binary.BigEndian.Uint16(b[8:10])
	b[8] = ttl
	b.SetChecksum(ChecksumUpdate16(b.Checksum(), old, binary.BigEndian.Uint16(b[8:10])))
}

// SetTOSUpdateChecksum sets the TOS byte and incrementally updates the
// checksum (ipv4_change_dsfield, IP_ECN_set_ce).
func (b IPv4) SetTOSUpdateChecksum(tos uint8) {
	old := binary.BigEndian.Uint16(b[0:2])
	b[1] = tos
	b.SetChecksum(ChecksumUpdate16(b.Checksum(), old, binary.BigEndian.Uint16(b[0:2])))
}

// SetECNCE sets the ECN field to CE if the packet is ECN-capable and updates
// the checksum; it reports whether the packet is now marked CE
// (IP_ECN_set_ce).
func (b IPv4) SetECNCE() bool {
	switch b.ECN() {
	case ECNNotECT:
		return false
	case ECNCE:
		return true
	}
	b.SetTOSUpdateChecksum(b[1] | ECNCE)
	return true
}

// Encode writes the header described by f, including options, IHL and the
// checksum field exactly as given in f.Checksum (call UpdateChecksum after
// to compute it). b must hold IPv4MinimumSize + padded len(f.Options).
func (b IPv4) Encode(f *IPv4Fields) {
	opts := f.Options
	if len(opts) > IPv4MaximumOptionsSize {
		opts = opts[:IPv4MaximumOptionsSize]
	}
	hlen := IPv4MinimumSize + (len(opts)+3)&^3
	b.SetHeaderLength(hlen)
	b.SetTOS(f.TOS)
	b.SetTotalLength(f.TotalLength)
	b.SetID(f.ID)
	b.SetFlagsFragOff(f.Flags&^IPv4FragOffsetMask | (f.FragmentOffset/8)&IPv4FragOffsetMask)
	b.SetTTL(f.TTL)
	b.SetProtocol(f.Protocol)
	b.SetChecksum(f.Checksum)
	b.SetSource(f.Src)
	b.SetDestination(f.Dst)
	n := copy(b[IPv4MinimumSize:hlen], opts)
	clear(b[IPv4MinimumSize+n : hlen])
}

// Fields decodes the header (control paths and tests). Options alias b.
func (b IPv4) Fields() IPv4Fields {
	return IPv4Fields{
		TOS:            b.TOS(),
		TotalLength:    b.TotalLength(),
		ID:             b.ID(),
		Flags:          b.FlagsFragOff() &^ IPv4FragOffsetMask,
		FragmentOffset: b.FragmentOffset(),
		TTL:            b.TTL(),
		Protocol:       b.Protocol(),
		Checksum:       b.Checksum(),
		Src:            b.Source(),
		Dst:            b.Destination(),
		Options:        b.Options(),
	}
}

// IPv4EncodedLength returns the header length Encode writes for f.
func IPv4EncodedLength(f *IPv4Fields) int {
	return IPv4MinimumSize + (min(len(f.Options), IPv4MaximumOptionsSize)+3)&^3
}
