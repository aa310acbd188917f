package iproute

import (
	"strconv"
	"strings"

	"github.com/softnet/softnet/inet"
)

// routeGet is iproute_get.
func (c *Cmd) routeGet(args []string) error {
	var req inet.RouteGetRequest
	family := c.Opts.Family
	if family != FamilyInet && family != FamilyInet6 {
		family = FamilyAll
	}
	found := false
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
		case w == "tos" || Matches(w, "dsfield"):
			if v, err = next(); err != nil {
				return err
			}
			t, ok := parseDSField(v)
			if !ok {
				return invarg("TOS value is invalid\n", v)
			}
			req.TOS = t
		case Matches(w, "from"):
			if v, err = next(); err != nil {
				return err
			}
			if Matches(v, "help") {
				return usageErr(routeUsage)
			}
			a, err := getPrefix(v, family)
			if err != nil {
				return err
			}
			if family == FamilyAll {
				family = a.family
			}
			req.Src = a.addr
		case Matches(w, "iif"):
			if v, err = next(); err != nil {
				return err
			}
			req.Iif = v
		case Matches(w, "mark"):
			if v, err = next(); err != nil {
				return err
			}
			n, ok := getU32(v)
			if !ok {
				return invarg("invalid mark value", v)
			}
			req.Mark = n
		case Matches(w, "oif") || w == "dev":
			if v, err = next(); err != nil {
				return err
			}
			req.Oif = v
		case Matches(w, "notify"), Matches(w, "connected"):
		case Matches(w, "uid"):
			if v, err = next(); err != nil {
				return err
			}
			if _, ok := getU32(v); !ok {
				return invarg("invalid UID\n", v)
			}
		case Matches(w, "fibmatch"):
			req.FibMatch = true
		case w == "sport" || w == "dport":
			if v, err = next(); err != nil {
				return err
			}
			n, ok := cUint(v)
			if !ok || n > 0xFFFF {
				return invarg("invalid "+w+"\n", v)
			}
			if w == "sport" {
				req.SPort = uint16(n)
			} else {
				req.DPort = uint16(n)
			}
		case Matches(w, "ipproto"):
			if v, err = next(); err != nil {
				return err
			}
			n, ok := parseIPProto(v)
			if !ok {
				return invarg("Invalid \"ipproto\" value\n", v)
			}
			req.Proto = n
		case Matches(w, "vrf"), w == "as":
			return fail(1, "softnet: \"%s\" is not supported by ip route get", w)
		default:
			if w == "to" {
				if v, err = next(); err != nil {
					return err
				}
				w = v
			}
			if Matches(w, "help") {
				return usageErr(routeUsage)
			}
			a, err := getPrefix(w, family)
			if err != nil {
				return err
			}
			if family == FamilyAll {
				family = a.family
			}
			if a.bits != a.addr.BitLen() && a.addr.IsValid() {
				_, _ = c.Stderr.Write([]byte("Warning: /" + itoa(a.bits) + " as prefix is invalid, only /" +
					itoa(a.addr.BitLen()) + " (or none) is supported.\n"))
			}
			req.Dst = a.addr
			found = true
		}
		args = args[1:]
	}
	if !found {
		return fail(1, "need at least a destination address")
	}
	for _, dev := range []string{req.Iif, req.Oif} {
		if dev != "" && c.NS.DeviceByName(dev) == nil {
			return noDevice(dev)
		}
	}
	if !req.Dst.IsValid() {
		if family == FamilyInet6 {
			req.Dst = netipV6Zero
		} else {
			req.Dst = netipV4Zero
		}
	}
	res, err := inet.RouteGet(c.NS, req)
	if err != nil {
		return kernelError(err)
	}
	p := c.Out
	p.Begin()
	if req.FibMatch {
		c.printRoute(&res.Route, &routeFilter{})
	} else if req.Dst.Is4() {
		c.printRouteGet4(&req, &res)
	} else {
		c.printRouteGet6(&req, &res)
	}
	p.End()
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// printRouteGet4 prints an IPv4 route get answer (a cloned route:
// RTM_F_CLONED, so no proto/scope, then uid and the cache line).
func (c *Cmd) printRouteGet4(req *inet.RouteGetRequest, res *inet.RouteGetResult) {
	p := c.Out
	p.OpenObject("")
	t := res.Type
	if t == 0 {
		t = inet.RouteUnicast
	}
	if t != inet.RouteUnicast || c.Opts.Details > 0 {
		p.PrintString("type", "%s ", routeTypeName(t))
	}
	p.PrintString("dst", "%s ", res.Dst.String())
	if req.Src.IsValid() {
		p.PrintString("from", "from %s ", req.Src.String())
	}
	if req.TOS != 0 {
		p.PrintString("tos", "tos %s ", dsfieldName(req.TOS))
	}
	if res.Gateway.IsValid() {
		p.PrintString("gateway", "via %s ", res.Gateway.String())
	}
	if res.Ifindex != 0 {
		p.PrintString("dev", "dev %s ", c.ifName(res.Ifindex))
	}
	if c.Opts.Details > 0 {
		p.PrintString("table", "table %s ", tableName(inet.TableMain))
	}
	if res.PrefSrc.IsValid() && res.PrefSrc != req.Src {
		p.JSONString("prefsrc", res.PrefSrc.String())
		p.Textf("src %s ", res.PrefSrc.String())
	}
	c.printRouteFlags(0)
	if res.Mark != 0 {
		p.PrintUint("mark", "mark %d ", uint64(res.Mark))
	}
	p.PrintUint("uid", "uid %d ", 0)
	c.printCacheFlags(res.CacheFlags)
	if res.Expires > 0 {
		p.PrintUint("expires", "expires %dsec ", uint64(res.Expires.Seconds()))
	}
	if res.MTU != 0 {
		c.printRouteMetrics([]metricVal{{rtax: inet.RTAXMTU, val: res.MTU}})
	}
	if res.Iif != 0 {
		p.PrintString("iif", "iif %s ", c.ifName(res.Iif))
	}
	p.Textf("\n")
	p.CloseObject()
}

// printCacheFlags is print_cache_flags.
func (c *Cmd) printCacheFlags(flags []string) {
	p := c.Out
	if p.JSON() {
		p.OpenArrayJSON("cache")
		for _, f := range flags {
			p.PrintString("", "%s", f)
		}
		p.CloseArrayJSON()
		return
	}
	p.Textf("%s    cache ", c.sl())
	if len(flags) > 0 {
		p.Textf("<%s> ", strings.Join(flags, ","))
	}
}

// printRouteGet6 prints an IPv6 route get answer (rt6_fill_node: "from
// ::", the matched route's table, protocol, metric and preference).
func (c *Cmd) printRouteGet6(req *inet.RouteGetRequest, res *inet.RouteGetResult) {
	p := c.Out
	r := &res.Route
	p.OpenObject("")
	t := res.Type
	if t == 0 {
		t = r.Type
	}
	if t != inet.RouteUnicast || c.Opts.Details > 0 {
		p.PrintString("type", "%s ", routeTypeName(t))
	}
	p.PrintString("dst", "%s ", res.Dst.String())
	src := req.Src
	if !src.IsValid() {
		src = netipV6Zero
	}
	p.PrintString("from", "from %s ", src.String())
	if res.Gateway.IsValid() {
		p.PrintString("gateway", "via %s ", res.Gateway.String())
	}
	if res.Ifindex != 0 {
		p.PrintString("dev", "dev %s ", c.ifName(res.Ifindex))
	}
	if tb := routeTable(r); tb != inet.TableMain || c.Opts.Details > 0 {
		p.PrintString("table", "table %s ", tableName(tb))
	}
	cloned := res.MTU != 0
	if !cloned {
		if r.Protocol != inet.ProtoBoot || c.Opts.Details > 0 {
			p.PrintString("protocol", "proto %s ", protoName(r.Protocol))
		}
		if c.Opts.Details > 0 {
			p.PrintString("scope", "scope %s ", scopeName(inet.ScopeUniverse))
		}
	}
	if res.PrefSrc.IsValid() {
		p.JSONString("prefsrc", res.PrefSrc.String())
		p.Textf("src %s ", res.PrefSrc.String())
	}
	p.PrintUint("metric", "metric %d ", uint64(r.Metric))
	c.printRouteFlags(r.Flags)
	if res.Expires > 0 {
		p.PrintUint("expires", "expires %dsec ", uint64(res.Expires.Seconds()))
	}
	ms := routeMetrics(r)
	if res.MTU != 0 {
		ms = setMetric(ms, inet.RTAXMTU, res.MTU)
	}
	c.printRouteMetrics(ms)
	p.PrintString("pref", "pref %s", inet.PrefName(r.Pref))
	p.Textf("\n")
	p.CloseObject()
}

func setMetric(ms []metricVal, rtax uint16, v uint32) []metricVal {
	for i := range ms {
		if ms[i].rtax == rtax {
			ms[i].val = v
			return ms
		}
	}
	return append([]metricVal{{rtax: rtax, val: v}}, ms...)
}
