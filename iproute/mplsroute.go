package iproute

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/softnet/softnet/mpls"
)

func init() {
	// ip -f mpls route goes to the MPLS label table; everything else to
	// the IP route handler.
	SetIPObject("route", func(c *Cmd, args []string) error {
		if c.Opts.Family == FamilyMPLS {
			return c.mplsRoute(args)
		}
		return doRoute(c, args)
	})
	RegisterRouteEncap(RouteEncap{
		Name:  "mpls",
		Parse: parseEncapMPLS,
		Owns:  func(e any) bool { _, ok := e.(*mpls.Encap); return ok },
		Print: printEncapMPLS,
	})
}

// parseLabels parses "L1/L2/…" (get_addr for AF_MPLS).
func parseLabels(s string) ([]uint32, bool) {
	var out []uint32
	for _, f := range strings.Split(s, "/") {
		n, err := strconv.ParseUint(f, 0, 32)
		if err != nil || n >= mpls.MaxLabel {
			return nil, false
		}
		out = append(out, uint32(n))
	}
	return out, len(out) > 0
}

func formatLabels(l []uint32) string {
	var sb strings.Builder
	for i, x := range l {
		if i > 0 {
			sb.WriteByte('/')
		}
		sb.WriteString(strconv.FormatUint(uint64(x), 10))
	}
	return sb.String()
}

// parseEncapMPLS is parse_encap_mpls: "encap mpls L1/L2 [ttl N]".
func parseEncapMPLS(family int, args []string) (any, []string, error) {
	if len(args) == 0 {
		return nil, nil, incomplete()
	}
	labels, ok := parseLabels(args[0])
	if !ok {
		return nil, nil, fail(1, "Error: an MPLS address is expected rather than \"%s\".", args[0])
	}
	e := &mpls.Encap{Labels: labels}
	rest := args[1:]
	if len(rest) >= 2 && rest[0] == "ttl" {
		n, ok := cUint(rest[1])
		if !ok || n == 0 || n > 255 {
			return nil, nil, invarg("\"ttl\" value is invalid\n", rest[1])
		}
		e.TTL, rest = uint8(n), rest[2:]
	}
	return e, rest, nil
}

func printEncapMPLS(p *Printer, encap any) {
	e := encap.(*mpls.Encap)
	p.PrintString("dst", "%s ", formatLabels(e.Labels))
	if e.TTL != 0 {
		p.PrintUint("ttl", "ttl %d ", uint64(e.TTL))
	}
}

// mplsRoute is ip -f mpls route {add|replace|del|show} LABEL [as LABELS]
// via inet|inet6 ADDR dev DEV.
func (c *Cmd) mplsRoute(args []string) error {
	if len(args) == 0 {
		return c.mplsShow()
	}
	switch w := args[0]; {
	case Matches(w, "add"), Matches(w, "replace"):
		return c.mplsModify(args[1:], Matches(w, "replace"))
	case Matches(w, "delete"):
		if len(args) < 2 {
			return incomplete()
		}
		l, ok := parseLabels(args[1])
		if !ok || len(l) != 1 {
			return fail(1, "Error: an MPLS address is expected rather than \"%s\".", args[1])
		}
		if err := mpls.DelRoute(c.NS, l[0]); err != nil {
			return kernelError(err)
		}
		return nil
	case Matches(w, "show"), Matches(w, "list"):
		return c.mplsShow()
	}
	return fail(255, "Command \"%s\" is unknown, try \"ip route help\".", args[0])
}

func (c *Cmd) mplsModify(args []string, replace bool) error {
	var r mpls.Route
	var haveLabel bool
	for i := 0; i < len(args); i++ {
		w := args[i]
		if i+1 >= len(args) {
			if !haveLabel {
				l, ok := parseLabels(w)
				if !ok || len(l) != 1 {
					return fail(1, "Error: an MPLS address is expected rather than \"%s\".", w)
				}
				r.Label, haveLabel = l[0], true
				continue
			}
			return incomplete()
		}
		switch w {
		case "as":
			i++
			if args[i] == "to" && i+1 < len(args) {
				i++
			}
			l, ok := parseLabels(args[i])
			if !ok {
				return fail(1, "Error: an MPLS address is expected rather than \"%s\".", args[i])
			}
			r.NewLabels = l
		case "via":
			i++
			if (args[i] == "inet" || args[i] == "inet6") && i+1 < len(args) {
				i++
			}
			a, err := netip.ParseAddr(args[i])
			if err != nil {
				return fail(1, "Error: inet address is expected rather than \"%s\".", args[i])
			}
			r.Via = a
		case "dev", "oif":
			i++
			d := c.NS.DeviceByName(args[i])
			if d == nil {
				return fail(1, "Cannot find device \"%s\"", args[i])
			}
			r.Ifindex = d.Index()
		default:
			l, ok := parseLabels(w)
			if !ok || len(l) != 1 || haveLabel {
				return fail(1, "Error: an MPLS address is expected rather than \"%s\".", w)
			}
			r.Label, haveLabel = l[0], true
		}
	}
	if !haveLabel {
		return incomplete()
	}
	if err := mpls.AddRoute(c.NS, r, replace); err != nil {
		return kernelError(err)
	}
	return nil
}

// mplsShow prints the label table as ip -f mpls route does.
func (c *Cmd) mplsShow() error {
	p := c.Out
	p.Begin()
	for _, r := range mpls.Routes(c.NS) {
		p.OpenObject("")
		p.PrintUint("dst", "%d ", uint64(r.Label))
		if len(r.NewLabels) > 0 {
			p.PrintString("newdst", "as to %s ", formatLabels(r.NewLabels))
		}
		if r.Via.IsValid() {
			fam := "inet"
			if r.Via.Is6() {
				fam = "inet6"
			}
			p.OpenObject("via")
			p.Textf("via ")
			p.PrintString("family", "%s ", fam)
			p.PrintString("host", "%s ", r.Via.String())
			p.CloseObject()
		}
		if d := c.NS.Device(r.Ifindex); d != nil {
			p.PrintString("dev", "dev %s ", d.Name())
		}
		p.Textf("\n")
		p.CloseObject()
	}
	p.End()
	return nil
}
