package inet

import (
	"net/netip"
	"slices"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
)

// AddAddr adds an address (ip addr add; ip addr replace when replace).
// It fails with EEXIST when the address is present and !replace, ENODEV
// for an unknown device.
func AddAddr(ns *netdev.Namespace, a Addr, replace bool) error {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	return AddAddrLocked(ns, a, replace)
}

// AddAddrLocked is AddAddr with the RTNL held (for notifiers and kinds).
func AddAddrLocked(ns *netdev.Namespace, a Addr, replace bool) error {
	d := ns.Device(a.Ifindex)
	if d == nil {
		return extack.Errno(syscall.ENODEV)
	}
	if !a.Prefix.IsValid() {
		return extack.Errno(syscall.EINVAL)
	}
	if a.ValidLft == 0 && a.PreferredLft == 0 {
		a.ValidLft, a.PreferredLft = Forever, Forever
	}
	if a.PreferredLft > a.ValidLft {
		return extack.New(syscall.EINVAL, "preferred_lft is greater than valid_lft")
	}
	a.Flags |= AddrPermanent
	if a.ValidLft != Forever {
		a.Flags &^= AddrPermanent
	}
	if a.Prefix.Addr().Is4() {
		return addAddr4(ns, d, a, replace)
	}
	if a.Prefix.Addr().Is4In6() {
		return extack.Errno(syscall.EINVAL)
	}
	return addAddr6(ns, d, a, replace)
}

// DelAddr deletes an address (ip addr del): EADDRNOTAVAIL when absent.
// A zero Prefix length with Wildcard matches any prefix length, as
// iproute2's "ip addr del ADDR" without a length.
func DelAddr(ns *netdev.Namespace, a Addr) error {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	return DelAddrLocked(ns, a, false)
}

// DelAddrWildcard deletes the first address on the device whose local
// address is a.Prefix.Addr(), whatever its prefix length (the old
// "ip addr del 192.0.2.1 dev d0" behaviour).
func DelAddrWildcard(ns *netdev.Namespace, a Addr) error {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	return DelAddrLocked(ns, a, true)
}

// DelAddrLocked is DelAddr with the RTNL held.
func DelAddrLocked(ns *netdev.Namespace, a Addr, wildcard bool) error {
	d := ns.Device(a.Ifindex)
	if d == nil {
		return extack.Errno(syscall.ENODEV)
	}
	if a.Prefix.Addr().Is4() {
		return delAddr4(ns, d, a, wildcard)
	}
	return delAddr6(ns, d, a, wildcard)
}

// Addrs lists addresses: ifindex 0 for every device, family 0 for both,
// in Linux's dump order (by device, IPv4 before IPv6, each in the order
// of the device's list).
func Addrs(ns *netdev.Namespace, ifindex int32, family int) []Addr {
	var out []Addr
	for _, d := range ns.Devices() {
		if ifindex != 0 && d.Index() != ifindex {
			continue
		}
		if family != FamilyV6 {
			out = append(out, addrs4(d)...)
		}
		if family != FamilyV4 {
			out = append(out, addrs6(d)...)
		}
	}
	return out
}

// FlushAddrs deletes the addresses of a device (ifindex 0: every device)
// of a family (0: both).
func FlushAddrs(ns *netdev.Namespace, ifindex int32, family int) error {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	if ifindex != 0 && ns.Device(ifindex) == nil {
		return extack.Errno(syscall.ENODEV)
	}
	for _, a := range Addrs(ns, ifindex, family) {
		d := ns.Device(a.Ifindex)
		if a.Prefix.Addr().Is4() {
			// Deleting a primary takes its secondaries with it.
			if i := indexAddr(addrs4(d), a); i >= 0 {
				delAddr4At(ns, d, i)
			}
		} else if i := indexAddr(addrs6(d), a); i >= 0 {
			delAddr6At(ns, d, i)
		}
	}
	return nil
}

func indexAddr(list []Addr, a Addr) int {
	return slices.IndexFunc(list, func(x Addr) bool { return x.Prefix == a.Prefix && x.Peer == a.Peer })
}

// publish4 stores a new IPv4 address list for the device.
func publish4(d *netdev.Device, list []Addr) {
	notifyAddrs(d, FamilyV4, devOf(d).v4.Swap(&list), list)
}

// publish6 stores a new IPv6 address list for the device.
func publish6(d *netdev.Device, list []Addr) {
	notifyAddrs(d, FamilyV6, devOf(d).v6.Swap(&list), list)
}

// ifaMatch4 reports whether x lies in the subnet of a (inet_ifa_match):
// the peer's subnet for a point-to-point address.
func ifaMatch4(x netip.Addr, a Addr) bool { return subnet4(a).Contains(x) }

// subnet4 is the prefix an IPv4 address's prefix route covers.
func subnet4(a Addr) netip.Prefix {
	if a.Peer.IsValid() {
		return a.Peer.Masked()
	}
	return a.Prefix.Masked()
}

// addrBits is the address's prefix length (of its peer if any).
func addrBits(a Addr) int {
	if a.Peer.IsValid() {
		return a.Peer.Bits()
	}
	return a.Prefix.Bits()
}

func addAddr4(ns *netdev.Namespace, d *netdev.Device, a Addr, replace bool) error {
	if a.Label == "" {
		a.Label = d.Name()
	}
	if a.Peer.IsValid() {
		a.Prefix = netip.PrefixFrom(a.Prefix.Addr(), a.Peer.Bits())
	}
	a.Flags &^= AddrSecondary | AddrTentative | AddrDADFailed
	list := addrs4(d)
	for i, x := range list {
		if x.Prefix == a.Prefix && subnet4(x) == subnet4(a) {
			if !replace {
				return extack.Errno(syscall.EEXIST)
			}
			n := slices.Clone(list)
			n[i].ValidLft, n[i].PreferredLft, n[i].Metric = a.ValidLft, a.PreferredLft, a.Metric
			publish4(d, n)
			return nil
		}
	}
	for _, x := range list {
		if x.Flags&AddrSecondary == 0 && addrBits(x) == addrBits(a) && ifaMatch4(subnet4(a).Addr(), x) {
			if x.Scope != a.Scope {
				return extack.Errno(syscall.EINVAL)
			}
			a.Flags |= AddrSecondary
			break
		}
	}
	pos := len(list)
	if a.Flags&AddrSecondary == 0 {
		// A primary goes after the last primary of scope >= its own.
		pos = 0
		for i, x := range list {
			if x.Flags&AddrSecondary == 0 && a.Scope <= x.Scope {
				pos = i + 1
			}
		}
	}
	publish4(d, slices.Insert(slices.Clone(list), pos, a))
	st := stateOf(ns)
	for _, r := range kernelRoutes4(ns, d, a) {
		st.insertKernelRoute(r)
	}
	return nil
}

func delAddr4(ns *netdev.Namespace, d *netdev.Device, a Addr, wildcard bool) error {
	for i, x := range addrs4(d) {
		if x.Prefix.Addr() != a.Prefix.Addr() {
			continue
		}
		if a.Label != "" && a.Label != x.Label {
			continue
		}
		if !wildcard {
			want := a.Prefix
			if a.Peer.IsValid() {
				want = a.Peer
			}
			if want.Bits() != addrBits(x) || !ifaMatch4(want.Addr(), x) {
				continue
			}
		}
		delAddr4At(ns, d, i)
		return nil
	}
	return extack.Errno(syscall.EADDRNOTAVAIL)
}

// delAddr4At deletes address i of the device and, for a primary, its
// secondaries (promote_secondaries off), with their routes.
func delAddr4At(ns *netdev.Namespace, d *netdev.Device, i int) {
	list := addrs4(d)
	a := list[i]
	var gone []Addr
	keep := make([]Addr, 0, len(list))
	for j, x := range list {
		if j == i || (a.Flags&AddrSecondary == 0 && x.Flags&AddrSecondary != 0 &&
			addrBits(x) == addrBits(a) && ifaMatch4(x.Prefix.Addr(), a)) {
			gone = append(gone, x)
			continue
		}
		keep = append(keep, x)
	}
	var routes []Route
	for _, g := range gone {
		routes = append(routes, kernelRoutes4(ns, d, g)...)
	}
	publish4(d, keep)
	st := stateOf(ns)
	for _, r := range routes {
		if !routeStillWanted4(ns, r) {
			st.deleteExact(r)
		}
	}
	st.flushPMTU()
}

// primaryFor returns the primary address a secondary belongs to (itself
// for a primary).
func primaryFor(d *netdev.Device, a Addr) Addr {
	if a.Flags&AddrSecondary == 0 {
		return a
	}
	for _, x := range addrs4(d) {
		if x.Flags&AddrSecondary == 0 && addrBits(x) == addrBits(a) && ifaMatch4(a.Prefix.Addr(), x) {
			return x
		}
	}
	return a
}

// kernelRoutes4 returns the routes an IPv4 address implies (fib_add_ifaddr):
// the local route always, and when the device is up the prefix route and
// the broadcast routes.
func kernelRoutes4(ns *netdev.Namespace, d *netdev.Device, a Addr) []Route {
	prim := primaryFor(d, a).Prefix.Addr()
	local := a.Prefix.Addr()
	base := Route{Family: FamilyV4, Protocol: ProtoKernel, Ifindex: d.Index(), PrefSrc: prim}
	r := base
	r.Table, r.Type, r.Scope, r.Dst = TableLocal, RouteLocal, ScopeHost, netip.PrefixFrom(local, 32)
	out := []Route{r}
	if !d.IsUp() {
		return out
	}
	if a.Broadcast.IsValid() && a.Broadcast != netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		r = base
		r.Table, r.Type, r.Scope, r.Dst = TableLocal, RouteBroadcast, ScopeLink, netip.PrefixFrom(a.Broadcast, 32)
		out = append(out, r)
	}
	sub := subnet4(a)
	if a.Flags&AddrSecondary == 0 && !sub.Addr().IsUnspecified() && (sub.Addr() != local || sub.Bits() < 32) {
		if a.Flags&AddrNoPrefixRoute == 0 {
			r = base
			r.Table, r.Type, r.Scope, r.Dst, r.Metric = TableMain, RouteUnicast, ScopeLink, sub, a.Metric
			if d.Flags()&netdev.FlagLoopback != 0 {
				r.Table, r.Type, r.Scope = TableLocal, RouteLocal, ScopeHost
			}
			out = append(out, r)
		}
		if sub.Bits() < 31 {
			r = base
			r.Table, r.Type, r.Scope = TableLocal, RouteBroadcast, ScopeLink
			r.Dst = netip.PrefixFrom(lastAddr(sub), 32)
			out = append(out, r)
		}
	}
	return out
}

// routeStillWanted4 reports whether some remaining address still implies r.
func routeStillWanted4(ns *netdev.Namespace, r Route) bool {
	d := ns.Device(r.Ifindex)
	if d == nil {
		return false
	}
	for _, x := range addrs4(d) {
		for _, k := range kernelRoutes4(ns, d, x) {
			if sameRoute(k, r) {
				return true
			}
		}
	}
	return false
}

// lastAddr is the highest address of a prefix (its broadcast address).
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
