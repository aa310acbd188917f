package iproute

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// ip xfrm state (xfrm_state.c).

func (c *Cmd) xfrmState(args []string) error {
	if len(args) == 0 {
		return c.xfrmStateList(nil, false)
	}
	w, rest := args[0], args[1:]
	switch {
	case w == "add":
		return c.xfrmStateModify(rest, false)
	case w == "update":
		return c.xfrmStateModify(rest, true)
	case w == "allocspi":
		return c.xfrmAllocSPI(rest)
	case Matches(w, "delete"):
		return c.xfrmStateGet(rest, true)
	case w == "deleteall" || w == "delall":
		return c.xfrmStateList(rest, true)
	case Matches(w, "list") || Matches(w, "show") || w == "lst":
		return c.xfrmStateList(rest, false)
	case Matches(w, "get"):
		return c.xfrmStateGet(rest, false)
	case Matches(w, "flush"):
		return c.xfrmStateFlush(rest)
	case Matches(w, "count"):
		fmt.Fprintf(c.Stdout, "\t SAD count %d\n", xfrm.ForNamespace(c.NS).SAD.Len())
		return nil
	case Matches(w, "help"):
		return usageErr(xfrmStateUsage)
	}
	return fail(255, "Command \"%s\" is unknown, try \"ip xfrm state help\".", w)
}

const xfrmStateUsage = "Usage: ip xfrm state { add | update } ID [ ALGO-LIST ] [ mode MODE ]\n" +
	"        [ mark MARK [ mask MASK ] ] [ reqid REQID ] [ seq SEQ ]\n" +
	"        [ replay-window SIZE ] [ replay-seq SEQ ] [ replay-oseq SEQ ]\n" +
	"        [ flag FLAG-LIST ] [ sel SELECTOR ] [ LIMIT-LIST ] [ encap ENCAP ]\n" +
	"        [ offload [ crypto | packet ] dev DEV dir DIR ]\n" +
	"Usage: ip xfrm state { delete | get } ID [ mark MARK [ mask MASK ] ]\n" +
	"Usage: ip xfrm state { deleteall | list } [ ID ] [ mode MODE ] [ reqid REQID ]\n" +
	"Usage: ip xfrm state flush [ proto XFRM-PROTO ]\n" +
	"Usage: ip xfrm state count\n"

var stateFlagNames = []flagName[xfrm.Flags]{{xfrm.FlagNoECN, "noecn"}, {xfrm.FlagDecapDSCP, "decap-dscp"}, {xfrm.FlagNoPMTUDisc, "nopmtudisc"},
	{xfrm.FlagWildRecv, "wildrecv"}, {xfrm.FlagICMP, "icmp"}, {xfrm.FlagAFUnspec, "af-unspec"},
	{xfrm.FlagAlign4, "align4"}, {xfrm.FlagESN, "esn"}}

// xfrmID parses the ID words shared by add, get and list: src, dst,
// proto, spi. It reports false for a word that is not one of them.
func xfrmIDWord(a *xfrmArgs, cfg *xfrm.Config, family *int, spiSet *bool) (bool, error) {
	switch a.word() {
	case "src", "dst":
		w := a.word()
		v, err := a.next()
		if err != nil {
			return true, err
		}
		// xfrm_id_parse reads a prefix of any family, then wants src and
		// dst to agree.
		var fam int
		p, err := xfrmPrefix(v, &fam)
		if err != nil {
			return true, err
		}
		if *family != 0 && fam != *family {
			return true, invarg("the same address family is required between values after \"src\" and \"dst\"", v)
		}
		*family = fam
		ad := p.Addr()
		if w == "src" {
			cfg.Saddr = ad
		} else {
			cfg.ID.Daddr = ad
		}
	case "proto":
		v, err := a.next()
		if err != nil {
			return true, err
		}
		p, ok := xfrmProto(v)
		if !ok {
			return true, invarg("XFRM-PROTO value is invalid", v)
		}
		cfg.ID.Proto = p
	case "spi":
		n, err := a.nextU32("SPI value is invalid")
		if err != nil {
			return true, err
		}
		cfg.ID.SPI, *spiSet = n, true
	default:
		return false, nil
	}
	return true, nil
}

// xfrmStateModify is xfrm_state_modify (add / update).
func (c *Cmd) xfrmStateModify(args []string, update bool) error {
	cfg := xfrm.Config{Lifetime: xfrm.DefaultLifetime()}
	family := c.Opts.Family
	var spiSet bool
	var hasEnc, hasAuth, hasAEAD, hasComp bool
	a := &xfrmArgs{w: args}
	for ; a.more(); a.i++ {
		if ok, err := xfrmIDWord(a, &cfg, &family, &spiSet); ok || err != nil {
			if err != nil {
				return err
			}
			continue
		}
		w := a.word()
		var err error
		switch w {
		case "mode":
			m, err := a.nextMode()
			if err != nil {
				return err
			}
			cfg.Mode = m
		case "mark":
			cfg.Mark, err = xfrmMark(a)
		case "output-mark":
			cfg.OutputMark, err = xfrmOutputMark(a)
		case "if_id":
			n, e := a.nextU32(valueAfter(w))
			if e != nil {
				return e
			}
			cfg.IfID = n
		case "reqid", "replay-window", "replay-seq", "replay-oseq", "replay-seq-hi", "replay-oseq-hi", "tfcpad", "seq":
			what := valueAfter(w) // iproute2 names most by the keyword before them
			if w == "reqid" || w == "seq" {
				what = strings.ToUpper(w) + " value is invalid"
			}
			n, e := a.nextU32(what)
			if e != nil {
				return e
			}
			switch w {
			case "reqid":
				cfg.Reqid = n
			case "replay-window":
				cfg.ReplayWindow = n
			case "replay-seq":
				cfg.Replay.Seq = n
			case "replay-oseq":
				cfg.Replay.OSeq = n
			case "replay-seq-hi":
				cfg.Replay.SeqHi = n
			case "replay-oseq-hi":
				cfg.Replay.OSeqHi = n
			case "tfcpad":
				cfg.TFCPad = n
			}
		case "flag":
			err = xfrmStateFlags(a, &cfg)
		case "extra-flag":
			err = xfrmExtraFlags(a, &cfg)
		case "sel":
			a.i++
			sf := 0
			if _, err := xfrmSelectorParse(c, a, &cfg.Selector, &sf); err != nil {
				return err
			}
			cfg.Selector.Family = sf
			a.i--
		case "limit":
			err = xfrmLimit(a, &cfg.Lifetime)
		case "encap":
			err = xfrmEncap(a, &cfg, &family)
		case "dir":
			var i int
			i, err = a.nextChoice("DIR value is not \"in\" or \"out\"", "in", "out") // iproute2 6.10's xfrm_dir_parse
			cfg.Dir = [...]xfrm.Dir{xfrm.DirIn, xfrm.DirOut}[i]
		case "offload":
			cfg.Offload, err = c.xfrmOffload(a, false)
		case "aead", "enc", "auth", "auth-trunc", "comp":
			err = xfrmAlgo(a, &cfg)
			switch w {
			case "aead":
				hasAEAD = true
			case "enc":
				hasEnc = true
			case "auth", "auth-trunc":
				hasAuth = true
			case "comp":
				hasComp = true
			}
		default:
			return invarg("unknown", w) // not an option, and the ID is parsed
		}
		if err != nil {
			return err
		}
	}
	if family == 0 {
		family = 4
	}
	cfg.Family = family
	if !cfg.ID.Daddr.IsValid() {
		cfg.ID.Daddr = zeroAddr(family)
	}
	if !cfg.Saddr.IsValid() {
		cfg.Saddr = zeroAddr(family)
	}
	if cfg.ID.Proto == 0 {
		return fail(1, "\"XFRM-PROTO\" is required.")
	}
	switch cfg.ID.Proto {
	case xfrm.ProtoESP:
		if hasComp {
			return fail(1, "\"ALGO-TYPE\" value \"comp\" is invalid with XFRM-PROTO value \"esp\"")
		}
		if !hasEnc && !hasAEAD {
			return fail(1, "ALGO-TYPE value \"enc\" or \"aead\" is required with XFRM-PROTO value \"esp\"")
		}
		if hasAEAD && (hasEnc || hasAuth) {
			return fail(1, "ALGO-TYPE value \"aead\" is invalid with ALGO-TYPE value \"enc\" or \"auth\"")
		}
	case xfrm.ProtoAH:
		if !hasAuth {
			return fail(1, "ALGO-TYPE value \"auth\" is required with XFRM-PROTO value \"ah\"")
		}
	case xfrm.ProtoComp:
		if !hasComp {
			return fail(1, "ALGO-TYPE value \"comp\" is required with XFRM-PROTO value \"comp\"")
		}
	}
	if cfg.Flags&xfrm.FlagESN != 0 && cfg.ReplayWindow == 0 {
		return fail(1, "esn flag set without replay-window.")
	}
	if _, err := stack.AddState(c.NS, cfg, update); err != nil {
		return kernelError(err)
	}
	return nil
}

func zeroAddr(family int) netip.Addr {
	if family == 6 {
		return netip.IPv6Unspecified()
	}
	return netip.IPv4Unspecified()
}

func xfrmStateFlags(a *xfrmArgs, cfg *xfrm.Config) error {
	return namedFlags(a, "FLAG value is invalid", 0xff, stateFlagNames, &cfg.Flags)
}

// extraFlagNames are the words of `extra-flag`, in XFRM_SA_XFLAG_* order.
var extraFlagNames = []flagName[xfrm.ExtraFlags]{
	{xfrm.ExtraDontEncapDSCP, "dont-encap-dscp"}, {xfrm.ExtraOSeqMayWrap, "oseq-may-wrap"}}

// xfrmExtraFlags is xfrm_state_extra_flag_parse.
func xfrmExtraFlags(a *xfrmArgs, cfg *xfrm.Config) error {
	return namedFlags(a, "\"EXTRA-FLAG\" is invalid", 0xffffffff, extraFlagNames, &cfg.ExtraFlags)
}

// xfrmOutputMark parses "output-mark V [mask M]" (xfrm_state_modify's
// words, not xfrm_parse_mark's).
func xfrmOutputMark(a *xfrmArgs) (xfrm.Mark, error) {
	v, err := a.nextU32(valueAfter("output-mark"))
	if err != nil {
		return xfrm.Mark{}, err
	}
	m := xfrm.Mark{Value: v, Mask: 0xffffffff}
	if a.i+1 < len(a.w) && a.w[a.i+1] == "mask" {
		a.i++
		if m.Mask, err = a.nextU32("mask value is invalid\n"); err != nil {
			return m, err
		}
	}
	return m, nil
}

func xfrmLimit(a *xfrmArgs, l *xfrm.LifetimeConfig) error {
	k, err := a.next()
	if err != nil {
		return err
	}
	v, err := a.next()
	if err != nil {
		return err
	}
	n, ok := cUint(v)
	if !ok {
		return invarg("value after \""+k+"\" is invalid", v)
	}
	d := time.Duration(n) * time.Second
	switch k {
	case "time-soft":
		l.SoftAddExpires = d
	case "time-hard":
		l.HardAddExpires = d
	case "time-use-soft":
		l.SoftUseExpires = d
	case "time-use-hard":
		l.HardUseExpires = d
	case "byte-soft":
		l.SoftByteLimit = n
	case "byte-hard":
		l.HardByteLimit = n
	case "packet-soft":
		l.SoftPacketLimit = n
	case "packet-hard":
		l.HardPacketLimit = n
	default:
		return invarg("LIMIT value is invalid", k)
	}
	return nil
}

func xfrmEncap(a *xfrmArgs, cfg *xfrm.Config, family *int) error {
	typ, err := a.next()
	if err != nil {
		return err
	}
	e := &xfrm.Encap{}
	switch typ {
	case "espinudp":
		e.Type = xfrm.EncapESPInUDP
	case "espinudp-nonike":
		e.Type = xfrm.EncapESPInUDPNonIKE
	case "espintcp":
		return fail(2, "Error: Unsupported encapsulation type (espintcp is not supported by softnet).")
	default:
		return invarg("ENCAP-TYPE value is invalid", typ)
	}
	for _, p := range []struct {
		port *uint16
		name string
	}{{&e.Sport, "SPORT"}, {&e.Dport, "DPORT"}} {
		v, err := a.next()
		if err != nil {
			return err
		}
		n, ok := cUint(v)
		if !ok || n > 0xffff {
			return invarg(p.name+" value after \"encap\" is invalid", v)
		}
		*p.port = uint16(n)
	}
	v, err := a.next()
	if err != nil {
		return err
	}
	f := *family
	ad, err := xfrmAddr(v, &f)
	if err != nil {
		return err
	}
	e.OAddr = ad
	cfg.Encap = e
	return nil
}

func xfrmAlgo(a *xfrmArgs, cfg *xfrm.Config) error {
	typ := a.word()
	name, err := a.next()
	if err != nil {
		return err
	}
	if typ == "comp" {
		cfg.Comp = &xfrm.AlgSpec{Name: name}
		return nil
	}
	ks, err := a.next()
	if err != nil {
		return err
	}
	key, err := xfrmKey(name, ks)
	if err != nil {
		return err
	}
	bits := func() (int, error) {
		v, err := a.next()
		if err != nil {
			return 0, err
		}
		n, ok := cUint(v)
		if !ok {
			what := "ALGO-ICV-LEN"
			if typ == "auth-trunc" {
				what = "ALGO-TRUNC-LEN"
			}
			return 0, invarg(what+" value is invalid", v)
		}
		return int(n), nil
	}
	switch typ {
	case "aead":
		n, err := bits()
		if err != nil {
			return err
		}
		cfg.AEAD = &xfrm.AEADSpec{Name: name, Key: key, ICVBits: n}
	case "enc":
		cfg.Crypt = &xfrm.AlgSpec{Name: name, Key: key}
	case "auth":
		cfg.Auth = &xfrm.AuthSpec{Name: name, Key: key}
	case "auth-trunc":
		n, err := bits()
		if err != nil {
			return err
		}
		cfg.Auth = &xfrm.AuthSpec{Name: name, Key: key, Trunc: true, TruncBits: n}
	}
	return nil
}

// stateFilter is the filter of list/deleteall (xfrm_state_filter_match).
type stateFilter struct {
	cfg          xfrm.Config
	family       int
	spiSet       bool
	mode, reqid  bool
	flags        xfrm.Flags
	srcSet, dstS bool
}

func (c *Cmd) parseStateFilter(args []string) (*stateFilter, error) {
	f := &stateFilter{family: c.Opts.Family}
	a := &xfrmArgs{w: args}
	for ; a.more(); a.i++ {
		w := a.word()
		if ok, err := xfrmIDWord(a, &f.cfg, &f.family, &f.spiSet); ok || err != nil {
			if err != nil {
				return nil, err
			}
			f.srcSet = f.srcSet || w == "src"
			f.dstS = f.dstS || w == "dst"
			continue
		}
		switch w {
		case "mode":
			m, err := a.nextMode()
			if err != nil {
				return nil, err
			}
			f.cfg.Mode, f.mode = m, true
		case "reqid":
			n, err := a.nextReqid()
			if err != nil {
				return nil, err
			}
			f.cfg.Reqid, f.reqid = n, true
		case "flag":
			if err := xfrmStateFlags(a, &f.cfg); err != nil {
				return nil, err
			}
			f.flags = f.cfg.Flags
		default:
			return nil, fail(255, "Error: either \"ID\" is duplicate, or \"%s\" is a garbage.", w)
		}
	}
	return f, nil
}

func (f *stateFilter) match(x *xfrm.State) bool {
	c := x.Cfg()
	switch {
	case f.family != 0 && c.Family != f.family,
		f.srcSet && c.Saddr != f.cfg.Saddr,
		f.dstS && c.ID.Daddr != f.cfg.ID.Daddr,
		f.cfg.ID.Proto != 0 && c.ID.Proto != f.cfg.ID.Proto,
		f.spiSet && c.ID.SPI != f.cfg.ID.SPI,
		f.mode && c.Mode != f.cfg.Mode,
		f.reqid && c.Reqid != f.cfg.Reqid,
		f.flags != 0 && c.Flags&f.flags == 0:
		return false
	}
	return true
}

// newestFirst returns the SAs as Linux dumps them (state_all, newest first).
func newestFirst(xs []*xfrm.State) []*xfrm.State {
	slices.Reverse(xs)
	return xs
}

func (c *Cmd) xfrmStateList(args []string, del bool) error {
	f, err := c.parseStateFilter(args)
	if err != nil {
		return err
	}
	n := xfrm.ForNamespace(c.NS)
	for _, x := range newestFirst(n.SAD.Dump()) {
		if !f.match(x) {
			continue
		}
		if del {
			if x.Cfg().ID.Proto.Kernel() {
				continue // xfrm_state_keep: only IPsec protocols are deleted
			}
			if err := n.DeleteState(x); err != nil {
				return kernelError(err)
			}
			continue
		}
		c.printState(c.Stdout, x)
	}
	return nil
}

// xfrmStateGet is xfrm_state_get_or_delete.
func (c *Cmd) xfrmStateGet(args []string, del bool) error {
	cfg := xfrm.Config{}
	family := c.Opts.Family
	var spiSet bool
	a := &xfrmArgs{w: args}
	for ; a.more(); a.i++ {
		if ok, err := xfrmIDWord(a, &cfg, &family, &spiSet); ok || err != nil {
			if err != nil {
				return err
			}
			continue
		}
		if a.word() == "mark" {
			m, err := xfrmMark(a)
			if err != nil {
				return err
			}
			cfg.Mark = m
			continue
		}
		return fail(255, "Error: either \"ID\" is duplicate, or \"%s\" is a garbage.", a.word())
	}
	if !cfg.ID.Daddr.IsValid() {
		return fail(1, "Not enough information: \"DST\" is required.")
	}
	n := xfrm.ForNamespace(c.NS)
	x := n.SAD.Lookup(cfg.ID.Daddr, cfg.ID.SPI, cfg.ID.Proto, cfg.Mark.Value&cfg.Mark.Mask)
	if x == nil {
		return kernelError(errESRCH)
	}
	if del {
		if err := n.DeleteState(x); err != nil {
			return kernelError(err)
		}
		return nil
	}
	c.printState(c.Stdout, x)
	return nil
}

func (c *Cmd) xfrmStateFlush(args []string) error {
	var proto xfrm.Proto
	a := &xfrmArgs{w: args}
	for ; a.more(); a.i++ {
		if a.word() != "proto" {
			return fail(255, "Error: either \"ID\" is duplicate, or \"%s\" is a garbage.", a.word())
		}
		v, err := a.next()
		if err != nil {
			return err
		}
		p, ok := xfrmProto(v)
		if !ok {
			return invarg("XFRM-PROTO value is invalid", v)
		}
		proto = p
	}
	xfrm.ForNamespace(c.NS).FlushStates(proto)
	return nil
}

// printState is xfrm_state_print.
func (c *Cmd) printState(out io.Writer, x *xfrm.State) {
	var w bytes.Buffer
	cfg := x.Cfg()
	st := c.Opts.Stats > 0
	fmt.Fprintf(&w, "src %s dst %s\n", cfg.Saddr, cfg.ID.Daddr)
	fmt.Fprintf(&w, "\tproto %s ", cfg.ID.Proto)
	if st || cfg.ID.SPI != 0 || true {
		fmt.Fprintf(&w, "spi 0x%08x", cfg.ID.SPI)
		if st {
			fmt.Fprintf(&w, "(%d)", cfg.ID.SPI)
		}
		w.WriteString(" ")
	}
	fmt.Fprintf(&w, "reqid %d", cfg.Reqid)
	if st {
		fmt.Fprintf(&w, "(0x%08x)", cfg.Reqid)
	}
	fmt.Fprintf(&w, " mode %s\n", cfg.Mode)
	rw := cfg.ReplayWindow
	if cfg.Flags&xfrm.FlagESN != 0 || rw > 32 {
		rw = 0
	}
	fmt.Fprintf(&w, "\treplay-window %d ", rw)
	if st {
		fmt.Fprintf(&w, "seq 0x%08x ", cfg.Replay.Seq)
	}
	if st || cfg.Flags != 0 {
		w.WriteString("flag " + xfrmFlagWords(stateFlagNames, cfg.Flags))
		if st && cfg.ExtraFlags != 0 {
			// iproute2 6.1 shows extra flags with -s only, straight after
			// the flag names.
			w.WriteString("extra_flag " + xfrmFlagWords(extraFlagNames, cfg.ExtraFlags))
		}
		if st {
			fmt.Fprintf(&w, " (0x%08b)", uint8(cfg.Flags))
		}
	}
	w.WriteString("\n")
	if cfg.Mark.Value != 0 || cfg.Mark.Mask != 0 {
		fmt.Fprintf(&w, "\tmark 0x%x/0x%x \n", cfg.Mark.Value, cfg.Mark.Mask)
	}
	if cfg.OutputMark.Value != 0 || cfg.OutputMark.Mask != 0 {
		fmt.Fprintf(&w, "\toutput-mark 0x%x/0x%x\n", cfg.OutputMark.Value, cfg.OutputMark.Mask)
	}
	c.printAlgs(&w, x)
	if e := cfg.Encap; e != nil {
		t := "espinudp"
		if e.Type == xfrm.EncapESPInUDPNonIKE {
			t = "espinudp-nonike"
		}
		oa := e.OAddr
		if !oa.IsValid() {
			oa = zeroAddr(cfg.Family)
		}
		fmt.Fprintf(&w, "\tencap type %s sport %d dport %d addr %s\n", t, e.Sport, e.Dport, oa)
	}
	r := x.ReplaySnapshot()
	if r.Kind == xfrm.ReplayLegacy {
		fmt.Fprintf(&w, "\tanti-replay context: seq 0x%x, oseq 0x%x, bitmap 0x%08x\n", r.Seq, r.OSeq, r.Bitmap)
	} else {
		w.WriteString("\tanti-replay esn context:\n")
		fmt.Fprintf(&w, "\t seq-hi 0x%x, seq 0x%x, oseq-hi 0x%x, oseq 0x%x\n", r.SeqHi, r.Seq, r.OSeqHi, r.OSeq)
		fmt.Fprintf(&w, "\t replay_window %d, bitmap-length %d\n", r.Window, r.BmpLen)
		w.WriteString("\t ")
		for i, j := int(r.BmpLen), 0; i > 0; i-- {
			fmt.Fprintf(&w, "%08x ", r.Bmp[i-1])
			if j++; j%8 == 0 && i > 1 {
				w.WriteString("\n\t ")
			}
		}
		w.WriteString("\n")
	}
	if cfg.TFCPad != 0 {
		fmt.Fprintf(&w, "\ttfcpad %d\n", cfg.TFCPad)
	}
	printOffload(&w, x.Offload())
	if cfg.Dir != 0 {
		d := "in"
		if cfg.Dir == xfrm.DirOut {
			d = "out"
		}
		fmt.Fprintf(&w, "\tdir %s\n", d)
	}
	if cfg.IfID != 0 {
		fmt.Fprintf(&w, "\tif_id 0x%x\n", cfg.IfID)
	}
	if cfg.Selector.Family != 0 { // an af-unspec SA's empty selector is not shown
		xfrmSelectorPrint(c, &w, &cfg.Selector, cfg.Family, "\tsel ")
	}
	if st {
		cur := x.Lifetime()
		xfrmLifetimePrint(&w, &cfg.Lifetime, &cur, "\t")
		w.WriteString("\tstats:\n")
		fmt.Fprintf(&w, "\t  replay-window %d replay %d failed %d\n", r.ReplayWindowErrs, r.ReplayErrs, r.IntegrityFailed)
	}
	c.writeXfrmObject(out, w.Bytes())
}

// writeXfrmObject writes one state's or policy's text; with -o its line
// breaks become backslashes and one newline ends it (iproute2's _SL_).
func (c *Cmd) writeXfrmObject(out io.Writer, text []byte) {
	if c.Opts.Oneline {
		text = append(bytes.ReplaceAll(text, []byte("\n"), []byte("\\")), '\n')
	}
	_, _ = out.Write(text)
}

func (c *Cmd) printAlgs(w io.Writer, x *xfrm.State) {
	cfg := x.Cfg()
	st := c.Opts.Stats > 0
	key := func(k []byte) string {
		s := fmt.Sprintf("0x%x", k) // no key (cipher_null, deflate): nothing
		if len(k) == 0 {
			s = ""
		}
		if st {
			s += fmt.Sprintf(" (%d bits)", len(k)*8)
		}
		return s
	}
	if a := cfg.Auth; a != nil {
		name := a.Name
		if x.AlgAuth != nil {
			name = x.AlgAuth.Name
		}
		fmt.Fprintf(w, "\tauth-trunc %s %s %d\n", name, key(a.Key), x.ICVBits)
	}
	if a := cfg.AEAD; a != nil {
		name := a.Name
		if x.AlgAEAD != nil {
			name = x.AlgAEAD.Name
		}
		fmt.Fprintf(w, "\taead %s %s %d\n", name, key(a.Key), a.ICVBits)
	}
	if a := cfg.Crypt; a != nil {
		name := a.Name
		if x.AlgCipher != nil {
			name = x.AlgCipher.Name
		}
		fmt.Fprintf(w, "\tenc %s %s\n", name, key(a.Key))
	}
	if a := cfg.Comp; a != nil {
		name := a.Name
		if x.AlgComp != nil {
			name = x.AlgComp.Name
		}
		fmt.Fprintf(w, "\tcomp %s %s\n", name, key(a.Key))
	}
}
