package inet

import (
	"sync/atomic"

	"github.com/softnet/softnet/inet/frag"
	"github.com/softnet/softnet/netdev"
)

// MIB holds the SNMP counters of one namespace (/proc/net/snmp,
// /proc/net/snmp6, /proc/net/netstat), named as nstat names them.
type MIB struct {
	Ip4, Ip6     IPStats
	Frag4, Frag6 frag.Stats
	Icmp4, Icmp6 ICMPStats
	Udp4, Udp6   UDPStats
}

// IPStats are the IPSTATS_MIB_* counters of one family.
type IPStats struct {
	InReceives, InHdrErrors, InTooBigErrors, InNoRoutes, InAddrErrors atomic.Uint64
	InUnknownProtos, InTruncatedPkts, InDiscards, InDelivers          atomic.Uint64
	ForwDatagrams, OutRequests, OutDiscards, OutNoRoutes              atomic.Uint64
	InMcastPkts, OutMcastPkts, InBcastPkts, OutBcastPkts              atomic.Uint64
	InOctets, OutOctets                                               atomic.Uint64
}

// ICMPStats are the ICMP_MIB_* / ICMP6_MIB_* counters and per-type counts.
type ICMPStats struct {
	InMsgs, InErrors, InCsumErrors, OutMsgs, OutErrors, RateLimitHost atomic.Uint64
	RateLimitGlobal                                                   atomic.Uint64
	InType, OutType                                                   [256]atomic.Uint64
}

// UDPStats are the UDP_MIB_* counters.
type UDPStats struct {
	InDatagrams, NoPorts, InErrors, OutDatagrams, InCsumErrors atomic.Uint64
}

// Counter is one named MIB counter.
type Counter struct {
	Name  string
	Value uint64
}

// Stats returns the namespace's MIB counters.
func Stats(ns *netdev.Namespace) *MIB { return &stateOf(ns).mib }

var icmp4Names = map[uint8]string{0: "EchoReps", 3: "DestUnreachs", 4: "SrcQuenchs", 5: "Redirects",
	8: "Echos", 11: "TimeExcds", 12: "ParmProbs", 13: "Timestamps", 14: "TimestampReps"}

var icmp6Names = map[uint8]string{1: "DestUnreachs", 2: "PktTooBigs", 3: "TimeExcds", 4: "ParmProblems",
	128: "Echos", 129: "EchoReplies", 133: "RouterSolicits", 134: "RouterAdvertisements",
	135: "NeighborSolicits", 136: "NeighborAdvertisements", 137: "Redirects"}

// SNMP returns every counter with nstat's names (IpInReceives,
// IcmpOutTimeExcds, Ip6InReceives, Icmp6OutPktTooBigs, UdpNoPorts…), zero
// ones included, in /proc/net/snmp then /proc/net/snmp6 order.
func SNMP(ns *netdev.Namespace) []Counter {
	m := &stateOf(ns).mib
	var out []Counter
	add := func(n string, v *atomic.Uint64) { out = append(out, Counter{n, v.Load()}) }
	ipStats := func(p string, s *IPStats, f *frag.Stats) {
		add(p+"InReceives", &s.InReceives)
		add(p+"InHdrErrors", &s.InHdrErrors)
		add(p+"InTooBigErrors", &s.InTooBigErrors)
		add(p+"InNoRoutes", &s.InNoRoutes)
		add(p+"InAddrErrors", &s.InAddrErrors)
		add(p+"InUnknownProtos", &s.InUnknownProtos)
		add(p+"InTruncatedPkts", &s.InTruncatedPkts)
		add(p+"InDiscards", &s.InDiscards)
		add(p+"InDelivers", &s.InDelivers)
		add(p+"ForwDatagrams", &s.ForwDatagrams)
		add(p+"OutRequests", &s.OutRequests)
		add(p+"OutDiscards", &s.OutDiscards)
		add(p+"OutNoRoutes", &s.OutNoRoutes)
		add(p+"ReasmTimeout", &f.ReasmTimeout)
		add(p+"ReasmReqds", &f.ReasmReqds)
		add(p+"ReasmOKs", &f.ReasmOKs)
		add(p+"ReasmFails", &f.ReasmFails)
		add(p+"FragOKs", &f.FragOKs)
		add(p+"FragFails", &f.FragFails)
		add(p+"FragCreates", &f.FragCreates)
		add(p+"InMcastPkts", &s.InMcastPkts)
		add(p+"OutMcastPkts", &s.OutMcastPkts)
		add(p+"InOctets", &s.InOctets)
		add(p+"OutOctets", &s.OutOctets)
	}
	icmpStats := func(p string, s *ICMPStats, names map[uint8]string) {
		add(p+"InMsgs", &s.InMsgs)
		add(p+"InErrors", &s.InErrors)
		add(p+"InCsumErrors", &s.InCsumErrors)
		add(p+"OutMsgs", &s.OutMsgs)
		add(p+"OutErrors", &s.OutErrors)
		add(p+"OutRateLimitGlobal", &s.RateLimitGlobal)
		add(p+"OutRateLimitHost", &s.RateLimitHost)
		for _, dir := range []string{"In", "Out"} {
			for t := 0; t < 256; t++ {
				if n, ok := names[uint8(t)]; ok {
					v := &s.InType[t]
					if dir == "Out" {
						v = &s.OutType[t]
					}
					add(p+dir+n, v)
				}
			}
		}
	}
	udpStats := func(p string, s *UDPStats) {
		add(p+"InDatagrams", &s.InDatagrams)
		add(p+"NoPorts", &s.NoPorts)
		add(p+"InErrors", &s.InErrors)
		add(p+"OutDatagrams", &s.OutDatagrams)
		add(p+"InCsumErrors", &s.InCsumErrors)
	}
	ipStats("Ip", &m.Ip4, &m.Frag4)
	add("IpExtReasmOverlaps", &m.Frag4.ReasmOverlaps)
	icmpStats("Icmp", &m.Icmp4, icmp4Names)
	udpStats("Udp", &m.Udp4)
	ipStats("Ip6", &m.Ip6, &m.Frag6)
	icmpStats("Icmp6", &m.Icmp6, icmp6Names)
	udpStats("Udp6", &m.Udp6)
	return out
}

// Counter returns one counter by its nstat name, or 0.
func CounterValue(ns *netdev.Namespace, name string) uint64 {
	for _, c := range SNMP(ns) {
		if c.Name == name {
			return c.Value
		}
	}
	return 0
}

// Drop reasons of the IP layer (enum skb_drop_reason names).
var (
	DropIPCsum          = netdev.RegisterDropReason("IP_CSUM")
	DropIPInHdr         = netdev.RegisterDropReason("IP_INHDR")
	DropIPInAddrErrors  = netdev.RegisterDropReason("IP_INADDRERRORS")
	DropIPInNoRoutes    = netdev.RegisterDropReason("IP_INNOROUTES")
	DropIPOutNoRoutes   = netdev.RegisterDropReason("IP_OUTNOROUTES")
	DropIPRPFilter      = netdev.RegisterDropReason("IP_RPFILTER")
	DropIPNoProto       = netdev.RegisterDropReason("IP_NOPROTO")
	DropUnhandledProto  = netdev.RegisterDropReason("UNHANDLED_PROTO")
	DropTTLExpired      = netdev.RegisterDropReason("IP_TTL_EXPIRED") // softnet name; Linux: IP_INHDR path counts IpInHdrErrors
	DropPktTooBig       = netdev.DropPktTooBig
	DropHdrTrunc        = netdev.RegisterDropReason("HDR_TRUNC")
	DropOtherHost       = netdev.DropOtherHost
	DropIPv6Disabled    = netdev.RegisterDropReason("IPV6DISABLED")
	DropForwardDisabled = netdev.RegisterDropReason("IP_FORWARD_DISABLED") // softnet name; Linux counts IpInAddrErrors
	DropInvalidProto    = netdev.RegisterDropReason("INVALID_PROTO")
	DropIPOptions       = netdev.RegisterDropReason("IP_OPTION")
	DropICMPCsum        = netdev.RegisterDropReason("ICMP_CSUM")
	DropUDPCsum         = netdev.RegisterDropReason("UDP_CSUM")
	DropSocketFilter    = netdev.RegisterDropReason("SOCKET_FILTER")
	DropIPLocalSource   = netdev.RegisterDropReason("IP_LOCAL_SOURCE")
	DropIPInvalidSource = netdev.RegisterDropReason("IP_INVALID_SOURCE")
	DropIPInvalidDest   = netdev.RegisterDropReason("IP_INVALID_DEST")
	DropARPBad          = netdev.RegisterDropReason("ARP_BAD") // softnet name for a malformed ARP packet
	DropNDiscBad        = netdev.RegisterDropReason("IPV6_NDISC_BAD_OPTIONS")
	DropNDiscHopLimit   = netdev.RegisterDropReason("IPV6_NDISC_HOP_LIMIT")
	DropIPv6BadExthdr   = netdev.RegisterDropReason("IPV6_BAD_EXTHDR")
	DropFragFailed      = netdev.RegisterDropReason("FRAG_FAILED") // softnet name: fragmentation impossible
	DropReject          = netdev.RegisterDropReason("IP_REJECT")   // softnet name: unreachable/prohibit route
	DropBlackhole       = netdev.RegisterDropReason("IP_BLACKHOLE")
	DropICMPRateLimited = netdev.RegisterDropReason("ICMP_RATELIMIT")
	DropNoSocket        = netdev.RegisterDropReason("NO_SOCKET")
)
