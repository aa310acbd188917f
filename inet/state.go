package inet

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/softnet/softnet/inet/fib"
	"github.com/softnet/softnet/netdev"
)

// netState is the per-namespace state of the IP layer (struct netns_ipv4
// and netns_ipv6 together).
type netState struct {
	ns *netdev.Namespace

	// local and main are always present; tables holds every table by id
	// (local and main included), replaced on creation of a new one.
	local, main *rtable
	tables      atomic.Pointer[map[uint32]*rtable]

	pmtu  atomic.Pointer[map[netip.Addr]pmtuEntry]
	redir atomic.Pointer[map[netip.Addr]redirEntry]
	// redirMu guards redirPeers, the per-source redirect rate state.
	redirMu    sync.Mutex
	redirPeers map[netip.Addr]*redirPeer

	sys  sysctls
	mib  MIB
	icmp icmpLimiter

	socks socketTable
	ids   atomic.Uint32 // IPv4 identification / IPv6 fragment id counter

	neigh4, neigh6 neighTable
	frag           reassembler
}

// rtable is one routing table (struct fib_table / fib6_table).
type rtable struct {
	id uint32
	t  fib.Table[*fibEntry]
}

// fibEntry holds the routes of one prefix in one table, in the order
// Linux keeps them (fib_alias list / fib6_node leaf list). Immutable.
type fibEntry struct {
	routes []*fibRoute
}

// fibRoute is one route with its resolved nexthop.
type fibRoute struct {
	r   Route
	dst Dst
}

type pmtuEntry struct {
	mtu     uint32
	expires time.Time
}

var pernet *netdev.Pernet[netState]

func init() { pernet = netdev.NewPernet(newNetState, exitNetState) }

func newNetState(ns *netdev.Namespace) *netState {
	s := &netState{ns: ns}
	s.local = &rtable{id: TableLocal}
	s.main = &rtable{id: TableMain}
	m := map[uint32]*rtable{TableLocal: s.local, TableMain: s.main}
	s.tables.Store(&m)
	pm := map[netip.Addr]pmtuEntry{}
	s.pmtu.Store(&pm)
	rd := map[netip.Addr]redirEntry{}
	s.redir.Store(&rd)
	s.sys.init()
	s.icmp.init()
	s.socks.init()
	s.neigh4.init(s, FamilyV4)
	s.neigh6.init(s, FamilyV6)
	s.frag.init(s)
	return s
}

func exitNetState(ns *netdev.Namespace, s *netState) {
	s.neigh4.close()
	s.neigh6.close()
	s.frag.close()
}

func stateOf(ns *netdev.Namespace) *netState { return pernet.Get(ns) }

// table returns a table by id, or nil.
func (s *netState) table(id uint32) *rtable {
	switch id {
	case TableMain:
		return s.main
	case TableLocal:
		return s.local
	}
	return (*s.tables.Load())[id]
}

// tableCreate returns a table, creating it (RTNL held).
func (s *netState) tableCreate(id uint32) *rtable {
	if t := s.table(id); t != nil {
		return t
	}
	old := *s.tables.Load()
	m := make(map[uint32]*rtable, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	t := &rtable{id: id}
	m[id] = t
	s.tables.Store(&m)
	return t
}

// devState is the per-device state (in_device and inet6_dev).
type devState struct {
	v4 atomic.Pointer[[]Addr]
	v6 atomic.Pointer[[]Addr]
	// llGen records that the link-local address was generated since the
	// device last came up.
	llGen bool
	dad   map[netip.Addr]netdev.Timer
}

var devSlot = netdev.NewDeviceSlot[devState]()

// devOf returns the device's state, creating it (RTNL held or at
// registration).
func devOf(d *netdev.Device) *devState {
	if s := devSlot.Get(d); s != nil {
		return s
	}
	s := &devState{}
	devSlot.Set(d, s)
	return s
}

// addrs4 returns the device's IPv4 addresses without locking.
func addrs4(d *netdev.Device) []Addr {
	if s := devSlot.Get(d); s != nil {
		if p := s.v4.Load(); p != nil {
			return *p
		}
	}
	return nil
}

// addrs6 returns the device's IPv6 addresses without locking.
func addrs6(d *netdev.Device) []Addr {
	if s := devSlot.Get(d); s != nil {
		if p := s.v6.Load(); p != nil {
			return *p
		}
	}
	return nil
}
