package iproute

import (
	"fmt"

	"github.com/softnet/softnet/tunnel/xfrmi"
)

// xfrmiUsage is link_xfrm.c's help (iproute2 6.1).
const xfrmiUsage = "Usage: ... xfrm dev [ PHYS_DEV ] [ if_id IF-ID ]\n" +
	"\t\t[ external ]\n" +
	"\n" +
	"Where: IF-ID := { 0x1..0xffffffff }\n"

func init() {
	RegisterLinkKind("xfrm", parseXfrmi, printXfrmi)
}

// parseXfrmi is xfrm_parse_opt: dev, if_id (non-zero) and external; an
// if_id is required unless external.
func parseXfrmi(args []string) (any, error) {
	x := &xfrmi.Data{}
	for i := 0; i < len(args); i++ {
		w := args[i]
		switch {
		case Matches(w, "dev"), Matches(w, "if_id"):
			if i+1 >= len(args) {
				return nil, incomplete()
			}
			i++
			v := args[i]
			if Matches(w, "dev") {
				name := v
				x.LinkName = &name
				x.NoDevice = fail(255, "Cannot find device \"%s\"", v)
				continue
			}
			n, ok := getU32(v)
			if !ok || n == 0 {
				return nil, invarg("if_id value is invalid", v)
			}
			x.IfID = &n
		case Matches(w, "external"):
			x.External = true
		default:
			return nil, &exitError{code: 1, msg: xfrmiUsage}
		}
	}
	if x.External && (x.IfID != nil || x.LinkName != nil) {
		return nil, fail(1, "xfrmi: both 'external' and if_id/link cannot be specified")
	}
	if !x.External && x.IfID == nil {
		return nil, fail(255, "Error: argument \"IF_ID\" is required")
	}
	return x, nil
}

// printXfrmi is xfrm_print_opt.
func printXfrmi(p *Printer, info any) {
	in, ok := info.(*xfrmi.Info)
	if !ok || in == nil {
		return
	}
	if in.CollectMD {
		p.PrintBool("external", "external ", true)
	}
	if in.IfID != 0 {
		p.PrintString("if_id", "if_id %s ", fmt.Sprintf("%#x", in.IfID))
	}
}
