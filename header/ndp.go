package header

import (
	"encoding/binary"
	"net/netip"
)

// NDP option types (RFC 4861 section 4.6; include/net/ndisc.h ND_OPT_*).
const (
	NDPOptionSourceLinkAddr   uint8 = 1  // ND_OPT_SOURCE_LL_ADDR
	NDPOptionTargetLinkAddr   uint8 = 2  // ND_OPT_TARGET_LL_ADDR
	NDPOptionPrefixInfo       uint8 = 3  // ND_OPT_PREFIX_INFO
	NDPOptionRedirectedHeader uint8 = 4  // ND_OPT_REDIRECT_HDR
	NDPOptionMTU              uint8 = 5  // ND_OPT_MTU
	NDPOptionRouteInfo        uint8 = 24 // ND_OPT_ROUTE_INFO
	NDPOptionRDNSS            uint8 = 25 // ND_OPT_RDNSS
)

// Neighbour advertisement flags (first byte after the checksum).
const (
	NDPNAFlagRouter    uint8 = 0x80
	NDPNAFlagSolicited uint8 = 0x40
	NDPNAFlagOverride  uint8 = 0x20
)

// Router advertisement flags.
const (
	NDPRAFlagManaged uint8 = 0x80
	NDPRAFlagOther   uint8 = 0x40
)

// Prefix information flags.
const (
	NDPPrefixFlagOnLink     uint8 = 0x80
	NDPPrefixFlagAutonomous uint8 = 0x40
)

// Sizes of NDP message bodies up to their options, and of fixed options.
const (
	NDPRSMinimumSize        = 8
	NDPRAMinimumSize        = 16
	NDPNSMinimumSize        = 24
	NDPNAMinimumSize        = 24
	NDPRedirectMinimumSize  = 40
	NDPLinkLayerOptionSize  = 8
	NDPPrefixInfoOptionSize = 32
	NDPMTUOptionSize        = 8
	ndpOptionUnit           = 8
)

// NDPMinimumSize returns the minimum length of an NDP message of type typ
// (where its options start), or 0 if typ is not an NDP type.
func NDPMinimumSize(typ uint8) int {
	switch typ {
	case ICMPv6RouterSolicit:
		return NDPRSMinimumSize
	case ICMPv6RouterAdvert:
		return NDPRAMinimumSize
	case ICMPv6NeighborSolicit:
		return NDPNSMinimumSize
	case ICMPv6NeighborAdvert:
		return NDPNAMinimumSize
	case ICMPv6Redirect:
		return NDPRedirectMinimumSize
	}
	return 0
}

// IsNDPValid reports whether b is an NDP message long enough for its type.
// Safe on any slice.
func (b ICMPv6) IsNDPValid() bool {
	if len(b) < ICMPv6MinimumSize {
		return false
	}
	n := NDPMinimumSize(b.Type())
	return n != 0 && len(b) >= n
}

// NDPOptions returns the options area of an NDP message, or nil if b is
// not a valid NDP message.
func (b ICMPv6) NDPOptions() []byte {
	if !b.IsNDPValid() {
		return nil
	}
	return b[NDPMinimumSize(b.Type()):]
}

// NDPTargetSlice returns the 16-byte target address of an NS, NA or
// redirect (aliasing b).
func (b ICMPv6) NDPTargetSlice() []byte { return b[8:24] }

// NDPTarget returns the target address of an NS, NA or redirect.
func (b ICMPv6) NDPTarget() netip.Addr { return netip.AddrFrom16([16]byte(b[8:24])) }

// SetNDPTarget sets the target address of an NS, NA or redirect.
func (b ICMPv6) SetNDPTarget(a netip.Addr) { putAddr16(b[8:24], a) }

// RedirectDestination returns the destination address of a redirect.
func (b ICMPv6) RedirectDestination() netip.Addr { return netip.AddrFrom16([16]byte(b[24:40])) }

// SetRedirectDestination sets the destination address of a redirect.
func (b ICMPv6) SetRedirectDestination(a netip.Addr) { putAddr16(b[24:40], a) }

// NAFlags returns the R/S/O flags byte of a neighbour advertisement.
func (b ICMPv6) NAFlags() uint8 { return b[4] }

// NARouter reports the R flag.
func (b ICMPv6) NARouter() bool { return b[4]&NDPNAFlagRouter != 0 }

// NASolicited reports the S flag.
func (b ICMPv6) NASolicited() bool { return b[4]&NDPNAFlagSolicited != 0 }

// NAOverride reports the O flag.
func (b ICMPv6) NAOverride() bool { return b[4]&NDPNAFlagOverride != 0 }

// SetNAFlags sets the flags byte (and clears the reserved bytes).
func (b ICMPv6) SetNAFlags(f uint8) { b.SetRest(uint32(f) << 24) }

// RACurHopLimit returns the router advertisement's current hop limit.
func (b ICMPv6) RACurHopLimit() uint8 { return b[4] }

// RAFlags returns the router advertisement's M/O flags byte.
func (b ICMPv6) RAFlags() uint8 { return b[5] }

// RARouterLifetime returns the router lifetime in seconds.
func (b ICMPv6) RARouterLifetime() uint16 { return binary.BigEndian.Uint16(b[6:8]) }

// RAReachableTime returns the reachable time in milliseconds.
func (b ICMPv6) RAReachableTime() uint32 { return binary.BigEndian.Uint32(b[8:12]) }

// RARetransTimer returns the retransmission timer in milliseconds.
func (b ICMPv6) RARetransTimer() uint32 { return binary.BigEndian.Uint32(b[12:16]) }

// NDPOption is one option returned by NDPOptionIterator.
type NDPOption struct {
	// Type is the option type.
	Type uint8
	// Offset is the offset of the option within the options area.
	Offset int
	// Bytes is the whole option, type and length bytes included (its
	// length is a multiple of 8). It aliases the packet.
	Bytes []byte
}

// Body returns the option after the type and length bytes.
func (o NDPOption) Body() []byte { return o.Bytes[2:] }

// LinkLayerAddress returns the address in a source/target link-layer
// address option for Ethernet; false if the option is of another type.
func (o NDPOption) LinkLayerAddress() (MAC, bool) {
	if (o.Type != NDPOptionSourceLinkAddr && o.Type != NDPOptionTargetLinkAddr) || len(o.Bytes) < 8 {
		return MAC{}, false
	}
	return MAC(o.Bytes[2:8]), true
}

// MTU returns the value of an MTU option; false for another type.
func (o NDPOption) MTU() (uint32, bool) {
	if o.Type != NDPOptionMTU || len(o.Bytes) < NDPMTUOptionSize {
		return 0, false
	}
	return binary.BigEndian.Uint32(o.Bytes[4:8]), true
}

// PrefixInfo returns the option as a prefix-information view; false for
// another type or a short option.
func (o NDPOption) PrefixInfo() (NDPPrefixInfo, bool) {
	if o.Type != NDPOptionPrefixInfo || len(o.Bytes) < NDPPrefixInfoOptionSize {
		return nil, false
	}
	return NDPPrefixInfo(o.Bytes), true
}

// NDPOptionIterator walks NDP options. It stops at the end of the area or at
// a malformed option (length 0 or running past the end, which RFC 4861
// says invalidates the whole message); it never reads out of bounds.
type NDPOptionIterator struct {
	opts      []byte
	off       int
	count     int
	malformed bool
}

// NDPMaxOptions bounds the number of options an iterator returns.
const NDPMaxOptions = 256

// NewNDPOptionIterator returns an iterator over an options area (for
// example ICMPv6.NDPOptions()).
func NewNDPOptionIterator(opts []byte) NDPOptionIterator { return NDPOptionIterator{opts: opts} }

// Next returns the next option, or false at the end or on malformed input.
func (it *NDPOptionIterator) Next() (NDPOption, bool) {
	if it.malformed || it.off >= len(it.opts) {
		return NDPOption{}, false
	}
	off := it.off
	if off+2 > len(it.opts) || it.count == NDPMaxOptions {
		return it.fail()
	}
	l := int(it.opts[off+1]) * ndpOptionUnit
	if l == 0 || off+l > len(it.opts) {
		return it.fail()
	}
	it.off += l
	it.count++
	return NDPOption{Type: it.opts[off], Offset: off, Bytes: it.opts[off : off+l]}, true
}

func (it *NDPOptionIterator) fail() (NDPOption, bool) {
	it.malformed = true
	it.off = len(it.opts)
	return NDPOption{}, false
}

// Malformed reports whether iteration stopped on a malformed option.
func (it *NDPOptionIterator) Malformed() bool { return it.malformed }

// NDPPrefixInfo is a prefix information option view (RFC 4861 4.6.2):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Type      |    Length     | Prefix Length |L|A| Reserved1 |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         Valid Lifetime                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       Preferred Lifetime                      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           Reserved2                           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                          Prefix (16)                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Accessors require len >= NDPPrefixInfoOptionSize.
type NDPPrefixInfo []byte

// PrefixLength returns the prefix length in bits.
func (p NDPPrefixInfo) PrefixLength() uint8 { return p[2] }

// Flags returns the L/A flags byte.
func (p NDPPrefixInfo) Flags() uint8 { return p[3] }

// OnLink reports the L flag.
func (p NDPPrefixInfo) OnLink() bool { return p[3]&NDPPrefixFlagOnLink != 0 }

// Autonomous reports the A flag.
func (p NDPPrefixInfo) Autonomous() bool { return p[3]&NDPPrefixFlagAutonomous != 0 }

// ValidLifetime returns the valid lifetime in seconds.
func (p NDPPrefixInfo) ValidLifetime() uint32 { return binary.BigEndian.Uint32(p[4:8]) }

// PreferredLifetime returns the preferred lifetime in seconds.
func (p NDPPrefixInfo) PreferredLifetime() uint32 { return binary.BigEndian.Uint32(p[8:12]) }

// Prefix returns the prefix (not masked; a prefix length > 128 yields an
// invalid Prefix).
func (p NDPPrefixInfo) Prefix() netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom16([16]byte(p[16:32])), int(p[2]))
}

// PutNDPLinkLayerOption writes a source or target link-layer address option
// for Ethernet into b (which must hold NDPLinkLayerOptionSize bytes) and
// returns its size.
func PutNDPLinkLayerOption(b []byte, typ uint8, mac MAC) int {
	b[0], b[1] = typ, 1
	copy(b[2:8], mac[:])
	return NDPLinkLayerOptionSize
}

// PutNDPMTUOption writes an MTU option into b (NDPMTUOptionSize bytes).
func PutNDPMTUOption(b []byte, mtu uint32) int {
	b[0], b[1], b[2], b[3] = NDPOptionMTU, 1, 0, 0
	binary.BigEndian.PutUint32(b[4:8], mtu)
	return NDPMTUOptionSize
}

// PutNDPPrefixInfoOption writes a prefix-information option into b
// (NDPPrefixInfoOptionSize bytes).
func PutNDPPrefixInfoOption(b []byte, prefix netip.Prefix, flags uint8, valid, preferred uint32) int {
	b[0], b[1], b[2], b[3] = NDPOptionPrefixInfo, 4, uint8(prefix.Bits()), flags
	binary.BigEndian.PutUint32(b[4:8], valid)
	binary.BigEndian.PutUint32(b[8:12], preferred)
	clear(b[12:16])
	putAddr16(b[16:32], prefix.Addr())
	return NDPPrefixInfoOptionSize
}
