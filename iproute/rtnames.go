package iproute

import (
	"strconv"

	"github.com/softnet/softnet/inet"
)

// The name tables of iproute2's lib/rt_names.c (without /etc/iproute2
// files): route protocols, tables, scopes, types and DS fields.

var rtProtoNames = map[uint8]string{
	0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static",
	8: "gated", 9: "ra", 10: "mrt", 11: "zebra", 12: "bird", 13: "dnrouted",
	14: "xorp", 15: "ntk", 16: "dhcp", 18: "keepalived", 42: "babel",
	186: "bgp", 187: "isis", 188: "ospf", 189: "rip", 192: "eigrp",
}

// protoName is rtnl_rtprot_n2a.
func protoName(p uint8) string {
	if n, ok := rtProtoNames[p]; ok {
		return n
	}
	return strconv.Itoa(int(p))
}

// parseProto is rtnl_rtprot_a2n.
func parseProto(s string) (uint8, bool) {
	for v, n := range rtProtoNames {
		if n == s {
			return v, true
		}
	}
	n, ok := cUint(s)
	if !ok || n > 255 {
		return 0, false
	}
	return uint8(n), true
}

// tableName is rtnl_rttable_n2a.
func tableName(t uint32) string {
	switch t {
	case inet.TableDefault:
		return "default"
	case inet.TableMain:
		return "main"
	case inet.TableLocal:
		return "local"
	}
	return strconv.FormatUint(uint64(t), 10)
}

// parseTable is rtnl_rttable_a2n.
func parseTable(s string) (uint32, bool) {
	switch s {
	case "default":
		return inet.TableDefault, true
	case "main":
		return inet.TableMain, true
	case "local":
		return inet.TableLocal, true
	}
	n, ok := cUint(s)
	if !ok || n > 0xFFFFFFFF {
		return 0, false
	}
	return uint32(n), true
}

// scopeName is rtnl_rtscope_n2a.
func scopeName(s inet.Scope) string { return s.String() }

// parseRtScope is rtnl_rtscope_a2n.
func parseRtScope(s string) (inet.Scope, bool) {
	switch s {
	case "global", "universe":
		return inet.ScopeUniverse, true
	case "site":
		return inet.ScopeSite, true
	case "link":
		return inet.ScopeLink, true
	case "host":
		return inet.ScopeHost, true
	case "nowhere":
		return inet.ScopeNowhere, true
	}
	n, ok := cUint(s)
	if !ok || n > 255 {
		return 0, false
	}
	return inet.Scope(n), true
}

// parseRouteType is rtnl_rtntype_a2n (several names match by prefix).
func parseRouteType(s string) (inet.RouteType, bool) {
	switch {
	case s == "local":
		return inet.RouteLocal, true
	case s == "nat":
		return inet.RouteNAT, true
	case Matches(s, "broadcast") || s == "brd":
		return inet.RouteBroadcast, true
	case Matches(s, "anycast"):
		return inet.RouteAnycast, true
	case Matches(s, "multicast"):
		return inet.RouteMulticast, true
	case Matches(s, "prohibit"):
		return inet.RouteProhibit, true
	case Matches(s, "unreachable"):
		return inet.RouteUnreachable, true
	case Matches(s, "blackhole"):
		return inet.RouteBlackhole, true
	case Matches(s, "xresolve"):
		return inet.RouteXResolve, true
	case Matches(s, "unicast"):
		return inet.RouteUnicast, true
	case s == "throw":
		return inet.RouteThrow, true
	}
	n, ok := cUint(s)
	if !ok || n > 255 {
		return 0, false
	}
	return inet.RouteType(n), true
}

// routeTypeName is rtnl_rtntype_n2a.
func routeTypeName(t inet.RouteType) string { return t.String() }

// parseDSField is rtnl_dsfield_a2n: a hexadecimal number (with or
// without 0x) up to 255.
func parseDSField(s string) (uint8, bool) {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 16, 64)
	if err != nil || n > 255 {
		return 0, false
	}
	return uint8(n), true
}

// dsfieldName is rtnl_dsfield_n2a.
func dsfieldName(t uint8) string { return "0x" + hex2(t) }

func hex2(b uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// metricNames are mx_names, indexed by RTAX_*.
var metricNames = [...]string{
	inet.RTAXMTU: "mtu", inet.RTAXWindow: "window", inet.RTAXRTT: "rtt",
	inet.RTAXRTTVar: "rttvar", inet.RTAXSSThresh: "ssthresh", inet.RTAXCwnd: "cwnd",
	inet.RTAXAdvMSS: "advmss", inet.RTAXReordering: "reordering", inet.RTAXHopLimit: "hoplimit",
	inet.RTAXInitCwnd: "initcwnd", inet.RTAXFeatures: "features", inet.RTAXRTOMin: "rto_min",
	inet.RTAXInitRwnd: "initrwnd", inet.RTAXQuickACK: "quickack", inet.RTAXCCAlgo: "congctl",
	inet.RTAXFastopenNoCookie: "fastopen_no_cookie",
}

// ipProtoNames are the protocol names inet_proto_a2n knows (from
// /etc/protocols' common entries).
var ipProtoNames = map[string]uint8{
	"ip": 0, "icmp": 1, "igmp": 2, "ipip": 4, "ipencap": 4, "tcp": 6, "udp": 17,
	"ipv6": 41, "gre": 47, "esp": 50, "ah": 51, "ipv6-icmp": 58, "icmpv6": 58,
	"sctp": 132, "udplite": 136, "dccp": 33, "mpls-in-ip": 137,
}

// parseIPProto is inet_proto_a2n.
func parseIPProto(s string) (uint8, bool) {
	if v, ok := ipProtoNames[s]; ok {
		return v, true
	}
	n, ok := cUint(s)
	if !ok || n > 255 {
		return 0, false
	}
	return uint8(n), true
}
