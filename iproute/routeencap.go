package iproute

import "sync"

// RouteEncap is a lightweight-tunnel encapsulation type of ip route (the
// TYPE of "encap TYPE …", lib/iproute_lwtunnel.c), registered by the
// package that implements it.
type RouteEncap struct {
	// Name is the TYPE word ("ip", "ip6", "mpls"…).
	Name string
	// Parse reads the words after "encap TYPE" for a route of family (4
	// or 6); it returns the value to store in inet.Route.Encap and the
	// words it did not consume (the rest of the route arguments).
	Parse func(family int, args []string) (encap any, rest []string, err error)
	// Owns reports whether an inet.Route.Encap value is of this type.
	Owns func(encap any) bool
	// Print prints the value after "encap TYPE " (text and JSON at once).
	Print func(p *Printer, encap any)
}

var (
	encapMu sync.RWMutex
	encaps  []RouteEncap
)

// RegisterRouteEncap adds an encap type (call at init).
func RegisterRouteEncap(e RouteEncap) {
	encapMu.Lock()
	defer encapMu.Unlock()
	encaps = append(encaps, e)
}

func lookupEncap(name string) *RouteEncap {
	encapMu.RLock()
	defer encapMu.RUnlock()
	for i := range encaps {
		if encaps[i].Name == name {
			e := encaps[i]
			return &e
		}
	}
	return nil
}

// parseEncap is lwt_parse_encap: "encap TYPE ARGS…".
func parseEncap(family int, args []string) (any, []string, error) {
	if len(args) == 0 {
		return nil, nil, incomplete()
	}
	e := lookupEncap(args[0])
	if e == nil || e.Parse == nil {
		return nil, nil, invarg("\"encap type\" value is invalid\n", args[0])
	}
	return e.Parse(family, args[1:])
}

// printEncap is lwt_print_encap: " encap TYPE …" (JSON "encap": TYPE then
// the type's keys).
func printEncap(p *Printer, encap any) {
	encapMu.RLock()
	list := append([]RouteEncap(nil), encaps...)
	encapMu.RUnlock()
	for _, e := range list {
		if e.Owns == nil || !e.Owns(encap) {
			continue
		}
		p.PrintString("encap", "encap %s ", e.Name)
		if e.Print != nil {
			e.Print(p, encap)
		}
		return
	}
}
