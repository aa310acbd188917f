package header

import "encoding/binary"

// IPsec header sizes (include/uapi/linux/ip.h: ip_esp_hdr, ip_auth_hdr,
// ip_comp_hdr).
const (
	// ESPMinimumSize is the ESP header: SPI and sequence number.
	ESPMinimumSize = 8
	// ESPTrailerSize is the pad-length and next-header bytes.
	ESPTrailerSize = 2
	// AHMinimumSize is the AH header without ICV.
	AHMinimumSize = 12
	// IPCompSize is the IPComp header.
	IPCompSize = 4
)

// ESP is an ESP header view (RFC 4303); the IV and payload follow it:
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|               Security Parameters Index (SPI)                 |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                      Sequence Number                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Accessors require len >= ESPMinimumSize.
type ESP []byte

// IsValid reports whether b can hold an ESP header.
func (b ESP) IsValid() bool { return len(b) >= ESPMinimumSize }

// SPI returns the security parameters index.
func (b ESP) SPI() uint32 { return binary.BigEndian.Uint32(b[0:4]) }

// Seq returns the (low 32 bits of the) sequence number.
func (b ESP) Seq() uint32 { return binary.BigEndian.Uint32(b[4:8]) }

// SetSPI sets the SPI.
func (b ESP) SetSPI(spi uint32) { binary.BigEndian.PutUint32(b[0:4], spi) }

// SetSeq sets the sequence number.
func (b ESP) SetSeq(seq uint32) { binary.BigEndian.PutUint32(b[4:8], seq) }

// AH is an authentication header view (RFC 4302):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| Next Header   |  Payload Len  |          RESERVED             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Security Parameters Index (SPI)               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Sequence Number Field                      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                Integrity Check Value-ICV (variable)           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Accessors require IsValid.
type AH []byte

// IsValid reports whether b holds an AH header whose length fits in b.
// Safe on any slice.
func (b AH) IsValid() bool {
	return len(b) >= AHMinimumSize && b.HeaderLength() >= AHMinimumSize && b.HeaderLength() <= len(b)
}

// NextHeader returns the next header field.
func (b AH) NextHeader() uint8 { return b[0] }

// HeaderLength returns the header length in bytes, ICV included
// ((payload len + 2) * 4).
func (b AH) HeaderLength() int { return (int(b[1]) + 2) * 4 }

// SPI returns the security parameters index.
func (b AH) SPI() uint32 { return binary.BigEndian.Uint32(b[4:8]) }

// Seq returns the (low 32 bits of the) sequence number.
func (b AH) Seq() uint32 { return binary.BigEndian.Uint32(b[8:12]) }

// ICV returns the integrity check value.
func (b AH) ICV() []byte { return b[AHMinimumSize:b.HeaderLength()] }

// Payload returns the bytes after the header.
func (b AH) Payload() []byte { return b[b.HeaderLength():] }

// SetNextHeader sets the next header field.
func (b AH) SetNextHeader(nh uint8) { b[0] = nh }

// SetHeaderLength sets the payload-length field from a header length in
// bytes (a multiple of 4, >= 12) and clears the reserved field.
func (b AH) SetHeaderLength(n int) { b[1], b[2], b[3] = uint8(n/4-2), 0, 0 }

// SetSPI sets the SPI.
func (b AH) SetSPI(spi uint32) { binary.BigEndian.PutUint32(b[4:8], spi) }

// SetSeq sets the sequence number.
func (b AH) SetSeq(seq uint32) { binary.BigEndian.PutUint32(b[8:12], seq) }

// IPComp is an IPComp header view (RFC 3173):
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| Next Header   |     Flags     | Compression Parameter Index   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Accessors require len >= IPCompSize.
type IPComp []byte

// IsValid reports whether b can hold an IPComp header.
func (b IPComp) IsValid() bool { return len(b) >= IPCompSize }

// NextHeader returns the next header field.
func (b IPComp) NextHeader() uint8 { return b[0] }

// Flags returns the flags field.
func (b IPComp) Flags() uint8 { return b[1] }

// CPI returns the compression parameter index.
func (b IPComp) CPI() uint16 { return binary.BigEndian.Uint16(b[2:4]) }

// Encode writes the header with zero flags.
func (b IPComp) Encode(nextHeader uint8, cpi uint16) {
	b[0], b[1] = nextHeader, 0
	binary.BigEndian.PutUint16(b[2:4], cpi)
}
