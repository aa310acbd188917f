package inet

import (
	"net/netip"
	"time"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Addr is an interface address (struct in_ifaddr / inet6_ifaddr, as
// RTM_NEWADDR carries it).
type Addr struct {
	Ifindex int32
	// Prefix is the local address with its prefix length (IFA_LOCAL and
	// ifa_prefixlen).
	Prefix netip.Prefix
	// Peer is the peer prefix of a point-to-point address (IFA_ADDRESS
	// when it differs from the local address); zero if none.
	Peer netip.Prefix
	// Broadcast is IFA_BROADCAST (IPv4), zero if none.
	Broadcast netip.Addr
	// Label is IFA_LABEL (IPv4); AddAddr defaults it to the device name.
	Label string
	// Scope is the address scope.
	Scope Scope
	// Flags are IFA_F_* flags.
	Flags AddrFlags
	// ValidLft and PreferredLft are lifetimes in seconds; 0xFFFFFFFF is
	// forever (the default when both are zero in a request).
	ValidLft, PreferredLft uint32
	// Metric is IFA_RT_PRIORITY, the metric of the prefix route.
	Metric uint32
}

// Forever is the infinite address lifetime.
const Forever = 0xFFFFFFFF

// Family returns 4 or 6.
func (a Addr) Family() int { return familyOf(a.Prefix.Addr()) }

func familyOf(a netip.Addr) int {
	if a.Is4() {
		return FamilyV4
	}
	return FamilyV6
}

// RouteMetric is one RTAX_* route metric other than the MTU.
type RouteMetric struct {
	Type  uint16 // RTAX_* number
	Value uint32
}

// Route metric numbers (RTAX_*).
const (
	RTAXLock             uint16 = 1
	RTAXMTU              uint16 = 2
	RTAXWindow           uint16 = 3
	RTAXRTT              uint16 = 4
	RTAXRTTVar           uint16 = 5
	RTAXSSThresh         uint16 = 6
	RTAXCwnd             uint16 = 7
	RTAXAdvMSS           uint16 = 8
	RTAXReordering       uint16 = 9
	RTAXHopLimit         uint16 = 10
	RTAXInitCwnd         uint16 = 11
	RTAXFeatures         uint16 = 12
	RTAXRTOMin           uint16 = 13
	RTAXInitRwnd         uint16 = 14
	RTAXQuickACK         uint16 = 15
	RTAXCCAlgo           uint16 = 16
	RTAXFastopenNoCookie uint16 = 17
)

// Route is a route (RTM_NEWROUTE): one fib_alias with its single nexthop
// (IPv4) or one fib6_info (IPv6).
type Route struct {
	Family   int          // 4 or 6
	Table    uint32       // 254 main, 255 local, 253 default, others numbered
	Dst      netip.Prefix // destination prefix
	Type     RouteType    // Unicast, Local, Broadcast, Blackhole…
	Protocol uint8        // RTPROT_*: Kernel, Boot (ip route add), Static…
	Scope    Scope        // universe, link, host
	Gateway  netip.Addr   // via
	Ifindex  int32        // dev
	PrefSrc  netip.Addr   // src
	Metric   uint32       // metric / priority
	MTU      uint32       // mtu metric (0 none)
	MTULock  bool         // mtu lock
	Metrics  []RouteMetric
	Flags    RouteFlags // onlink, linkdown…
	TOS      uint8
	Pref     uint8 // IPv6 router preference (PrefMedium)
	// Expires is the remaining lifetime of an expiring route (IPv6), zero
	// for none.
	Expires time.Duration
	// Encap is a lightweight-tunnel encapsulation (ip route … encap …),
	// owned by the tunnel packages.
	Encap any
}

// RouteFilter selects routes for Routes and FlushRoutes. Zero fields match
// everything.
type RouteFilter struct {
	Family   int          // 0 both
	Table    uint32       // 0 every table
	Dst      netip.Prefix // exact prefix (ip route show PREFIX)
	Type     RouteType
	Protocol uint8
	Scope    *Scope
	Ifindex  int32
	Gateway  netip.Addr
}

// RouteGetRequest is an ip route get request.
type RouteGetRequest struct {
	Dst  netip.Addr
	Src  netip.Addr // from
	Iif  string     // iif: simulate input on this device
	Oif  string     // oif
	Mark uint32
	TOS  uint8
	// Proto, SPort and DPort are ipproto/sport/dport (ignored by the
	// lookup, accepted for completeness).
	Proto        uint8
	SPort, DPort uint16
	// FibMatch asks for the matching FIB entry rather than the resolved
	// destination (ip route get fibmatch).
	FibMatch bool
}

// RouteGetResult is what ip route get prints.
type RouteGetResult struct {
	// Route is the matched FIB route (with its table, protocol, metric…).
	Route Route
	// Type is the result type (local, broadcast, unicast…).
	Type    RouteType
	Dst     netip.Addr
	Src     netip.Addr // the "from" of the request, if any
	PrefSrc netip.Addr // chosen source address
	Ifindex int32      // output device (lo for local)
	Iif     int32      // input device for iif requests
	Gateway netip.Addr
	Mark    uint32
	// MTU and Expires are a cached PMTU exception ("cache expires 598sec
	// mtu 1400"); MTU 0 means none.
	MTU     uint32
	Expires time.Duration
	// CacheFlags are the RTCF_* names shown after "cache" ("local",
	// "brd").
	CacheFlags []string
}

// Neigh is a neighbour entry (RTM_NEWNEIGH).
type Neigh struct {
	Ifindex int32
	Addr    netip.Addr
	LLAddr  []byte
	State   NUDState
	Flags   uint8 // NTF_*
	Router  bool  // NTF_ROUTER (IPv6)
	Probes  uint32
	// Used, Confirmed and Updated are ages, shown by ip -s neigh.
	Used, Confirmed, Updated time.Duration
	RefCnt                   uint32
}

// ProtoVerdict is what a ProtoHandler does with a packet.
type ProtoVerdict uint8

// Verdicts.
const (
	// Handled: the handler took the packet (it owns it).
	Handled ProtoVerdict = iota
	// Declined: the handler left the packet untouched; the next handler
	// is tried.
	Declined
)

// ICMPErr describes a received ICMP or ICMPv6 error for ProtoHandler.Err
// and for the probe sockets.
type ICMPErr struct {
	Family int
	Type   uint8
	Code   uint8
	// MTU is the next-hop MTU of frag-needed / packet-too-big.
	MTU uint32
	// Info is the rest-of-header word (pointer, gateway…).
	Info uint32
	// From is the source of the ICMP message.
	From netip.Addr
	// Payload is the quoted packet, starting at its IP header; valid only
	// during the call.
	Payload []byte
	// Dev is the device the error arrived on.
	Dev *netdev.Device
}

// ProtoHandler receives locally delivered packets of one IP protocol, as
// net_protocol / xfrm4_protocol do.
type ProtoHandler interface {
	// Receive is called for a locally delivered packet of the protocol,
	// data at the transport header (network header offset still set). It
	// returns Handled (it owns b) or Declined (b untouched; the next
	// handler is tried, and if all decline, ICMP protocol-unreachable is
	// sent and the packet counted).
	Receive(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) ProtoVerdict
	// Err is called for an ICMP/ICMPv6 error whose quoted packet has this
	// protocol; it reports whether it recognised the error.
	Err(ns *netdev.Namespace, e ICMPErr) bool
}

// Flow is an output route lookup key (struct flowi4 / flowi6).
type Flow struct {
	Dst, Src     netip.Addr
	Oif          int32
	Mark         uint32
	TOS          uint8
	Proto        uint8
	SPort, DPort uint16
}

// EchoOpts are the options of an ICMP echo request (ping's).
type EchoOpts struct {
	ID, Seq uint16
	// Size is the payload size (ping -s); default 56.
	Size int
	// Payload, if not nil, is the payload (Size is then ignored).
	Payload []byte
	TTL     uint8 // 0: default 64
	TOS     uint8
	// PMTUDisc is ping -M: PMTUDiscWant (default), PMTUDiscDo, PMTUDiscDont.
	PMTUDisc PMTUDisc
	Src      netip.Addr
	// Iface binds to a device (ping -I dev).
	Iface string
	Mark  uint32
}

// PMTUDisc is IP_MTU_DISCOVER.
type PMTUDisc uint8

// Path MTU discovery modes.
const (
	PMTUDiscWant  PMTUDisc = iota // set DF, fragment locally above the PMTU
	PMTUDiscDont                  // never set DF
	PMTUDiscDo                    // always set DF, fail locally above the PMTU
	PMTUDiscProbe                 // set DF, ignore the PMTU
)

// EchoEvent is what an ICMP probe socket receives: an echo reply, or an
// ICMP error about one of its requests.
type EchoEvent struct {
	// Reply is true for an echo reply, false for an error.
	Reply bool
	From  netip.Addr
	// ID and Seq of the reply, or of the request quoted in the error.
	ID, Seq uint16
	TTL     uint8 // TTL / hop limit of the received packet
	Size    int   // ICMP payload bytes of the reply
	// Type and Code of an error; MTU for frag needed / packet too big.
	Type, Code uint8
	MTU        uint32
	// Gateway is the new first hop an ICMP redirect names.
	Gateway netip.Addr
	// At is the loop time of arrival.
	At time.Time
}

// UDPOpts are options for a UDP send.
type UDPOpts struct {
	TTL      uint8
	TOS      uint8
	PMTUDisc PMTUDisc
	Src      netip.Addr
	Iface    string
	Mark     uint32
}
