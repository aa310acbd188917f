package inet

import (
	"fmt"
	"strconv"
)

// Address families as the API takes them.
const (
	FamilyAll = 0 // both families
	FamilyV4  = 4 // AF_INET
	FamilyV6  = 6 // AF_INET6
)

// Scope is an address or route scope (enum rt_scope_t).
type Scope uint8

// Scopes.
const (
	ScopeUniverse Scope = 0
	ScopeSite     Scope = 200
	ScopeLink     Scope = 253
	ScopeHost     Scope = 254
	ScopeNowhere  Scope = 255
)

// String returns iproute2's name ("global", "link", "host"…) or the number.
func (s Scope) String() string {
	switch s {
	case ScopeUniverse:
		return "global"
	case ScopeSite:
		return "site"
	case ScopeLink:
		return "link"
	case ScopeHost:
		return "host"
	case ScopeNowhere:
		return "nowhere"
	}
	return strconv.Itoa(int(s))
}

// ParseScope parses a scope name or number as iproute2's rtnl_rtscope_a2n.
func ParseScope(s string) (Scope, error) {
	switch s {
	case "global", "universe":
		return ScopeUniverse, nil
	case "site":
		return ScopeSite, nil
	case "link":
		return ScopeLink, nil
	case "host":
		return ScopeHost, nil
	case "nowhere":
		return ScopeNowhere, nil
	}
	n, err := strconv.ParseUint(s, 0, 8)
	if err != nil {
		return 0, fmt.Errorf("invalid scope %q", s)
	}
	return Scope(n), nil
}

// AddrFlags are IFA_F_* flags.
type AddrFlags uint32

// Address flags (include/uapi/linux/if_addr.h).
const (
	AddrSecondary      AddrFlags = 0x01
	AddrNoDAD          AddrFlags = 0x02
	AddrOptimistic     AddrFlags = 0x04
	AddrDADFailed      AddrFlags = 0x08
	AddrHomeAddress    AddrFlags = 0x10
	AddrDeprecated     AddrFlags = 0x20
	AddrTentative      AddrFlags = 0x40
	AddrPermanent      AddrFlags = 0x80
	AddrManageTempAddr AddrFlags = 0x100
	AddrNoPrefixRoute  AddrFlags = 0x200
	AddrMcAutoJoin     AddrFlags = 0x400
	AddrStablePrivacy  AddrFlags = 0x800
)

// RouteType is a route type (RTN_*).
type RouteType uint8

// Route types.
const (
	RouteUnspec      RouteType = 0
	RouteUnicast     RouteType = 1
	RouteLocal       RouteType = 2
	RouteBroadcast   RouteType = 3
	RouteAnycast     RouteType = 4
	RouteMulticast   RouteType = 5
	RouteBlackhole   RouteType = 6
	RouteUnreachable RouteType = 7
	RouteProhibit    RouteType = 8
	RouteThrow       RouteType = 9
	RouteNAT         RouteType = 10
	RouteXResolve    RouteType = 11
)

var routeTypeNames = [...]string{"none", "unicast", "local", "broadcast", "anycast", "multicast",
	"blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve"}

// String returns iproute2's name of the type.
func (t RouteType) String() string {
	if int(t) < len(routeTypeNames) {
		return routeTypeNames[t]
	}
	return strconv.Itoa(int(t))
}

// ParseRouteType parses iproute2's type names.
func ParseRouteType(s string) (RouteType, bool) {
	for i, n := range routeTypeNames {
		if n == s && i != 0 {
			return RouteType(i), true
		}
	}
	return 0, false
}

// isReject reports whether routes of this type answer with an error.
func (t RouteType) isReject() bool {
	return t == RouteBlackhole || t == RouteUnreachable || t == RouteProhibit || t == RouteThrow
}

// Route protocols (RTPROT_*).
const (
	ProtoUnspec   uint8 = 0
	ProtoRedirect uint8 = 1
	ProtoKernel   uint8 = 2
	ProtoBoot     uint8 = 3
	ProtoStatic   uint8 = 4
	ProtoRA       uint8 = 9
)

// Routing table ids (RT_TABLE_*).
const (
	TableUnspec  uint32 = 0
	TableDefault uint32 = 253
	TableMain    uint32 = 254
	TableLocal   uint32 = 255
)

// RouteFlags are RTNH_F_* and RTM_F_* flags shown by ip route.
type RouteFlags uint32

// Route flags.
const (
	RouteFlagDead       RouteFlags = 0x01 // RTNH_F_DEAD
	RouteFlagPervasive  RouteFlags = 0x02 // RTNH_F_PERVASIVE
	RouteFlagOnlink     RouteFlags = 0x04 // RTNH_F_ONLINK
	RouteFlagOffload    RouteFlags = 0x08 // RTNH_F_OFFLOAD
	RouteFlagLinkdown   RouteFlags = 0x10 // RTNH_F_LINKDOWN
	RouteFlagUnresolved RouteFlags = 0x20 // RTNH_F_UNRESOLVED
)

// RouteAddFlags are the NLM_F_* flags of a route request.
type RouteAddFlags uint16

// Request flags: add is Create|Excl, replace Create|Replace, append
// Create|Append, prepend Create, change Replace.
const (
	RouteReplace RouteAddFlags = 0x100 // NLM_F_REPLACE
	RouteExcl    RouteAddFlags = 0x200 // NLM_F_EXCL
	RouteCreate  RouteAddFlags = 0x400 // NLM_F_CREATE
	RouteAppend  RouteAddFlags = 0x800 // NLM_F_APPEND
)

// IPv6 route preferences (ICMPV6_ROUTER_PREF_*), shown as "pref medium".
const (
	PrefMedium uint8 = 0
	PrefHigh   uint8 = 1
	PrefLow    uint8 = 3
)

// PrefName returns iproute2's name of an IPv6 route preference.
func PrefName(p uint8) string {
	switch p {
	case PrefHigh:
		return "high"
	case PrefLow:
		return "low"
	case PrefMedium:
		return "medium"
	}
	return strconv.Itoa(int(p))
}

// NUDState is a neighbour state (NUD_*).
type NUDState uint16

// Neighbour states.
const (
	NUDNone       NUDState = 0x00
	NUDIncomplete NUDState = 0x01
	NUDReachable  NUDState = 0x02
	NUDStale      NUDState = 0x04
	NUDDelay      NUDState = 0x08
	NUDProbe      NUDState = 0x10
	NUDFailed     NUDState = 0x20
	NUDNoARP      NUDState = 0x40
	NUDPermanent  NUDState = 0x80
)

var nudNames = []struct {
	s    NUDState
	name string
}{
	{NUDIncomplete, "INCOMPLETE"}, {NUDReachable, "REACHABLE"}, {NUDStale, "STALE"},
	{NUDDelay, "DELAY"}, {NUDProbe, "PROBE"}, {NUDFailed, "FAILED"},
	{NUDNoARP, "NOARP"}, {NUDPermanent, "PERMANENT"},
}

// String returns iproute2's name of the state ("REACHABLE", "NONE"…).
func (s NUDState) String() string {
	if s == NUDNone {
		return "NONE"
	}
	for _, n := range nudNames {
		if n.s == s {
			return n.name
		}
	}
	return fmt.Sprintf("0x%x", uint16(s))
}

// ParseNUD parses iproute2's nud names (permanent, noarp, reachable, stale,
// none, incomplete, delay, probe, failed) or a number.
func ParseNUD(s string) (NUDState, bool) {
	if s == "none" {
		return NUDNone, true
	}
	for _, n := range nudNames {
		if equalFold(n.name, s) {
			return n.s, true
		}
	}
	v, err := strconv.ParseUint(s, 0, 16)
	return NUDState(v), err == nil
}

func equalFold(upper, s string) bool {
	if len(upper) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// Neighbour flags (NTF_*).
const (
	NTFUse        uint8 = 0x01
	NTFSelf       uint8 = 0x02
	NTFMaster     uint8 = 0x04
	NTFProxy      uint8 = 0x08
	NTFExtLearned uint8 = 0x10
	NTFOffloaded  uint8 = 0x20
	NTFSticky     uint8 = 0x40
	NTFRouter     uint8 = 0x80
)
