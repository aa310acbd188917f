package iproute

import (
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/tunnel"
)

const fouUsage = "Usage: ip fou add port PORT { ipproto PROTO  | gue } [ -6 ]\n" +
	"\t\t   [ local IFADDR ] [ peer IFADDR ]\n" +
	"\t\t   [ peer_port PORT ] [ dev IFNAME ]\n" +
	"       ip fou del port PORT [ -6 ] [ local IFADDR ]\n" +
	"\t\t   [ peer IFADDR ] [ peer_port PORT ]\n" +
	"\t\t   [ dev IFNAME ]\n" +
	"       ip fou show\n" +
	"\n" +
	"Where: PROTO { ipproto-name | 1..255 }\n" +
	"       PORT { 1..65535 }\n" +
	"       IFADDR { addr }\n"

func init() { SetIPObject("fou", doFOU) }

// doFOU is do_ipfou: ip fou add/del/show.
func doFOU(c *Cmd, args []string) error {
	if len(args) == 0 {
		return usageErr(fouUsage)
	}
	switch w := args[0]; {
	case Matches(w, "add"):
		return c.fouModify(args[1:], true)
	case Matches(w, "delete"):
		return c.fouModify(args[1:], false)
	case Matches(w, "show"):
		return c.fouShow()
	case Matches(w, "help"):
		return usageErr(fouUsage)
	default:
		return fail(255, "Command \"%s\" is unknown, try \"ip fou help\".", w)
	}
}

// ipProtoNumber is inet_proto_a2n for the protocols a FOU port carries.
func ipProtoNumber(s string) (uint8, bool) {
	switch s {
	case "ipip", "ip":
		return tunnel.ProtoIPIP, true
	case "gre":
		return 47, true
	case "ipv6":
		return 41, true
	case "mpls":
		return tunnel.ProtoMPLS, true
	}
	n, ok := cUint(s)
	if !ok || n == 0 || n > 255 {
		return 0, false
	}
	return uint8(n), true
}

// fouModify is fou_parse_opt with do_fou_add / do_fou_del.
func (c *Cmd) fouModify(args []string, add bool) error {
	p := tunnel.FOUPort{Family: inet.FamilyV4}
	var portSet, protoSet, gueSet bool
	for i := 0; i < len(args); i++ {
		w := args[i]
		next := func() (string, error) {
			if i+1 >= len(args) {
				return "", incomplete()
			}
			i++
			return args[i], nil
		}
		switch {
		case Matches(w, "port"):
			v, err := next()
			if err != nil {
				return err
			}
			n, ok := cUint(v)
			if !ok || n == 0 || n > 0xffff {
				return invarg("invalid port", v)
			}
			p.Port, portSet = uint16(n), true
		case Matches(w, "ipproto"):
			v, err := next()
			if err != nil {
				return err
			}
			n, ok := ipProtoNumber(v)
			if !ok {
				return invarg("invalid ipproto", v)
			}
			p.IPProto, p.Type, protoSet = n, tunnel.EncapFOU, true
		case Matches(w, "gue"):
			p.Type, gueSet = tunnel.EncapGUE, true
		case Matches(w, "-6"):
			p.Family = inet.FamilyV6
		default:
			return &exitError{code: 255, msg: "fou: unknown command \"" + w + "\"?\n" + fouUsage}
		}
	}
	switch {
	case !portSet:
		return fail(255, "fou: missing port")
	case add && !protoSet && !gueSet:
		return fail(255, "fou: must set ipproto or gue")
	case protoSet && gueSet:
		return fail(255, "fou: cannot set ipproto and gue")
	}
	var err error
	if add {
		err = tunnel.AddFOU(c.NS, p)
	} else {
		err = tunnel.DelFOU(c.NS, p.Port, p.Family)
	}
	if err != nil {
		return kernelError(err)
	}
	return nil
}

// fouShow is do_fou_show: the ports, newest first (the kernel's list
// order).
func (c *Cmd) fouShow() error {
	ports := tunnel.FOUPorts(c.NS)
	p := c.Out
	p.Begin()
	for i := len(ports) - 1; i >= 0; i-- {
		f := ports[i]
		p.OpenObject("")
		p.PrintUint("port", "port %d", uint64(f.Port))
		if f.Type == tunnel.EncapGUE {
			p.PrintNull("gue", " %s", "gue")
		} else {
			p.PrintUint("ipproto", " ipproto %d", uint64(f.IPProto))
		}
		if f.Family == inet.FamilyV6 {
			p.JSONString("family", "inet6")
			p.Textf(" -6")
		} else {
			p.JSONString("family", "inet")
		}
		p.Textf("\n")
		p.CloseObject()
	}
	p.End()
	return nil
}
