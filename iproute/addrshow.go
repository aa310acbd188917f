package iproute

import (
	"fmt"
	"net/netip"
	"path"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
)

// addrFilter is the filter of ipaddr_list_flush_or_save / print_addrinfo.
type addrFilter struct {
	family    int
	dev       string
	ifindex   int32
	scope     inet.Scope
	scopeMask uint8
	flags     uint32
	flagMask  uint32
	label     string
	pfx       inetArg
	hasPfx    bool
	up        bool
	kind      string
	group     *uint32
}

// ifaFlagNames is ifa_flag_data: the address flags by name, in print
// order.
var ifaFlagNames = []struct {
	name string
	mask inet.AddrFlags
}{
	{"secondary", inet.AddrSecondary}, {"temporary", inet.AddrSecondary},
	{"nodad", inet.AddrNoDAD}, {"optimistic", inet.AddrOptimistic},
	{"dadfailed", inet.AddrDADFailed}, {"home", inet.AddrHomeAddress},
	{"deprecated", inet.AddrDeprecated}, {"tentative", inet.AddrTentative},
	{"permanent", inet.AddrPermanent}, {"mngtmpaddr", inet.AddrManageTempAddr},
	{"noprefixroute", inet.AddrNoPrefixRoute}, {"autojoin", inet.AddrMcAutoJoin},
	{"stable-privacy", inet.AddrStablePrivacy},
}

// flagWord is get_filter: a FLAG-LIST word ([-]flag, dynamic, primary).
func (f *addrFilter) flagWord(w string) bool {
	inv := false
	if len(w) > 0 && w[0] == '-' {
		inv, w = true, w[1:]
	}
	switch w {
	case "dynamic":
		inv, w = !inv, "permanent"
	case "primary":
		inv, w = !inv, "secondary"
	}
	for _, fl := range ifaFlagNames {
		if fl.name != w {
			continue
		}
		if inv {
			f.flags &^= uint32(fl.mask)
		} else {
			f.flags |= uint32(fl.mask)
		}
		f.flagMask |= uint32(fl.mask)
		return true
	}
	return false
}

// parseAddrFilter is the argument loop of ipaddr_list_flush_or_save.
func parseAddrFilter(args []string, family int) (*addrFilter, error) {
	f := &addrFilter{family: family}
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
		case w == "to":
			if v, err = next(); err != nil {
				return nil, err
			}
			if f.pfx, err = getPrefix(v, f.family); err != nil {
				return nil, err
			}
			f.hasPfx = true
			if f.family == FamilyAll {
				f.family = f.pfx.family
			}
		case w == "scope":
			if v, err = next(); err != nil {
				return nil, err
			}
			s, ok := parseRtScope(v)
			f.scopeMask = 0xFF
			if !ok {
				if v != "all" {
					return nil, invarg("invalid \"scope\"\n", v)
				}
				s, f.scopeMask = inet.ScopeNowhere, 0
			}
			f.scope = s
		case w == "up":
			f.up = true
		case f.flagWord(w):
		case w == "label":
			if v, err = next(); err != nil {
				return nil, err
			}
			f.label = v
		case w == "group":
			if v, err = next(); err != nil {
				return nil, err
			}
			g, ok := parseGroup(v)
			if !ok {
				return nil, invarg("Invalid \"group\" value\n", v)
			}
			f.group = &g
		case w == "master", w == "vrf":
			if v, err = next(); err != nil {
				return nil, err
			}
			return nil, fail(1, "Device \"%s\" does not exist.", v)
		case w == "nomaster":
		case w == "type":
			if v, err = next(); err != nil {
				return nil, err
			}
			f.kind = v
		default:
			if f.dev, err = showDevArg(w, f.dev, next, addrUsage); err != nil {
				return nil, err
			}
		}
		args = args[1:]
	}
	return f, nil
}

// match is print_addrinfo's filter.
func (f *addrFilter) match(ns *netdev.Namespace, a *inet.Addr) bool {
	if f.ifindex != 0 && a.Ifindex != f.ifindex {
		return false
	}
	if (uint8(f.scope)^uint8(a.Scope))&f.scopeMask != 0 {
		return false
	}
	if (f.flags^uint32(a.Flags))&f.flagMask != 0 {
		return false
	}
	if f.family != FamilyAll && f.family != a.Family() {
		return false
	}
	if f.label != "" {
		label := a.Label
		if label == "" || a.Family() == FamilyInet6 {
			if d := ns.Device(a.Ifindex); d != nil {
				label = d.Name()
			}
		}
		if ok, _ := path.Match(f.label, label); !ok {
			return false
		}
	}
	return !f.hasPfx || prefixMatch(f.pfx, a.Prefix.Addr())
}

// prefixMatch is inet_addr_match_rta: the first bits of the filter
// prefix; a family-less "default" matches everything.
func prefixMatch(p inetArg, a netip.Addr) bool {
	if p.family == FamilyAll {
		return true
	}
	if p.family != familyOfAddr(a) {
		return false
	}
	pfx, err := p.addr.Prefix(p.bits)
	return err == nil && pfx.Contains(a)
}

func familyOfAddr(a netip.Addr) int {
	if a.Is4() {
		return FamilyInet
	}
	return FamilyInet6
}

// addrList is ipaddr_list_flush_or_save for show/list and flush.
func (c *Cmd) addrList(args []string, flush bool) error {
	if flush {
		if len(args) == 0 {
			return fail(1, "Flush requires arguments.")
		}
		if c.Opts.Family == FamilyPacket {
			return fail(1, "Cannot flush link addresses.")
		}
	}
	f, err := parseAddrFilter(args, c.Opts.Family)
	if err != nil {
		return err
	}
	if f.dev != "" {
		d := c.NS.DeviceByName(f.dev)
		if d == nil {
			return fail(1, "Device \"%s\" does not exist.", f.dev)
		}
		f.ifindex = d.Index()
	}
	if flush {
		return c.addrFlush(f)
	}
	var addrs []inet.Addr
	if f.family != FamilyPacket {
		addrs = inet.Addrs(c.NS, 0, dumpFamily(f.family))
	}
	p := c.Out
	p.Begin()
	for _, d := range c.addrDevices(f, addrs) {
		c.printAddrLink(d, f, addrs)
	}
	p.End()
	return nil
}

// dumpFamily maps a command family to inet's (0 both).
func dumpFamily(f int) int {
	if f == FamilyInet || f == FamilyInet6 {
		return f
	}
	return 0
}

// addrDevices lists the devices ip address show prints: the link dump
// (narrowed by dev, type and group) after ipaddr_filter.
func (c *Cmd) addrDevices(f *addrFilter, addrs []inet.Addr) []*netdev.Device {
	var out []*netdev.Device
	for _, d := range c.NS.Devices() {
		if f.ifindex != 0 && d.Index() != f.ifindex {
			continue
		}
		if f.kind != "" && kindName(d) != f.kind {
			continue
		}
		if f.group != nil && d.Group() != *f.group {
			continue
		}
		if f.family != FamilyPacket && !f.keepLink(c.NS, d, addrs) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// keepLink is ipaddr_filter: a link stays when one of its addresses
// passes the filter, or when it has none and no family was asked.
func (f *addrFilter) keepLink(ns *netdev.Namespace, d *netdev.Device, addrs []inet.Addr) bool {
	missing := true
	for i := range addrs {
		a := &addrs[i]
		if a.Ifindex != d.Index() {
			continue
		}
		missing = false
		g := *f
		g.ifindex = 0
		if g.match(ns, a) {
			return true
		}
	}
	return missing && (f.family == FamilyAll || f.family == FamilyPacket)
}

// printAddrLink prints one link of ip address show with its addresses.
func (c *Cmd) printAddrLink(d *netdev.Device, f *addrFilter, addrs []inet.Addr) {
	p := c.Out
	noLink := c.Opts.Oneline && f.family != FamilyPacket
	res := 0
	switch {
	case f.up && !d.IsUp() && (c.Opts.Brief || !noLink):
		return
	case c.Opts.Brief:
		p.OpenObject("")
		c.printAddrBriefHead(d)
		res = 1
	case noLink:
		p.OpenObject("")
	case f.label != "" && (f.family == FamilyAll || f.family == FamilyPacket) && !globMatch(f.label, d.Name()):
		p.OpenObject("")
	case f.family == FamilyInet6 && f.dev == "":
		p.OpenObject("")
		c.printInet6LinkHead(d)
		p.Textf("\n")
		res = 1
	default:
		fam := c.Opts.Family
		c.Opts.Family = f.family // "to PREFIX" selects a family too
		c.printLink(d, false)
		c.Opts.Family = fam
		p.Textf("\n")
		res = 1
	}
	if f.family != FamilyPacket {
		c.printSelectedAddrs(d, f, addrs)
	}
	if res > 0 && c.Opts.Stats > 0 && !c.Opts.Brief {
		c.printStats(d)
		p.Textf("\n")
	}
	p.CloseObject()
}

func globMatch(pattern, s string) bool {
	ok, _ := path.Match(pattern, s)
	return ok
}

// printInet6LinkHead is the link line of the AF_INET6 link dump (ip -6
// address without dev): no qdisc, master or group.
func (c *Cmd) printInet6LinkHead(d *netdev.Device) {
	p := c.Out
	p.PrintInt("ifindex", "%d: ", int64(d.Index()))
	mdown := false
	if name, idx, md, ok := c.linkAt(d); ok {
		if name == "" {
			p.PrintString("ifname", "%s", d.Name())
			p.PrintInt("link_index", "@if%d: ", int64(idx))
		} else {
			p.JSONString("link", name)
			p.PrintString("ifname", "%s", d.Name())
			p.Textf("@%s: ", name)
			mdown = md
		}
	} else {
		p.PrintString("ifname", "%s", d.Name())
		p.Textf(": ")
	}
	c.printFlags(d.Flags(), mdown)
	p.PrintUint("mtu", "mtu %d ", uint64(d.MTU()))
	st := d.OperState()
	p.JSONString("operstate", st.String())
	p.Textf("state %s ", st.String())
	if q := d.TxQueueLen(); q != 0 {
		p.PrintInt("txqlen", "qlen %d", int64(q))
	}
}

// printAddrBriefHead is print_linkinfo_brief for addresses: name and
// state.
func (c *Cmd) printAddrBriefHead(d *netdev.Device) {
	p := c.Out
	name := d.Name()
	if ln, idx, _, ok := c.linkAt(d); ok {
		if ln != "" {
			name += "@" + ln
		} else {
			name += fmt.Sprintf("@if%d", idx)
		}
	}
	if p.JSON() {
		p.JSONString("ifname", d.Name())
	} else {
		p.Textf("%-16s ", name)
	}
	p.PrintString("operstate", "%-14s ", d.OperState().String())
}

// printSelectedAddrs is print_selected_addrinfo.
func (c *Cmd) printSelectedAddrs(d *netdev.Device, f *addrFilter, addrs []inet.Addr) {
	p := c.Out
	p.OpenArrayJSON("addr_info")
	for i := range addrs {
		a := &addrs[i]
		if a.Ifindex != d.Index() || f.family != FamilyAll && f.family != a.Family() {
			continue
		}
		if f.up && !d.IsUp() {
			continue
		}
		p.OpenObject("")
		c.printAddrInfo(d, a, f)
		p.CloseObject()
	}
	p.CloseArrayJSON()
	if c.Opts.Brief {
		p.Textf("\n")
	}
}

// printAddrInfo is print_addrinfo for one address of a listing.
func (c *Cmd) printAddrInfo(d *netdev.Device, a *inet.Addr, f *addrFilter) {
	if !f.match(c.NS, a) {
		return
	}
	p := c.Out
	brief := c.Opts.Brief
	fam := a.Family()
	if !brief {
		if c.Opts.Oneline {
			if p.JSON() {
				p.JSONUint("index", uint64(a.Ifindex))
				p.JSONString("dev", d.Name())
			} else {
				p.Textf("%d: %s", a.Ifindex, d.Name())
			}
		}
		p.PrintString("family", "    %s ", inetFamilyName(fam))
	}
	p.PrintString("local", "%s", a.Prefix.Addr().String())
	if a.Peer.IsValid() && a.Peer.Addr() != a.Prefix.Addr() {
		p.Textf(" %s ", "peer")
		p.PrintString("address", "%s", a.Peer.Addr().String())
	}
	p.PrintInt("prefixlen", "/%d ", int64(a.Prefix.Bits()))
	if brief {
		return
	}
	if a.Broadcast.IsValid() {
		p.PrintString("broadcast", "brd %s ", a.Broadcast.String())
	}
	p.PrintString("scope", "scope %s ", scopeName(a.Scope))
	c.printIfaFlags(a)
	if fam == FamilyInet && a.Label != "" {
		p.PrintString("label", "%s", a.Label)
	}
	c.nl()
	p.Textf("       valid_lft ")
	p.JSONUint("valid_life_time", uint64(a.ValidLft))
	p.Textf("%s", lifetime(a.ValidLft))
	p.Textf(" preferred_lft ")
	p.JSONUint("preferred_life_time", uint64(a.PreferredLft))
	p.Textf("%s", lifetime(a.PreferredLft))
	p.Textf("\n")
}

// printIfaFlags is print_ifa_flags.
func (c *Cmd) printIfaFlags(a *inet.Addr) {
	p := c.Out
	flags := a.Flags
	for _, fl := range ifaFlagNames {
		switch {
		case fl.mask == inet.AddrPermanent:
			if flags&fl.mask == 0 {
				p.PrintBool("dynamic", "dynamic ", true)
			}
		case flags&fl.mask != 0:
			if fl.mask == inet.AddrSecondary && a.Family() == FamilyInet6 {
				p.PrintBool("temporary", "temporary ", true)
			} else {
				p.Textf("%s ", fl.name)
				p.JSONBool(fl.name, true)
			}
		}
		flags &^= fl.mask
	}
	if flags != 0 {
		if p.JSON() {
			p.JSONString("ifa_flags", fmt.Sprintf("%02x", uint32(flags)))
		} else {
			p.Textf("flags %02x ", uint32(flags))
		}
	}
}

// addrFlush is ipaddr_flush: delete what the filter selects, in rounds.
func (c *Cmd) addrFlush(f *addrFilter) error {
	const maxRounds = 10
	p := c.Out
	done := func(round int) error {
		if c.Opts.Stats > 0 {
			if round == 0 {
				p.Textf("Nothing to flush.\n")
			} else {
				p.Textf("*** Flush is complete after %d round%s ***\n", round, plural(round))
			}
		}
		return nil
	}
	for round := 0; round < maxRounds; {
		var todo []inet.Addr
		for _, a := range inet.Addrs(c.NS, f.ifindex, dumpFamily(f.family)) {
			if f.match(c.NS, &a) {
				todo = append(todo, a)
			}
		}
		if len(todo) == 0 {
			return done(round)
		}
		for _, a := range todo {
			_ = inet.DelAddr(c.NS, a) // flush_update does not read acks
		}
		round++
		if c.Opts.Stats > 0 {
			p.Textf("\n*** Round %d, deleting %d addresses ***\n", round, len(todo))
		}
		if f.flagMask&uint32(inet.AddrSecondary) != 0 && f.flags&uint32(inet.AddrSecondary) == 0 {
			return done(round)
		}
	}
	return fail(1, "*** Flush remains incomplete after %d rounds. ***", maxRounds)
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}
