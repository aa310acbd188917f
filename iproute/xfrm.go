package iproute

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/softnet/softnet/xfrm"
	_ "github.com/softnet/softnet/xfrm/stack" // the inet hooks
)

// ip xfrm (ipxfrm.c, xfrm_state.c, xfrm_policy.c, xfrm_monitor.c).

const xfrmUsage = "Usage: ip xfrm XFRM-OBJECT { COMMAND | help }\n" +
	"where  XFRM-OBJECT := state | policy | monitor\n"

func init() { SetIPObject("xfrm", doXfrm) }

// doXfrm is do_xfrm.
func doXfrm(c *Cmd, args []string) error {
	if len(args) == 0 {
		return usageErr(xfrmUsage)
	}
	switch w := args[0]; {
	case Matches(w, "state") || w == "sa":
		return c.xfrmState(args[1:])
	case Matches(w, "policy") || w == "pol":
		return c.xfrmPolicy(args[1:])
	case Matches(w, "monitor"):
		return c.xfrmMonitor(args[1:])
	case w == "stats" || w == "xfrm_stat":
		// softnet's /proc/net/xfrm_stat (iproute2 has no such command;
		// "stat" would abbreviate "state").
		_, err := io.WriteString(c.Stdout, xfrm.ForNamespace(c.NS).MIB.Format())
		return err
	}
	return usageErr(xfrmUsage)
}

// xfrmArgs is a cursor over the words of an ip xfrm command.
type xfrmArgs struct {
	w []string
	i int
}

func (a *xfrmArgs) more() bool   { return a.i < len(a.w) }
func (a *xfrmArgs) word() string { return a.w[a.i] }

// nextMode reads a MODE argument (transport|tunnel|beet|…).
func (a *xfrmArgs) nextMode() (xfrm.Mode, error) {
	v, err := a.next()
	if err != nil {
		return 0, err
	}
	m, ok := xfrmMode(v)
	if !ok {
		return 0, invarg("MODE value is invalid", v)
	}
	return m, nil
}

// nextReqid reads a REQID argument.
func (a *xfrmArgs) nextReqid() (uint32, error) { return a.nextU32("REQID value is invalid") }

// nextU32 reads a 32-bit number argument; msg is iproute2's complaint
// about a bad one ("SPI value is invalid").
func (a *xfrmArgs) nextU32(msg string) (uint32, error) {
	v, err := a.next()
	if err != nil {
		return 0, err
	}
	n, ok := xfrmU32(v)
	if !ok {
		return 0, invarg(msg, v)
	}
	return n, nil
}

// A flagName is one word of a flag list and the bit it sets.
type flagName[T ~uint8 | ~uint32] struct {
	f    T
	name string
}

// xfrmFlagWords names the flags of v set in table, separated by spaces.
func xfrmFlagWords[T ~uint8 | ~uint32](table []flagName[T], v T) string {
	var names []string
	for _, f := range table {
		if v&f.f != 0 {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, " ")
}

// namedFlags is xfrm_state_flag_parse and its kin: after the keyword, a
// hexadecimal 0x… value (at most max; msg is the complaint about a bad
// one) replaces *dst, or a run of the table's names each sets its bit; a
// word that is not a name ends the run unread, to be parsed as the next
// option.
func namedFlags[T ~uint8 | ~uint32](a *xfrmArgs, msg string, max uint64, table []flagName[T], dst *T) error {
	v, err := a.next()
	if err != nil {
		return err
	}
	if len(v) > 2 && strings.HasPrefix(v, "0x") {
		n, err := strconv.ParseUint(v[2:], 16, 64)
		if err != nil || n > max {
			return invarg(msg, v)
		}
		*dst = T(n)
		return nil
	}
	for {
		i := slices.IndexFunc(table, func(f flagName[T]) bool { return f.name == v })
		if i < 0 {
			a.i-- // back track: the word is the next option's
			return nil
		}
		*dst |= table[i].f
		if a.i+1 >= len(a.w) {
			return nil
		}
		a.i++
		v = a.w[a.i]
	}
}

// valueAfter is iproute2's complaint about the value after keyword w.
func valueAfter(w string) string { return "value after \"" + w + "\" is invalid" }

// nextChoice reads an argument that must be one of choices and returns
// its index; msg is iproute2's complaint about another ("DIR value is
// invalid").
func (a *xfrmArgs) nextChoice(msg string, choices ...string) (int, error) {
	v, err := a.next()
	if err != nil {
		return 0, err
	}
	for i, c := range choices {
		if v == c {
			return i, nil
		}
	}
	return 0, invarg(msg, v)
}

func (a *xfrmArgs) next() (string, error) {
	if a.i+1 >= len(a.w) {
		return "", incomplete()
	}
	a.i++
	return a.w[a.i], nil
}

// xfrmAddr is get_prefix/get_addr for xfrm addresses: returns the address
// and sets the family.
func xfrmAddr(s string, family *int) (netip.Addr, error) {
	a, err := getAddr(s, *family)
	if err != nil {
		return netip.Addr{}, err
	}
	if a.family != 0 {
		*family = a.family
	}
	return a.addr, nil
}

func xfrmPrefix(s string, family *int) (netip.Prefix, error) {
	a, err := getPrefix(s, *family)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.family != 0 {
		*family = a.family
	}
	return netip.PrefixFrom(a.addr, a.bits), nil
}

func xfrmProto(s string) (xfrm.Proto, bool) {
	switch s {
	case "esp":
		return xfrm.ProtoESP, true
	case "ah":
		return xfrm.ProtoAH, true
	case "comp", "ipcomp":
		return xfrm.ProtoComp, true
	}
	return 0, false
}

func xfrmMode(s string) (xfrm.Mode, bool) {
	switch {
	case Matches(s, "transport"):
		return xfrm.ModeTransport, true
	case Matches(s, "tunnel"):
		return xfrm.ModeTunnel, true
	case Matches(s, "ro"):
		return xfrm.ModeRO, true
	case Matches(s, "in_trigger"):
		return xfrm.ModeInTrigger, true
	case Matches(s, "beet"):
		return xfrm.ModeBEET, true
	}
	return 0, false
}

// xfrmU32 parses get_u32 (strtoul base 0).
func xfrmU32(s string) (uint32, bool) {
	n, ok := cUint(s)
	return uint32(n), ok && n <= 0xffffffff
}

// xfrmKey is xfrm_algo_parse's key: 0x-prefixed hex, else the bytes.
func xfrmKey(name, s string) ([]byte, error) {
	if strings.HasPrefix(s, "0x") {
		h := s[2:]
		if len(h)%2 == 1 {
			h = "0" + h
		}
		k, err := hex.DecodeString(h)
		if err != nil {
			return nil, invarg("ALGO-KEYMAT value makes buffer overflow", s)
		}
		return k, nil
	}
	return []byte(s), nil
}

// xfrmMark parses "mark V [mask M]".
func xfrmMark(a *xfrmArgs) (xfrm.Mark, error) {
	v, err := a.next()
	if err != nil {
		return xfrm.Mark{}, err
	}
	val, ok := xfrmU32(v)
	if !ok {
		return xfrm.Mark{}, invarg("MARK value is invalid\n", v)
	}
	m := xfrm.Mark{Value: val, Mask: 0xffffffff}
	if a.i+1 < len(a.w) && a.w[a.i+1] == "mask" {
		a.i++
		v, err := a.next()
		if err != nil {
			return m, err
		}
		mk, ok := xfrmU32(v)
		if !ok {
			return m, invarg("MASK value is invalid\n", v)
		}
		m.Mask = mk
	}
	return m, nil
}

// xfrmSelectorPrint is xfrm_selector_print.
func xfrmSelectorPrint(c *Cmd, w io.Writer, s *xfrm.Selector, family int, prefix string) {
	fam := s.Family
	if fam == 0 {
		fam = family
	}
	zero := netip.IPv4Unspecified()
	if fam == 6 {
		zero = netip.IPv6Unspecified()
	}
	pr := func(p netip.Prefix) string {
		if !p.IsValid() {
			return zero.String() + "/0"
		}
		return fmt.Sprintf("%s/%d", p.Addr(), p.Bits())
	}
	fmt.Fprintf(w, "%ssrc %s dst %s ", prefix, pr(s.Saddr), pr(s.Daddr))
	if s.Proto != 0 {
		fmt.Fprintf(w, "proto %s ", ipProtoName(s.Proto))
	}
	// Every protocol but ICMP, GRE and MH prints ports when masked, as
	// xfrm_selector_print's default case (an ACQUIRE's selector always
	// has full port masks, so a proto-any flow shows "sport 0 dport 0").
	switch s.Proto {
	case 1, 58:
		if s.SportMask != 0 {
			fmt.Fprintf(w, "type %d ", s.Sport)
		}
		if s.DportMask != 0 {
			fmt.Fprintf(w, "code %d ", s.Dport)
		}
	case 47:
		if s.SportMask != 0 || s.DportMask != 0 {
			fmt.Fprintf(w, "key %d ", uint32(s.Sport)<<16|uint32(s.Dport))
		}
	case 135:
		if s.SportMask != 0 {
			fmt.Fprintf(w, "type %d ", s.Sport)
		}
	default:
		if s.SportMask != 0 {
			fmt.Fprintf(w, "sport %d ", s.Sport)
		}
		if s.DportMask != 0 {
			fmt.Fprintf(w, "dport %d ", s.Dport)
		}
	}
	if s.Ifindex > 0 {
		if d := c.NS.Device(s.Ifindex); d != nil {
			fmt.Fprintf(w, "dev %s ", d.Name())
		}
	}
	if c.Opts.Stats > 0 {
		fmt.Fprintf(w, "uid %d", s.User)
	}
	fmt.Fprintf(w, "\n")
}

func ipProtoName(p uint8) string {
	switch p {
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 47:
		return "gre"
	case 50:
		return "esp"
	case 51:
		return "ah"
	case 58:
		return "ipv6-icmp"
	case 132:
		return "sctp"
	case 33:
		return "dccp"
	case 108:
		return "comp"
	}
	return fmt.Sprintf("%d", p)
}

func ipProtoByName(s string) (uint8, bool) {
	for p := 0; p < 256; p++ {
		if ipProtoName(uint8(p)) == s {
			return uint8(p), true
		}
	}
	switch s {
	case "icmpv6", "icmp6":
		return 58, true
	}
	n, ok := cUint(s)
	return uint8(n), ok && n < 256
}

// xfrmSelectorParse parses the selector words (xfrm_selector_parse) at
// a: src, dst, proto and its ports, dev. It stops at the first other word.
func xfrmSelectorParse(c *Cmd, a *xfrmArgs, s *xfrm.Selector, family *int) (bool, error) {
	consumed := false
	for ; a.more(); a.i++ {
		w := a.word()
		var err error
		switch w {
		case "src", "dst":
			v, e := a.next()
			if e != nil {
				return consumed, e
			}
			var p netip.Prefix
			if p, err = xfrmPrefix(v, family); err == nil {
				if w == "src" {
					s.Saddr = p
				} else {
					s.Daddr = p
				}
			}
		case "proto":
			v, e := a.next()
			if e != nil {
				return consumed, e
			}
			p, ok := ipProtoByName(v)
			if !ok {
				return consumed, invarg("PROTO value is invalid", v)
			}
			s.Proto = p
		case "sport", "dport", "type", "code":
			v, e := a.next()
			if e != nil {
				return consumed, e
			}
			n, ok := cUint(v)
			if !ok || n > 0xffff {
				return consumed, invarg(valueAfter(w), v)
			}
			if w == "sport" || w == "type" {
				s.Sport, s.SportMask = uint16(n), 0xffff
			} else {
				s.Dport, s.DportMask = uint16(n), 0xffff
			}
		case "key":
			// A GRE key: its high half in sport, its low half in dport
			// (xfrm_selector_upspec_parse), as a number or dotted quad.
			v, e := a.next()
			if e != nil {
				return consumed, e
			}
			k, err := parseTunnelKey("key", v)
			if err != nil {
				return consumed, fail(255, "invalid value of \"key\"")
			}
			s.Sport, s.Dport = uint16(k>>16), uint16(k)
			s.SportMask, s.DportMask = 0xffff, 0xffff
		case "dev":
			v, e := a.next()
			if e != nil {
				return consumed, e
			}
			d := c.NS.DeviceByName(v)
			if d == nil {
				return consumed, fail(1, "Cannot find device \"%s\"", v)
			}
			s.Ifindex = d.Index()
		default:
			return consumed, nil
		}
		if err != nil {
			return consumed, err
		}
		consumed = true
	}
	return consumed, nil
}

// xfrmLifetimePrint is xfrm_lifetime_print.
func xfrmLifetimePrint(w io.Writer, l *xfrm.LifetimeConfig, cur *xfrm.CurLifetime, prefix string) {
	lim := func(v uint64) string {
		if v == xfrm.Inf || v == 0 {
			return "(INF)"
		}
		return fmt.Sprintf("%d", v)
	}
	fmt.Fprintf(w, "%slifetime config:\n", prefix)
	fmt.Fprintf(w, "%s  limit: soft %s(bytes), hard %s(bytes)\n", prefix, lim(l.SoftByteLimit), lim(l.HardByteLimit))
	fmt.Fprintf(w, "%s  limit: soft %s(packets), hard %s(packets)\n", prefix, lim(l.SoftPacketLimit), lim(l.HardPacketLimit))
	fmt.Fprintf(w, "%s  expire add: soft %d(sec), hard %d(sec)\n", prefix, int64(l.SoftAddExpires.Seconds()), int64(l.HardAddExpires.Seconds()))
	fmt.Fprintf(w, "%s  expire use: soft %d(sec), hard %d(sec)\n", prefix, int64(l.SoftUseExpires.Seconds()), int64(l.HardUseExpires.Seconds()))
	if cur == nil {
		return
	}
	fmt.Fprintf(w, "%slifetime current:\n", prefix)
	fmt.Fprintf(w, "%s  %d(bytes), %d(packets)\n", prefix, cur.Bytes, cur.Packets)
	use := "-"
	if !cur.UseTime.IsZero() {
		use = cur.UseTime.Local().Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(w, "%s  add %s use %s\n", prefix, cur.AddTime.Local().Format("2006-01-02 15:04:05"), use)
}
