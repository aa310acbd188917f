package iproute

import (
	"fmt"
	"net/netip"

	"github.com/softnet/softnet/tunnel/vti"
)

// vtiUsage is link_vti.c's help (iproute2 6.1).
const vtiUsage = "Usage: ... vti \t[ remote ADDR ]\n" +
	"\t\t[ local ADDR ]\n" +
	"\t\t[ [i|o]key KEY ]\n" +
	"\t\t[ dev PHYS_DEV ]\n" +
	"\t\t[ fwmark MARK ]\n" +
	"\n" +
	"Where:\tADDR := { IP_ADDRESS }\n" +
	"\tKEY  := { DOTTED_QUAD | NUMBER }\n" +
	"\tMARK := { 0x0..0xffffffff }\n"

func init() {
	RegisterLinkKind("vti", parseVTI, printVTI)
}

// parseVTI is vti_parse_opt: the words after "type vti". Words are
// matched as iproute2 does (key before ikey/okey, prefixes allowed).
func parseVTI(args []string) (any, error) {
	x := &vti.Data{}
	for i := 0; i < len(args); i++ {
		w := args[i]
		if w != "fwmark" && !Matches(w, "key") && !Matches(w, "ikey") && !Matches(w, "okey") &&
			!Matches(w, "remote") && !Matches(w, "local") && !Matches(w, "dev") {
			return nil, &exitError{code: 1, msg: vtiUsage}
		}
		if i+1 >= len(args) {
			return nil, incomplete()
		}
		i++
		if err := parseVTIWord(x, w, args[i]); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func parseVTIWord(x *vti.Data, w, v string) error {
	switch {
	case Matches(w, "key"), Matches(w, "ikey"), Matches(w, "okey"):
		name := "key"
		switch {
		case Matches(w, "key"):
		case Matches(w, "ikey"):
			name = "ikey"
		default:
			name = "okey"
		}
		k, err := parseTunnelKey(name, v)
		if err != nil {
			return err
		}
		if name != "okey" {
			x.IKey = &k
		}
		if name != "ikey" {
			k2 := k
			x.OKey = &k2
		}
	case Matches(w, "remote"), Matches(w, "local"):
		a, err := vtiAddr(v)
		if err != nil {
			return err
		}
		if Matches(w, "remote") {
			x.Remote = &a
		} else {
			x.Local = &a
		}
	case Matches(w, "dev"):
		name := v
		x.LinkName = &name
		x.NoDevice = fail(255, "Cannot find device \"%s\"", v)
	default: // fwmark
		n, ok := getU32(v)
		if !ok {
			return invarg("invalid fwmark\n", v)
		}
		x.Fwmark = &n
	}
	return nil
}

// vtiAddr is get_addr(AF_INET): an IPv4 address, or any/default/all.
func vtiAddr(s string) (netip.Addr, error) { return getAddr32(s) }

// printVTI is vti_print_opt (iproute2 6.1).
func printVTI(p *Printer, info any) {
	in, ok := info.(*vti.Info)
	if !ok || in == nil {
		return
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
	if in.IKey != 0 {
		p.PrintString("ikey", "ikey %s ", keyQuad(in.IKey))
	}
	if in.OKey != 0 {
		p.PrintString("okey", "okey %s ", keyQuad(in.OKey))
	}
	if in.Fwmark != 0 {
		p.PrintString("fwmark", "fwmark %s ", fmt.Sprintf("%#x", in.Fwmark))
	}
}

// keyQuad prints a key as a dotted quad (inet_ntop of the big-endian key).
func keyQuad(k uint32) string {
	return netip.AddrFrom4([4]byte{byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k)}).String()
}
