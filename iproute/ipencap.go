package iproute

import (
	"net/netip"
	"strconv"

	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/tunnel"
)

func init() {
	RegisterRouteEncap(RouteEncap{
		Name:  "ip",
		Parse: parseEncapIP,
		Owns:  func(e any) bool { _, ok := e.(*tunnel.RouteEncap); return ok },
		Print: printEncapIP,
	})
}

// parseEncapIP is parse_encap_ip: "encap ip [id ID] [dst A] [src A] [tos T]
// [ttl N] [key] [csum] [seq]"; it stops at the first other word.
func parseEncapIP(family int, args []string) (any, []string, error) {
	e := &tunnel.RouteEncap{}
	seen := map[string]bool{}
	i := 0
	for ; i < len(args); i++ {
		w := args[i]
		switch w {
		case "id", "dst", "src", "tos", "ttl":
			if i+1 >= len(args) {
				return nil, nil, incomplete()
			}
			if seen[w] {
				return nil, nil, duparg2(w, args[i+1])
			}
			seen[w] = true
			i++
			if err := encapIPValue(e, w, args[i]); err != nil {
				return nil, nil, err
			}
		case "key":
			e.Flags |= packet.TunnelKey
		case "csum":
			e.Flags |= packet.TunnelCsum
		case "seq":
			e.Flags |= packet.TunnelSeq
		default:
			return e, args[i:], nil
		}
	}
	return e, args[i:], nil
}

func encapIPValue(e *tunnel.RouteEncap, w, v string) error {
	switch w {
	case "id":
		n, err := strconv.ParseUint(v, 0, 64)
		if err != nil {
			return invarg("\"id\" value is invalid\n", v)
		}
		e.ID = n
	case "dst", "src":
		a, err := netip.ParseAddr(v)
		if err != nil || !a.Is4() {
			return fail(1, "Error: inet address is expected rather than \"%s\".", v)
		}
		if w == "dst" {
			e.Dst = a
		} else {
			e.Src = a
		}
	case "tos":
		n, ok := parseDSField(v)
		if !ok {
			return invarg("\"tos\" value is invalid\n", v)
		}
		e.TOS = n
	case "ttl":
		n, ok := cUint(v)
		if !ok || n > 255 {
			return invarg("\"ttl\" value is invalid\n", v)
		}
		e.TTL = uint8(n)
	}
	return nil
}

// printEncapIP is print_encap_ip (every attribute, as the kernel reports
// them all).
func printEncapIP(p *Printer, encap any) {
	e := encap.(*tunnel.RouteEncap)
	any4 := func(a netip.Addr) string {
		if !a.IsValid() {
			return "0.0.0.0"
		}
		return a.String()
	}
	p.PrintUint("id", "id %d ", e.ID)
	p.PrintString("src", "src %s ", any4(e.Src))
	p.PrintString("dst", "dst %s ", any4(e.Dst))
	p.PrintUint("ttl", "ttl %d ", uint64(e.TTL))
	p.PrintUint("tos", "tos %d ", uint64(e.TOS))
	if e.Flags&packet.TunnelKey != 0 {
		p.PrintBool("key", "key ", true)
	}
	if e.Flags&packet.TunnelCsum != 0 {
		p.PrintBool("csum", "csum ", true)
	}
	if e.Flags&packet.TunnelSeq != 0 {
		p.PrintBool("seq", "seq ", true)
	}
}
