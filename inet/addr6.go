package inet

import (
	"net/netip"
	"slices"
	"syscall"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
)

// DADDelay is how long duplicate address detection keeps an address
// tentative: one probe (dad_transmits 1) and retrans_time 1 s. Linux adds
// a random delay of up to rtr_solicit_delay (1 s) before the probe; softnet
// omits it so labs are reproducible.
const DADDelay = time.Second

// scope6 is the scope an IPv6 address gets (ipv6_addr_scope as shown).
func scope6(a netip.Addr) Scope {
	switch {
	case a.IsLoopback():
		return ScopeHost
	case a.IsLinkLocalUnicast():
		return ScopeLink
	case a.Is6() && a.As16()[0] == 0xfe && a.As16()[1]&0xc0 == 0xc0:
		return ScopeSite
	}
	return ScopeUniverse
}

// noDAD reports whether the device skips DAD (IFF_NOARP, loopback).
func noDAD(d *netdev.Device) bool {
	return d.Flags()&(netdev.FlagNoARP|netdev.FlagLoopback) != 0
}

// linkReady is addrconf_link_ready: up and operationally up or unknown.
func linkReady(d *netdev.Device) bool {
	if !d.IsUp() {
		return false
	}
	s := d.OperState()
	return s == netdev.OperUp || s == netdev.OperUnknown
}

func addAddr6(ns *netdev.Namespace, d *netdev.Device, a Addr, replace bool) error {
	if stateOf(ns).sys.disableIPv6.Load() != 0 {
		return extack.New(syscall.EACCES, "IPv6 is disabled on this device")
	}
	a.Label = ""
	a.Scope = scope6(a.Prefix.Addr())
	a.Broadcast, a.Peer = netip.Addr{}, netip.Prefix{}
	a.Flags &^= AddrSecondary | AddrTentative | AddrDADFailed
	list := addrs6(d)
	for i, x := range list {
		if x.Prefix.Addr() == a.Prefix.Addr() {
			if !replace {
				return extack.Errno(syscall.EEXIST)
			}
			n := slices.Clone(list)
			n[i].ValidLft, n[i].PreferredLft, n[i].Metric = a.ValidLft, a.PreferredLft, a.Metric
			publish6(d, n)
			return nil
		}
	}
	if a.Flags&AddrNoDAD == 0 {
		a.Flags |= AddrTentative
	}
	if noDAD(d) {
		a.Flags &^= AddrTentative
	}
	insertAddr6(ns, d, a)
	return nil
}

// insertAddr6 links the address into the device list, sorted by scope
// (global first), newest first within a scope (ipv6_link_dev_addr), and
// starts DAD.
func insertAddr6(ns *netdev.Namespace, d *netdev.Device, a Addr) {
	list := addrs6(d)
	pos := len(list)
	for i, x := range list {
		if srcScope6(a.Prefix.Addr()) >= srcScope6(x.Prefix.Addr()) {
			pos = i
			break
		}
	}
	publish6(d, slices.Insert(slices.Clone(list), pos, a))
	st := stateOf(ns)
	if d.IsUp() {
		for _, r := range kernelRoutes6(d, a) {
			st.insertKernelRoute(r)
		}
	}
	if a.Flags&AddrTentative != 0 {
		startDAD(ns, d, a.Prefix.Addr())
	}
}

// srcScope6 orders scopes as ipv6_addr_src_scope: larger is wider.
func srcScope6(a netip.Addr) int {
	switch scope6(a) {
	case ScopeHost:
		return 1
	case ScopeLink:
		return 2
	case ScopeSite:
		return 5
	}
	return 14
}

// startDAD schedules the end of duplicate address detection once the
// link is ready.
func startDAD(ns *netdev.Namespace, d *netdev.Device, addr netip.Addr) {
	if !linkReady(d) {
		return
	}
	ds := devOf(d)
	if ds.dad == nil {
		ds.dad = map[netip.Addr]netdev.Timer{}
	}
	if _, ok := ds.dad[addr]; ok {
		return
	}
	w := ns.World()
	stateOf(ns).sendNS(d, netip.Addr{}, addr, nil)
	ds.dad[addr] = w.Loop().AfterFunc(DADDelay, func() {
		w.Lock()
		defer w.Unlock()
		if ds.dad == nil {
			return
		}
		delete(ds.dad, addr)
		if d.IsDead() {
			return
		}
		dadComplete(ns, d, addr)
	})
}

// dadComplete clears the tentative flag and installs the local route.
func dadComplete(ns *netdev.Namespace, d *netdev.Device, addr netip.Addr) {
	list := slices.Clone(addrs6(d))
	for i := range list {
		if list[i].Prefix.Addr() == addr && list[i].Flags&AddrTentative != 0 {
			list[i].Flags &^= AddrTentative
			publish6(d, list)
			if d.IsUp() {
				st := stateOf(ns)
				for _, r := range kernelRoutes6(d, list[i]) {
					st.insertKernelRoute(r)
				}
			}
			return
		}
	}
}

// stopDAD cancels pending DAD timers of the device.
func stopDAD(d *netdev.Device) {
	ds := devOf(d)
	for _, t := range ds.dad {
		t.Stop()
	}
	ds.dad = nil
}

func delAddr6(ns *netdev.Namespace, d *netdev.Device, a Addr, wildcard bool) error {
	for i, x := range addrs6(d) {
		if x.Prefix.Addr() == a.Prefix.Addr() && (wildcard || x.Prefix.Bits() == a.Prefix.Bits()) {
			delAddr6At(ns, d, i)
			return nil
		}
	}
	return extack.Errno(syscall.EADDRNOTAVAIL)
}

func delAddr6At(ns *netdev.Namespace, d *netdev.Device, i int) {
	list := addrs6(d)
	a := list[i]
	publish6(d, slices.Delete(slices.Clone(list), i, i+1))
	if ds := devOf(d); ds.dad != nil {
		if t, ok := ds.dad[a.Prefix.Addr()]; ok {
			t.Stop()
			delete(ds.dad, a.Prefix.Addr())
		}
	}
	st := stateOf(ns)
	for _, r := range kernelRoutes6(d, a) {
		if !routeStillWanted6(d, r) {
			st.deleteExact(r)
		}
	}
}

// kernelRoutes6 returns the routes an IPv6 address implies on an up
// device: the prefix route in main (unless /128 or noprefixroute) and,
// once DAD is done, the local route.
func kernelRoutes6(d *netdev.Device, a Addr) []Route {
	var out []Route
	p := a.Prefix.Masked()
	if p.Bits() < 128 && a.Flags&AddrNoPrefixRoute == 0 {
		metric := a.Metric
		if metric == 0 {
			metric = 256
		}
		out = append(out, Route{Family: FamilyV6, Table: TableMain, Dst: p, Type: RouteUnicast,
			Protocol: ProtoKernel, Ifindex: d.Index(), Metric: metric})
	}
	if a.Flags&AddrTentative == 0 {
		out = append(out, Route{Family: FamilyV6, Table: TableLocal, Dst: netip.PrefixFrom(a.Prefix.Addr(), 128),
			Type: RouteLocal, Protocol: ProtoKernel, Ifindex: d.Index()})
	}
	return out
}

func routeStillWanted6(d *netdev.Device, r Route) bool {
	for _, x := range addrs6(d) {
		for _, k := range kernelRoutes6(d, x) {
			if sameRoute(k, r) {
				return true
			}
		}
	}
	return false
}

// linkLocalFor returns the link-local address addrconf generates for d
// (ipv6_generate_eui64): the modified EUI-64 of an Ethernet MAC, or the
// ISATAP interface identifier of an IPv4 tunnel's local address (RFC 5214:
// 00-00-5E-FE or, for a global address, 02-00-5E-FE, then the address).
func linkLocalFor(d *netdev.Device) (netip.Addr, bool) {
	if d.Type == netdev.ARPHRDTunnel {
		return isatapLinkLocal(d.HardwareAddr())
	}
	return eui64LinkLocal(d.HardwareAddr())
}

// isatapLinkLocal is __ipv6_isatap_ifid under fe80::/64; a tunnel without a
// local address gets none.
func isatapLinkLocal(a4 []byte) (netip.Addr, bool) {
	if len(a4) != 4 {
		return netip.Addr{}, false
	}
	v4 := netip.AddrFrom4([4]byte(a4))
	if v4.IsUnspecified() {
		return netip.Addr{}, false
	}
	var b [16]byte
	b[0], b[1] = 0xfe, 0x80
	if !isatapLocalScope(v4) {
		b[8] = 0x02
	}
	b[10], b[11] = 0x5e, 0xfe
	copy(b[12:], a4)
	return netip.AddrFrom16(b), true
}

// isatapLocalScope lists the IPv4 ranges whose ISATAP identifier has the
// universal/local bit clear (zeronet, private, loopback, link-local,
// TEST-NETs, 6to4 anycast, multicast, limited broadcast), as Linux does.
func isatapLocalScope(a netip.Addr) bool {
	for _, p := range isatapLocalPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

var isatapLocalPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.88.99.0/24"), netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("255.255.255.255/32"),
}

// eui64LinkLocal returns fe80::/64 with the modified EUI-64 of a MAC.
func eui64LinkLocal(mac []byte) (netip.Addr, bool) {
	if len(mac) != 6 {
		return netip.Addr{}, false
	}
	var b [16]byte
	b[0], b[1] = 0xfe, 0x80
	b[8], b[9], b[10] = mac[0]^2, mac[1], mac[2]
	b[11], b[12] = 0xff, 0xfe
	b[13], b[14], b[15] = mac[3], mac[4], mac[5]
	return netip.AddrFrom16(b), true
}

// mcastRoute6 is the ff00::/8 route addrconf adds for a device.
func mcastRoute6(d *netdev.Device) Route {
	return Route{Family: FamilyV6, Table: TableLocal, Dst: netip.MustParsePrefix("ff00::/8"),
		Type: RouteMulticast, Protocol: ProtoKernel, Ifindex: d.Index(), Metric: 256}
}

// addrconfUp configures IPv6 on a device that came up or got its link:
// ::1 on loopback; the multicast route and the EUI-64 link-local address
// on Ethernet devices; the routes of addresses added while down; DAD.
func addrconfUp(ns *netdev.Namespace, d *netdev.Device) {
	st := stateOf(ns)
	if st.sys.disableIPv6.Load() != 0 {
		return
	}
	ds := devOf(d)
	if d.Flags()&netdev.FlagLoopback != 0 {
		if len(addrs6(d)) == 0 {
			insertAddr6(ns, d, Addr{Ifindex: d.Index(), Prefix: netip.MustParsePrefix("::1/128"),
				Scope: ScopeHost, Flags: AddrPermanent, ValidLft: Forever, PreferredLft: Forever})
		}
		return
	}
	if !linkReady(d) {
		for _, a := range addrs6(d) {
			for _, r := range kernelRoutes6(d, a) {
				st.insertKernelRoute(r)
			}
		}
		return
	}
	for _, a := range addrs6(d) {
		for _, r := range kernelRoutes6(d, a) {
			st.insertKernelRoute(r)
		}
		if a.Flags&AddrTentative != 0 {
			startDAD(ns, d, a.Prefix.Addr())
		}
	}
	if ds.llGen || (d.Type != netdev.ARPHRDEther && d.Type != netdev.ARPHRDTunnel) {
		return
	}
	ds.llGen = true
	st.insertKernelRoute(mcastRoute6(d))
	ll, ok := linkLocalFor(d)
	if !ok {
		return
	}
	for _, a := range addrs6(d) {
		if a.Prefix.Addr() == ll {
			return
		}
	}
	a := Addr{Ifindex: d.Index(), Prefix: netip.PrefixFrom(ll, 64), Scope: ScopeLink,
		Flags: AddrPermanent | AddrTentative, ValidLft: Forever, PreferredLft: Forever}
	if noDAD(d) {
		a.Flags &^= AddrTentative
	}
	insertAddr6(ns, d, a)
}

// addrconfDown removes every IPv6 address of a device going down
// (keep_addr_on_down 0) and the device's IPv6 routes.
func addrconfDown(ns *netdev.Namespace, d *netdev.Device) {
	stopDAD(d)
	devOf(d).llGen = false
	publish6(d, nil)
	stateOf(ns).deleteDevRoutes(d.Index(), FamilyV6, false)
}

// dadFailed marks a tentative address whose DAD probe was answered or
// duplicated (addrconf_dad_failure): it stays tentative and gets
// dadfailed. It runs on the loop and takes the RTNL itself.
func dadFailed(ns *netdev.Namespace, d *netdev.Device, addr netip.Addr) {
	w := ns.World()
	w.Loop().AfterFunc(0, func() {
		w.Lock()
		defer w.Unlock()
		if d.IsDead() {
			return
		}
		ds := devOf(d)
		if t, ok := ds.dad[addr]; ok {
			t.Stop()
			delete(ds.dad, addr)
		}
		list := slices.Clone(addrs6(d))
		for i := range list {
			if list[i].Prefix.Addr() == addr && list[i].Flags&AddrTentative != 0 {
				list[i].Flags |= AddrDADFailed
				publish6(d, list)
				return
			}
		}
	})
}

// isTentative reports whether addr is a tentative address of d.
func isTentative(d *netdev.Device, addr netip.Addr) bool {
	for _, a := range addrs6(d) {
		if a.Prefix.Addr() == addr {
			return a.Flags&AddrTentative != 0 && a.Flags&AddrDADFailed == 0
		}
	}
	return false
}

// ISATAPLinkLocal returns the link-local address an IPv4 tunnel with the
// local address a gets (RFC 5214 interface identifier), or false for none.
func ISATAPLinkLocal(a netip.Addr) (netip.Addr, bool) {
	if !a.Is4() {
		return netip.Addr{}, false
	}
	b := a.As4()
	return isatapLinkLocal(b[:])
}
