package iproute

import (
	"strings"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
)

const neighUsage = `Usage: ip neigh { add | del | change | replace }
		{ ADDR [ lladdr LLADDR ] [ nud STATE ] proxy ADDR }
		[ dev DEV ] [ router ] [ extern_learn ] [ protocol PROTO ]

	ip neigh { show | flush } [ proxy ] [ to PREFIX ] [ dev DEV ] [ nud STATE ]
				  [ vrf NAME ] [ nomaster ]
	ip neigh get { ADDR | proxy ADDR } dev DEV

STATE := { delay | failed | incomplete | noarp | none |
           permanent | probe | reachable | stale }
`

// doNeigh is do_ipneigh: ip neigh add|change|replace|del|get|show|flush.
func doNeigh(c *Cmd, args []string) error {
	if len(args) == 0 {
		return c.neighList(nil, false)
	}
	w, rest := args[0], args[1:]
	switch {
	case Matches(w, "add"):
		return c.neighModify(rest, neighAdd)
	case Matches(w, "change") || w == "chg":
		return c.neighModify(rest, neighChange)
	case Matches(w, "replace"):
		return c.neighModify(rest, neighReplace)
	case Matches(w, "delete"):
		return c.neighModify(rest, neighDelete)
	case Matches(w, "get"):
		return c.neighGet(rest)
	case Matches(w, "show") || Matches(w, "lst") || Matches(w, "list"):
		return c.neighList(rest, false)
	case Matches(w, "flush"):
		return c.neighList(rest, true)
	case Matches(w, "help"):
		return usageErr(neighUsage)
	}
	return fail(255, "Command \"%s\" is unknown, try \"ip neigh help\".", w)
}

type neighOp int

const (
	neighAdd neighOp = iota
	neighChange
	neighReplace
	neighDelete
)

// parseNUD is nud_state_a2n.
func parseNUD(s string) (inet.NUDState, bool) {
	switch {
	case Matches(s, "permanent"):
		return inet.NUDPermanent, true
	case Matches(s, "reachable"):
		return inet.NUDReachable, true
	case s == "noarp":
		return inet.NUDNoARP, true
	case s == "none":
		return inet.NUDNone, true
	case s == "stale":
		return inet.NUDStale, true
	case s == "incomplete":
		return inet.NUDIncomplete, true
	case s == "delay":
		return inet.NUDDelay, true
	case s == "probe":
		return inet.NUDProbe, true
	case Matches(s, "failed"):
		return inet.NUDFailed, true
	}
	n, ok := cUint(s)
	if !ok || n >= 0x100 || n&(n-1) != 0 {
		return 0, false
	}
	return inet.NUDState(n), true
}

// neighReq is what ipneigh_modify collects.
type neighReq struct {
	n      inet.Neigh
	dst    inetArg
	dstOK  bool
	devOK  bool
	dev    string
	lladdr string
	proxy  bool
}

// parseNeighReq is the argument loop of ipneigh_modify.
func parseNeighReq(args []string, family int) (*neighReq, error) {
	q := &neighReq{n: inet.Neigh{State: inet.NUDPermanent}}
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
		case Matches(w, "lladdr"):
			if v, err = next(); err != nil {
				return nil, err
			}
			if q.lladdr != "" {
				return nil, duparg("lladdr", v)
			}
			q.lladdr = v
		case w == "nud":
			if v, err = next(); err != nil {
				return nil, err
			}
			s, ok := parseNUD(v)
			if !ok {
				return nil, invarg("nud state is bad", v)
			}
			q.n.State = s
		case Matches(w, "proxy"):
			if v, err = next(); err != nil {
				return nil, err
			}
			if Matches(v, "help") {
				return nil, usageErr(neighUsage)
			}
			if q.dstOK {
				return nil, duparg("address", v)
			}
			if q.dst, err = getAddr(v, family); err != nil {
				return nil, err
			}
			q.dstOK, q.devOK, q.proxy = true, true, true
		case w == "router":
			q.n.Router = true
		case Matches(w, "extern_learn"):
			q.n.Flags |= inet.NTFExtLearned
		case w == "dev":
			if v, err = next(); err != nil {
				return nil, err
			}
			q.dev, q.devOK = v, true
		case Matches(w, "protocol"):
			if v, err = next(); err != nil {
				return nil, err
			}
			if _, ok := parseProto(v); !ok {
				return nil, invarg("\"protocol\" value is invalid\n", v)
			}
		default:
			if w == "to" {
				if v, err = next(); err != nil {
					return nil, err
				}
				w = v
			}
			if Matches(w, "help") {
				if v, err = next(); err != nil {
					return nil, err
				}
				w = v
			}
			if q.dstOK {
				return nil, duparg2("to", w)
			}
			if q.dst, err = getAddr(w, family); err != nil {
				return nil, err
			}
			q.dstOK = true
		}
		args = args[1:]
	}
	if !q.devOK || !q.dstOK || !q.dst.addr.IsValid() {
		return nil, fail(255, "Device and destination are required arguments.")
	}
	return q, nil
}

// neighModify is ipneigh_modify.
func (c *Cmd) neighModify(args []string, op neighOp) error {
	q, err := parseNeighReq(args, c.Opts.Family)
	if err != nil {
		return err
	}
	q.n.Addr = q.dst.addr
	if q.lladdr != "" && q.lladdr != "null" {
		ll, err := parseLLAddr(q.lladdr)
		if err != nil {
			return err
		}
		q.n.LLAddr = ll
	}
	if q.dev != "" {
		d := c.NS.DeviceByName(q.dev)
		if d == nil {
			return noDevice(q.dev)
		}
		q.n.Ifindex = d.Index()
	}
	if q.proxy {
		return fail(2, "softnet: proxy neighbour entries (ip neigh … proxy) are not supported")
	}
	switch op {
	case neighAdd:
		err = inet.AddNeigh(c.NS, q.n, false)
	case neighReplace:
		err = inet.AddNeigh(c.NS, q.n, true)
	case neighChange:
		err = inet.ChangeNeigh(c.NS, q.n)
	case neighDelete:
		err = inet.DelNeigh(c.NS, q.n)
	}
	if err != nil {
		return kernelError(err)
	}
	return nil
}

// neighGet is ipneigh_get: one entry by address and device.
func (c *Cmd) neighGet(args []string) error {
	var dst inetArg
	dev := ""
	found := false
	for len(args) > 0 {
		w := args[0]
		switch {
		case w == "dev":
			if len(args) < 2 {
				return incomplete()
			}
			args = args[1:]
			dev = args[0]
		case w == "proxy":
			return fail(2, "softnet: proxy neighbour entries (ip neigh … proxy) are not supported")
		default:
			if w == "to" {
				if len(args) < 2 {
					return incomplete()
				}
				args = args[1:]
				w = args[0]
			}
			if found {
				return duparg2("to", w)
			}
			a, err := getAddr(w, c.Opts.Family)
			if err != nil {
				return err
			}
			dst, found = a, true
		}
		args = args[1:]
	}
	if dev == "" || !found {
		return fail(255, "Device and address are required arguments.")
	}
	d := c.NS.DeviceByName(dev)
	if d == nil {
		return noDevice(dev)
	}
	for _, n := range inet.Neighs(c.NS, d.Index(), familyOfAddr(dst.addr)) {
		if n.Addr == dst.addr {
			p := c.Out
			p.Begin()
			c.printNeigh(&n, &neighFilter{})
			p.End()
			return nil
		}
	}
	return fail(2, "RTNETLINK answers: No such file or directory")
}

// neighFilter is ipneigh.c's filter.
type neighFilter struct {
	family int
	index  int32
	state  uint32
	pfx    inetArg
	hasPfx bool
	unused bool
	proxy  bool
}

// parseNeighFilter is the argument loop of do_show_or_flush.
func parseNeighFilter(args []string, family int, flush bool) (*neighFilter, string, error) {
	f := &neighFilter{family: family}
	if flush {
		f.state = ^uint32(inet.NUDPermanent | inet.NUDNoARP)
	} else {
		f.state = 0xFF &^ uint32(inet.NUDNoARP)
	}
	dev := ""
	stateGiven := false
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
		case w == "dev":
			if v, err = next(); err != nil {
				return nil, "", err
			}
			if dev != "" {
				return nil, "", duparg("dev", v)
			}
			dev = v
		case w == "master", w == "vrf":
			if v, err = next(); err != nil {
				return nil, "", err
			}
			return nil, "", fail(1, "Device \"%s\" does not exist.", v)
		case w == "nomaster":
		case w == "unused":
			f.unused = true
		case w == "nud":
			if v, err = next(); err != nil {
				return nil, "", err
			}
			if !stateGiven {
				stateGiven, f.state = true, 0
			}
			s, ok := parseNUD(v)
			st := uint32(s)
			if !ok {
				if v != "all" {
					return nil, "", invarg("nud state is bad", v)
				}
				st = ^uint32(0)
				if flush {
					st &^= uint32(inet.NUDNoARP)
				}
			}
			if st == 0 {
				st = 0x100
			}
			f.state |= st
		case w == "proxy":
			f.proxy = true
		case Matches(w, "protocol"):
			if _, err = next(); err != nil {
				return nil, "", err
			}
		default:
			if w == "to" {
				if v, err = next(); err != nil {
					return nil, "", err
				}
				w = v
			}
			if Matches(w, "help") {
				return nil, "", usageErr(neighUsage)
			}
			if f.pfx, err = getPrefix(w, f.family); err != nil {
				return nil, "", err
			}
			f.hasPfx = true
			if f.family == FamilyAll {
				f.family = f.pfx.family
			}
		}
		args = args[1:]
	}
	return f, dev, nil
}

// match is print_neigh's filter.
func (f *neighFilter) match(n *inet.Neigh) bool {
	if f.proxy {
		return false // no proxy entries
	}
	if f.family != FamilyAll && f.family != familyOfAddr(n.Addr) {
		return false
	}
	if f.index != 0 && f.index != n.Ifindex {
		return false
	}
	st := uint32(n.State)
	if f.state&st == 0 && n.Flags&inet.NTFExtLearned == 0 && (st != 0 || f.state&0x100 == 0) {
		return false
	}
	if f.hasPfx && !prefixMatch(f.pfx, n.Addr) {
		return false
	}
	return !f.unused || n.RefCnt == 0
}

// neighList is do_show_or_flush.
func (c *Cmd) neighList(args []string, flush bool) error {
	if flush && len(args) == 0 {
		return fail(1, "Flush requires arguments.")
	}
	fam := c.Opts.Family
	if fam != FamilyInet && fam != FamilyInet6 {
		fam = FamilyAll
	}
	f, dev, err := parseNeighFilter(args, fam, flush)
	if err != nil {
		return err
	}
	if dev != "" {
		d := c.NS.DeviceByName(dev)
		if d == nil {
			return noDevice(dev)
		}
		f.index = d.Index()
	}
	if flush {
		return c.neighFlush(f)
	}
	p := c.Out
	p.Begin()
	for _, n := range inet.Neighs(c.NS, f.index, dumpFamily(f.family)) {
		if f.match(&n) {
			c.printNeigh(&n, f)
		}
	}
	p.End()
	return nil
}

// neighFlush deletes the selected entries in rounds, as do_show_or_flush.
func (c *Cmd) neighFlush(f *neighFilter) error {
	const maxRounds = 10
	p := c.Out
	for round := 0; round < maxRounds; round++ {
		var todo []inet.Neigh
		for _, n := range inet.Neighs(c.NS, f.index, dumpFamily(f.family)) {
			if f.match(&n) {
				todo = append(todo, n)
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
		for _, n := range todo {
			_ = inet.DelNeigh(c.NS, n)
		}
		if c.Opts.Stats > 0 {
			p.Textf("\n*** Round %d, deleting %d entries ***\n", round+1, len(todo))
		}
		f.state &^= uint32(inet.NUDFailed)
	}
	p.Textf("*** Flush not complete bailing out after %d rounds\n", maxRounds)
	return &exitError{code: 1}
}

// printNeigh is print_neigh.
func (c *Cmd) printNeigh(n *inet.Neigh, f *neighFilter) {
	p := c.Out
	p.OpenObject("")
	p.PrintString("dst", "%s ", n.Addr.String())
	if f.index == 0 && n.Ifindex != 0 {
		p.PrintString("dev", "dev %s ", c.ifName(n.Ifindex))
	}
	if n.LLAddr != nil {
		p.Textf("lladdr ")
		p.PrintString("lladdr", "%s ", netdev.HWAddr(n.LLAddr).String())
	}
	if n.Router {
		p.PrintNull("router", "%s ", "router")
	}
	if n.Flags&inet.NTFProxy != 0 {
		p.PrintNull("proxy", "%s ", "proxy")
	}
	if n.Flags&inet.NTFExtLearned != 0 {
		p.PrintNull("extern_learn", "%s ", "extern_learn")
	}
	if n.Flags&inet.NTFOffloaded != 0 {
		p.PrintNull("offload", "%s ", "offload")
	}
	if c.Opts.Stats > 0 {
		if n.RefCnt != 0 {
			p.PrintUint("refcnt", "ref %d ", uint64(n.RefCnt))
		}
		p.PrintUint("used", "used %d", uint64(n.Used.Seconds()))
		p.PrintUint("confirmed", "/%d", uint64(n.Confirmed.Seconds()))
		p.PrintUint("updated", "/%d ", uint64(n.Updated.Seconds()))
		p.PrintUint("probes", "probes %d ", uint64(n.Probes))
	}
	if n.State != 0 {
		c.printNUD(n.State)
	}
	p.Textf("\n")
	p.CloseObject()
}

// printNUD is print_neigh_state.
func (c *Cmd) printNUD(s inet.NUDState) {
	p := c.Out
	p.OpenArrayJSON("state")
	for _, st := range []inet.NUDState{inet.NUDIncomplete, inet.NUDReachable, inet.NUDStale, inet.NUDDelay,
		inet.NUDProbe, inet.NUDFailed, inet.NUDNoARP, inet.NUDPermanent} {
		if s&st != 0 {
			p.PrintString("", "%s ", strings.ToUpper(st.String()))
		}
	}
	p.CloseArrayJSON()
}
