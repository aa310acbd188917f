package inet

import (
	"net/netip"
	"slices"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/inet/fib"
	"github.com/softnet/softnet/netdev"
)

// AddRoute adds a route with NLM_F_* semantics: add is Create|Excl,
// replace Create|Replace, append Create|Append, prepend Create, change
// Replace. Errors are Linux's: EEXIST, ENOENT (change of nothing), ENODEV
// (no device for a unicast route), "Nexthop has invalid gateway" (EINVAL),
// EHOSTUNREACH (IPv6 gateway without a route), "Invalid prefix for given
// prefix length" (EINVAL).
//
// Scope is taken as given: callers compute it as iproute2 does (host for
// local, link for a route without a gateway, universe otherwise). A
// Table of 0 means main; an IPv6 Metric of 0 means 1024.
func AddRoute(ns *netdev.Namespace, r Route, flags RouteAddFlags) error {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	return AddRouteLocked(ns, r, flags)
}

// AddRouteLocked is AddRoute with the RTNL held.
func AddRouteLocked(ns *netdev.Namespace, r Route, flags RouteAddFlags) error {
	st := stateOf(ns)
	fr, err := st.buildRoute(r)
	if err != nil {
		return err
	}
	t := st.tableCreate(fr.r.Table)
	var ferr error
	t.t.Update(func(tx *fib.Tx[*fibEntry]) {
		old, _ := tx.Get(fr.r.Dst)
		var routes []*fibRoute
		if old != nil {
			routes = old.routes
		}
		routes, ferr = insertRoute(routes, fr, flags)
		if ferr == nil {
			tx.Insert(fr.r.Dst, &fibEntry{routes: routes})
			st.notifyInsert(old, routes, fr)
		}
	})
	return ferr
}

// insertRoute places fr in a prefix's list following fib_table_insert
// (IPv4) and fib6_add_rt2node (IPv6).
func insertRoute(routes []*fibRoute, fr *fibRoute, flags RouteAddFlags) ([]*fibRoute, error) {
	first, last := -1, -1
	for i, x := range routes {
		if x.r.Metric == fr.r.Metric && x.r.TOS == fr.r.TOS {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first >= 0 {
		same := slices.IndexFunc(routes[first:last+1], func(x *fibRoute) bool { return sameNexthop(x.r, fr.r) })
		switch {
		case flags&RouteExcl != 0 && (fr.r.Family == FamilyV4 || same >= 0):
			return nil, extack.Errno(syscall.EEXIST)
		case flags&RouteReplace != 0:
			n := slices.Clone(routes)
			n[first] = fr
			return n, nil
		case same >= 0:
			return nil, extack.Errno(syscall.EEXIST)
		case flags&RouteAppend != 0 || fr.r.Family == FamilyV6:
			return slices.Insert(slices.Clone(routes), last+1, fr), nil
		default:
			return slices.Insert(slices.Clone(routes), first, fr), nil
		}
	}
	if flags&RouteCreate == 0 {
		return nil, extack.Errno(syscall.ENOENT)
	}
	pos := len(routes)
	for i, x := range routes {
		if x.r.Metric > fr.r.Metric {
			pos = i
			break
		}
	}
	return slices.Insert(slices.Clone(routes), pos, fr), nil
}

func sameNexthop(a, b Route) bool {
	return a.Gateway == b.Gateway && a.Ifindex == b.Ifindex && a.Type == b.Type
}

// sameRoute reports whether two routes are the same entry.
func sameRoute(a, b Route) bool {
	return a.Family == b.Family && a.Table == b.Table && a.Dst == b.Dst && a.Type == b.Type &&
		a.Protocol == b.Protocol && a.Scope == b.Scope && a.Gateway == b.Gateway &&
		a.Ifindex == b.Ifindex && a.PrefSrc == b.PrefSrc && a.Metric == b.Metric &&
		a.MTU == b.MTU && a.MTULock == b.MTULock && a.TOS == b.TOS && a.Flags == b.Flags
}

// buildRoute validates a request and resolves its nexthop
// (fib_create_info / ip6_route_info_create).
func (st *netState) buildRoute(r Route) (*fibRoute, error) {
	ns := st.ns
	if !r.Dst.IsValid() {
		return nil, extack.Errno(syscall.EINVAL)
	}
	if r.Family == 0 {
		r.Family = familyOf(r.Dst.Addr())
	}
	if r.Family != familyOf(r.Dst.Addr()) || (r.Gateway.IsValid() && familyOf(r.Gateway) != r.Family) {
		return nil, extack.Errno(syscall.EINVAL)
	}
	if r.Dst != r.Dst.Masked() {
		return nil, extack.New(syscall.EINVAL, "Invalid prefix for given prefix length")
	}
	if r.Table == 0 {
		r.Table = TableMain
	}
	if r.Type == RouteUnspec {
		r.Type = RouteUnicast
	}
	if r.MTU > 65535-15 {
		r.MTU = 65535 - 15
	}
	if r.Family == FamilyV6 {
		r.Scope = ScopeUniverse
		if r.Metric == 0 {
			r.Metric = 1024
		}
	}
	if r.Ifindex != 0 && ns.Device(r.Ifindex) == nil {
		return nil, extack.Errno(syscall.ENODEV)
	}
	if r.PrefSrc.IsValid() && !st.isLocalAddr(r.PrefSrc) {
		return nil, extack.New(syscall.EINVAL, "Invalid prefsrc address")
	}
	switch {
	case r.Type.isReject():
		r.Gateway = netip.Addr{}
		if r.Family == FamilyV6 {
			r.Ifindex = ns.Loopback().Index()
		} else {
			r.Ifindex = 0
		}
	case r.Family == FamilyV4:
		if err := st.checkNexthop4(&r); err != nil {
			return nil, err
		}
	default:
		if err := st.checkNexthop6(&r); err != nil {
			return nil, err
		}
	}
	return newFibRoute(ns, r), nil
}

// newFibRoute precomputes the output part of a route.
func newFibRoute(ns *netdev.Namespace, r Route) *fibRoute {
	fr := &fibRoute{r: r}
	fr.dst = Dst{Type: r.Type, Family: r.Family, Gateway: r.Gateway, PrefSrc: r.PrefSrc,
		MTU: r.MTU, MTULock: r.MTULock, Scope: r.Scope, route: &fr.r}
	if r.Ifindex != 0 {
		fr.dst.Dev = ns.Device(r.Ifindex)
	}
	return fr
}

// checkNexthop4 is fib_check_nh for IPv4.
func (st *netState) checkNexthop4(r *Route) error {
	if !r.Gateway.IsValid() {
		if r.Ifindex == 0 {
			return extack.Errno(syscall.ENODEV)
		}
		if d := st.ns.Device(r.Ifindex); !d.IsUp() && r.Type != RouteLocal {
			return extack.New(syscall.ENETDOWN, "Device for nexthop is not up")
		}
		return nil
	}
	if r.Flags&RouteFlagOnlink != 0 {
		if r.Ifindex == 0 {
			return extack.New(syscall.EINVAL, "Nexthop device required for onlink")
		}
		return nil
	}
	// The gateway must be on a connected (link or host scope) route.
	gr := st.lookupScoped(r.Gateway, r.Ifindex, ScopeLink)
	if gr == nil || (gr.r.Type != RouteUnicast && gr.r.Type != RouteLocal) ||
		(r.Ifindex != 0 && gr.r.Ifindex != r.Ifindex) {
		return extack.New(syscall.EINVAL, "Nexthop has invalid gateway")
	}
	r.Ifindex = gr.r.Ifindex
	return nil
}

// checkNexthop6 is ip6_validate_gw.
func (st *netState) checkNexthop6(r *Route) error {
	if !r.Gateway.IsValid() {
		if r.Ifindex == 0 {
			return extack.Errno(syscall.ENODEV)
		}
		if d := st.ns.Device(r.Ifindex); !d.IsUp() && r.Type != RouteLocal {
			return extack.New(syscall.ENETDOWN, "Nexthop device is not up")
		}
		return nil
	}
	if st.isLocalAddr(r.Gateway) {
		return extack.New(syscall.EINVAL, "Gateway can not be a local address")
	}
	if r.Gateway.IsLinkLocalUnicast() {
		if r.Ifindex == 0 {
			return extack.New(syscall.EINVAL, "Nexthop has invalid gateway")
		}
		return nil
	}
	if r.Flags&RouteFlagOnlink != 0 && r.Ifindex != 0 {
		return nil
	}
	gr := st.lookupScoped(r.Gateway, r.Ifindex, ScopeUniverse)
	if gr == nil || gr.r.Gateway.IsValid() || gr.r.Type != RouteUnicast ||
		(r.Ifindex != 0 && gr.r.Ifindex != r.Ifindex) {
		return extack.Errno(syscall.EHOSTUNREACH)
	}
	r.Ifindex = gr.r.Ifindex
	return nil
}

// DelRoute deletes a route: ESRCH "No such process" when absent. Fields
// left zero are wildcards (Scope: pass ScopeNowhere or leave zero).
func DelRoute(ns *netdev.Namespace, r Route) error {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	return DelRouteLocked(ns, r)
}

// DelRouteLocked is DelRoute with the RTNL held.
func DelRouteLocked(ns *netdev.Namespace, r Route) error {
	st := stateOf(ns)
	if !r.Dst.IsValid() {
		return extack.Errno(syscall.EINVAL)
	}
	if r.Table == 0 {
		r.Table = TableMain
	}
	if r.Family == 0 {
		r.Family = familyOf(r.Dst.Addr())
	}
	t := st.table(r.Table)
	if t == nil {
		return extack.New(syscall.ESRCH, "FIB table does not exist")
	}
	found := false
	t.t.Update(func(tx *fib.Tx[*fibEntry]) {
		old, ok := tx.Get(r.Dst)
		if !ok {
			return
		}
		for i, x := range old.routes {
			if delMatches(x.r, r) {
				found = true
				setEntry(tx, r.Dst, slices.Delete(slices.Clone(old.routes), i, i+1))
				st.notifyRoute(EventDelRoute, x.r)
				return
			}
		}
	})
	if !found {
		return extack.Errno(syscall.ESRCH)
	}
	st.flushPMTU()
	return nil
}

func setEntry(tx *fib.Tx[*fibEntry], p netip.Prefix, routes []*fibRoute) {
	if len(routes) == 0 {
		tx.Delete(p)
		return
	}
	tx.Insert(p, &fibEntry{routes: routes})
}

// delMatches is the delete-time match of fib_table_delete / ip6_route_del.
func delMatches(x, r Route) bool {
	return x.Family == r.Family && x.TOS == r.TOS &&
		(r.Type == RouteUnspec || x.Type == r.Type) &&
		(r.Scope == ScopeUniverse || r.Scope == ScopeNowhere || x.Scope == r.Scope) &&
		(r.Protocol == 0 || x.Protocol == r.Protocol) &&
		(!r.PrefSrc.IsValid() || x.PrefSrc == r.PrefSrc) &&
		(!r.Gateway.IsValid() || x.Gateway == r.Gateway) &&
		(r.Ifindex == 0 || x.Ifindex == r.Ifindex) &&
		(r.Metric == 0 || x.Metric == r.Metric)
}

// Routes lists routes in Linux's dump order: IPv4 then IPv6; tables in
// ascending id; prefixes in each family's trie order; routes of a prefix
// in list order.
func Routes(ns *netdev.Namespace, f RouteFilter) []Route {
	st := stateOf(ns)
	var out []Route
	ids := st.tableIDs()
	for _, fam := range []int{FamilyV4, FamilyV6} {
		if f.Family != 0 && f.Family != fam {
			continue
		}
		for _, id := range ids {
			if f.Table != 0 && f.Table != id {
				continue
			}
			snap := st.table(id).t.Snapshot()
			walk := snap.Walk4
			if fam == FamilyV6 {
				walk = snap.Walk6
			}
			walk(func(_ netip.Prefix, e *fibEntry) bool {
				for _, x := range e.routes {
					if f.matches(x.r) {
						out = append(out, dumpRoute(x))
					}
				}
				return true
			})
		}
	}
	return out
}

// dumpRoute is a route as a dump shows it: with linkdown set when its
// device is up without carrier.
func dumpRoute(x *fibRoute) Route {
	r := cloneRoute(x.r)
	if d := x.dst.Dev; d != nil && d.IsUp() && !linkReady(d) && r.Type != RouteLocal {
		r.Flags |= RouteFlagLinkdown
	}
	return r
}

func cloneRoute(r Route) Route {
	r.Metrics = slices.Clone(r.Metrics)
	return r
}

func (f *RouteFilter) matches(r Route) bool {
	return (!f.Dst.IsValid() || f.Dst.Masked() == r.Dst) &&
		(f.Type == RouteUnspec || f.Type == r.Type) &&
		(f.Protocol == 0 || f.Protocol == r.Protocol) &&
		(f.Scope == nil || *f.Scope == r.Scope) &&
		(f.Ifindex == 0 || f.Ifindex == r.Ifindex) &&
		(!f.Gateway.IsValid() || f.Gateway == r.Gateway)
}

func (st *netState) tableIDs() []uint32 {
	m := *st.tables.Load()
	ids := make([]uint32, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// FlushRoutes deletes the routes f selects and returns how many.
func FlushRoutes(ns *netdev.Namespace, f RouteFilter) (int, error) {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	st := stateOf(ns)
	if f.Table != 0 && st.table(f.Table) == nil {
		return 0, nil
	}
	n := 0
	for _, r := range Routes(ns, f) {
		r.Flags &^= RouteFlagLinkdown
		if st.deleteExact(r) {
			n++
		}
	}
	st.flushPMTU()
	return n, nil
}

// insertKernelRoute adds a route the kernel derives (fib_magic with
// NLM_F_APPEND): an identical route already present is left alone.
func (st *netState) insertKernelRoute(r Route) {
	fr := newFibRoute(st.ns, r)
	t := st.tableCreate(r.Table)
	t.t.Update(func(tx *fib.Tx[*fibEntry]) {
		old, _ := tx.Get(r.Dst)
		var routes []*fibRoute
		if old != nil {
			routes = old.routes
			for _, x := range routes {
				if sameRoute(x.r, r) {
					return
				}
			}
		}
		pos := len(routes)
		for i, x := range routes {
			if x.r.Metric > r.Metric {
				pos = i
				break
			}
		}
		tx.Insert(r.Dst, &fibEntry{routes: slices.Insert(slices.Clone(routes), pos, fr)})
		st.notifyRoute(EventNewRoute, fr.r)
	})
}

// deleteExact removes a route identical to r.
func (st *netState) deleteExact(r Route) bool {
	t := st.table(r.Table)
	if t == nil {
		return false
	}
	found := false
	t.t.Update(func(tx *fib.Tx[*fibEntry]) {
		old, ok := tx.Get(r.Dst)
		if !ok {
			return
		}
		for i, x := range old.routes {
			if sameRoute(x.r, r) {
				found = true
				setEntry(tx, r.Dst, slices.Delete(slices.Clone(old.routes), i, i+1))
				st.notifyRoute(EventDelRoute, x.r)
				return
			}
		}
	})
	return found
}

// deleteDevRoutes removes the routes of a family through a device; with
// keepLocal, IPv4 local routes stay (they survive a device going down).
func (st *netState) deleteDevRoutes(ifindex int32, family int, keepLocal bool) {
	for _, id := range st.tableIDs() {
		t := st.table(id)
		t.t.Update(func(tx *fib.Tx[*fibEntry]) {
			var dead []netip.Prefix
			var repl []*fibEntry
			snap := t.t.Snapshot()
			walk := snap.Walk4
			if family == FamilyV6 {
				walk = snap.Walk6
			}
			walk(func(p netip.Prefix, e *fibEntry) bool {
				keep := e.routes[:0:0]
				for _, x := range e.routes {
					if x.r.Ifindex == ifindex && !(keepLocal && x.r.Type == RouteLocal) {
						st.notifyRoute(EventDelRoute, x.r)
						continue
					}
					keep = append(keep, x)
				}
				if len(keep) != len(e.routes) {
					dead = append(dead, p)
					repl = append(repl, &fibEntry{routes: keep})
				}
				return true
			})
			for i, p := range dead {
				setEntry(tx, p, repl[i].routes)
			}
		})
	}
	st.flushPMTU()
}
