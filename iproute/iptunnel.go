package iproute

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/tunnel"
)

// ipTunnelUsage is iptunnel.c's usage (iproute2 6.1).
const ipTunnelUsage = "Usage: ip tunnel { add | change | del | show | prl | 6rd } [ NAME ]\n" +
	"        [ mode { gre | ipip | isatap | sit | vti } ]\n" +
	"        [ remote ADDR ] [ local ADDR ]\n" +
	"        [ [i|o]seq ] [ [i|o]key KEY ] [ [i|o]csum ]\n" +
	"        [ prl-default ADDR ] [ prl-nodefault ADDR ] [ prl-delete ADDR ]\n" +
	"        [ 6rd-prefix ADDR ] [ 6rd-relay_prefix ADDR ] [ 6rd-reset ]\n" +
	"        [ ttl TTL ] [ tos TOS ] [ [no]pmtudisc ] [ dev PHYS_DEV ]\n" +
	"\n" +
	"Where:	NAME := STRING\n" +
	"	ADDR := { IP_ADDRESS | any }\n" +
	"	TOS  := { STRING | 00..ff | inherit | inherit/STRING | inherit/00..ff }\n" +
	"	TTL  := { 1..255 | inherit }\n" +
	"	KEY  := { DOTTED_QUAD | NUMBER }\n"

// IP protocols of ip tunnel modes.
const (
	ipprotoGRE  = 47
	ipprotoIPv6 = 41
)

// ioctl command numbers, as iproute2 prints them in errors.
const (
	siocAddTunnel = 0x89f1
	siocChgTunnel = 0x89f3
)

func init() {
	SetIPObject("tunnel", doIPTunnel)
	SetIPObject("tunl", doIPTunnel)
}

// doIPTunnel is do_iptunnel (IPv4).
func doIPTunnel(c *Cmd, args []string) error {
	if c.Opts.Family != 0 && c.Opts.Family != 4 {
		return fail(255, "softnet: ip -6 tunnel is not implemented")
	}
	if len(args) == 0 {
		return c.tunnelShow(nil)
	}
	w, rest := args[0], args[1:]
	switch {
	case Matches(w, "add"):
		return c.tunnelAdd(tunnel.CtlAdd, rest)
	case Matches(w, "change"):
		return c.tunnelAdd(tunnel.CtlChange, rest)
	case Matches(w, "delete"):
		return c.tunnelDel(rest)
	case Matches(w, "show") || Matches(w, "lst") || Matches(w, "list"):
		return c.tunnelShow(rest)
	case Matches(w, "help"):
		return usageErr(ipTunnelUsage)
	}
	return fail(255, "Command \"%s\" is unknown, try \"ip tunnel help\"", w)
}

// tunnelArgs are parse_args' results.
type tunnelArgs struct {
	p      tunnel.IoctlParm
	medium string
	isatap bool
}

// parseTunnelArgs is iptunnel.c's parse_args.
func (c *Cmd) parseTunnelArgs(args []string, cmd tunnel.CtlCmd) (*tunnelArgs, error) {
	ta := &tunnelArgs{p: tunnel.IoctlParm{Version: 4, IHL: 5, FragOff: tunnel.IPDF,
		Saddr: netip.IPv4Unspecified(), Daddr: netip.IPv4Unspecified()}}
	p := &ta.p
	count := 0
	for i := 0; i < len(args); i++ {
		w := args[i]
		val := func() (string, error) {
			if i+1 >= len(args) {
				return "", incomplete()
			}
			i++
			return args[i], nil
		}
		var err error
		switch w {
		case "mode":
			var v string
			if v, err = val(); err == nil {
				err = ta.setMode(v)
			}
		case "key", "ikey", "okey":
			var v string
			if v, err = val(); err == nil {
				err = ta.setKey(w, v)
			}
		case "seq", "iseq", "oseq", "csum", "icsum", "ocsum":
			ta.setGREFlag(w)
		case "nopmtudisc":
			p.FragOff = 0
		case "pmtudisc":
			p.FragOff = tunnel.IPDF
		case "remote", "local":
			var v string
			if v, err = val(); err == nil {
				var a netip.Addr
				if a, err = getAddr32(v); err == nil {
					if w == "remote" {
						p.Daddr = a
					} else {
						p.Saddr = a
					}
				}
			}
		case "dev":
			ta.medium, err = val()
		case "ttl", "hoplimit", "hlim":
			var v string
			if v, err = val(); err == nil && v != "inherit" {
				n, ok := cUint(v)
				if !ok || n > 255 {
					return nil, invarg("invalid TTL\n", v)
				}
				p.TTL = uint8(n)
			}
		case "tos", "tclass":
			var v string
			if v, err = val(); err == nil {
				err = ta.setTOS(v)
			}
		default:
			if Matches(w, "dsfield") {
				var v string
				if v, err = val(); err == nil {
					err = ta.setTOS(v)
				}
				break
			}
			err = c.tunnelName(ta, args, &i, cmd, count)
		}
		if err != nil {
			return nil, err
		}
		count++
	}
	return ta, c.finishTunnelArgs(ta)
}

// tunnelName handles a NAME (or "name NAME") word; ip tunnel change starts
// from the tunnel's current parameters.
func (c *Cmd) tunnelName(ta *tunnelArgs, args []string, i *int, cmd tunnel.CtlCmd, count int) error {
	w := args[*i]
	if w == "name" {
		if *i+1 >= len(args) {
			return incomplete()
		}
		*i++
		w = args[*i]
	} else if Matches(w, "help") {
		return usageErr(ipTunnelUsage)
	}
	if ta.p.Name != "" {
		return duparg2("name", w)
	}
	ta.p.Name = w
	if cmd == tunnel.CtlChange && count == 0 {
		old, err := c.tunnelGet(w, tunnel.IoctlParm{Name: w})
		if err != nil {
			return err
		}
		ta.p = old
	}
	return nil
}

func (ta *tunnelArgs) setMode(v string) error {
	var proto uint8
	switch v {
	case "ipip", "ip/ip":
		proto = tunnel.ProtoIPIP
	case "gre", "gre/ip":
		proto = ipprotoGRE
	case "sit", "ipv6/ip":
		proto = ipprotoIPv6
	case "isatap":
		proto, ta.isatap = ipprotoIPv6, true
	case "vti":
		proto = tunnel.ProtoIPIP
		ta.p.IFlags |= tunnel.VTIIsVTI
	default:
		return fail(255, "Unknown tunnel mode \"%s\"", v)
	}
	if ta.p.Proto != 0 && ta.p.Proto != proto {
		return fail(255, "You managed to ask for more than one tunnel mode.")
	}
	ta.p.Proto = proto
	return nil
}

// parseTunnelKey is tnl_parse_key: a dotted quad or a number.
func parseTunnelKey(name, v string) (uint32, error) {
	if strings.Contains(v, ".") {
		k, ok := dottedKey(v)
		if !ok {
			return 0, fail(255, "invalid value for \"%s\": \"%s\"; it should be an unsigned integer", name, v)
		}
		return k, nil
	}
	n, ok := getU32(v)
	if !ok {
		return 0, fail(255, "invalid value for \"%s\": \"%s\"; it should be an unsigned integer", name, v)
	}
	return n, nil
}

func (ta *tunnelArgs) setKey(w, v string) error {
	k, err := parseTunnelKey(w, v)
	if err != nil {
		return err
	}
	if w != "okey" {
		ta.p.IFlags |= tunnel.GREKey
		ta.p.IKey = k
	}
	if w != "ikey" {
		ta.p.OFlags |= tunnel.GREKey
		ta.p.OKey = k
	}
	return nil
}

func (ta *tunnelArgs) setGREFlag(w string) {
	bit := tunnel.GRESeq
	if strings.HasSuffix(w, "csum") {
		bit = tunnel.GRECsum
	}
	if w[0] != 'o' {
		ta.p.IFlags |= bit
	}
	if w[0] != 'i' {
		ta.p.OFlags |= bit
	}
}

func (ta *tunnelArgs) setTOS(v string) error {
	ds := v
	inherit := false
	if strings.HasPrefix(v, "inherit") {
		inherit = true
		ds = ""
		if rest, ok := strings.CutPrefix(v, "inherit/"); ok {
			ds = rest
		} else if v != "inherit" {
			ds = v
		}
	}
	ta.p.TOS = 0
	if inherit {
		ta.p.TOS = 1
	}
	if ds != "" {
		n, ok := parseDSField(ds)
		if !ok {
			return invarg("bad TOS value", v)
		}
		ta.p.TOS |= n
	}
	return nil
}

// finishTunnelArgs is the end of parse_args: the mode from the name, keys
// only for gre/vti, the PHYS device, multicast keys.
func (c *Cmd) finishTunnelArgs(ta *tunnelArgs) error {
	p := &ta.p
	if p.Proto == 0 {
		switch {
		case strings.HasPrefix(p.Name, "gre"):
			p.Proto = ipprotoGRE
		case strings.HasPrefix(p.Name, "ipip"):
			p.Proto = tunnel.ProtoIPIP
		case strings.HasPrefix(p.Name, "sit"):
			p.Proto = ipprotoIPv6
		case strings.HasPrefix(p.Name, "isatap"):
			p.Proto, ta.isatap = ipprotoIPv6, true
		case strings.HasPrefix(p.Name, "vti"):
			p.Proto = tunnel.ProtoIPIP
			p.IFlags |= tunnel.VTIIsVTI
		}
	}
	if (p.IFlags|p.OFlags)&tunnel.GREKey != 0 && p.IFlags&tunnel.VTIIsVTI == 0 && p.Proto != ipprotoGRE {
		return fail(1, "Keys are not allowed with ipip and sit tunnels")
	}
	if ta.medium != "" {
		d := c.NS.DeviceByName(ta.medium)
		if d == nil {
			return fail(1, "Cannot find device \"%s\"", ta.medium)
		}
		p.Link = d.Index()
	}
	if p.Daddr.IsMulticast() {
		if p.IKey == 0 {
			p.IKey, p.IFlags = addrKey(p.Daddr), p.IFlags|tunnel.GREKey
		}
		if p.OKey == 0 {
			p.OKey, p.OFlags = addrKey(p.Daddr), p.OFlags|tunnel.GREKey
		}
		if p.Saddr.IsUnspecified() {
			return fail(1, "A broadcast tunnel requires a source address")
		}
	}
	return nil
}

func addrKey(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// tnlDefName is tnl_defname: the fallback device an ioctl goes to.
func tnlDefName(p *tunnel.IoctlParm) string {
	switch p.Proto {
	case tunnel.ProtoIPIP:
		if p.IFlags&tunnel.VTIIsVTI != 0 {
			return "ip_vti0"
		}
		return "tunl0"
	case ipprotoGRE:
		return "gre0"
	case ipprotoIPv6:
		return "sit0"
	}
	return ""
}

// tunnelIoctl is an ioctl on the device called name: a missing fallback
// device is created first (the netdev-NAME module alias).
func (c *Cmd) tunnelIoctl(name string, cmd tunnel.CtlCmd, p *tunnel.IoctlParm) error {
	w := c.Env.World
	w.Lock()
	defer w.Unlock()
	d := c.NS.DeviceByName(name)
	if d == nil {
		if f := tunnel.FamilyByFallback(name); f != nil {
			if err := f.Net(c.NS).EnsureFallbackLocked(); err != nil {
				return err
			}
			d = c.NS.DeviceByName(name)
		}
	}
	if d == nil {
		return extack.Errno(syscall.ENODEV)
	}
	t := tunnel.Of(d)
	if t == nil {
		return extack.Errno(syscall.EOPNOTSUPP)
	}
	return t.Ctl(cmd, p)
}

// tunnelGet is tnl_get_ioctl.
func (c *Cmd) tunnelGet(name string, p tunnel.IoctlParm) (tunnel.IoctlParm, error) {
	if err := c.tunnelIoctl(name, tunnel.CtlGet, &p); err != nil {
		return p, fail(1, "get tunnel \"%s\" failed: %s", name, extack.Strerror(extack.ErrnoOf(err)))
	}
	return p, nil
}

// tunnelAdd is do_add (ip tunnel add / change).
func (c *Cmd) tunnelAdd(cmd tunnel.CtlCmd, args []string) error {
	ta, err := c.parseTunnelArgs(args, cmd)
	if err != nil {
		return err
	}
	p := &ta.p
	if p.TTL != 0 && p.FragOff == 0 {
		return fail(1, "ttl != 0 and nopmtudisc are incompatible")
	}
	base := tnlDefName(p)
	if base == "" {
		return fail(1, "cannot determine tunnel mode (ipip, gre, vti or sit)")
	}
	name, what, num := base, "add tunnel", siocAddTunnel
	if cmd == tunnel.CtlChange {
		what, num = "change tunnel", siocChgTunnel
		if p.Name != "" {
			name = p.Name
		}
	}
	if err := c.tunnelIoctl(name, cmd, p); err != nil {
		return fail(1, "%s: ioctl %x failed: %s", what, num, extack.Strerror(extack.ErrnoOf(err)))
	}
	return nil
}

// tunnelDel is do_del.
func (c *Cmd) tunnelDel(args []string) error {
	ta, err := c.parseTunnelArgs(args, tunnel.CtlDel)
	if err != nil {
		return err
	}
	name := ta.p.Name
	if name == "" {
		name = tnlDefName(&ta.p)
	}
	if err := c.tunnelIoctl(name, tunnel.CtlDel, &ta.p); err != nil {
		return fail(1, "delete tunnel \"%s\" failed: %s", name, extack.Strerror(extack.ErrnoOf(err)))
	}
	return nil
}

// tunnelShow is do_show / do_tunnels_list.
func (c *Cmd) tunnelShow(args []string) error {
	ta, err := c.parseTunnelArgs(args, tunnel.CtlGet)
	if err != nil {
		return err
	}
	p := c.Out
	if base := tnlDefName(&ta.p); base != "" {
		name := base
		if ta.p.Name != "" {
			name = ta.p.Name
		}
		q, err := c.tunnelGet(name, ta.p)
		if err != nil {
			return err
		}
		p.Begin()
		c.printTunnel(&q)
		p.raw("\n")
		p.End()
		return nil
	}
	p.Begin()
	for _, d := range c.NS.Devices() {
		if !c.tunnelListed(d, &ta.p) {
			continue
		}
	}
	p.End()
	return nil
}

// tunnelListed prints d's line of the list if it is a tunnel matching the
// filter f.
func (c *Cmd) tunnelListed(d *netdev.Device, f *tunnel.IoctlParm) bool {
	if f.Name != "" && f.Name != d.Name() {
		return false
	}
	if d.Type != netdev.ARPHRDTunnel && d.Type != netdev.ARPHRDIPGRE && d.Type != netdev.ARPHRDSit {
		return false
	}
	q := tunnel.IoctlParm{Saddr: netip.IPv4Unspecified(), Daddr: netip.IPv4Unspecified()}
	if err := c.tunnelIoctl(d.Name(), tunnel.CtlGet, &q); err != nil {
		return false
	}
	if (f.Link != 0 && q.Link != f.Link) || (f.Name != "" && q.Name != f.Name) ||
		(!f.Daddr.IsUnspecified() && q.Daddr != f.Daddr) ||
		(!f.Saddr.IsUnspecified() && q.Saddr != f.Saddr) || (f.IKey != 0 && q.IKey != f.IKey) {
		return false
	}
	c.printTunnel(&q)
	if c.Opts.Stats > 0 && !c.Out.JSON() {
		c.printTunnelStats(d)
	}
	c.Out.raw("\n")
	return true
}

// tnlStrProto is tnl_strproto.
func tnlStrProto(proto uint8) string {
	switch proto {
	case tunnel.ProtoIPIP:
		return "ip"
	case ipprotoGRE:
		return "gre"
	case ipprotoIPv6:
		return "ipv6"
	case tunnel.ProtoMPLS:
		return "mpls"
	case 0:
		return "any"
	}
	return "unknown"
}

// printTunnel is print_tunnel (iproute2 6.1).
func (c *Cmd) printTunnel(q *tunnel.IoctlParm) {
	p := c.Out
	p.OpenObject("")
	p.PrintString("ifname", "%s: ", q.Name)
	p.PrintString("mode", "%s", tnlStrProto(q.Proto)+"/ip")
	any := func(a netip.Addr) string {
		if a.IsUnspecified() || !a.IsValid() {
			return "any"
		}
		return a.String()
	}
	p.Textf(" remote %s local %s", any(q.Daddr), any(q.Saddr))
	p.JSONString("remote", q.Daddr.String())
	p.JSONString("local", q.Saddr.String())
	if q.Link != 0 {
		if ld := c.NS.Device(q.Link); ld != nil {
			p.PrintString("link", " dev %s", ld.Name())
		}
	}
	if q.TTL != 0 {
		p.PrintUint("ttl", " ttl %d", uint64(q.TTL))
	} else {
		p.Textf(" ttl inherit")
	}
	if q.TOS != 0 {
		p.Textf(" tos")
		if q.TOS&1 != 0 {
			p.PrintNull("inherit", " %s", "inherit")
		}
		if q.TOS&^1 != 0 {
			sep := " "
			if q.TOS&1 != 0 {
				sep = "/"
			}
			p.PrintString("tos", sep+"%s", dsfieldName(q.TOS&^1))
		}
	}
	if q.FragOff&tunnel.IPDF == 0 {
		p.PrintNull("nopmtudisc", " %s", "nopmtudisc")
	}
	c.printTunnelKeys(q)
	p.CloseObject()
}

func (c *Cmd) printTunnelKeys(q *tunnel.IoctlParm) {
	p := c.Out
	switch {
	case q.IFlags&tunnel.GREKey != 0 && q.OFlags&tunnel.GREKey != 0 && q.IKey == q.OKey:
		p.PrintUint("key", " key %d", uint64(q.IKey))
	case (q.IFlags|q.OFlags)&tunnel.GREKey != 0:
		if q.IFlags&tunnel.GREKey != 0 {
			p.PrintUint("ikey", " ikey %d", uint64(q.IKey))
		}
		if q.OFlags&tunnel.GREKey != 0 {
			p.PrintUint("okey", " okey %d", uint64(q.OKey))
		}
	}
}

// printTunnelStats is the -s part of do_tunnels_list, from the
// /proc/net/dev view of the device counters.
func (c *Cmd) printTunnelStats(d *netdev.Device) {
	s := d.Stats.Snapshot()
	rxFrame := s.RxLengthErrors + s.RxOverErrors + s.RxCRCErrors + s.RxFrameErrors
	txCarrier := s.TxCarrierErrors + s.TxAbortedErrors + s.TxWindowErrors + s.TxHeartbeatErrors
	var sb strings.Builder
	sb.WriteString("\nRX: Packets    Bytes        Errors CsumErrs OutOfSeq Mcasts\n")
	fmt.Fprintf(&sb, "    %-10d %-12d %-6d %-8d %-8d %-8d\n", s.RxPackets, s.RxBytes, s.RxErrors, rxFrame, s.RxFIFOErrors, s.Multicast)
	sb.WriteString("TX: Packets    Bytes        Errors DeadLoop NoRoute  NoBufs\n")
	fmt.Fprintf(&sb, "    %-10d %-12d %-6d %-8d %-8d %-6d", s.TxPackets, s.TxBytes, s.TxErrors, s.Collisions, txCarrier, s.TxDropped)
	c.Out.raw(sb.String())
}

// dottedKey is get_addr_ipv4 as get_addr32 uses it for keys: one to four
// numbers (C notation, each at most 255) separated by dots, the bytes not
// given zero ("1.2.3" is 0x01020300).
func dottedKey(v string) (uint32, bool) {
	parts := strings.Split(v, ".")
	if len(parts) > 4 {
		return 0, false
	}
	var k uint32
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 0, 8)
		if err != nil {
			return 0, false
		}
		k |= uint32(n) << (24 - 8*i)
	}
	return k, true
}
