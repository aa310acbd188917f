package iproute

import (
	"strconv"
	"strings"
	"time"

	"github.com/softnet/softnet/inet"
)

const routeUsage = `Usage: ip route { list | flush } SELECTOR
       ip route save SELECTOR
       ip route restore
       ip route showdump
       ip route get [ ROUTE_GET_FLAGS ] ADDRESS
                            [ from ADDRESS iif STRING ]
                            [ oif STRING ] [ tos TOS ]
                            [ mark NUMBER ] [ vrf NAME ]
                            [ uid NUMBER ] [ ipproto PROTOCOL ]
                            [ sport NUMBER ] [ dport NUMBER ]
                            [ as ADDRESS ]
       ip route { add | del | change | append | replace } ROUTE
SELECTOR := [ root PREFIX ] [ match PREFIX ] [ exact PREFIX ]
            [ table TABLE_ID ] [ vrf NAME ] [ proto RTPROTO ]
            [ type TYPE ] [ scope SCOPE ]
ROUTE := NODE_SPEC [ INFO_SPEC ]
NODE_SPEC := [ TYPE ] PREFIX [ tos TOS ]
             [ table TABLE_ID ] [ proto RTPROTO ]
             [ scope SCOPE ] [ metric METRIC ]
             [ ttl-propagate { enabled | disabled } ]
INFO_SPEC := { NH | nhid ID } OPTIONS FLAGS [ nexthop NH ]...
NH := [ encap ENCAPTYPE ENCAPHDR ] [ via [ FAMILY ] ADDRESS ]
	    [ dev STRING ] [ weight NUMBER ] NHFLAGS
FAMILY := [ inet | inet6 | mpls | bridge | link ]
OPTIONS := FLAGS [ mtu NUMBER ] [ advmss NUMBER ] [ as [ to ] ADDRESS ]
           [ rtt TIME ] [ rttvar TIME ] [ reordering NUMBER ]
           [ window NUMBER ] [ cwnd NUMBER ] [ initcwnd NUMBER ]
           [ ssthresh NUMBER ] [ realms REALM ] [ src ADDRESS ]
           [ rto_min TIME ] [ hoplimit NUMBER ] [ initrwnd NUMBER ]
           [ features FEATURES ] [ quickack BOOL ] [ congctl NAME ]
           [ pref PREF ] [ expires TIME ] [ fastopen_no_cookie BOOL ]
TYPE := { unicast | local | broadcast | multicast | throw |
          unreachable | prohibit | blackhole | nat }
TABLE_ID := [ local | main | default | all | NUMBER ]
SCOPE := [ host | link | global | NUMBER ]
NHFLAGS := [ onlink | pervasive ]
RTPROTO := [ kernel | boot | static | NUMBER ]
PREF := [ low | medium | high ]
TIME := NUMBER[s|ms]
BOOL := [1|0]
FEATURES := ecn
ENCAPTYPE := [ mpls | ip | ip6 | seg6 | seg6local | rpl | ioam6 ]
ENCAPHDR := [ MPLSLABEL | SEG6HDR | SEG6LOCAL | IOAM6HDR ]
SEG6HDR := [ mode SEGMODE ] segs ADDR1,ADDRi,ADDRn [hmac HMACKEYID] [cleanup]
SEGMODE := [ encap | encap.red | inline | l2encap | l2encap.red ]
SEG6LOCAL := action ACTION [ OPTIONS ] [ count ]
ACTION := { End | End.X | End.T | End.DX2 | End.DX6 | End.DX4 |
            End.DT6 | End.DT4 | End.DT46 | End.B6 | End.B6.Encaps |
            End.BM | End.S | End.AS | End.AM | End.BPF }
OPTIONS := OPTION [ OPTIONS ]
OPTION := { srh SEG6HDR | nh4 ADDR | nh6 ADDR | iif DEV | oif DEV |
            table TABLEID | vrftable TABLEID | endpoint PROGNAME }
IOAM6HDR := trace prealloc type IOAM6_TRACE_TYPE ns IOAM6_NAMESPACE size IOAM6_TRACE_SIZE
ROUTE_GET_FLAGS := [ fibmatch ]
`

// doRoute is do_iproute.
func doRoute(c *Cmd, args []string) error {
	if len(args) == 0 {
		return c.routeList(nil, false)
	}
	w, rest := args[0], args[1:]
	switch {
	case Matches(w, "add"):
		return c.routeModify(rest, inet.RouteCreate|inet.RouteExcl, false)
	case Matches(w, "change") || w == "chg":
		return c.routeModify(rest, inet.RouteReplace, false)
	case Matches(w, "replace"):
		return c.routeModify(rest, inet.RouteCreate|inet.RouteReplace, false)
	case Matches(w, "prepend"):
		return c.routeModify(rest, inet.RouteCreate, false)
	case Matches(w, "append"):
		return c.routeModify(rest, inet.RouteCreate|inet.RouteAppend, false)
	case Matches(w, "test"):
		return c.routeModify(rest, inet.RouteExcl, false)
	case Matches(w, "delete"):
		return c.routeModify(rest, 0, true)
	case Matches(w, "list") || Matches(w, "show") || Matches(w, "lst"):
		return c.routeList(rest, false)
	case Matches(w, "get"):
		return c.routeGet(rest)
	case Matches(w, "flush"):
		return c.routeList(rest, true)
	case Matches(w, "save"), Matches(w, "restore"), Matches(w, "showdump"):
		return fail(1, "softnet: \"ip route %s\" is not supported", w)
	case Matches(w, "help"):
		return usageErr(routeUsage)
	}
	return fail(255, "Command \"%s\" is unknown, try \"ip route help\".", w)
}

// routeReq is what iproute_modify collects.
type routeReq struct {
	r                                     inet.Route
	family                                int
	dst                                   inetArg
	dev                                   string
	dstOK, gwOK, scopeOK, tableOK, typeOK bool
	metrics                               map[uint16]uint32
	lock                                  uint32
}

// metricSpec describes one RTAX metric keyword of iproute_modify.
type metricSpec struct {
	word  string
	exact bool // strcmp rather than matches
	rtax  uint16
	what  string // the name in the invalid-value message
	max   uint64
	time  int // 0 plain number; rtt-like multiplier otherwise (1 = rto_min)
}

var metricSpecs = []metricSpec{
	{word: "mtu", exact: true, rtax: inet.RTAXMTU, what: "mtu"},
	{word: "hoplimit", exact: true, rtax: inet.RTAXHopLimit, what: "hoplimit", max: 255},
	{word: "advmss", exact: true, rtax: inet.RTAXAdvMSS, what: "mss"},
	{word: "reordering", rtax: inet.RTAXReordering, what: "reordering"},
	{word: "rtt", exact: true, rtax: inet.RTAXRTT, what: "rtt", time: 8},
	{word: "rto_min", exact: true, rtax: inet.RTAXRTOMin, what: "rto_min", time: 1},
	{word: "window", rtax: inet.RTAXWindow, what: "window"},
	{word: "cwnd", rtax: inet.RTAXCwnd, what: "cwnd"},
	{word: "initcwnd", rtax: inet.RTAXInitCwnd, what: "initcwnd"},
	{word: "initrwnd", rtax: inet.RTAXInitRwnd, what: "initrwnd"},
	{word: "rttvar", rtax: inet.RTAXRTTVar, what: "rttvar", time: 4},
	{word: "ssthresh", rtax: inet.RTAXSSThresh, what: "ssthresh"},
}

func findMetric(w string) *metricSpec {
	for i := range metricSpecs {
		m := &metricSpecs[i]
		if w == m.word || !m.exact && Matches(w, m.word) {
			return m
		}
	}
	return nil
}

// parseRTT is get_time_rtt: NUMBER[s|ms]; raw when no unit is given.
func parseRTT(s string) (v uint32, raw bool, ok bool) {
	num := strings.TrimRight(s, "abcdefghijklmnopqrstuvwxyz")
	unit := s[len(num):]
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || num == "" {
		return 0, false, false
	}
	switch unit {
	case "":
		if f != float64(uint32(f)) {
			return 0, false, false
		}
		return uint32(f), true, true
	case "s", "sec", "secs":
		f *= 1000
	case "ms", "msec", "msecs":
	default:
		return 0, false, false
	}
	if f > 0xFFFFFFFF {
		return 0, false, false
	}
	return uint32(f), false, true
}

// parseRouteReq is the argument loop of iproute_modify.
func parseRouteReq(args []string, family int, del bool) (*routeReq, error) {
	q := &routeReq{family: family, metrics: map[uint16]uint32{}}
	q.r.Table = inet.TableMain
	q.r.Scope = inet.ScopeNowhere
	if !del {
		q.r.Protocol = inet.ProtoBoot
		q.r.Scope = inet.ScopeUniverse
		q.r.Type = inet.RouteUnicast
	}
	for len(args) > 0 {
		rest, err := q.word(args, del)
		if err != nil {
			return nil, err
		}
		args = rest
	}
	if !q.dstOK {
		return nil, usageErr(routeUsage)
	}
	return q, nil
}

// word parses one option (and its values) and returns the words left.
func (q *routeReq) word(args []string, del bool) ([]string, error) {
	w := args[0]
	pos := 0
	next := func() (string, error) {
		if pos+1 >= len(args) {
			return "", incomplete()
		}
		pos++
		return args[pos], nil
	}
	var v string
	var err error
	switch {
	case w == "src":
		if v, err = next(); err != nil {
			return nil, err
		}
		a, err := getAddr(v, q.family)
		if err != nil {
			return nil, err
		}
		q.setFamily(a.family)
		q.r.PrefSrc = a.addr
	case w == "via":
		if v, err = next(); err != nil {
			return nil, err
		}
		fam := readFamily(v)
		if fam < 0 || fam == FamilyAll {
			fam = q.family
		} else if v, err = next(); err != nil {
			return nil, err
		}
		a, err := getAddr(v, fam)
		if err != nil {
			return nil, err
		}
		q.setFamily(a.family)
		if a.family != q.family {
			return nil, fail(2, "RTNETLINK answers: Operation not supported")
		}
		q.r.Gateway, q.gwOK = a.addr, true
	case w == "tos" || Matches(w, "dsfield"):
		if v, err = next(); err != nil {
			return nil, err
		}
		t, ok := parseDSField(v)
		if !ok {
			return nil, invarg("\"tos\" value is invalid\n", v)
		}
		q.r.TOS = t
	case w == "expires":
		if v, err = next(); err != nil {
			return nil, err
		}
		n, ok := getU32(v)
		if !ok {
			return nil, invarg("\"expires\" value is invalid\n", v)
		}
		q.r.Expires = time.Duration(n) * time.Second
	case Matches(w, "metric") || Matches(w, "priority") || w == "preference":
		if v, err = next(); err != nil {
			return nil, err
		}
		n, ok := getU32(v)
		if !ok {
			return nil, invarg("\"metric\" value is invalid\n", v)
		}
		q.r.Metric = n
	case w == "scope":
		if v, err = next(); err != nil {
			return nil, err
		}
		s, ok := parseRtScope(v)
		if !ok {
			return nil, invarg("invalid \"scope\" value\n", v)
		}
		q.r.Scope, q.scopeOK = s, true
	case findMetric(w) != nil:
		if err := q.metric(findMetric(w), next); err != nil {
			return nil, err
		}
	case Matches(w, "features"):
		if v, err = next(); err != nil {
			return nil, err
		}
		if v != "ecn" {
			return nil, invarg("\"features\" value not valid\n", v)
		}
		q.metrics[inet.RTAXFeatures] |= 1
	case Matches(w, "quickack"), Matches(w, "fastopen_no_cookie"):
		if v, err = next(); err != nil {
			return nil, err
		}
		name, rtax := "quickack", inet.RTAXQuickACK
		if !Matches(w, "quickack") {
			name, rtax = "fastopen_no_cookie", inet.RTAXFastopenNoCookie
		}
		n, ok := cUint(v)
		if !ok || n > 1 {
			return nil, invarg("\""+name+"\" value should be 0 or 1\n", v)
		}
		q.metrics[rtax] = uint32(n)
	case w == "onlink":
		q.r.Flags |= inet.RouteFlagOnlink
	case Matches(w, "protocol"):
		if v, err = next(); err != nil {
			return nil, err
		}
		p, ok := parseProto(v)
		if !ok {
			return nil, invarg("\"protocol\" value is invalid\n", v)
		}
		q.r.Protocol = p
	case Matches(w, "table"):
		if v, err = next(); err != nil {
			return nil, err
		}
		t, ok := parseTable(v)
		if !ok {
			return nil, invarg("\"table\" value is invalid\n", v)
		}
		q.r.Table, q.tableOK = t, true
	case w == "dev" || w == "oif":
		if v, err = next(); err != nil {
			return nil, err
		}
		q.dev = v
	case Matches(w, "pref"):
		if v, err = next(); err != nil {
			return nil, err
		}
		switch v {
		case "low":
			q.r.Pref = inet.PrefLow
		case "medium":
			q.r.Pref = inet.PrefMedium
		case "high":
			q.r.Pref = inet.PrefHigh
		default:
			return nil, invarg("\"pref\" value is invalid\n", v)
		}
	case w == "encap":
		enc, rest, err := parseEncap(q.familyOr4(), args[1:])
		if err != nil {
			return nil, err
		}
		q.r.Encap = enc
		return rest, nil
	case w == "nexthop", w == "nhid", w == "as", w == "from", Matches(w, "realms"),
		Matches(w, "congctl"), Matches(w, "vrf"), w == "ttl-propagate":
		return nil, fail(1, "softnet: \"%s\" is not supported by ip route", w)
	default:
		if err := q.dstWord(args, &pos); err != nil {
			return nil, err
		}
	}
	return args[pos+1:], nil
}

// dstWord is the final branch of iproute_modify: [to] [TYPE] PREFIX.
func (q *routeReq) dstWord(args []string, pos *int) error {
	w := args[*pos]
	adv := func() error {
		if *pos+1 >= len(args) {
			return incomplete()
		}
		*pos++
		w = args[*pos]
		return nil
	}
	if w == "to" {
		if err := adv(); err != nil {
			return err
		}
	}
	if w != "" && (w[0] < '0' || w[0] > '9') {
		if t, ok := parseRouteType(w); ok {
			if err := adv(); err != nil {
				return err
			}
			q.r.Type, q.typeOK = t, true
		}
	}
	if Matches(w, "help") {
		return usageErr(routeUsage)
	}
	if q.dstOK {
		return duparg2("to", w)
	}
	d, err := getPrefix(w, q.family)
	if err != nil {
		return err
	}
	q.setFamily(d.family)
	q.dst, q.dstOK = d, true
	return nil
}

func (q *routeReq) setFamily(f int) {
	if q.family == FamilyAll {
		q.family = f
	}
}

func (q *routeReq) familyOr4() int {
	if q.family == FamilyAll {
		return FamilyInet
	}
	return q.family
}

// metric parses "KEY [lock] VALUE" of an RTAX metric.
func (q *routeReq) metric(m *metricSpec, next func() (string, error)) error {
	v, err := next()
	if err != nil {
		return err
	}
	if v == "lock" {
		q.lock |= 1 << m.rtax
		if v, err = next(); err != nil {
			return err
		}
	}
	if m.time != 0 {
		n, raw, ok := parseRTT(v)
		if !ok {
			return invarg("\""+m.what+"\" value is invalid\n", v)
		}
		if !raw && m.time > 1 {
			n *= uint32(m.time)
		}
		q.metrics[m.rtax] = n
		return nil
	}
	n, ok := getU32(v)
	if !ok || m.max != 0 && uint64(n) > m.max {
		return invarg("\""+m.what+"\" value is invalid\n", v)
	}
	q.metrics[m.rtax] = n
	return nil
}

// route finishes the request as the end of iproute_modify does.
func (q *routeReq) route(del bool) inet.Route {
	r := q.r
	if q.family == FamilyAll {
		q.family = FamilyInet
	}
	r.Family = q.family
	addr := q.dst.addr
	if !addr.IsValid() {
		if q.family == FamilyInet6 {
			addr = netipV6Zero
		} else {
			addr = netipV4Zero
		}
	}
	r.Dst = prefixFrom(addr, q.dst.bits)
	if !q.tableOK && r.Type == inet.RouteLocal {
		r.Table = inet.TableLocal
	}
	if !q.scopeOK {
		switch r.Type {
		case inet.RouteLocal, inet.RouteNAT:
			r.Scope = inet.ScopeHost
		case inet.RouteBroadcast, inet.RouteMulticast, inet.RouteAnycast:
			r.Scope = inet.ScopeLink
		case inet.RouteUnicast, inet.RouteUnspec:
			if del {
				r.Scope = inet.ScopeNowhere
			} else if !q.gwOK {
				r.Scope = inet.ScopeLink
			}
		}
	}
	if v, ok := q.metrics[inet.RTAXMTU]; ok {
		r.MTU = v
		r.MTULock = q.lock&(1<<inet.RTAXMTU) != 0
	}
	for t := uint16(3); t <= inet.RTAXFastopenNoCookie; t++ {
		if v, ok := q.metrics[t]; ok {
			r.Metrics = append(r.Metrics, inet.RouteMetric{Type: t, Value: v})
		}
	}
	if l := q.lock &^ (1 << inet.RTAXMTU); l != 0 {
		r.Metrics = append([]inet.RouteMetric{{Type: inet.RTAXLock, Value: l}}, r.Metrics...)
	}
	return r
}

// routeModify is iproute_modify.
func (c *Cmd) routeModify(args []string, flags inet.RouteAddFlags, del bool) error {
	q, err := parseRouteReq(args, c.Opts.Family, del)
	if err != nil {
		return err
	}
	if q.dev != "" {
		d := c.NS.DeviceByName(q.dev)
		if d == nil {
			return noDevice(q.dev)
		}
		q.r.Ifindex = d.Index()
	}
	r := q.route(del)
	if del {
		err = inet.DelRoute(c.NS, r)
	} else {
		err = inet.AddRoute(c.NS, r, flags)
	}
	if err != nil {
		return kernelError(err)
	}
	return nil
}
