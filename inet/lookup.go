package inet

import (
	"net/netip"
	"syscall"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
)

// Dst is a resolved route (struct dst_entry with rtable / rt6_info): what
// the output path needs to send a packet. Dsts belong to the routing
// table and are immutable; do not modify one.
type Dst struct {
	Type   RouteType
	Family int
	// Dev is the output device (nil for reject routes).
	Dev *netdev.Device
	// Gateway is the nexthop; zero when the destination is on-link.
	Gateway netip.Addr
	// PrefSrc is the route's preferred source, or zero.
	PrefSrc netip.Addr
	// MTU is the route's mtu metric (0: the device's).
	MTU     uint32
	MTULock bool
	Scope   Scope
	route   *Route
}

// Route returns the FIB route the Dst comes from.
func (d *Dst) Route() Route {
	if d.route == nil {
		return Route{}
	}
	return cloneRoute(*d.route)
}

// Nexthop returns the address to resolve for a packet to daddr.
func (d *Dst) Nexthop(daddr netip.Addr) netip.Addr {
	if d.Gateway.IsValid() {
		return d.Gateway
	}
	return daddr
}

// PathMTU returns the MTU for a packet to daddr: a PMTU exception if one
// is cached, else the route's mtu metric, else the device's MTU.
func (d *Dst) PathMTU(daddr netip.Addr) uint32 {
	if d.Dev == nil {
		return 0
	}
	mtu := d.Dev.MTU()
	if d.MTU != 0 && d.MTU < mtu {
		mtu = d.MTU
	}
	if !d.MTULock {
		if ns := d.Dev.Namespace(); ns != nil {
			if p, ok := stateOf(ns).pmtuLookup(daddr); ok && p < mtu {
				mtu = p
			}
		}
	}
	return mtu
}

// SelectSource returns the source address for a packet to daddr over
// this route (the preferred source, or inet_select_addr / ipv6_dev_get_saddr).
func (d *Dst) SelectSource(daddr netip.Addr) netip.Addr {
	if d.PrefSrc.IsValid() {
		return d.PrefSrc
	}
	if d.Dev == nil {
		return netip.Addr{}
	}
	ns := d.Dev.Namespace()
	if ns == nil {
		return netip.Addr{}
	}
	if d.Type == RouteLocal {
		return daddr
	}
	if d.Family == FamilyV4 {
		return selectSrc4(ns, d.Dev, d.Nexthop(daddr), d.Scope)
	}
	return selectSrc6(ns, d.Dev, daddr)
}

// ruleTables are the tables the default rules consult, in order.
var ruleTables = [...]uint32{TableLocal, TableMain, TableDefault}

// lookup is fib_lookup with the default rules: local, main, default. A
// throw route continues with the next table. oif restricts the nexthop
// device (0: any); minScope is the narrowest route scope allowed.
func (st *netState) lookupScoped(a netip.Addr, oif int32, minScope Scope) *fibRoute {
	for _, id := range ruleTables {
		t := st.table(id)
		if t == nil {
			continue
		}
		fr := lookupTable(t, a, oif, minScope)
		if fr == nil {
			continue
		}
		if fr.r.Type == RouteThrow {
			continue
		}
		return fr
	}
	return nil
}

// lookup is the unrestricted lookup of the packet paths.
func (st *netState) lookup(a netip.Addr) *fibRoute {
	if fr := lookupTable(st.local, a, 0, 0); fr != nil && fr.r.Type != RouteThrow {
		return fr
	}
	if fr := lookupTable(st.main, a, 0, 0); fr != nil && fr.r.Type != RouteThrow {
		return fr
	}
	if t := st.table(TableDefault); t != nil {
		if fr := lookupTable(t, a, 0, 0); fr != nil && fr.r.Type != RouteThrow {
			return fr
		}
	}
	return nil
}

// lookupTable returns the first usable route of the longest matching
// prefix, backtracking to shorter prefixes when none is usable.
func lookupTable(t *rtable, a netip.Addr, oif int32, minScope Scope) *fibRoute {
	snap := t.t.Snapshot()
	p, e, ok := snap.Lookup(a)
	for ok {
		for _, x := range e.routes {
			if usable(x, oif, minScope) {
				return x
			}
		}
		bits := p.Bits()
		ok = false
		for b := bits - 1; b >= 0; b-- {
			q, _ := a.Prefix(b)
			if e2, found := snap.Get(q); found {
				p, e, ok = q, e2, true
				break
			}
		}
	}
	return nil
}

func usable(x *fibRoute, oif int32, minScope Scope) bool {
	if x.r.Scope < minScope {
		return false
	}
	if oif != 0 && x.r.Ifindex != oif && !x.r.Type.isReject() && x.r.Type != RouteLocal {
		return false
	}
	return true
}

// isLocalAddr reports whether a is an address of this namespace (its
// local table has a local route for it).
func (st *netState) isLocalAddr(a netip.Addr) bool {
	fr := lookupTable(st.local, a, 0, 0)
	return fr != nil && fr.r.Type == RouteLocal
}

// selectSrc4 is inet_select_addr: a primary address of dev within scope,
// preferably on dst's subnet, else one of another device.
func selectSrc4(ns *netdev.Namespace, dev *netdev.Device, dst netip.Addr, scope Scope) netip.Addr {
	var first netip.Addr
	for _, a := range addrs4(dev) {
		if a.Flags&AddrSecondary != 0 || a.Scope > scope {
			continue
		}
		if !dst.IsValid() || ifaMatch4(dst, a) {
			return a.Prefix.Addr()
		}
		if !first.IsValid() {
			first = a.Prefix.Addr()
		}
	}
	if first.IsValid() {
		return first
	}
	for _, d := range ns.Devices() {
		for _, a := range addrs4(d) {
			if a.Flags&AddrSecondary == 0 && a.Scope != ScopeLink && a.Scope <= scope {
				return a.Prefix.Addr()
			}
		}
	}
	return netip.Addr{}
}

// selectSrc6 is a small ipv6_dev_get_saddr: among usable addresses, the
// same scope as dst first, then the longest common prefix, preferring
// the output device.
func selectSrc6(ns *netdev.Namespace, dev *netdev.Device, dst netip.Addr) netip.Addr {
	var best netip.Addr
	bestScore := -1
	consider := func(a Addr, onDev bool) {
		if a.Flags&(AddrTentative|AddrDADFailed) != 0 {
			return
		}
		sa, sd := srcScope6(a.Prefix.Addr()), srcScope6(dst)
		score := 0
		switch {
		case sa == sd:
			score = 4000
		case sa > sd:
			score = 3000 - sa
		default:
			score = 1000 + sa
		}
		if onDev {
			score += 500
		}
		score += commonPrefixLen(a.Prefix.Addr(), dst)
		if score > bestScore {
			best, bestScore = a.Prefix.Addr(), score
		}
	}
	if dev != nil {
		for _, a := range addrs6(dev) {
			consider(a, true)
		}
	}
	if dst.IsLinkLocalUnicast() {
		return best
	}
	for _, d := range ns.Devices() {
		if d == dev {
			continue
		}
		for _, a := range addrs6(d) {
			if a.Scope == ScopeUniverse {
				consider(a, false)
			}
		}
	}
	return best
}

func commonPrefixLen(a, b netip.Addr) int {
	x, y := a.As16(), b.As16()
	n := 0
	for i := range x {
		d := x[i] ^ y[i]
		if d == 0 {
			n += 8
			continue
		}
		for d&0x80 == 0 {
			n++
			d <<= 1
		}
		break
	}
	return n
}

// rejectErr maps a reject route to its errno (ip_route_output / RTN
// error table).
func rejectErr(t RouteType) error {
	switch t {
	case RouteBlackhole:
		return extack.Errno(syscall.EINVAL)
	case RouteUnreachable:
		return extack.Errno(syscall.EHOSTUNREACH)
	case RouteProhibit:
		return extack.Errno(syscall.EACCES)
	}
	return extack.Errno(syscall.ENETUNREACH)
}

// OutputLookup finds the output route for a locally generated packet
// (ip_route_output_key / ip6_route_output). Errors: ENETUNREACH (no
// route), EHOSTUNREACH (unreachable), EACCES (prohibit), EINVAL
// (blackhole).
func OutputLookup(ns *netdev.Namespace, fl Flow) (*Dst, error) {
	st := stateOf(ns)
	if !fl.Dst.IsValid() {
		return nil, extack.Errno(syscall.EINVAL)
	}
	if fl.Src.IsValid() && !fl.Src.IsUnspecified() && !st.isLocalAddr(fl.Src) {
		return nil, extack.Errno(syscall.ENETUNREACH)
	}
	fr := st.lookupScoped(fl.Dst, fl.Oif, 0)
	if fr == nil && fl.Oif != 0 && (fl.Dst.IsMulticast() || fl.Dst.IsLinkLocalUnicast() || isLimitedBcast(fl.Dst)) {
		return st.oifDst(fl), nil
	}
	if fr == nil {
		return nil, extack.Errno(syscall.ENETUNREACH)
	}
	if fr.r.Type.isReject() {
		return nil, rejectErr(fr.r.Type)
	}
	return &fr.dst, nil
}

// oifDst is the device route for a link-scope destination with an oif.
func (st *netState) oifDst(fl Flow) *Dst {
	fam := familyOf(fl.Dst)
	return &Dst{Type: RouteUnicast, Family: fam, Dev: st.ns.Device(fl.Oif), Scope: ScopeLink}
}

func isLimitedBcast(a netip.Addr) bool { return a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) }

// RouteGet resolves a destination as ip route get does, with Linux's
// errors (ENETUNREACH, EHOSTUNREACH, EACCES, EINVAL).
func RouteGet(ns *netdev.Namespace, req RouteGetRequest) (RouteGetResult, error) {
	st := stateOf(ns)
	res := RouteGetResult{Dst: req.Dst, Src: req.Src, Mark: req.Mark}
	if !req.Dst.IsValid() {
		return res, extack.Errno(syscall.EINVAL)
	}
	var oif int32
	if req.Oif != "" {
		d, err := ns.LookupDevice(req.Oif)
		if err != nil {
			return res, err
		}
		oif = d.Index()
	}
	var iif *netdev.Device
	if req.Iif != "" {
		d, err := ns.LookupDevice(req.Iif)
		if err != nil {
			return res, err
		}
		iif = d
		res.Iif = d.Index()
	}
	if iif == nil && req.Src.IsValid() && !st.isLocalAddr(req.Src) {
		return res, extack.Errno(syscall.ENETUNREACH)
	}
	fr := st.lookupScoped(req.Dst, oif, 0)
	if fr == nil {
		if oif != 0 && (req.Dst.IsLinkLocalUnicast() || req.Dst.IsMulticast()) {
			dst := st.oifDst(Flow{Dst: req.Dst, Oif: oif})
			res.Type, res.Ifindex = RouteUnicast, oif
			res.PrefSrc = dst.SelectSource(req.Dst)
			return res, nil
		}
		return res, extack.Errno(syscall.ENETUNREACH)
	}
	res.Route = cloneRoute(fr.r)
	if req.FibMatch {
		return res, nil
	}
	if fr.r.Type.isReject() {
		return res, rejectErr(fr.r.Type)
	}
	if iif != nil && fr.r.Type != RouteLocal && fr.r.Type != RouteBroadcast {
		if !st.forwarding(familyOf(req.Dst)) || st.isLocalAddr(req.Src) {
			return res, extack.Errno(syscall.EHOSTUNREACH)
		}
	}
	res.Type = fr.r.Type
	res.Gateway = fr.r.Gateway
	res.Ifindex = fr.r.Ifindex
	switch fr.r.Type {
	case RouteLocal:
		res.Ifindex = ns.Loopback().Index()
		res.CacheFlags = []string{"local"}
	case RouteBroadcast:
		res.CacheFlags = []string{"local", "brd"}
	}
	if !req.Src.IsValid() || familyOf(req.Dst) == FamilyV6 {
		res.PrefSrc = fr.dst.SelectSource(req.Dst)
	}
	if mtu, exp, ok := st.pmtuGet(req.Dst); ok {
		res.MTU, res.Expires = mtu, exp
	}
	return res, nil
}

// pmtuGet returns a live PMTU exception and its remaining lifetime.
func (st *netState) pmtuGet(a netip.Addr) (uint32, time.Duration, bool) {
	e, ok := (*st.pmtu.Load())[a]
	if !ok {
		return 0, 0, false
	}
	left := e.expires.Sub(st.ns.World().Now())
	if left <= 0 {
		return 0, 0, false
	}
	return e.mtu, left, true
}
