package header

import "net/netip"

// Well-known IPv6 multicast addresses.
var (
	// IPv6AllNodes is ff02::1.
	IPv6AllNodes = netip.AddrFrom16([16]byte{0: 0xff, 1: 0x02, 15: 0x01})
	// IPv6AllRouters is ff02::2.
	IPv6AllRouters = netip.AddrFrom16([16]byte{0: 0xff, 1: 0x02, 15: 0x02})
)

// SolicitedNodeAddr returns the solicited-node multicast address of a
// (ff02::1:ffXX:XXXX with the low 24 bits of a; RFC 4291 2.7.1,
// addrconf_addr_solict_mult).
func SolicitedNodeAddr(a netip.Addr) netip.Addr {
	s := as16(a)
	return netip.AddrFrom16([16]byte{
		0: 0xff, 1: 0x02, 11: 0x01, 12: 0xff, 13: s[13], 14: s[14], 15: s[15],
	})
}

// IsSolicitedNodeAddr reports whether a is a solicited-node multicast
// address.
func IsSolicitedNodeAddr(a netip.Addr) bool {
	if !a.Is6() {
		return false
	}
	s := a.As16()
	p := [13]byte{0: 0xff, 1: 0x02, 11: 0x01, 12: 0xff}
	return [13]byte(s[:13]) == p
}

// IPv6MulticastMAC returns the Ethernet address an IPv6 multicast address
// maps to: 33:33 followed by its low 32 bits (RFC 2464 section 7,
// ipv6_eth_mc_map).
func IPv6MulticastMAC(a netip.Addr) MAC {
	s := as16(a)
	return MAC{0x33, 0x33, s[12], s[13], s[14], s[15]}
}

// IPv4MulticastMAC returns the Ethernet address an IPv4 multicast address
// maps to: 01:00:5e followed by its low 23 bits (RFC 1112 section 6.4,
// ip_eth_mc_map).
func IPv4MulticastMAC(a netip.Addr) MAC {
	s := as4(a)
	return MAC{0x01, 0x00, 0x5e, s[1] & 0x7f, s[2], s[3]}
}

// as4 returns the 4 bytes of an IPv4 (or IPv4-mapped) address, zeros for
// anything else; unlike netip.Addr.As4 it never panics.
func as4(a netip.Addr) [4]byte {
	a = a.Unmap()
	if a.Is4() {
		return a.As4()
	}
	return [4]byte{}
}

// as16 returns the 16 bytes of a, zeros for the zero Addr.
func as16(a netip.Addr) [16]byte {
	if a.IsValid() {
		return a.As16()
	}
	return [16]byte{}
}
