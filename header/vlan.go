package header

import "encoding/binary"

// VLAN header constants (include/linux/if_vlan.h).
const (
	// VLANSize is the size of the tag that follows a TPID: TCI and the
	// encapsulated EtherType (VLAN_HLEN).
	VLANSize = 4
	// VLANVIDMask masks the VLAN identifier in a TCI (VLAN_VID_MASK).
	VLANVIDMask = 0x0fff
	// VLANDEIMask is the drop-eligible bit of a TCI (VLAN_CFI_MASK).
	VLANDEIMask = 0x1000
	// VLANPCPShift is the shift of the priority code point (VLAN_PRIO_SHIFT).
	VLANPCPShift = 13
	// MaxVLANTags bounds ParseEthernetTags.
	MaxVLANTags = 2
)

// VLAN is the 802.1Q tag that follows a TPID of 0x8100 or 0x88A8 in an
// Ethernet header; it starts at byte 14 of a tagged frame:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| PCP |D|         VID           |     Encapsulated EtherType    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Accessors require len >= VLANSize.
type VLAN []byte

// VLANFields describes a tag for Encode.
type VLANFields struct {
	PCP  uint8 // 0..7
	DEI  bool
	VID  uint16 // 0..4095
	Type uint16 // encapsulated EtherType
}

// IsValid reports whether b can hold a tag.
func (b VLAN) IsValid() bool { return len(b) >= VLANSize }

// TCI returns the tag control information.
func (b VLAN) TCI() uint16 { return binary.BigEndian.Uint16(b[0:2]) }

// PCP returns the priority code point.
func (b VLAN) PCP() uint8 { return uint8(b.TCI() >> VLANPCPShift) }

// DEI returns the drop-eligible indicator.
func (b VLAN) DEI() bool { return b.TCI()&VLANDEIMask != 0 }

// VID returns the VLAN identifier.
func (b VLAN) VID() uint16 { return b.TCI() & VLANVIDMask }

// Type returns the encapsulated EtherType.
func (b VLAN) Type() uint16 { return binary.BigEndian.Uint16(b[2:4]) }

// SetTCI sets the tag control information.
func (b VLAN) SetTCI(tci uint16) { binary.BigEndian.PutUint16(b[0:2], tci) }

// SetType sets the encapsulated EtherType.
func (b VLAN) SetType(t uint16) { binary.BigEndian.PutUint16(b[2:4], t) }

// Encode writes all fields of the tag.
func (b VLAN) Encode(f *VLANFields) {
	b.SetTCI(MakeTCI(f.PCP, f.DEI, f.VID))
	b.SetType(f.Type)
}

// Fields decodes the tag.
func (b VLAN) Fields() VLANFields {
	return VLANFields{PCP: b.PCP(), DEI: b.DEI(), VID: b.VID(), Type: b.Type()}
}

// MakeTCI assembles a TCI; out-of-range values are masked.
func MakeTCI(pcp uint8, dei bool, vid uint16) uint16 {
	tci := uint16(pcp&7)<<VLANPCPShift | vid&VLANVIDMask
	if dei {
		tci |= VLANDEIMask
	}
	return tci
}

// IsVLANType reports whether t is a VLAN TPID (802.1Q or 802.1ad).
func IsVLANType(t uint16) bool { return t == EtherTypeVLAN || t == EtherTypeQinQ }

// EthernetTags is the result of ParseEthernetTags.
type EthernetTags struct {
	// Type is the EtherType after all VLAN tags.
	Type uint16
	// Offset is the offset of the network header in the frame.
	Offset int
	// N is the number of VLAN tags (at most MaxVLANTags).
	N int
	// TPID and TCI of each tag, outermost first.
	TPID [MaxVLANTags]uint16
	TCI  [MaxVLANTags]uint16
}

// ParseEthernetTags parses the Ethernet header of frame and up to
// MaxVLANTags 802.1Q/802.1ad tags. It returns false if frame is too short
// for its tags or carries more than MaxVLANTags of them; it never panics.
func ParseEthernetTags(frame []byte) (EthernetTags, bool) {
	var t EthernetTags
	if len(frame) < EthernetMinimumSize {
		return t, false
	}
	t.Type = Ethernet(frame).Type()
	t.Offset = EthernetMinimumSize
	for IsVLANType(t.Type) {
		if t.N == MaxVLANTags || len(frame) < t.Offset+VLANSize {
			return t, false
		}
		v := VLAN(frame[t.Offset:])
		t.TPID[t.N], t.TCI[t.N] = t.Type, v.TCI()
		t.Type = v.Type()
		t.N++
		t.Offset += VLANSize
	}
	return t, true
}
