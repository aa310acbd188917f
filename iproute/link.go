package iproute

import (
	"strconv"
	"strings"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/tunnel/ipip"
	"github.com/softnet/softnet/tunnel/vti"
	"github.com/softnet/softnet/tunnel/xfrmi"
)

// doLink is `ip link` (iplink.c do_iplink).
func doLink(c *Cmd, args []string) error {
	if len(args) == 0 {
		return c.listLinks(nil, true)
	}
	sub, rest := args[0], args[1:]
	switch {
	case Matches(sub, "add"):
		return c.linkModify(rest, true, false)
	case Matches(sub, "set"), Matches(sub, "change"):
		return c.linkModify(rest, false, false)
	case Matches(sub, "replace"):
		return c.linkModify(rest, true, true)
	case Matches(sub, "delete"):
		return c.linkDelete(rest)
	case Matches(sub, "show"), Matches(sub, "lst"), Matches(sub, "list"):
		return c.listLinks(rest, true)
	case Matches(sub, "help"):
		return usageErr(linkUsage)
	}
	return fail(255, "Command \"%s\" is unknown, try \"ip link help\".", sub)
}

// linkArgs is what iplink_parse collects besides the request.
type linkArgs struct {
	req       netdev.LinkRequest
	dev       string
	nameSet   bool // name given with the "name" keyword
	devIsName bool // dev was set by "name" (iproute2's dev == name)
	addrLen   int  // length of a parsed "address", 0 if none
	kind      string
	kindArgs  []string
}

// parseLinkArgs is iplink_parse: the generic options of ip link add/set,
// up to "type KIND" (whose arguments are returned for the kind's parser).
// create selects the checks of ip link add. It is also veth's peer parser.
func parseLinkArgs(args []string, create bool) (*linkArgs, error) {
	la := &linkArgs{}
	r := &la.req
	for len(args) > 0 {
		w := args[0]
		next := func() (string, error) {
			if len(args) < 2 {
				return "", incomplete()
			}
			args = args[1:]
			return args[0], nil
		}
		var err error
		var v string
		switch {
		case w == "up" || w == "down":
			r.Up = ptr(w == "up")
		case w == "name":
			if v, err = next(); err != nil {
				return nil, err
			}
			if la.nameSet {
				return nil, duparg("name", v)
			}
			if !netdev.ValidName(v) {
				return nil, invarg("\"name\" not a valid ifname", v)
			}
			r.Name, la.nameSet = v, true
			if la.dev == "" {
				la.dev, la.devIsName = v, true
			}
		case Matches(w, "link") && w != "link-netns" && w != "link-netnsid":
			if v, err = next(); err != nil {
				return nil, err
			}
			r.Link = v
		case Matches(w, "address"):
			if v, err = next(); err != nil {
				return nil, err
			}
			a, err := parseLLAddr(v)
			if err != nil {
				return nil, err
			}
			r.Address, la.addrLen = a, len(a)
		case Matches(w, "broadcast") || w == "brd":
			if v, err = next(); err != nil {
				return nil, err
			}
			a, err := parseLLAddr(v)
			if err != nil {
				return nil, err
			}
			r.Broadcast = a
		case Matches(w, "txqueuelen") || w == "qlen" || Matches(w, "txqlen"):
			if v, err = next(); err != nil {
				return nil, err
			}
			if r.TxQLen != nil {
				return nil, duparg("txqueuelen", v)
			}
			n, ok := getInteger(v)
			if !ok {
				return nil, invarg("Invalid \"txqueuelen\" value\n", v)
			}
			r.TxQLen = ptr(uint32(n))
		case w == "mtu":
			if v, err = next(); err != nil {
				return nil, err
			}
			if r.MTU != nil {
				return nil, duparg("mtu", v)
			}
			n, ok := getInteger(v)
			if !ok {
				return nil, invarg("Invalid \"mtu\" value\n", v)
			}
			r.MTU = ptr(uint32(n))
		case w == "netns":
			if v, err = next(); err != nil {
				return nil, err
			}
			if r.NetNS != "" {
				return nil, duparg("netns", v)
			}
			r.NetNS = v
		case w == "multicast", w == "allmulticast", w == "promisc", w == "arp", w == "carrier", w == "trailers":
			if v, err = next(); err != nil {
				return nil, err
			}
			if v != "on" && v != "off" {
				return nil, fail(255, "Error: argument of \"%s\" must be \"on\" or \"off\", not \"%s\"", w, v)
			}
			on := v == "on"
			switch w {
			case "multicast":
				r.Multicast = ptr(on)
			case "allmulticast":
				r.Allmulti = ptr(on)
			case "promisc":
				r.Promisc = ptr(on)
			case "arp":
				r.NoARP = ptr(!on)
			case "carrier":
				r.Carrier = ptr(on)
			}
		case Matches(w, "type"):
			if v, err = next(); err != nil {
				return nil, err
			}
			la.kind, la.kindArgs = v, args[1:]
			args = nil
			continue
		case Matches(w, "alias"):
			if v, err = next(); err != nil {
				return nil, err
			}
			if len(v) >= 256 {
				return nil, invarg("alias too long\n", v)
			}
			r.Alias = &v
		case w == "group":
			if v, err = next(); err != nil {
				return nil, err
			}
			if r.Group != nil {
				return nil, duparg("group", v)
			}
			g, ok := parseGroup(v)
			if !ok {
				return nil, invarg("Invalid \"group\" value\n", v)
			}
			r.Group = ptr(g)
		case w == "numtxqueues", w == "numrxqueues":
			if v, err = next(); err != nil {
				return nil, err
			}
			n, ok := getInteger(v)
			if !ok {
				return nil, invarg("Invalid \""+w+"\" value\n", v)
			}
			if w == "numtxqueues" {
				r.NumTx = ptr(uint32(n))
			} else {
				r.NumRx = ptr(uint32(n))
			}
		case Matches(w, "link-netns"):
			if v, err = next(); err != nil {
				return nil, err
			}
			r.LinkNetns = v
		default:
			if Matches(w, "help") {
				return nil, usageErr(linkUsage)
			}
			if w == "dev" {
				if v, err = next(); err != nil {
					return nil, err
				}
				w = v
			}
			if la.dev != "" && !la.devIsName {
				return nil, duparg2("dev", w)
			}
			if !validAltName(w) {
				return nil, invarg("\"dev\" not a valid ifname", w)
			}
			la.dev, la.devIsName = w, false
		}
		args = args[1:]
	}
	return la, la.finish(create)
}

// finish applies iplink_parse's closing checks.
func (la *linkArgs) finish(create bool) error {
	if !la.nameSet {
		la.req.Name = la.dev
	}
	if create && la.nameSet && la.dev != la.req.Name {
		return fail(255, "both \"name\" and \"dev\" cannot be used when creating devices.")
	}
	if !create && la.dev == "" {
		return fail(255, "Not enough information: \"dev\" argument is required.")
	}
	return nil
}

// getInteger is iproute2's get_integer: strtol with base 0, whole word.
func getInteger(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 0, 32)
	if err != nil {
		if len(s) > 1 && s[0] == '0' && s[1] != 'x' && s[1] != 'X' {
			// strtol base 0 treats a leading 0 as octal; ParseInt wants 0o.
			n, err = strconv.ParseInt(s[1:], 8, 32)
			return n, err == nil
		}
		return 0, false
	}
	return n, true
}

// parseGroup reads a device group: "default" or a number.
func parseGroup(s string) (uint32, bool) {
	if s == "default" {
		return 0, true
	}
	n, err := strconv.ParseUint(s, 0, 32)
	return uint32(n), err == nil
}

// validAltName is check_altifname: non-empty, no '/', no whitespace.
func validAltName(s string) bool {
	if s == "" || len(s) >= 128 {
		return false
	}
	return !strings.ContainsAny(s, "/ \t\n:")
}

// parseLLAddr is ll_addr_a2n: colon-separated hex bytes; the error names
// the offending segment.
func parseLLAddr(arg string) (netdev.HWAddr, error) {
	var out netdev.HWAddr
	for {
		seg, rest, more := strings.Cut(arg, ":")
		v, ok := scanHex(seg)
		if !ok || v > 255 {
			return nil, fail(1, "\"%s\" is invalid lladdr.", seg)
		}
		out = append(out, byte(v))
		if !more || len(out) == 32 {
			return out, nil
		}
		arg = rest
	}
}

// scanHex reads a hex number prefix as sscanf("%x") does.
func scanHex(s string) (uint64, bool) {
	s = strings.TrimLeft(s, " \t")
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	var v uint64
	n := 0
	for ; n < len(s); n++ {
		d := strings.IndexByte("0123456789abcdef", lower(s[n]))
		if d < 0 {
			break
		}
		if v < 1<<32 {
			v = v*16 + uint64(d)
		}
	}
	return v, n > 0
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// linkModify is iplink_modify for add (create) and set.
func (c *Cmd) linkModify(args []string, create, replace bool) error {
	la, err := parseLinkArgs(args, create)
	if err != nil {
		return err
	}
	if replace && c.NS.DeviceByName(la.dev) != nil {
		create = false // NLM_F_REPLACE without EXCL modifies an existing device
	}
	if !create {
		d := c.NS.DeviceByName(la.dev)
		if la.addrLen != 0 && d != nil && d.AddrLen > 0 && d.AddrLen != la.addrLen {
			return fail(1, "Invalid address length %d - must be %d bytes", la.addrLen, d.AddrLen)
		}
		if d == nil {
			return noDevice(la.dev)
		}
		if la.req.Name == la.dev {
			la.req.Name = ""
		}
		return c.linkSet(d, la)
	}
	if la.req.Link != "" && c.NS.DeviceByName(la.req.Link) == nil {
		return noDevice(la.req.Link)
	}
	if la.kind == "" {
		return fail(255, "Not enough information: \"type\" argument is required")
	}
	la.req.Kind = la.kind
	if err := c.parseKind(la); err != nil {
		return err
	}
	if err := c.locked(func() error { _, err := c.NS.NewLinkLocked(&la.req); return err }); err != nil {
		return kernelError(err)
	}
	return nil
}

// locked runs f with the RTNL held, released even if f panics (the
// daemon turns a panicking command into an error and carries on).
func (c *Cmd) locked(f func() error) error {
	c.Env.World.Lock()
	defer c.Env.World.Unlock()
	return f()
}

// parseKind runs the kind's argument parser (ip link add … type K ARGS);
// kinds without one ignore their arguments, as iproute2 does.
func (c *Cmd) parseKind(la *linkArgs) error {
	if lk := lookupLinkKind(la.kind); lk != nil && lk.Parse != nil {
		data, err := lk.Parse(la.kindArgs)
		if err != nil {
			return err
		}
		if name, noDev := lowerDevice(data); name != nil && *name != "" && noDev != nil && c.NS.DeviceByName(*name) == nil {
			return noDev // iproute2 resolves `dev` while parsing
		}
		la.req.Data = data
	}
	if netdev.LookupKind(la.kind) == nil {
		return kernelError(extack.New(syscall.EOPNOTSUPP, "Unknown device type"))
	}
	return nil
}

// linkSet is ip link set on an existing device.
func (c *Cmd) linkSet(d *netdev.Device, la *linkArgs) error {
	if la.kind != "" {
		la.req.Kind = la.kind
		if err := c.parseKind(la); err != nil {
			return err
		}
	}
	req := la.req
	req.NewName = req.Name
	req.Name = ""
	var target *netdev.Namespace
	if req.NetNS != "" {
		if target = c.Env.World.Namespace(req.NetNS); target == nil {
			return invarg("Invalid \"netns\" value\n", req.NetNS)
		}
	}
	if err := c.locked(func() error { return c.NS.SetLinkLocked(d, &req) }); err != nil {
		return kernelError(err)
	}
	return nil
}

// linkDelete is ip link delete { DEVICE | dev DEVICE } [type TYPE].
func (c *Cmd) linkDelete(args []string) error {
	la, err := parseLinkArgs(args, false)
	if err != nil {
		return err
	}
	d := c.NS.DeviceByName(la.dev)
	if d == nil {
		return noDevice(la.dev)
	}
	if err := c.NS.DelLink(d); err != nil {
		return kernelError(err)
	}
	return nil
}

// formatLinkArgs prints parsed link options back as words (the inverse of
// parseLinkArgs for the generic options), used to check round trips.
func formatLinkArgs(la *linkArgs) []string {
	r := &la.req
	out := []string{"dev", la.dev}
	if r.Name != "" && r.Name != la.dev {
		out = append(out, "name", r.Name)
	}
	onoff := func(k string, v *bool, invert bool) {
		if v != nil {
			out = append(out, k, map[bool]string{true: "on", false: "off"}[*v != invert])
		}
	}
	if r.Up != nil {
		out = append(out, map[bool]string{true: "up", false: "down"}[*r.Up])
	}
	if r.Link != "" {
		out = append(out, "link", r.Link)
	}
	if r.Address != nil {
		out = append(out, "address", r.Address.String())
	}
	if r.Broadcast != nil {
		out = append(out, "broadcast", r.Broadcast.String())
	}
	if r.TxQLen != nil {
		out = append(out, "txqueuelen", strconv.FormatInt(int64(int32(*r.TxQLen)), 10))
	}
	if r.MTU != nil {
		out = append(out, "mtu", strconv.FormatInt(int64(int32(*r.MTU)), 10))
	}
	if r.NetNS != "" {
		out = append(out, "netns", r.NetNS)
	}
	onoff("multicast", r.Multicast, false)
	onoff("allmulticast", r.Allmulti, false)
	onoff("promisc", r.Promisc, false)
	onoff("arp", r.NoARP, true)
	onoff("carrier", r.Carrier, false)
	if r.Alias != nil {
		out = append(out, "alias", *r.Alias)
	}
	if r.Group != nil {
		out = append(out, "group", strconv.FormatUint(uint64(*r.Group), 10))
	}
	if r.NumTx != nil {
		out = append(out, "numtxqueues", strconv.FormatInt(int64(int32(*r.NumTx)), 10))
	}
	if r.NumRx != nil {
		out = append(out, "numrxqueues", strconv.FormatInt(int64(int32(*r.NumRx)), 10))
	}
	if r.LinkNetns != "" {
		out = append(out, "link-netns", r.LinkNetns)
	}
	return out
}

// lowerDevice is the `dev PHYS` a tunnel kind's arguments named and the
// error iproute2 prints when it does not exist.
func lowerDevice(data any) (*string, error) {
	switch x := data.(type) {
	case *ipip.Data:
		return x.LinkName, x.NoDevice
	case *vti.Data:
		return x.LinkName, x.NoDevice
	case *xfrmi.Data:
		return x.LinkName, x.NoDevice
	}
	return nil, nil
}
