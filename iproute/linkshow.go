package iproute

import (
	"fmt"
	"net/netip"

	"github.com/softnet/softnet/netdev"
)

// showFilter is the filter of ip link/addr show (ipaddr_list_flush_or_save).
type showFilter struct {
	dev     string
	up      bool
	kind    string
	label   string
	scope   int // -1 none
	to      netip.Prefix
	flags   addrFlagFilter
	group   *uint32
	ifindex int32
}

// parseShowFilter reads the arguments of ip link show / ip addr show.
func parseShowFilter(args []string, usage string) (*showFilter, error) {
	f := &showFilter{scope: -1}
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
			p, err := parsePrefixArg(v, "to")
			if err != nil {
				return nil, err
			}
			f.to = p
		case w == "scope":
			if v, err = next(); err != nil {
				return nil, err
			}
			s, ok := parseScope(v)
			if !ok && v != "all" {
				return nil, invarg("invalid \"scope\"\n", v)
			}
			if v == "all" {
				s = -1
			}
			f.scope = s
		case w == "up":
			f.up = true
		case f.flags.parse(w):
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
		case w == "type":
			if v, err = next(); err != nil {
				return nil, err
			}
			f.kind = v
		case w == "master", w == "vrf":
			if v, err = next(); err != nil {
				return nil, err
			}
			return nil, fail(1, "Device \"%s\" does not exist.", v)
		case w == "nomaster":
		default:
			if f.dev, err = showDevArg(w, f.dev, next, usage); err != nil {
				return nil, err
			}
		}
		args = args[1:]
	}
	return f, nil
}

// devices returns the devices a filter selects, or iproute2's error.
func (c *Cmd) devices(f *showFilter) ([]*netdev.Device, error) {
	if f.dev != "" {
		d := c.NS.DeviceByName(f.dev)
		if d == nil {
			return nil, fail(1, "Device \"%s\" does not exist.", f.dev)
		}
		f.ifindex = d.Index()
	}
	var out []*netdev.Device
	for _, d := range c.NS.Devices() {
		if f.ifindex != 0 && d.Index() != f.ifindex {
			continue
		}
		if f.up && !d.IsUp() {
			continue
		}
		if f.kind != "" && (d.Kind() == nil || kindName(d) != f.kind) {
			continue
		}
		if f.group != nil && d.Group() != *f.group {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

func kindName(d *netdev.Device) string {
	if d.Kind() == nil {
		return ""
	}
	return d.Kind().Name()
}

// listLinks is ip link show.
func (c *Cmd) listLinks(args []string, doLink bool) error {
	f, err := parseShowFilter(args, linkUsage)
	if err != nil {
		return err
	}
	devs, err := c.devices(f)
	if err != nil {
		return err
	}
	p := c.Out
	p.Begin()
	for _, d := range devs {
		if c.Opts.Brief {
			c.printLinkBrief(d)
		} else {
			c.printLink(d, true)
		}
	}
	p.End()
	return nil
}

// nl is print_nl: a line break in text ("\" in -o mode).
func (c *Cmd) nl() {
	if c.Opts.Oneline {
		c.Out.Textf("\\")
	} else {
		c.Out.Textf("\n")
	}
}

// sl is _SL_: "\n", or "\" in -o mode.
func (c *Cmd) sl() string {
	if c.Opts.Oneline {
		return "\\"
	}
	return "\n"
}

// linkAt names the lower device (IFLA_LINK) and whether it is down
// (M-DOWN); ok is false when the device has none.
func (c *Cmd) linkAt(d *netdev.Device) (name string, index int32, mdown, ok bool) {
	il := d.Iflink()
	if il == 0 || il == d.Index() {
		return "", 0, false, false
	}
	if ld := c.NS.Device(il); ld != nil && linkSameNS(d, ld) {
		return ld.Name(), il, !ld.IsUp(), true
	}
	return "", il, false, true
}

func linkSameNS(d, ld *netdev.Device) bool {
	if p := netdev.VethPeerOf(d); p != nil {
		return p == ld
	}
	return ld.Namespace() == d.Namespace()
}

// printLinkHead prints "IDX: NAME[@LINK]: <FLAGS> mtu … group G [qlen N]".
func (c *Cmd) printLinkHead(d *netdev.Device, doLink bool) {
	p := c.Out
	p.PrintInt("ifindex", "%d: ", int64(d.Index()))
	mdown := false
	// iproute2 prints the lower device before the name in JSON, after it
	// in text ("v0@v1: ").
	if linkNone(d) {
		if p.JSON() {
			p.PrintNull("link", "%s", "")
		}
		p.PrintString("ifname", "%s", d.Name())
		p.Textf("@NONE: ")
	} else if name, idx, md, ok := c.linkAt(d); ok {
		if name == "" {
			p.PrintString("ifname", "%s", d.Name())
			p.PrintInt("link_index", "@if%d: ", int64(idx))
		} else {
			if p.JSON() {
				p.JSONString("link", name)
			}
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
	p.PrintString("qdisc", "qdisc %s ", d.QdiscName())
	if m := d.Master(); m != 0 {
		if md := c.NS.Device(m); md != nil {
			p.PrintString("master", "master %s ", md.Name())
		}
	}
	st := d.OperState()
	p.JSONString("operstate", st.String())
	p.Textf("state %s ", st.String())
	if doLink {
		p.PrintString("linkmode", "mode %s ", "DEFAULT")
	}
	p.PrintString("group", "group %s ", groupName(d.Group()))
	if q := d.TxQueueLen(); q != 0 {
		p.PrintInt("txqlen", "qlen %d", int64(q))
	}
}

func groupName(g uint32) string {
	if g == 0 {
		return "default"
	}
	return fmt.Sprint(g)
}

// printFlags is print_link_flags.
func (c *Cmd) printFlags(f netdev.Flags, mdown bool) {
	p := c.Out
	if p.JSON() {
		p.OpenArrayJSON("flags")
	} else {
		p.Textf("<")
	}
	names := flagWords(f)
	for i, n := range names {
		if i < len(names)-1 {
			p.PrintString("", "%s,", n)
		} else {
			p.PrintString("", "%s", n)
		}
	}
	if mdown {
		p.PrintString("", ",%s", "M-DOWN")
	}
	p.CloseArray("> ")
}

// flagWords lists the flag names iproute2 prints, NO-CARRIER first.
func flagWords(f netdev.Flags) []string {
	var out []string
	if f&netdev.FlagUp != 0 && f&netdev.FlagRunning == 0 {
		out = append(out, "NO-CARRIER")
	}
	f &^= netdev.FlagRunning
	return append(out, f.Names()...)
}

// linkType is ll_type_n2a.
func linkType(t uint16) string {
	switch t {
	case netdev.ARPHRDEther:
		return "ether"
	case netdev.ARPHRDLoopback:
		return "loopback"
	case netdev.ARPHRDTunnel:
		return "ipip"
	case netdev.ARPHRDNone:
		return "none"
	}
	if n, ok := arphrdNames[t]; ok {
		return n
	}
	return fmt.Sprintf("[%d]", t)
}

var arphrdNames = map[uint16]string{
	776: "sit", 778: "gre", 769: "tunnel6", 823: "ip6gre", 1: "ether",
}

// printLinkAddr prints "    link/ether A brd B".
func (c *Cmd) printLinkAddr(d *netdev.Device) {
	p := c.Out
	c.nl()
	p.PrintString("link_type", "    link/%s ", linkType(d.Type))
	if a := d.HardwareAddr(); a != nil || d.AddrLen > 0 {
		p.PrintString("address", "%s", llAddr(d, a))
	}
	if b := d.BroadcastAddr(); b != nil || d.AddrLen > 0 {
		if d.Flags()&netdev.FlagPointToPoint != 0 {
			p.Textf(" peer ")
			p.JSONBool("link_pointtopoint", true)
		} else {
			p.Textf(" brd ")
		}
		p.PrintString("broadcast", "%s", llAddr(d, b))
	}
}

// printLink is print_linkinfo for ip link show (doLink) and the link part
// of ip addr show; the caller ends the object (addresses come first).
func (c *Cmd) printLink(d *netdev.Device, doLink bool) {
	p := c.Out
	p.OpenObject("")
	c.printLinkHead(d, doLink)
	if c.Opts.Family == 0 || c.Opts.Family == FamilyPacket || c.Opts.Details > 0 {
		c.printLinkAddr(d)
	}
	if c.Opts.Details > 0 {
		c.printDetails(d, doLink)
	}
	if a := d.Alias(); a != "" && (doLink || c.Opts.Details > 0) {
		p.Textf("%s    ", c.sl())
		p.PrintString("ifalias", "alias %s", a)
	}
	if doLink && c.Opts.Stats > 0 {
		c.nl()
		c.printStats(d)
	}
	if doLink {
		p.Textf("\n")
		p.CloseObject()
	}
}

// printDetails is the -d part of print_linkinfo.
func (c *Cmd) printDetails(d *netdev.Device, doLink bool) {
	p := c.Out
	p.PrintUint("promiscuity", " promiscuity %d ", uint64(d.Promiscuity()))
	p.PrintUint("allmulti", " allmulti %d ", uint64(d.Allmulti()))
	p.PrintUint("min_mtu", "minmtu %d ", uint64(d.MinMTU))
	p.PrintUint("max_mtu", "maxmtu %d ", uint64(d.MaxMTU))
	if k := d.Kind(); k != nil && k.Name() != "loopback" {
		p.OpenObject("linkinfo")
		p.Textf("%s", c.sl())
		p.PrintString("info_kind", "    %s ", k.Name())
		if lk := lookupLinkKind(k.Name()); lk != nil && lk.Print != nil {
			var info any
			if f, ok := k.(netdev.InfoFiller); ok {
				info = f.LinkInfo(d)
			}
			p.OpenObject("info_data")
			lk.Print(p, info)
			p.CloseObject()
		}
		p.CloseObject()
	}
	if doLink && hasInet6(d) {
		p.PrintString("inet6_addr_gen_mode", "addrgenmode %s ", "eui64")
	}
	p.PrintUint("num_tx_queues", "numtxqueues %d ", uint64(d.NumTxQueues))
	p.PrintUint("num_rx_queues", "numrxqueues %d ", uint64(d.NumRxQueues))
	p.PrintUint("gso_max_size", "gso_max_size %d ", uint64(d.GSOMaxSize))
	p.PrintUint("gso_max_segs", "gso_max_segs %d ", uint64(d.GSOMaxSegs))
	p.PrintUint("tso_max_size", "tso_max_size %d ", uint64(d.TSOMaxSize))
	p.PrintUint("tso_max_segs", "tso_max_segs %d ", uint64(d.TSOMaxSegs))
	p.PrintUint("gro_max_size", "gro_max_size %d ", uint64(d.GROMaxSize))
}

// hasInet6 says whether the device has IPv6 state (IFLA_AF_SPEC inet6):
// Linux drops it when the MTU falls below 1280.
func hasInet6(d *netdev.Device) bool { return d.MTU() >= 1280 && !tunnelFallback(d) }

// printLinkBrief is the -br line of ip link.
func (c *Cmd) printLinkBrief(d *netdev.Device) {
	p := c.Out
	p.OpenObject("")
	name := d.Name()
	mdown := false
	if linkNone(d) {
		name += "@NONE"
	} else if ln, idx, md, ok := c.linkAt(d); ok {
		if ln != "" {
			name += "@" + ln
			mdown = md
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
	if d.AddrLen > 0 || d.HardwareAddr() != nil {
		p.PrintString("address", "%s ", llAddr(d, d.HardwareAddr()))
	}
	c.printFlags(d.Flags(), mdown)
	p.Textf("\n")
	p.CloseObject()
}

// showDevArg handles the trailing "[dev] NAME" of ip link/addr show: "dev"
// takes the next word, "help" prints the usage, and a second name is a
// duplicate. It returns the device name to filter on.
func showDevArg(w, cur string, next func() (string, error), usage string) (string, error) {
	if w == "dev" {
		v, err := next()
		if err != nil {
			return "", err
		}
		w = v
	} else if Matches(w, "help") {
		return "", usageErr(usage)
	}
	if cur != "" {
		return "", duparg2("dev", w)
	}
	return w, nil
}
