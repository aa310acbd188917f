package iproute

import (
	"fmt"
	"net/netip"

	"github.com/softnet/softnet/tunnel"
	"github.com/softnet/softnet/tunnel/ipip"
)

// ipipUsage is link_iptnl.c's help for ipip (iproute2 6.1).
const ipipUsage = "Usage: ... ipip  \t[ remote ADDR ]\n" +
	"\t\t\t[ local ADDR ]\n" +
	"\t\t\t[ ttl TTL ]\n" +
	"\t\t\t[ tos TOS ]\n" +
	"\t\t\t[ [no]pmtudisc ]\n" +
	"\t\t\t[ 6rd-prefix ADDR ]\n" +
	"\t\t\t[ 6rd-relay_prefix ADDR ]\n" +
	"\t\t\t[ 6rd-reset ]\n" +
	"\t\t\t[ dev PHYS_DEV ]\n" +
	"\t\t\t[ fwmark MARK ]\n" +
	"\t\t\t[ external ]\n" +
	"\t\t\t[ noencap ]\n" +
	"\t\t\t[ encap { fou | gue | none } ]\n" +
	"\t\t\t[ encap-sport PORT ]\n" +
	"\t\t\t[ encap-dport PORT ]\n" +
	"\t\t\t[ [no]encap-csum ]\n" +
	"\t\t\t[ [no]encap-csum6 ]\n" +
	"\t\t\t[ [no]encap-remcsum ]\n" +
	"\t\t\t[ mode { ipip | mplsip | any } ]\n" +
	"\n" +
	"Where:\tADDR := { IP_ADDRESS | any }\n" +
	"\tTOS  := { NUMBER | inherit }\n" +
	"\tTTL  := { 1..255 | inherit }\n" +
	"\tMARK := { 0x0..0xffffffff }\n"

func init() {
	RegisterLinkKind("ipip", parseIPIP, printIPIP)
}

// getAddr32 is get_addr32: an IPv4 address or "any"/"default"/"all".
func getAddr32(s string) (netip.Addr, error) {
	switch s {
	case "any", "default", "all":
		return netip.IPv4Unspecified(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fail(1, "Error: inet address is expected rather than \"%s\".", s)
	}
	return a, nil
}

// parseIPIP is iptunnel_parse_opt for ipip: the words after "type ipip".
func parseIPIP(args []string) (any, error) {
	x := &ipip.Data{}
	var ttlSet, noPMTU bool
	for i := 0; i < len(args); i++ {
		w := args[i]
		next := func() (string, error) {
			if i+1 >= len(args) {
				return "", incomplete()
			}
			i++
			return args[i], nil
		}
		var v string
		var err error
		switch w {
		case "remote", "local", "ttl", "hoplimit", "hlim", "tos", "tclass", "mode", "encap",
			"encap-sport", "encap-dport", "fwmark":
			if v, err = next(); err != nil {
				return nil, err
			}
		default:
			if Matches(w, "dev") || Matches(w, "dsfield") {
				if v, err = next(); err != nil {
					return nil, err
				}
			}
		}
		if err := parseIPIPWord(x, w, v, &ttlSet, &noPMTU); err != nil {
			return nil, err
		}
	}
	if ttlSet && *x.TTL != 0 && noPMTU {
		return nil, fail(255, "ttl != 0 and nopmtudisc are incompatible")
	}
	x.Incompatible = fail(255, "ttl != 0 and nopmtudisc are incompatible")
	return x, nil
}

func parseIPIPWord(x *ipip.Data, w, v string, ttlSet, noPMTU *bool) error {
	switch {
	case w == "remote" || w == "local":
		a, err := getAddr32(v)
		if err != nil {
			return err
		}
		if w == "remote" {
			x.Remote = &a
		} else {
			x.Local = &a
		}
	case w == "ttl" || w == "hoplimit" || w == "hlim":
		var ttl uint8
		if v != "inherit" {
			n, ok := cUint(v)
			if !ok || n > 255 {
				return invarg("invalid TTL\n", v)
			}
			ttl = uint8(n)
		}
		x.TTL, *ttlSet = &ttl, true
	case w == "tos" || w == "tclass" || Matches(w, "dsfield"):
		tos := uint8(1)
		if v != "inherit" {
			n, ok := parseDSField(v)
			if !ok {
				return invarg("bad TOS value", v)
			}
			tos = n
		}
		x.TOS = &tos
	case w == "nopmtudisc" || w == "pmtudisc":
		on := w == "pmtudisc"
		x.PMTUDisc, *noPMTU = &on, !on
	case w == "mode":
		return parseIPIPMode(x, v)
	case w == "noencap":
		t := tunnel.EncapNone
		x.EncapType = &t
	case w == "encap":
		var t tunnel.EncapType
		switch v {
		case "fou":
			t = tunnel.EncapFOU
		case "gue":
			t = tunnel.EncapGUE
		case "none":
			t = tunnel.EncapNone
		default:
			return invarg("Invalid encap type.", v)
		}
		x.EncapType = &t
	case w == "encap-sport" || w == "encap-dport":
		return parseEncapPort(x, w, v)
	case w == "external":
		x.External = true
	case w == "fwmark":
		n, ok := getU32(v)
		if !ok {
			return invarg("invalid fwmark\n", v)
		}
		x.Fwmark = &n
	case Matches(w, "dev"):
		name := v
		x.LinkName = &name
		x.NoDevice = fail(255, "Cannot find device \"%s\"", v)
	default:
		if f, set, ok := encapFlagWord(w); ok {
			if set {
				x.EncapSet |= f
				x.EncapClear &^= f
			} else {
				x.EncapClear |= f
				x.EncapSet &^= f
			}
			return nil
		}
		return &exitError{code: 1, msg: ipipUsage}
	}
	return nil
}

func parseIPIPMode(x *ipip.Data, v string) error {
	var p uint8
	switch v {
	case "ipv4/ipv4", "ipip", "ip4ip4":
		p = tunnel.ProtoIPIP
	case "mpls/ipv4", "mplsip":
		p = tunnel.ProtoMPLS
	case "any/ipv4", "any":
		p = 0
	default:
		return invarg("Cannot guess tunnel mode.", v)
	}
	x.Proto = &p
	return nil
}

func parseEncapPort(x *ipip.Data, w, v string) error {
	if w == "encap-sport" && v == "auto" {
		var z uint16
		x.EncapSport = &z
		return nil
	}
	n, ok := cUint(v)
	if !ok || n > 0xffff {
		if w == "encap-sport" {
			return invarg("Invalid source port.", v)
		}
		return invarg("Invalid destination port.", v)
	}
	port := uint16(n)
	if w == "encap-sport" {
		x.EncapSport = &port
	} else {
		x.EncapDport = &port
	}
	return nil
}

// encapFlagWord recognises [no]encap-csum, [no]encap-udp6-csum and
// [no]encap-remcsum.
func encapFlagWord(w string) (tunnel.EncapFlags, bool, bool) {
	switch w {
	case "encap-csum":
		return tunnel.EncapCsum, true, true
	case "noencap-csum":
		return tunnel.EncapCsum, false, true
	case "encap-udp6-csum":
		return tunnel.EncapCsum6, true, true
	case "noencap-udp6-csum":
		return tunnel.EncapCsum6, false, true
	case "encap-remcsum":
		return tunnel.EncapRemCsum, true, true
	case "noencap-remcsum":
		return tunnel.EncapRemCsum, false, true
	}
	return 0, false, false
}

// tnlEndpoint is tnl_print_endpoint.
func tnlEndpoint(p *Printer, name string, a netip.Addr) {
	v := "any"
	if a.IsValid() && !a.IsUnspecified() {
		v = a.String()
	}
	if p.JSON() {
		p.JSONString(name, v)
		return
	}
	p.Textf("%s %s ", name, v)
}

// printIPIP is iptunnel_print_opt (iproute2 6.1) for ipip.
func printIPIP(p *Printer, info any) {
	in, ok := info.(*ipip.Info)
	if !ok || in == nil {
		return
	}
	if in.CollectMD {
		p.PrintBool("external", "external ", true)
	}
	switch in.Proto {
	case tunnel.ProtoIPIP:
		p.PrintString("proto", "%s ", "ipip")
	case tunnel.ProtoMPLS:
		p.PrintString("proto", "%s ", "mplsip")
	case 0:
		p.PrintString("proto", "%s ", "any")
	}
	tnlEndpoint(p, "remote", in.Remote)
	tnlEndpoint(p, "local", in.Local)
	if in.Link != 0 {
		name := in.LinkName
		if name == "" {
			name = fmt.Sprintf("if%d", in.Link)
		}
		p.PrintString("link", "dev %s ", name)
	}
	if p.JSON() || in.TTL != 0 {
		p.PrintUint("ttl", "ttl %d ", uint64(in.TTL))
	} else {
		p.Textf("ttl inherit ")
	}
	if in.TOS != 0 {
		if p.JSON() || in.TOS != 1 {
			p.PrintString("tos", "tos %s ", fmt.Sprintf("%#x", in.TOS))
		} else {
			p.Textf("tos inherit ")
		}
	}
	if in.PMTUDisc {
		p.PrintBool("pmtudisc", "pmtudisc ", true)
	} else {
		p.JSONBool("pmtudisc", false)
		p.Textf("nopmtudisc ")
	}
	if in.Fwmark != 0 {
		p.PrintString("fwmark", "fwmark %s ", fmt.Sprintf("%#x", in.Fwmark))
	}
	printTnlEncap(p, in.Encap)
}

// printTnlEncap is tnl_print_encap.
func printTnlEncap(p *Printer, e tunnel.Encap) {
	if e.Type == tunnel.EncapNone {
		return
	}
	p.OpenObject("encap")
	p.Textf("encap ")
	switch e.Type {
	case tunnel.EncapFOU, tunnel.EncapGUE:
		p.PrintString("type", "%s ", e.Type.String())
	default:
		p.PrintNull("type", "%s ", "unknown")
	}
	if p.JSON() {
		p.JSONUint("sport", uint64(e.SPort))
		p.JSONUint("dport", uint64(e.DPort))
		p.JSONBool("csum", e.Flags&tunnel.EncapCsum != 0)
		p.JSONBool("csum6", e.Flags&tunnel.EncapCsum6 != 0)
		p.JSONBool("remcsum", e.Flags&tunnel.EncapRemCsum != 0)
		p.CloseObject()
		return
	}
	if e.SPort == 0 {
		p.Textf("encap-sport auto ")
	} else {
		p.Textf("encap-sport %d ", e.SPort)
	}
	p.Textf("encap-dport %d ", e.DPort)
	for _, f := range []struct {
		bit  tunnel.EncapFlags
		name string
	}{{tunnel.EncapCsum, "encap-csum "}, {tunnel.EncapCsum6, "encap-csum6 "}, {tunnel.EncapRemCsum, "encap-remcsum "}} {
		if e.Flags&f.bit == 0 {
			p.Textf("no")
		}
		p.Textf("%s", f.name)
	}
}
