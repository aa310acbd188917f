package header

import "encoding/binary"

// MPLS label stack entry layout (include/uapi/linux/mpls.h).
const (
	// MPLSEntrySize is the size of one label stack entry.
	MPLSEntrySize = 4
	// MPLSLabelMax is the largest label value (20 bits).
	MPLSLabelMax = 1<<20 - 1
	// MPLSMaxDepth bounds the stack walk (Linux's MAX_NEW_LABELS is 30).
	MPLSMaxDepth = 32
)

// Reserved MPLS labels (RFC 3032, RFC 7274).
const (
	MPLSLabelIPv4Null     uint32 = 0
	MPLSLabelRouterAlert  uint32 = 1
	MPLSLabelIPv6Null     uint32 = 2
	MPLSLabelImplicitNull uint32 = 3
	MPLSLabelEntropy      uint32 = 7
	MPLSLabelGAL          uint32 = 13
	MPLSLabelOAMAlert     uint32 = 14
	MPLSLabelExtension    uint32 = 15
)

// MPLS is one label stack entry (RFC 3032):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                Label                  | TC  |S|      TTL      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Accessors require len >= MPLSEntrySize.
type MPLS []byte

// MPLSFields describes a label stack entry for Encode.
type MPLSFields struct {
	Label         uint32 // 20 bits
	TC            uint8  // 3 bits
	BottomOfStack bool
	TTL           uint8
}

// IsValid reports whether b can hold an entry.
func (b MPLS) IsValid() bool { return len(b) >= MPLSEntrySize }

// Entry returns the raw 32-bit entry.
func (b MPLS) Entry() uint32 { return binary.BigEndian.Uint32(b[0:4]) }

// Label returns the 20-bit label.
func (b MPLS) Label() uint32 { return b.Entry() >> 12 }

// TC returns the traffic class.
func (b MPLS) TC() uint8 { return uint8(b.Entry()>>9) & 7 }

// BottomOfStack reports the S bit.
func (b MPLS) BottomOfStack() bool { return b[2]&1 != 0 }

// TTL returns the TTL.
func (b MPLS) TTL() uint8 { return b[3] }

// SetEntry sets the raw 32-bit entry.
func (b MPLS) SetEntry(v uint32) { binary.BigEndian.PutUint32(b[0:4], v) }

// SetTTL sets the TTL.
func (b MPLS) SetTTL(ttl uint8) { b[3] = ttl }

// Encode writes the entry.
func (b MPLS) Encode(f *MPLSFields) { b.SetEntry(MPLSEntry(f.Label, f.TC, f.BottomOfStack, f.TTL)) }

// Fields decodes the entry.
func (b MPLS) Fields() MPLSFields {
	return MPLSFields{Label: b.Label(), TC: b.TC(), BottomOfStack: b.BottomOfStack(), TTL: b.TTL()}
}

// MPLSEntry assembles a raw entry; out-of-range label and tc are masked.
func MPLSEntry(label uint32, tc uint8, bos bool, ttl uint8) uint32 {
	v := (label&MPLSLabelMax)<<12 | uint32(tc&7)<<9 | uint32(ttl)
	if bos {
		v |= 1 << 8
	}
	return v
}

// MPLSStackDepth returns the number of entries in the label stack at the
// start of b, up to and including the first entry with the S bit. It
// returns false if b ends before the bottom of the stack or the stack is
// deeper than maxDepth (capped at MPLSMaxDepth). Safe on any slice; the
// payload starts at b[n*MPLSEntrySize:].
func MPLSStackDepth(b []byte, maxDepth int) (n int, ok bool) {
	maxDepth = min(maxDepth, MPLSMaxDepth)
	for n < maxDepth {
		off := n * MPLSEntrySize
		if off+MPLSEntrySize > len(b) {
			return n, false
		}
		n++
		if b[off+2]&1 != 0 {
			return n, true
		}
	}
	return n, false
}
