package iproute

import (
	"net/netip"
	"strconv"

	"github.com/softnet/softnet/inet"
)

// routeFilter is iproute2's route filter (struct filter in iproute.c).
type routeFilter struct {
	tb                   uint32 // 0: every table
	family               int    // the dump family
	protocol             uint8
	protoMask            bool
	scope                inet.Scope
	scopeMask            bool
	typeMask             uint32
	tos                  uint8
	tosMask              bool
	rdst, mdst           inetArg
	hasRdst, hasMdst     bool
	rvia, rprefsrc       inetArg
	hasRvia, hasRprefsrc bool
	oif                  int32
	oifMask              bool
	metric               uint32
	metricMask           bool
	cloned               bool
	oifName, iifName     string
	markSet              bool
}

// parseRouteFilter is the argument loop of iproute_list_flush_or_save.
func parseRouteFilter(args []string, family int) (*routeFilter, error) {
	f := &routeFilter{tb: inet.TableMain}
	for len(args) > 0 {
		w := args[0]
		next := func() (string, error) {
			if len(args) < 2 {
				return "", incomplete()
			}
			args = args[1:]
			return args[0], nil
		}
		var v string
		var err error
		switch {
		case Matches(w, "table"):
			if v, err = next(); err != nil {
				return nil, err
			}
			t, ok := parseTable(v)
			switch {
			case ok:
				f.tb = t
			case v == "all":
				f.tb = 0
			case v == "cache":
				f.cloned = true
			case v == "help":
				return nil, usageErr(routeUsage)
			default:
				return nil, invarg("table id value is invalid\n", v)
			}
		case Matches(w, "cached") || Matches(w, "cloned"):
			f.cloned = true
		case w == "tos" || Matches(w, "dsfield"):
			if v, err = next(); err != nil {
				return nil, err
			}
			t, ok := parseDSField(v)
			if !ok {
				return nil, invarg("TOS value is invalid\n", v)
			}
			f.tos, f.tosMask = t, true
		case Matches(w, "protocol"):
			if v, err = next(); err != nil {
				return nil, err
			}
			p, ok := parseProto(v)
			f.protoMask = true
			if !ok {
				if v != "all" {
					return nil, invarg("invalid \"protocol\"\n", v)
				}
				p, f.protoMask = 0, false
			}
			f.protocol = p
		case Matches(w, "scope"):
			if v, err = next(); err != nil {
				return nil, err
			}
			s, ok := parseRtScope(v)
			f.scopeMask = true
			if !ok {
				if v != "all" {
					return nil, invarg("invalid \"scope\"\n", v)
				}
				s, f.scopeMask = inet.ScopeNowhere, false
			}
			f.scope = s
		case Matches(w, "type"):
			if v, err = next(); err != nil {
				return nil, err
			}
			t, ok := parseRouteType(v)
			if !ok || t > 31 {
				return nil, invarg("node type value is invalid\n", v)
			}
			f.typeMask = 1 << t
		case w == "dev" || w == "oif":
			if v, err = next(); err != nil {
				return nil, err
			}
			f.oifName = v
		case w == "iif":
			if v, err = next(); err != nil {
				return nil, err
			}
			f.iifName = v
		case w == "mark":
			if v, err = next(); err != nil {
				return nil, err
			}
			if _, ok := getU32(v); !ok {
				return nil, invarg("invalid mark value", v)
			}
			f.markSet = true
		case Matches(w, "metric") || Matches(w, "priority") || w == "preference":
			if v, err = next(); err != nil {
				return nil, err
			}
			n, ok := getU32(v)
			if !ok {
				return nil, invarg("\"metric\" value is invalid\n", v)
			}
			f.metric, f.metricMask = n, true
		case w == "via":
			if v, err = next(); err != nil {
				return nil, err
			}
			fam := readFamily(v)
			if fam < 0 || fam == FamilyAll {
				fam = family
			} else if v, err = next(); err != nil {
				return nil, err
			}
			if f.rvia, err = getPrefix(v, fam); err != nil {
				return nil, err
			}
			f.hasRvia = true
		case w == "src":
			if v, err = next(); err != nil {
				return nil, err
			}
			if f.rprefsrc, err = getPrefix(v, family); err != nil {
				return nil, err
			}
			f.hasRprefsrc = true
		case Matches(w, "from"), Matches(w, "realms"), Matches(w, "vrf"):
			if _, err = next(); err != nil {
				return nil, err
			}
			return nil, fail(1, "softnet: \"%s\" is not supported by ip route show", w)
		default:
			if err := f.dstWord(&args, family); err != nil {
				return nil, err
			}
		}
		args = args[1:]
	}
	return f, nil
}

// dstWord is [to] [root|match|exact] PREFIX.
func (f *routeFilter) dstWord(args *[]string, family int) error {
	a := *args
	adv := func() error {
		if len(a) < 2 {
			return incomplete()
		}
		a = a[1:]
		return nil
	}
	defer func() { *args = a }()
	if Matches(a[0], "to") {
		if err := adv(); err != nil {
			return err
		}
	}
	mode := "exact"
	switch {
	case Matches(a[0], "root"):
		mode = "root"
	case Matches(a[0], "match"):
		mode = "match"
	case Matches(a[0], "exact"):
	default:
		mode = ""
	}
	if mode != "" {
		if err := adv(); err != nil {
			return err
		}
	}
	p, err := getPrefix(a[0], family)
	if err != nil {
		return err
	}
	switch mode {
	case "root":
		f.rdst, f.hasRdst = p, true
	case "match":
		f.mdst, f.hasMdst = p, true
	default:
		f.rdst, f.mdst, f.hasRdst, f.hasMdst = p, p, true, true
	}
	return nil
}

// match is filter_nlmsg for a FIB route.
func (f *routeFilter) match(r *inet.Route) bool {
	if f.family != FamilyAll && r.Family != f.family {
		return false
	}
	if f.cloned {
		return false // no cached routes are dumped
	}
	if f.tb != 0 && routeTable(r) != f.tb {
		return false
	}
	if f.protoMask && f.protocol != r.Protocol {
		return false
	}
	if f.scopeMask && f.scope != shownScope(r) {
		return false
	}
	if f.typeMask != 0 && f.typeMask&(1<<r.Type) == 0 {
		return false
	}
	if f.tosMask && f.tos != r.TOS {
		return false
	}
	dlen := r.Dst.Bits()
	if f.hasRdst && !rootMatch(f.rdst, r.Family, r.Dst.Addr(), dlen) {
		return false
	}
	if f.hasMdst && !matchMatch(f.mdst, r.Family, r.Dst.Addr(), dlen) {
		return false
	}
	if f.hasRvia && !addrMatch(f.rvia, r.Family, r.Gateway) {
		return false
	}
	if f.hasRprefsrc && !addrMatch(f.rprefsrc, r.Family, r.PrefSrc) {
		return false
	}
	if f.oifMask && r.Ifindex != f.oif {
		return false
	}
	return !f.metricMask || shownMetric(r) == f.metric
}

func routeTable(r *inet.Route) uint32 {
	if r.Table == 0 {
		return inet.TableMain
	}
	return r.Table
}

// shownScope is the scope a route dump reports: IPv6 routes always say
// universe (rt6_fill_node).
func shownScope(r *inet.Route) inet.Scope {
	if r.Family == FamilyInet6 {
		return inet.ScopeUniverse
	}
	return r.Scope
}

func shownMetric(r *inet.Route) uint32 { return r.Metric }

// rootMatch: the route is inside the filter prefix (root PREFIX).
func rootMatch(p inetArg, fam int, dst netip.Addr, dlen int) bool {
	if p.family != FamilyAll && p.family != fam {
		return false
	}
	if p.bits > dlen {
		return false
	}
	return bitsEqual(p.addr, dst, p.bits)
}

// matchMatch: the route covers the filter prefix (match PREFIX).
func matchMatch(p inetArg, fam int, dst netip.Addr, dlen int) bool {
	if p.family != FamilyAll && p.family != fam {
		return false
	}
	if p.bits < dlen {
		return false
	}
	return bitsEqual(p.addr, dst, dlen)
}

func addrMatch(p inetArg, fam int, a netip.Addr) bool {
	if p.family != FamilyAll && p.family != fam {
		return false
	}
	if !a.IsValid() {
		if fam == FamilyInet6 {
			a = netipV6Zero
		} else {
			a = netipV4Zero
		}
	}
	return bitsEqual(p.addr, a, p.bits)
}

// bitsEqual compares the first n bits of two addresses (inet_addr_match);
// an invalid filter address ("default" without a family) matches.
func bitsEqual(a, b netip.Addr, n int) bool {
	if n == 0 || !a.IsValid() {
		return true
	}
	if a.BitLen() != b.BitLen() || n > a.BitLen() {
		return false
	}
	pa, _ := a.Prefix(n)
	pb, _ := b.Prefix(n)
	return pa == pb
}

// routeList is iproute_list_flush_or_save for list and flush.
func (c *Cmd) routeList(args []string, flush bool) error {
	if flush && len(args) == 0 {
		return fail(1, "\"ip route flush\" requires arguments.")
	}
	f, err := parseRouteFilter(args, c.Opts.Family)
	if err != nil {
		return err
	}
	f.family = c.Opts.Family
	if f.family == FamilyAll && f.tb != 0 {
		f.family = FamilyInet
	}
	if f.iifName != "" {
		if c.NS.DeviceByName(f.iifName) == nil {
			return noDevice(f.iifName)
		}
	}
	if f.oifName != "" {
		d := c.NS.DeviceByName(f.oifName)
		if d == nil {
			return noDevice(f.oifName)
		}
		f.oif, f.oifMask = d.Index(), true
	}
	if f.family != FamilyAll && f.family != FamilyInet && f.family != FamilyInet6 {
		return nil
	}
	if flush {
		return c.routeFlush(f)
	}
	p := c.Out
	p.Begin()
	for _, r := range inet.Routes(c.NS, inet.RouteFilter{Family: f.family}) {
		if f.match(&r) {
			c.printRoute(&r, f)
		}
	}
	p.End()
	return nil
}

// routeFlush is iproute_flush: delete what the filter selects, in rounds.
func (c *Cmd) routeFlush(f *routeFilter) error {
	p := c.Out
	for round := 0; ; round++ {
		var todo []inet.Route
		for _, r := range inet.Routes(c.NS, inet.RouteFilter{Family: f.family}) {
			if f.match(&r) {
				todo = append(todo, r)
			}
		}
		if len(todo) == 0 {
			if c.Opts.Stats > 0 {
				if round == 0 {
					p.Textf("Nothing to flush.\n")
				} else {
					p.Textf("*** Flush is complete after %d round%s ***\n", round, plural(round))
				}
			}
			return nil
		}
		deleted := 0
		for _, r := range todo {
			if inet.DelRoute(c.NS, exactRoute(r)) == nil {
				deleted++
			}
		}
		if c.Opts.Stats > 0 {
			p.Textf("\n*** Round %d, deleting %d entries ***\n", round+1, len(todo))
		}
		if deleted == 0 {
			return fail(1, "*** Flush not completed, %d entries remain ***", len(todo))
		}
	}
}

// exactRoute is the delete request a flush sends for a dumped route.
func exactRoute(r inet.Route) inet.Route {
	if r.Scope == inet.ScopeUniverse {
		r.Scope = inet.ScopeNowhere
	}
	return r
}

// printRoute is print_route for a FIB route of a dump.
func (c *Cmd) printRoute(r *inet.Route, f *routeFilter) {
	p := c.Out
	p.OpenObject("")
	c.printRouteHead(r.Type, r.Family, r.Dst, f)
	if r.Encap != nil {
		printEncap(p, r.Encap)
	}
	if r.TOS != 0 && !f.tosMask {
		p.PrintString("tos", "tos %s ", dsfieldName(r.TOS))
	}
	if r.Gateway.IsValid() && !(f.hasRvia && f.rvia.bits == r.Gateway.BitLen()) {
		p.PrintString("gateway", "via %s ", r.Gateway.String())
	}
	if r.Ifindex != 0 && !f.oifMask {
		p.PrintString("dev", "dev %s ", c.ifName(r.Ifindex))
	}
	if t := routeTable(r); (t != inet.TableMain || c.Opts.Details > 0) && f.tb == 0 {
		p.PrintString("table", "table %s ", tableName(t))
	}
	if (r.Protocol != inet.ProtoBoot || c.Opts.Details > 0) && !f.protoMask {
		p.PrintString("protocol", "proto %s ", protoName(r.Protocol))
	}
	if s := shownScope(r); (s != inet.ScopeUniverse || c.Opts.Details > 0) && !f.scopeMask {
		p.PrintString("scope", "scope %s ", scopeName(s))
	}
	if r.PrefSrc.IsValid() && !(f.hasRprefsrc && f.rprefsrc.bits == r.PrefSrc.BitLen()) {
		p.JSONString("prefsrc", r.PrefSrc.String())
		p.Textf("src %s ", r.PrefSrc.String())
	}
	if (r.Metric != 0 || r.Family == FamilyInet6) && !f.metricMask {
		p.PrintUint("metric", "metric %d ", uint64(r.Metric))
	}
	c.printRouteFlags(r.Flags)
	if r.Expires > 0 {
		p.PrintUint("expires", "expires %dsec ", uint64(r.Expires.Seconds()))
	}
	c.printRouteMetrics(routeMetrics(r))
	if r.Family == FamilyInet6 {
		p.PrintString("pref", "pref %s", inet.PrefName(r.Pref))
	}
	p.Textf("\n")
	p.CloseObject()
}

// printRouteHead prints the type (non-unicast, or every type with -d) and
// the destination.
func (c *Cmd) printRouteHead(t inet.RouteType, fam int, dst netip.Prefix, f *routeFilter) {
	p := c.Out
	if (t != inet.RouteUnicast || c.Opts.Details > 0) && (f.typeMask == 0 || f.typeMask&(1<<t) != 0) {
		p.PrintString("type", "%s ", routeTypeName(t))
	}
	p.PrintString("dst", "%s ", dstString(dst))
}

// dstString formats a destination: "default" for length 0, a bare
// address for a host route.
func dstString(dst netip.Prefix) string {
	if !dst.IsValid() || dst.Bits() == 0 {
		return "default"
	}
	if dst.Bits() == dst.Addr().BitLen() {
		return dst.Addr().String()
	}
	return dst.Addr().String() + "/" + strconv.Itoa(dst.Bits())
}

func (c *Cmd) ifName(idx int32) string {
	if d := c.NS.Device(idx); d != nil {
		return d.Name()
	}
	return "if" + strconv.Itoa(int(idx))
}

// printRouteFlags is print_rt_flags.
func (c *Cmd) printRouteFlags(fl inet.RouteFlags) {
	p := c.Out
	p.OpenArrayJSON("flags")
	for _, n := range []struct {
		f    inet.RouteFlags
		name string
	}{{inet.RouteFlagDead, "dead"}, {inet.RouteFlagOnlink, "onlink"}, {inet.RouteFlagPervasive, "pervasive"},
		{inet.RouteFlagOffload, "offload"}, {inet.RouteFlagLinkdown, "linkdown"}, {inet.RouteFlagUnresolved, "unresolved"}} {
		if fl&n.f != 0 {
			p.PrintString("", "%s ", n.name)
		}
	}
	p.CloseArrayJSON()
}

// metricVal is one RTAX metric to print.
type metricVal struct {
	rtax uint16
	val  uint32
	lock bool
}

// routeMetrics collects a route's metrics in RTAX order.
func routeMetrics(r *inet.Route) []metricVal {
	var lock uint32
	vals := map[uint16]uint32{}
	if r.MTU != 0 || r.MTULock {
		vals[inet.RTAXMTU] = r.MTU
		if r.MTULock {
			lock |= 1 << inet.RTAXMTU
		}
	}
	for _, m := range r.Metrics {
		if m.Type == inet.RTAXLock {
			lock |= m.Value
			continue
		}
		vals[m.Type] = m.Value
	}
	var out []metricVal
	for t := uint16(2); t <= inet.RTAXFastopenNoCookie; t++ {
		v, ok := vals[t]
		if !ok && lock&(1<<t) == 0 {
			continue
		}
		out = append(out, metricVal{t, v, lock&(1<<t) != 0})
	}
	return out
}

// printRouteMetrics is print_rta_metrics.
func (c *Cmd) printRouteMetrics(ms []metricVal) {
	if len(ms) == 0 {
		return
	}
	p := c.Out
	p.OpenArrayJSON("metrics")
	p.OpenObject("")
	for _, m := range ms {
		name := "metric " + strconv.Itoa(int(m.rtax))
		if int(m.rtax) < len(metricNames) && metricNames[m.rtax] != "" {
			name = metricNames[m.rtax]
		}
		if m.rtax == inet.RTAXHopLimit && int32(m.val) == -1 {
			continue
		}
		p.Textf("%s ", name)
		if m.lock {
			p.Textf("lock ")
		}
		switch m.rtax {
		case inet.RTAXRTT, inet.RTAXRTTVar, inet.RTAXRTOMin:
			v := m.val
			if m.rtax == inet.RTAXRTT {
				v /= 8
			} else if m.rtax == inet.RTAXRTTVar {
				v /= 4
			}
			p.JSONUint(name, uint64(v))
			if v >= 1000 {
				p.Textf("%ss ", strconv.FormatFloat(float64(v)/1e3, 'g', -1, 64))
			} else {
				p.Textf("%dms ", v)
			}
		case inet.RTAXFeatures:
			v := m.val
			if v&1 != 0 {
				p.PrintNull("ecn", "%s ", "ecn")
				v &^= 1
			}
			if v != 0 {
				p.PrintString("features", "%s ", "0x"+strconv.FormatUint(uint64(v), 16))
			}
		default:
			p.PrintUint(name, "%d ", uint64(m.val))
		}
	}
	p.CloseObject()
	p.CloseArrayJSON()
}
