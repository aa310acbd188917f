package header

// DontFragment reports whether DF is set.
func (b IPv4) DontFragment() bool { return b.FlagsFragOff()&IPv4FlagDF != 0 }

// MoreFragments reports whether MF is set.
func (b IPv4) MoreFragments() bool { return b.FlagsFragOff()&IPv4FlagMF != 0 }

// FragmentOffset returns the fragment offset in bytes.
func (b IPv4) FragmentOffset() uint16 { return (b.FlagsFragOff() & IPv4FragOffsetMask) * 8 }

// IsFragment reports whether the packet is a fragment: MF set or a non-zero
// offset (ip_is_fragment).
func (b IPv4) IsFragment() bool { return b.FlagsFragOff()&(IPv4FlagMF|IPv4FragOffsetMask) != 0 }

// IsFirstFragment reports whether the packet is the first fragment of a
// fragmented datagram (MF set and offset 0).
func (b IPv4) IsFirstFragment() bool {
	return b.FlagsFragOff()&(IPv4FlagMF|IPv4FragOffsetMask) == IPv4FlagMF
}

// SetDontFragment sets or clears DF, leaving the other bits alone (the
// checksum is not updated).
func (b IPv4) SetDontFragment(df bool) {
	v := b.FlagsFragOff() &^ IPv4FlagDF
	if df {
		v |= IPv4FlagDF
	}
	b.SetFlagsFragOff(v)
}

// SetFragment sets MF and the offset (in bytes, rounded down to a multiple
// of 8), keeping DF and the reserved bit (the checksum is not updated).
func (b IPv4) SetFragment(more bool, offsetBytes uint16) {
	v := b.FlagsFragOff()&(IPv4FlagDF|IPv4FlagReserved) | (offsetBytes/8)&IPv4FragOffsetMask
	if more {
		v |= IPv4FlagMF
	}
	b.SetFlagsFragOff(v)
}
