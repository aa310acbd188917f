package header

import (
	"encoding/binary"
	"errors"
)

// Ethertypes (include/uapi/linux/if_ether.h).
const (
	EtherTypeIPv4          uint16 = 0x0800 // ETH_P_IP
	EtherTypeARP           uint16 = 0x0806 // ETH_P_ARP
	EtherTypeVLAN          uint16 = 0x8100 // ETH_P_8021Q
	EtherTypeIPv6          uint16 = 0x86DD // ETH_P_IPV6
	EtherTypeMPLSUnicast   uint16 = 0x8847 // ETH_P_MPLS_UC
	EtherTypeMPLSMulticast uint16 = 0x8848 // ETH_P_MPLS_MC
	EtherTypeQinQ          uint16 = 0x88A8 // ETH_P_8021AD
)

// Ethernet sizes.
const (
	// MACSize is the length of an Ethernet address (ETH_ALEN).
	MACSize = 6
	// EthernetMinimumSize is the size of an Ethernet II header (ETH_HLEN).
	EthernetMinimumSize = 14
	// EthernetMinimumFrameSize is the smallest frame without FCS (ETH_ZLEN).
	EthernetMinimumFrameSize = 60
)

// MAC is an IEEE 802 MAC-48 address.
type MAC [MACSize]byte

// BroadcastMAC is ff:ff:ff:ff:ff:ff.
var BroadcastMAC = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// String formats m the way Linux prints it: lower-case hex, colon separated,
// e.g. "02:00:00:00:01:01".
func (m MAC) String() string {
	const hex = "0123456789abcdef"
	var buf [3*MACSize - 1]byte
	for i, b := range m {
		if i > 0 {
			buf[3*i-1] = ':'
		}
		buf[3*i] = hex[b>>4]
		buf[3*i+1] = hex[b&0xf]
	}
	return string(buf[:])
}

// IsBroadcast reports whether m is ff:ff:ff:ff:ff:ff.
func (m MAC) IsBroadcast() bool { return m == BroadcastMAC }

// IsMulticast reports whether the group bit is set (broadcast included).
func (m MAC) IsMulticast() bool { return m[0]&1 != 0 }

// IsUnicast reports whether m is a non-zero individual address
// (is_valid_ether_addr).
func (m MAC) IsUnicast() bool { return !m.IsMulticast() && !m.IsZero() }

// IsZero reports whether m is 00:00:00:00:00:00.
func (m MAC) IsZero() bool { return m == MAC{} }

// IsLocallyAdministered reports whether the U/L bit is set.
func (m MAC) IsLocallyAdministered() bool { return m[0]&2 != 0 }

// ErrBadMAC is returned by ParseMAC for malformed input.
var ErrBadMAC = errors.New("invalid MAC address")

// ParseMAC parses a MAC-48 address in colon or hyphen separated hex form
// ("02:00:00:00:01:01", "02-00-00-00-01-01"). Each octet is one or two hex
// digits, as iproute2 accepts; case is ignored.
func ParseMAC(s string) (MAC, error) {
	var m MAC
	i := 0
	for n := 0; n < MACSize; n++ {
		if n > 0 {
			if i >= len(s) || (s[i] != ':' && s[i] != '-') {
				return MAC{}, ErrBadMAC
			}
			i++
		}
		var v, digits int
		for digits < 2 && i < len(s) {
			d, ok := hexDigit(s[i])
			if !ok {
				break
			}
			v = v<<4 | int(d)
			i++
			digits++
		}
		if digits == 0 {
			return MAC{}, ErrBadMAC
		}
		m[n] = byte(v)
	}
	if i != len(s) {
		return MAC{}, ErrBadMAC
	}
	return m, nil
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Ethernet is an Ethernet II header view:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Destination MAC address                    |
//	+                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                               |                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//	|                      Source MAC address                       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           EtherType           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Accessors require len >= EthernetMinimumSize (see IsValid).
type Ethernet []byte

// EthernetFields describes an Ethernet II header for Encode.
type EthernetFields struct {
	Dst, Src MAC
	Type     uint16
}

// IsValid reports whether b is long enough to hold an Ethernet header.
func (b Ethernet) IsValid() bool { return len(b) >= EthernetMinimumSize }

// Destination returns the destination address.
func (b Ethernet) Destination() MAC { return MAC(b[0:6]) }

// Source returns the source address.
func (b Ethernet) Source() MAC { return MAC(b[6:12]) }

// Type returns the EtherType field (which is a TPID if the frame is tagged).
func (b Ethernet) Type() uint16 { return binary.BigEndian.Uint16(b[12:14]) }

// SetDestination sets the destination address.
func (b Ethernet) SetDestination(m MAC) { copy(b[0:6], m[:]) }

// SetSource sets the source address.
func (b Ethernet) SetSource(m MAC) { copy(b[6:12], m[:]) }

// SetType sets the EtherType field.
func (b Ethernet) SetType(t uint16) { binary.BigEndian.PutUint16(b[12:14], t) }

// Payload returns the bytes after the 14-byte header.
func (b Ethernet) Payload() []byte { return b[EthernetMinimumSize:] }

// Encode writes all fields of the header.
func (b Ethernet) Encode(f *EthernetFields) {
	b.SetDestination(f.Dst)
	b.SetSource(f.Src)
	b.SetType(f.Type)
}

// Fields decodes the header into an EthernetFields (control paths, tests).
func (b Ethernet) Fields() EthernetFields {
	return EthernetFields{Dst: b.Destination(), Src: b.Source(), Type: b.Type()}
}
