package iproute

import (
	"fmt"
	"strings"

	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
)

// The macvlan and macvtap grammar of iproute2's ip/iplink_macvlan.c, and
// the softnet-only tapguest kind (a guest NIC on a macvtap queue).

func init() {
	RegisterLinkKind("macvlan", macvlanParser("macvlan"), printMacvlan)
	RegisterLinkKind("macvtap", macvlanParser("macvtap"), printMacvlan)
	RegisterLinkKind("tapguest", parseTapguest, printTapguest)
}

// macvlanUsage is iproute2 6.1's text (the version softnet's golden
// output comes from); bclim, added in 6.4, is accepted all the same.
func macvlanUsage(kind string) string {
	return "Usage: ... " + kind + " mode MODE [flag MODE_FLAG] MODE_OPTS [bcqueuelen BC_QUEUE_LEN]\n" +
		"\n" +
		"MODE: private | vepa | bridge | passthru | source\n" +
		"MODE_FLAG: null | nopromisc | nodst\n" +
		"MODE_OPTS: for mode \"source\":\n" +
		"\tmacaddr { { add | del } <macaddr> | set [ <macaddr> [ <macaddr>  ... ] ] | flush }\n" +
		"BC_QUEUE_LEN: Length of the rx queue for broadcast/multicast: [0-4294967295]\n"
}

// macvlanMatches is iproute2's matches(): arg is a non-empty prefix of key.
func macvlanMatches(arg, key string) bool { return arg != "" && strings.HasPrefix(key, arg) }

func macvlanParser(kind string) func(args []string) (any, error) {
	return func(args []string) (any, error) { return parseMacvlan(kind, args) }
}

type macvlanArgs struct {
	kind     string
	data     macvlan.Data
	flags    macvlan.Flags
	hasFlags bool
}

func parseMacvlan(kind string, args []string) (any, error) {
	a := &macvlanArgs{kind: kind}
	for i := 0; i < len(args); i++ {
		n, err := a.parseOne(args, i)
		if err != nil {
			return nil, err
		}
		i = n
	}
	var mode macvlan.Mode
	if a.data.Mode != nil {
		mode = *a.data.Mode
	}
	if a.hasFlags {
		if a.flags&macvlan.FlagNoPromisc != 0 && mode != macvlan.ModePassthru {
			return nil, a.usageErr(kind + ": nopromisc flag only valid in passthru mode\n")
		}
		if a.flags&macvlan.FlagNoDst != 0 && mode != macvlan.ModeSource {
			return nil, a.usageErr(kind + ": nodst flag only valid in source mode\n")
		}
		f := a.flags
		a.data.Flags = &f
	}
	return &a.data, nil
}

func (a *macvlanArgs) usageErr(prefix string) error {
	return Fail(1, "%s%s", prefix, strings.TrimSuffix(macvlanUsage(a.kind), "\n"))
}

// Parse errors exit 1, as iproute2's link_util parsers returning -1 do;
// an incomplete command line exits 255.

// parseOne parses the option at args[i] and returns the index of its
// last word.
func (a *macvlanArgs) parseOne(args []string, i int) (int, error) {
	next := func() (string, error) {
		if i+1 >= len(args) {
			return "", Incomplete()
		}
		i++
		return args[i], nil
	}
	switch w := args[i]; {
	case macvlanMatches(w, "mode"):
		v, err := next()
		if err != nil {
			return i, err
		}
		m, ok := macvlan.ParseMode(v)
		if !ok {
			return i, Fail(1, "Error: argument of \"mode\" must be \"private\", \"vepa\", \"bridge\", \"passthru\" or \"source\", not \"%s\"", v)
		}
		a.data.Mode = &m
	case macvlanMatches(w, "flag"):
		v, err := next()
		if err != nil {
			return i, err
		}
		switch v {
		case "nopromisc":
			a.flags |= macvlan.FlagNoPromisc
		case "nodst":
			a.flags |= macvlan.FlagNoDst
		case "null":
		default:
			return i, Fail(1, "Error: argument of \"flag\" must be \"nopromisc\", \"nodst\" or \"null\", not \"%s\"", v)
		}
		a.hasFlags = true
	case macvlanMatches(w, "macaddr"):
		return a.parseMacaddr(args, i)
	case macvlanMatches(w, "nopromisc"):
		a.flags |= macvlan.FlagNoPromisc
		a.hasFlags = true
	case macvlanMatches(w, "nodst"):
		a.flags |= macvlan.FlagNoDst
		a.hasFlags = true
	case macvlanMatches(w, "bcqueuelen"):
		v, err := next()
		if err != nil {
			return i, err
		}
		n, ok := GetInteger(v)
		if !ok || n < 0 || n > 1<<32-1 || strings.HasPrefix(v, "-") {
			return i, Fail(1, "Error: argument of \"bcqueuelen\" must be a positive integer [0-4294967295], not \"%s\"", v)
		}
		u := uint32(n)
		a.data.BCQueueLen = &u
	case w == "bclim":
		v, err := next()
		if err != nil {
			return i, err
		}
		n, ok := GetInteger(v)
		if !ok || n < -1<<31 || n > 1<<31-1 {
			return i, Fail(1, "Error: illegal value for \"bclim\": \"%s\"", v)
		}
		c := int32(n)
		a.data.BCCutoff = &c
	case macvlanMatches(w, "help"):
		return i, Fail(1, "%s", strings.TrimSuffix(macvlanUsage(a.kind), "\n"))
	default:
		return i, a.usageErr(fmt.Sprintf("%s: unknown option \"%s\"?\n", a.kind, w))
	}
	return i, nil
}

// parseMacaddr parses macaddr { add|del ADDR | set [ADDR...] | flush }.
func (a *macvlanArgs) parseMacaddr(args []string, i int) (int, error) {
	if i+1 >= len(args) {
		return i, Incomplete()
	}
	i++
	var op macvlan.MacaddrMode
	switch args[i] {
	case "add":
		op = macvlan.MacaddrAdd
	case "del":
		op = macvlan.MacaddrDel
	case "set":
		op = macvlan.MacaddrSet
	case "flush":
		op = macvlan.MacaddrFlush
	default:
		return i, Fail(1, "%s", strings.TrimSuffix(macvlanUsage(a.kind), "\n"))
	}
	a.data.MacaddrMode = &op
	switch op {
	case macvlan.MacaddrAdd, macvlan.MacaddrDel:
		if i+1 >= len(args) {
			return i, Incomplete()
		}
		i++
		m, err := ParseLLAddr(args[i])
		if err != nil {
			return i, Fail(1, "\"%s\" is invalid lladdr.", args[i])
		}
		if len(m) != 6 {
			return i, Fail(1, "")
		}
		a.data.Macaddr = m
	case macvlan.MacaddrSet:
		a.data.MacaddrDataGiven = true
		for i+1 < len(args) {
			m, err := ParseLLAddr(args[i+1])
			if err != nil || len(m) != 6 {
				break
			}
			a.data.MacaddrData = append(a.data.MacaddrData, m)
			i++
		}
	}
	return i, nil
}

// printMacvlan is macvlan_print_opt.
func printMacvlan(p *Printer, info any) {
	in, ok := info.(*macvlan.Info)
	if !ok || in == nil {
		return
	}
	p.PrintString("mode", "mode %s ", in.Mode.String())
	if in.Flags&macvlan.FlagNoPromisc != 0 {
		p.PrintBool("nopromisc", "nopromisc ", true)
	}
	if in.Flags&macvlan.FlagNoDst != 0 {
		p.PrintBool("nodst", "nodst ", true)
	}
	p.PrintUint("bcqueuelen", "bcqueuelen %d ", uint64(in.BCQueueLen))
	p.PrintUint("usedbcqueuelen", "usedbcqueuelen %d ", uint64(in.BCQueueLenUsed))
	if in.BCCutoff != nil {
		p.PrintInt("bclim", "bclim %d ", int64(*in.BCCutoff))
	}
	if in.Mode != macvlan.ModeSource || in.MacaddrCount == nil {
		return
	}
	p.PrintInt("macaddr_count", "remotes (%d) ", int64(*in.MacaddrCount))
	if len(in.Macaddrs) == 0 {
		return
	}
	p.OpenArrayJSON("macaddr_data")
	for _, m := range in.Macaddrs {
		if p.JSON() {
			p.JSONString("", m.String())
		} else {
			p.Textf("%s ", m.String())
		}
	}
	p.CloseArrayJSON()
}

func parseTapguest(args []string) (any, error) {
	if len(args) > 0 {
		return nil, Fail(1, "Usage: ip link add NAME link MACVTAP type tapguest")
	}
	return nil, nil
}

func printTapguest(p *Printer, info any) {
	if in, ok := info.(*macvtap.GuestInfo); ok && in.Tap != "" {
		p.PrintString("tap", "tap %s ", in.Tap)
	}
}
