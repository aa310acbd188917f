package iproute

import (
	"sync"

	"github.com/softnet/softnet/netdev"
)

// LinkKind plugs a link kind into ip link: how `ip link add … type K ARGS`
// and `ip link set … type K ARGS` turn ARGS into the kind's request data
// (netdev.LinkRequest.Data), and how `ip -d link show` prints the kind's
// info_data (what netdev's InfoFiller.LinkInfo returns).
type LinkKind struct {
	// Name is the kind ("veth", "ipip").
	Name string
	// Parse turns the words after "type K" into request data; nil means the
	// kind takes no arguments (extra words are ignored, as iproute2 does
	// for kinds without a link_util).
	Parse func(args []string) (data any, err error)
	// Print prints the kind's info_data in ip -d link show, text and JSON
	// through p; info is InfoFiller.LinkInfo's value (nil if the kind has
	// none). nil prints only the kind's name, as iproute2 does for kinds
	// without print_opt.
	Print func(p *Printer, info any)
}

var (
	kindsMu   sync.RWMutex
	linkKinds = map[string]*LinkKind{}
)

// RegisterLinkKind registers a kind's argument parser and printer; call it
// at init. Parse errors should come from the helpers iproute2's kinds use
// (InvalidArg, DupArg, …) so their text and exit status match.
func RegisterLinkKind(kind string, parse func(args []string) (any, error), print func(p *Printer, info any)) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	linkKinds[kind] = &LinkKind{Name: kind, Parse: parse, Print: print}
}

func lookupLinkKind(kind string) *LinkKind {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	return linkKinds[kind]
}

// InvalidArg is iproute2's invarg: `Error: argument "ARG" is wrong: MSG`,
// exit 255.
func InvalidArg(msg, arg string) error { return invarg(msg, arg) }

// DupArg is duparg: `Error: duplicate "KEY": "ARG" is the second value.`
func DupArg(key, arg string) error { return duparg(key, arg) }

// DupArg2 is duparg2: `Error: either "KEY" is duplicate, or "ARG" is a garbage.`
func DupArg2(key, arg string) error { return duparg2(key, arg) }

// Incomplete is `Command line is not complete. Try option "help"`.
func Incomplete() error { return incomplete() }

// Fail returns an error printing the formatted message (plus a newline)
// with the given exit status.
func Fail(status int, format string, args ...any) error { return fail(status, format, args...) }

// KernelError formats a kernel-side (extack) error as iproute2 does:
// "Error: <msg>." or "RTNETLINK answers: <strerror>", exit 2.
func KernelError(err error) error { return kernelError(err) }

// GetInteger parses a number as iproute2's get_integer (strtol base 0).
func GetInteger(s string) (int64, bool) { return getInteger(s) }

// ParseLLAddr parses a link-layer address as ll_addr_a2n.
func ParseLLAddr(s string) (netdev.HWAddr, error) { return parseLLAddr(s) }

// ParseLinkOptions parses generic link options (iplink_parse) into a
// request, as veth's peer does; "type" is refused.
func ParseLinkOptions(args []string) (*netdev.LinkRequest, error) {
	la, err := parseLinkArgs(args, true)
	if err != nil {
		return nil, err
	}
	if la.kind != "" {
		return nil, duparg("type", la.kind)
	}
	return &la.req, nil
}

const vethUsage = "Usage: ip link <options> type veth [peer <options>]\nTo get <options> type 'ip link add help'\n"

func parseVeth(args []string) (any, error) {
	if len(args) == 0 {
		return nil, nil
	}
	if args[0] != "peer" {
		return nil, &exitError{code: 1, msg: vethUsage}
	}
	peer, err := ParseLinkOptions(args[1:])
	if err != nil {
		return nil, err
	}
	return &netdev.VethPeer{Peer: *peer}, nil
}

func init() {
	RegisterLinkKind("veth", parseVeth, nil)
}
