package iproute

import (
	"net/netip"
	"strconv"
	"strings"
)

// inetArg is iproute2's inet_prefix as get_addr/get_prefix fill it: an
// address (or the "default" wildcard) with a prefix length.
type inetArg struct {
	family int // FamilyInet/FamilyInet6, FamilyAll for a family-less "default"
	addr   netip.Addr
	bits   int
	// lenGiven is PREFIXLEN_SPECIFIED: a "/N" was written (or "default").
	lenGiven bool
	// any is "default"/"any"/"all": zero bytes of address.
	any bool
}

// prefix returns the argument as a masked-or-not prefix.
func (a inetArg) prefix() netip.Prefix {
	if !a.addr.IsValid() {
		return netip.Prefix{}
	}
	return netip.PrefixFrom(a.addr, a.bits)
}

// familyVerbose is family_name_verbose, used in get_addr/get_prefix errors.
func familyVerbose(f int) string {
	switch f {
	case FamilyInet:
		return "inet"
	case FamilyInet6:
		return "inet6"
	case FamilyMPLS:
		return "mpls"
	case FamilyPacket:
		return "link"
	case FamilyBridge:
		return "bridge"
	}
	return "any valid"
}

// parseIPv4 is get_addr_ipv4: one to four dot-separated numbers in C
// notation (decimal, 0x hex, 0 octal), missing trailing bytes zero
// ("10" is 10.0.0.0).
func parseIPv4(s string) (netip.Addr, bool) {
	var b [4]byte
	for i := 0; i < 4; i++ {
		end := strings.IndexByte(s, '.')
		part := s
		if end >= 0 {
			part = s[:end]
		}
		n, ok := cUint(part)
		if !ok || n > 255 {
			return netip.Addr{}, false
		}
		b[i] = byte(n)
		if end < 0 {
			return netip.AddrFrom4(b), true
		}
		if i == 3 {
			return netip.Addr{}, false
		}
		s = s[end+1:]
	}
	return netip.Addr{}, false
}

// cUint parses an unsigned number as strtoul(s, &end, 0) with the whole
// string consumed: 0x hex, leading-0 octal, decimal.
func cUint(s string) (uint64, bool) {
	base := 10
	switch {
	case len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	if s == "" || s[0] == '+' || s[0] == '-' || strings.Contains(s, "_") {
		return 0, false
	}
	n, err := strconv.ParseUint(s, base, 64)
	return n, err == nil
}

// parseInetAddr is get_addr_1 without the error message: family restricts
// the accepted family (FamilyAll accepts both).
func parseInetAddr(s string, family int) (inetArg, bool) {
	if s == "default" || s == "any" || s == "all" {
		if family == FamilyMPLS {
			return inetArg{}, false
		}
		a := inetArg{family: family, any: true, lenGiven: true}
		switch family {
		case FamilyInet:
			a.addr = netip.IPv4Unspecified()
		case FamilyInet6:
			a.addr = netip.IPv6Unspecified()
		}
		return a, true
	}
	if strings.Contains(s, ":") {
		if family != FamilyAll && family != FamilyInet6 {
			return inetArg{}, false
		}
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return inetArg{}, false
		}
		return inetArg{family: FamilyInet6, addr: a, bits: 128}, true
	}
	if family != FamilyAll && family != FamilyInet {
		return inetArg{}, false
	}
	a, ok := parseIPv4(s)
	if !ok {
		return inetArg{}, false
	}
	return inetArg{family: FamilyInet, addr: a, bits: 32}, true
}

// getAddr is get_addr: an address of family, or iproute2's error (exit 1).
func getAddr(s string, family int) (inetArg, error) {
	a, ok := parseInetAddr(s, family)
	if !ok || a.any && family == FamilyAll {
		if ok && a.any {
			// "default" without a family has no address bytes; get_addr
			// accepts it only where a family is known.
			return a, nil
		}
		return inetArg{}, fail(1, "Error: %s address is expected rather than \"%s\".", familyVerbose(family), s)
	}
	return a, nil
}

// getPrefix is get_prefix: ADDR[/LEN] of family, or iproute2's error.
func getPrefix(s string, family int) (inetArg, error) {
	a, ok := parsePrefixWord(s, family)
	if !ok {
		return inetArg{}, fail(1, "Error: %s prefix is expected rather than \"%s\".", familyVerbose(family), s)
	}
	return a, nil
}

func parsePrefixWord(s string, family int) (inetArg, bool) {
	if s == "default" || s == "any" || s == "all" {
		return parseInetAddr(s, family)
	}
	addr, plen, hasLen := strings.Cut(s, "/")
	a, ok := parseInetAddr(addr, family)
	if !ok || a.any {
		return inetArg{}, false
	}
	if hasLen {
		n, ok := cUint(plen)
		if !ok || int(n) > a.addr.BitLen() {
			return inetArg{}, false
		}
		a.bits = int(n)
		a.lenGiven = true
	}
	return a, true
}

// inetFamilyName is family_name for the address listings.
func inetFamilyName(f int) string {
	if f == FamilyInet6 {
		return "inet6"
	}
	return "inet"
}

var (
	netipV4Zero = netip.IPv4Unspecified()
	netipV6Zero = netip.IPv6Unspecified()
)

// prefixFrom builds a prefix without masking (the kernel checks host
// bits itself).
func prefixFrom(a netip.Addr, bits int) netip.Prefix { return netip.PrefixFrom(a, bits) }
