package iproute

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/xfrm"
)

// ip xfrm policy (xfrm_policy.c).

var errESRCH = extack.Errno(syscall.ESRCH)

const xfrmPolicyUsage = "Usage: ip xfrm policy { add | update } SELECTOR dir DIR [ ctx CTX ]\n" +
	"        [ mark MARK [ mask MASK ] ] [ index INDEX ] [ ptype PTYPE ]\n" +
	"        [ action ACTION ] [ priority PRIORITY ] [ flag FLAG-LIST ]\n" +
	"        [ if_id IF_ID ] [ offload packet dev DEV ] [ LIMIT-LIST ] [ TMPL-LIST ]\n" +
	"Usage: ip xfrm policy { delete | get } { SELECTOR | index INDEX } dir DIR\n" +
	"Usage: ip xfrm policy { deleteall | list } [ nosock ] [ SELECTOR ] [ dir DIR ]\n" +
	"Usage: ip xfrm policy flush [ ptype PTYPE ]\n" +
	"Usage: ip xfrm policy count\n" +
	"Usage: ip xfrm policy set [ hthresh4 LBITS RBITS ] [ hthresh6 LBITS RBITS ]\n" +
	"Usage: ip xfrm policy setdefault DIR ACTION [ DIR ACTION ] [ DIR ACTION ]\n" +
	"Usage: ip xfrm policy getdefault\n"

func (c *Cmd) xfrmPolicy(args []string) error {
	if len(args) == 0 {
		return c.xfrmPolicyList(nil, false)
	}
	w, rest := args[0], args[1:]
	switch {
	case w == "add":
		return c.xfrmPolicyModify(rest, false)
	case w == "update":
		return c.xfrmPolicyModify(rest, true)
	case Matches(w, "delete"):
		return c.xfrmPolicyGet(rest, true)
	case w == "deleteall" || w == "delall":
		return c.xfrmPolicyList(rest, true)
	case Matches(w, "list") || Matches(w, "show") || w == "lst":
		return c.xfrmPolicyList(rest, false)
	case Matches(w, "get"):
		return c.xfrmPolicyGet(rest, false)
	case Matches(w, "flush"):
		spd := xfrm.ForNamespace(c.NS).SPD
		for _, p := range spd.Dump() {
			if p.Cfg().Type == xfrm.PolicyTypeMain {
				xfrm.DevPolicyDelete(p)
			}
		}
		spd.Flush(xfrm.PolicyTypeMain)
		return nil
	case Matches(w, "count"):
		spd := xfrm.ForNamespace(c.NS).SPD
		fmt.Fprintf(c.Stdout, "\t SPD IN  %d OUT %d FWD %d\n", spd.Count(xfrm.PolicyIn), spd.Count(xfrm.PolicyOut), spd.Count(xfrm.PolicyFwd))
		return nil
	case w == "setdefault":
		return c.xfrmPolicySetDefault(rest)
	case w == "getdefault":
		spd := xfrm.ForNamespace(c.NS).SPD
		name := func(d xfrm.PolicyDir) string {
			if spd.DefaultBlock(d) {
				return "block"
			}
			return "accept"
		}
		fmt.Fprintf(c.Stdout, "Default policies:\n in:  %s\n fwd: %s\n out: %s\n",
			name(xfrm.PolicyIn), name(xfrm.PolicyFwd), name(xfrm.PolicyOut))
		return nil
	case Matches(w, "help"):
		return usageErr(xfrmPolicyUsage)
	}
	return fail(255, "Command \"%s\" is unknown, try \"ip xfrm policy help\".", w)
}

func xfrmDir(s string) (xfrm.PolicyDir, error) {
	switch {
	case Matches(s, "in"):
		return xfrm.PolicyIn, nil
	case Matches(s, "out"):
		return xfrm.PolicyOut, nil
	case Matches(s, "fwd"):
		return xfrm.PolicyFwd, nil
	}
	return 0, invarg("DIR value is invalid", s)
}

func (c *Cmd) xfrmPolicySetDefault(args []string) error {
	spd := xfrm.ForNamespace(c.NS).SPD
	for i := 0; i+1 < len(args); i += 2 {
		d, err := xfrmDir(args[i])
		if err != nil {
			return invarg("unknown direction", args[i])
		}
		switch args[i+1] {
		case "accept":
			spd.SetDefault(d, false)
		case "block":
			spd.SetDefault(d, true)
		default:
			return invarg(args[i]+" policy value is invalid", args[i+1])
		}
	}
	if len(args)%2 == 1 {
		return incomplete()
	}
	return nil
}

// xfrmPolicyModify is xfrm_policy_modify.
func (c *Cmd) xfrmPolicyModify(args []string, update bool) error {
	pc := xfrm.PolicyConfig{Lifetime: xfrm.DefaultLifetime()}
	family := c.Opts.Family
	dirSet := false
	var offload *xfrm.Offload
	a := &xfrmArgs{w: args}
	for a.more() {
		if ok, err := xfrmSelectorParse(c, a, &pc.Selector, &family); err != nil {
			return err
		} else if ok {
			continue
		}
		w := a.word()
		var err error
		switch w {
		case "dir":
			v, e := a.next()
			if e != nil {
				return e
			}
			if pc.Dir, err = xfrmDir(v); err == nil {
				dirSet = true
			}
		case "mark":
			pc.Mark, err = xfrmMark(a)
		case "if_id", "index", "priority":
			n, e := a.nextU32(strings.ToUpper(w) + " value is invalid")
			if e != nil {
				return e
			}
			switch w {
			case "if_id":
				pc.IfID = n
			case "index":
				pc.Index = n
			default:
				pc.Priority = n
			}
		case "ptype":
			var i int
			i, err = a.nextChoice("PTYPE value is invalid", "main", "sub")
			pc.Type = [...]xfrm.PolicyType{xfrm.PolicyTypeMain, xfrm.PolicyTypeSub}[i]
		case "action":
			var i int
			i, err = a.nextChoice("ACTION value is invalid\n", "allow", "block")
			pc.Action = [...]xfrm.PolicyAction{xfrm.ActionAllow, xfrm.ActionBlock}[i]
		case "flag":
			err = xfrmPolicyFlags(a, &pc)
		case "limit":
			err = xfrmLimit(a, &pc.Lifetime)
		case "tmpl":
			err = c.xfrmTmpl(a, &pc, &family)
			if err == nil {
				continue
			}
		case "offload":
			offload, err = c.xfrmOffload(a, true)
		case "ctx":
			return fail(2, "Error: security contexts are not supported by softnet.")
		default:
			// xfrm_policy_modify hands an unknown word to the selector
			// parser, which leaves it, and then finds it a second time.
			return duparg("unknown", w)
		}
		if err != nil {
			return err
		}
		a.i++
	}
	if !dirSet {
		return fail(1, "Not enough information: DIR is required.")
	}
	if family == 0 {
		family = 4
	}
	pc.Selector.Family = family
	spd := xfrm.ForNamespace(c.NS).SPD
	var err error
	var p *xfrm.Policy
	if update {
		p, err = spd.Update(pc)
	} else {
		p, err = spd.Add(pc)
	}
	if err == nil {
		err = c.xfrmPolicyOffload(p, offload)
	}
	if err != nil {
		return kernelError(err)
	}
	return nil
}

func xfrmPolicyFlags(a *xfrmArgs, pc *xfrm.PolicyConfig) error {
	return namedFlags(a, "FLAG value is invalid", 0xff, policyFlagNames, &pc.Flags)
}

var policyFlagNames = []flagName[xfrm.PolicyFlags]{{xfrm.PolicyLocalOK, "localok"}, {xfrm.PolicyICMP, "icmp"}}

// xfrmTmpl is xfrm_tmpl_parse; it leaves a at the first word after the
// template.
func (c *Cmd) xfrmTmpl(a *xfrmArgs, pc *xfrm.PolicyConfig, family *int) error {
	t := xfrm.Tmpl{AAlgos: ^uint32(0), EAlgos: ^uint32(0), CAlgos: ^uint32(0)}
	var tcfg xfrm.Config
	tfam := 0
	var spiSet, idSeen bool
	a.i++
	for ; a.more(); a.i++ {
		if ok, err := xfrmIDWord(a, &tcfg, &tfam, &spiSet); ok || err != nil {
			if err != nil {
				return err
			}
			idSeen = true
			continue
		}
		w := a.word()
		switch w {
		case "mode":
			m, err := a.nextMode()
			if err != nil {
				return err
			}
			t.Mode = m
		case "reqid":
			n, err := a.nextReqid()
			if err != nil {
				return err
			}
			t.Reqid = n
		case "level":
			i, err := a.nextChoice("LEVEL value is invalid\n", "required", "use")
			if err != nil {
				return err
			}
			t.Optional = i == 1
		default:
			if !idSeen {
				// xfrm_tmpl_parse takes the first other word for the ID,
				// which then lacks its protocol.
				return missarg("XFRM-PROTO")
			}
			goto done
		}
	}
done:
	t.Daddr, t.Saddr, t.SPI, t.Proto = tcfg.ID.Daddr, tcfg.Saddr, tcfg.ID.SPI, tcfg.ID.Proto
	t.Family = tfam
	if t.Family == 0 {
		t.Family = *family
		if t.Family == 0 {
			t.Family = 4
		}
	}
	if !t.Daddr.IsValid() {
		t.Daddr = zeroAddr(t.Family)
	}
	if !t.Saddr.IsValid() {
		t.Saddr = zeroAddr(t.Family)
	}
	pc.Tmpls = append(pc.Tmpls, t)
	return nil
}

// policyFilter is the list/deleteall filter.
type policyFilter struct {
	sel    xfrm.Selector
	family int
	dir    *xfrm.PolicyDir
	srcSet bool
	dstSet bool
	// selSeen and indexSeen record that a selector word or an index was
	// given (get and delete need one of them, not both).
	selSeen, indexSeen bool
	ptype              *xfrm.PolicyType
}

func (c *Cmd) parsePolicyKey(args []string, needDir bool) (*xfrm.PolicyKey, *policyFilter, error) {
	k := &xfrm.PolicyKey{}
	f := &policyFilter{family: c.Opts.Family}
	a := &xfrmArgs{w: args}
	for a.more() {
		w := a.word()
		if ok, err := xfrmSelectorParse(c, a, &f.sel, &f.family); err != nil {
			return nil, nil, err
		} else if ok {
			f.srcSet = f.srcSet || f.sel.Saddr.IsValid()
			f.dstSet = f.dstSet || f.sel.Daddr.IsValid()
			f.selSeen = true
			continue
		}
		switch w {
		case "dir":
			v, err := a.next()
			if err != nil {
				return nil, nil, err
			}
			d, err := xfrmDir(v)
			if err != nil {
				return nil, nil, err
			}
			k.Dir, f.dir = d, &d
		case "index":
			n, err := a.nextU32("INDEX value is invalid")
			if err != nil {
				return nil, nil, err
			}
			k.Index, f.indexSeen = n, true
		case "mark":
			m, err := xfrmMark(a)
			if err != nil {
				return nil, nil, err
			}
			k.Mark = m
		case "if_id":
			n, err := a.nextU32("IF_ID value is invalid")
			if err != nil {
				return nil, nil, err
			}
			k.IfID = n
		case "ptype":
			i, err := a.nextChoice("PTYPE value is invalid", "main", "sub")
			if err != nil {
				return nil, nil, err
			}
			k.Type = [...]xfrm.PolicyType{xfrm.PolicyTypeMain, xfrm.PolicyTypeSub}[i]
			f.ptype = &k.Type
		case "nosock":
		default:
			return nil, nil, invarg("unknown", w)
		}
		a.i++
	}
	if needDir && f.dir == nil {
		return nil, nil, fail(1, "Not enough information: DIR is required.")
	}
	fam := f.family
	if fam == 0 {
		fam = 4
	}
	k.Selector = f.sel
	k.Selector.Family = fam
	return k, f, nil
}

func (c *Cmd) xfrmPolicyGet(args []string, del bool) error {
	k, f, err := c.parsePolicyKey(args, true)
	if err != nil {
		return err
	}
	switch {
	case !f.selSeen && !f.indexSeen:
		return fail(1, "Not enough information: either SELECTOR or INDEX is required.")
	case f.selSeen && f.indexSeen:
		return duparg2("SELECTOR", "INDEX")
	}
	spd := xfrm.ForNamespace(c.NS).SPD
	if del {
		p, _ := spd.Get(*k)
		if err := spd.Delete(*k); err != nil {
			return kernelError(err)
		}
		if p != nil {
			unbindPolicies([]*xfrm.Policy{p})
		}
		return nil
	}
	p, err := spd.Get(*k)
	if err != nil {
		return kernelError(err)
	}
	c.printPolicy(c.Stdout, p)
	return nil
}

func (c *Cmd) xfrmPolicyList(args []string, del bool) error {
	_, f, err := c.parsePolicyKey(args, false)
	if err != nil {
		return err
	}
	spd := xfrm.ForNamespace(c.NS).SPD
	ps := spd.Dump()
	slices.Reverse(ps)
	for _, p := range ps {
		pc := p.Cfg()
		switch {
		case f.dir != nil && pc.Dir != *f.dir,
			f.ptype != nil && pc.Type != *f.ptype,
			f.family != 0 && pc.Selector.Family != f.family,
			f.srcSet && pc.Selector.Saddr != f.sel.Saddr,
			f.dstSet && pc.Selector.Daddr != f.sel.Daddr:
			continue
		}
		if del {
			_ = spd.Delete(xfrm.PolicyKey{Index: p.Index(), Dir: pc.Dir, Type: pc.Type})
			unbindPolicies([]*xfrm.Policy{p})
			continue
		}
		c.printPolicy(c.Stdout, p)
	}
	return nil
}

// printPolicy is xfrm_policy_info_print.
func (c *Cmd) printPolicy(out io.Writer, p *xfrm.Policy) { c.printPolicyPrefixed(out, p, "", "") }

// printPolicyPrefixed prints a policy with a title before the selector
// and prefix before every other line (the ACQUIRE message's "  policy ").
func (c *Cmd) printPolicyPrefixed(out io.Writer, p *xfrm.Policy, title, prefix string) {
	var w bytes.Buffer
	pc := p.Cfg()
	st := c.Opts.Stats > 0
	xfrmSelectorPrint(c, &w, &pc.Selector, pc.Selector.Family, title)
	fmt.Fprintf(&w, "%s\tdir %s ", prefix, pc.Dir)
	if st || pc.Action != xfrm.ActionAllow {
		fmt.Fprintf(&w, "action %s ", pc.Action)
	}
	if st {
		fmt.Fprintf(&w, "index %d ", p.Index())
	}
	fmt.Fprintf(&w, "priority %d ptype %s ", pc.Priority, pc.Type)
	if st {
		w.WriteString("share any ")
	}
	if st || pc.Flags != 0 {
		w.WriteString("flag " + xfrmFlagWords(policyFlagNames, pc.Flags))
		if st {
			fmt.Fprintf(&w, " (0x%08b)", uint8(pc.Flags))
		}
	}
	w.WriteString("\n")
	if st {
		cur := xfrm.CurLifetime{AddTime: p.AddTime(), UseTime: p.UseTime()}
		xfrmLifetimePrint(&w, &pc.Lifetime, &cur, prefix+"\t")
	}
	if pc.Mark.Value != 0 || pc.Mark.Mask != 0 {
		fmt.Fprintf(&w, "%s\tmark 0x%x/0x%x \n", prefix, pc.Mark.Value, pc.Mark.Mask)
	}
	for _, t := range pc.Tmpls {
		fmt.Fprintf(&w, "%s\ttmpl src %s dst %s\n", prefix, t.Saddr, t.Daddr)
		fmt.Fprintf(&w, "%s\t\tproto %s ", prefix, t.Proto)
		if st || t.SPI != 0 {
			fmt.Fprintf(&w, "spi 0x%08x", t.SPI)
			if st {
				fmt.Fprintf(&w, "(%d)", t.SPI)
			}
			w.WriteString(" ")
		}
		fmt.Fprintf(&w, "reqid %d", t.Reqid)
		if st {
			fmt.Fprintf(&w, "(0x%08x)", t.Reqid)
		}
		fmt.Fprintf(&w, " mode %s\n", t.Mode)
		switch {
		case t.Optional:
			w.WriteString(prefix + "\t\tlevel use ")
		case st:
			w.WriteString(prefix + "\t\tlevel required ")
		}
		if st {
			w.WriteString("share any ")
		}
		if t.Optional || st {
			w.WriteString("\n")
		}
		if st {
			fmt.Fprintf(&w, "%s\t\tenc-mask %08x auth-mask %08x comp-mask %08x\n", prefix, t.EAlgos, t.AAlgos, t.CAlgos)
		}
	}
	printPolicyOffload(&w, prefix, p)
	if pc.IfID != 0 {
		fmt.Fprintf(&w, "%s\tif_id 0x%x\n", prefix, pc.IfID)
	}
	c.writeXfrmObject(out, w.Bytes())
}
