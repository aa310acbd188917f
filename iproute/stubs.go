package iproute

import (
	"net/netip"
	"strconv"
	"strings"
)

// addrFlagFilter is the FLAG-LIST filter of ip addr show (get_filter).
type addrFlagFilter struct {
	set, clear uint32
	primary    int // 1 primary only, -1 secondary only
	active     bool
}

// parse consumes an address flag filter word.
func (f *addrFlagFilter) parse(w string) bool {
	switch w {
	case "primary":
		f.primary = 1
	case "secondary":
		f.primary = -1
	default:
		neg := strings.HasPrefix(w, "-")
		bit, ok := addrFilterBits[strings.TrimPrefix(w, "-")]
		if !ok {
			return false
		}
		if neg {
			f.clear |= bit
		} else {
			f.set |= bit
		}
	}
	f.active = true
	return true
}

var addrFilterBits = map[string]uint32{
	"permanent": 0x80, "dynamic": 0x80 << 16, "tentative": 0x40, "deprecated": 0x20,
	"dadfailed": 0x08, "temporary": 0x01, "home": 0x10, "nodad": 0x02,
	"mngtmpaddr": 0x100, "noprefixroute": 0x200, "autojoin": 0x400, "optimistic": 0x04,
}

// parseScope reads a scope name or number (rtnl_rtscope_a2n).
func parseScope(s string) (int, bool) {
	switch s {
	case "global", "universe":
		return 0, true
	case "site":
		return 200, true
	case "link":
		return 253, true
	case "host":
		return 254, true
	case "nowhere":
		return 255, true
	}
	n, err := strconv.ParseUint(s, 0, 8)
	return int(n), err == nil
}

// parsePrefixArg parses ADDR[/LEN] (get_prefix); a bare address gets its
// full length.
func parsePrefixArg(s, key string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, invarg("invalid \""+key+"\" argument\n", s)
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, invarg("invalid \""+key+"\" argument\n", s)
	}
	return p, nil
}
