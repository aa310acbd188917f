package iproute

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/softnet/softnet/sched"
)

// ActionParser parses one action's words after its kind name (tc's
// action_util parse_aopt): args[0] is the kind word. It returns the spec
// and the words it did not consume. Errors are iproute2's.
type ActionParser func(c *Cmd, args []string) (*sched.ActionSpec, []string, error)

// ActionPrinter prints one action's options (print_aopt); the common
// "action order N: " prefix and statistics are printed around it.
type ActionPrinter func(c *Cmd, a sched.Action)

type actionUtil struct {
	parse ActionParser
	print ActionPrinter
}

var (
	actionMu    sync.RWMutex
	actionUtils = map[string]actionUtil{}
)

// RegisterTCAction adds an action kind's parser and printer (mirred,
// gact …); call it at init.
func RegisterTCAction(kind string, parse ActionParser, print ActionPrinter) {
	actionMu.Lock()
	defer actionMu.Unlock()
	actionUtils[kind] = actionUtil{parse, print}
}

func lookupActionUtil(kind string) (actionUtil, bool) {
	actionMu.RLock()
	defer actionMu.RUnlock()
	u, ok := actionUtils[kind]
	return u, ok
}

// parseActions is tc's parse_action: a list of "action KIND …" (the
// leading "action" word already consumed by the caller or not) up to the
// end of the words or a new command word.
func (c *Cmd) parseActions(args []string) ([]sched.ActionSpec, []string, error) {
	var specs []sched.ActionSpec
	eap := false
	for len(args) > 0 {
		w := args[0]
		switch {
		case w == "action":
			args = args[1:]
			eap = true
			continue
		case w == "flowid" || w == "classid":
			return specs, args, nil
		case w == "help":
			return nil, nil, fail(255, "")
		case isNewCmd(w):
			return specs, args, nil
		}
		kind := w
		if v, _, _ := sched.ParseVerdict(args); v != 0 || w == "pass" || w == "ok" {
			kind = "gact"
		}
		u, ok := lookupActionUtil(kind)
		if !ok {
			// tc falls back to gact for unknown action names.
			kind, u = "gact", mustUtil("gact")
		}
		eap = false
		spec, rest, err := u.parse(c, args)
		if err != nil {
			return nil, nil, err
		}
		spec.Kind = kind
		args = rest
		if len(args) > 0 && args[0] == "cookie" {
			if len(args) < 2 {
				return nil, nil, incomplete()
			}
			ck, err := hex.DecodeString(args[1])
			if len(args[1]) > 32 {
				return nil, nil, invarg(fmt.Sprintf("%d Max allowed size %d", len(args[1]), 32), args[1])
			}
			if err != nil {
				return nil, nil, invarg("cookie must be a hex string\n", args[1])
			}
			spec.Cookie = ck
			args = args[2:]
		}
		if len(args) > 0 && args[0] == "no_percpu" {
			spec.Flags |= sched.ActFlagNoPercpu
			args = args[1:]
		}
		specs = append(specs, *spec)
	}
	if eap {
		return nil, nil, &actParseError{"bad action empty 1\nparse_action: bad value (0:(null))!\n"}
	}
	return specs, args, nil
}

func mustUtil(kind string) actionUtil {
	u, _ := lookupActionUtil(kind)
	return u
}

func isNewCmd(w string) bool {
	for _, k := range []string{"change", "replace", "delete", "get", "add"} {
		if Matches(w, k) {
			return true
		}
	}
	return false
}

// actParseError is an action parse failure that tc reports and then
// returns from (rather than exiting): the caller adds Illegal "action".
type actParseError struct{ msg string }

func (e *actParseError) Error() string { return e.msg }

// illegalAction turns a parse failure into the caller's final error.
func illegalAction(err error, code int) error {
	if pe, ok := err.(*actParseError); ok {
		return fail(code, "%sIllegal \"action\"", pe.msg)
	}
	return err
}

// badAction is an action kind's parse failure as parse_action reports it:
// msg (with its newline, may be empty), then the position.
func badAction(msg string, args []string) error {
	w := "(null)"
	if len(args) > 0 {
		w = args[0]
	}
	return &actParseError{fmt.Sprintf("%sbad action parsing\nparse_action: bad value (%d:%s)!\n", msg, len(args), w)}
}

const actUsage = `usage: tc actions <ACTSPECOP>*
Where: 	ACTSPECOP := ACR | GD | FL
	ACR := add | change | replace <ACTSPEC>*
	GD := get | delete | <ACTISPEC>*
	FL := ls | list | flush | <ACTNAMESPEC>
	ACTNAMESPEC :=  action <ACTNAME>
	ACTISPEC := <ACTNAMESPEC> <INDEXSPEC>
	ACTSPEC := action <ACTDETAIL> [INDEXSPEC] [HWSTATSSPEC]
	INDEXSPEC := index <32 bit indexvalue>
	HWSTATSSPEC := hw_stats [ immediate | delayed | disabled ]
	ACTDETAIL := <ACTNAME> <ACTPARAMS>
		Example ACTNAME is gact, mirred, bpf, etc
		Each action has its own parameters (ACTPARAMS)

`

// doActions is tc actions (m_action.c do_action).
func doActions(c *Cmd, args []string) error {
	if len(args) == 0 {
		return usageErr(actUsage)
	}
	sub := args[0]
	switch {
	case Matches(sub, "add"), Matches(sub, "change"), Matches(sub, "replace"):
		specs, rest, err := c.parseActions(args[1:])
		if err != nil {
			return illegalAction(err, 255)
		}
		if len(rest) > 0 {
			return fail(255, "Command \"%s\" is unknown, try \"tc actions help\".", rest[0])
		}
		if err := sched.AddActions(c.NS, specs, !Matches(sub, "add")); err != nil {
			return fail(255, "%sWe have an error talking to the kernel", kernelError(err).Error())
		}
		return nil
	case Matches(sub, "get"), Matches(sub, "delete"):
		return c.actionGetDel(Matches(sub, "get"), args[1:])
	case Matches(sub, "list"), Matches(sub, "show"), sub == "lst", sub == "ls", Matches(sub, "flush"):
		if len(args) <= 2 {
			return usageErr(actUsage)
		}
		kind := args[2]
		if _, ok := lookupActionUtil(kind); !ok {
			return fail(255, "bad action %s", kind)
		}
		if Matches(sub, "flush") {
			if _, err := sched.FlushActions(c.NS, kind); err != nil {
				return fail(1, "%sWe have an error flushing", kernelError(err).Error())
			}
			return nil
		}
		c.printActionList(sched.Actions(c.NS, kind), 0, len(sched.Actions(c.NS, kind)))
		return nil
	case Matches(sub, "help"):
		return usageErr(actUsage)
	}
	return fail(255, "Command \"%s\" is unknown, try \"tc actions help\".", sub)
}

// actionGetDel is tc_action_gd: action KIND index N, possibly repeated.
func (c *Cmd) actionGetDel(get bool, args []string) error {
	var found []sched.Action
	type ref struct {
		kind  string
		index uint32
	}
	var refs []ref
	for len(args) > 0 {
		if args[0] == "action" {
			args = args[1:]
			continue
		}
		kind := args[0]
		if _, ok := lookupActionUtil(kind); !ok {
			return fail(255, "Error: non existent action: %s", kind)
		}
		args = args[1:]
		if len(args) == 0 || !Matches(args[0], "index") {
			return fail(255, "Error: no index specified action: %s", kind)
		}
		if len(args) < 2 {
			return incomplete()
		}
		n, err := strconv.ParseUint(args[1], 10, 32)
		if err != nil {
			return fail(255, "Illegal \"index\"")
		}
		refs = append(refs, ref{kind, uint32(n)})
		args = args[2:]
	}
	for _, r := range refs {
		var err error
		var a sched.Action
		if get {
			a, err = sched.GetAction(c.NS, r.kind, r.index)
		} else {
			err = sched.DeleteAction(c.NS, r.kind, r.index)
		}
		if err != nil {
			return fail(255, "%sWe have an error talking to the kernel\nCommand \"action\" is unknown, try \"tc actions help\".",
				kernelError(err).Error())
		}
		found = append(found, a)
	}
	if get {
		c.printActionList(found, 1, 0)
	}
	return nil
}

// printActionList is print_action for tc actions get/ls: a "total acts"
// object then the actions numbered from first.
func (c *Cmd) printActionList(acts []sched.Action, first, total int) {
	p := c.Out
	p.Begin()
	p.OpenObject("")
	p.PrintUint("total acts", "total acts %d", uint64(total))
	p.Textf("\n")
	p.CloseObject()
	p.OpenObject("")
	p.OpenArrayJSON("actions")
	for i, a := range acts {
		p.OpenObject("")
		p.Textf("\n")
		p.PrintUint("order", "\taction order %d: ", uint64(first+i))
		c.printOneAction(a, true)
		p.CloseObject()
	}
	p.CloseArrayJSON()
	p.CloseObject()
	p.End()
}

// printActions prints a filter's actions (tc_print_action), numbered from 1.
func (c *Cmd) printActions(acts []sched.Action) {
	if len(acts) == 0 {
		return
	}
	p := c.Out
	p.OpenArrayJSON("actions")
	for i, a := range acts {
		p.OpenObject("")
		p.Textf("\n")
		p.PrintUint("order", "\taction order %d: ", uint64(i+1))
		c.printOneAction(a, false)
		p.CloseObject()
	}
	p.CloseArrayJSON()
}

// printOneAction is tc_print_one_action; standalone dumps (tc actions)
// also carry the action flags and the hardware count.
func (c *Cmd) printOneAction(a sched.Action, standalone bool) {
	p := c.Out
	cm := a.Common()
	if u, ok := lookupActionUtil(cm.Kind()); ok && u.print != nil {
		u.print(c, a)
	}
	if c.Opts.Stats > 0 {
		p.Textf("\tAction statistics:\n")
		p.OpenObject("stats")
		st := &cm.Stats
		p.PrintUint("bytes", "\tSent %d bytes", st.Bytes.Load())
		p.PrintUint("packets", " %d pkt", st.Packets.Load())
		p.PrintUint("drops", " (dropped %d", st.Drops.Load())
		p.PrintUint("overlimits", ", overlimits %d", st.Overlimits.Load())
		p.PrintUint("requeues", " requeues %d) ", 0)
		p.Textf("\n")
		p.PrintUint("backlog", "\tbacklog %db", 0)
		p.PrintUint("qlen", " %dp", 0)
		p.Textf(" requeues %d", 0)
		p.CloseObject()
		p.Textf("\n")
	}
	if ck := cm.Cookie(); len(ck) > 0 {
		p.PrintString("cookie", "\tcookie %s", hex.EncodeToString(ck))
		p.Textf("\n")
	}
	// Filter dumps show no_percpu only (a skip_hw inherited from the
	// filter is not printed there, as Linux); standalone dumps (tc
	// actions) end with skip_hw or not_in_hw. One line for both.
	flags := cm.Flags()
	if flags&sched.ActFlagNoPercpu == 0 && !standalone {
		return
	}
	if flags&sched.ActFlagNoPercpu != 0 {
		p.PrintBool("no_percpu", "\tno_percpu", true)
	}
	if standalone {
		if flags&sched.ActFlagSkipHW != 0 {
			p.PrintBool("skip_hw", "\tskip_hw", true)
		} else {
			p.PrintBool("not_in_hw", "\tnot_in_hw", true)
		}
	}
	p.Textf("\n")
}

// PrintActionControl prints a control verdict as print_action_control.
func PrintActionControl(p *Printer, prefix string, v sched.Verdict, suffix string) {
	p.Textf("%s", prefix)
	p.OpenObject("control_action")
	p.PrintString("type", "%s", v.Name())
	if v.IsGotoChain() {
		p.PrintUint("chain", " chain %d", uint64(v.Operand()))
	}
	if v.IsJump() {
		p.PrintUint("jump", " %d", uint64(v.Operand()))
	}
	p.CloseObject()
	p.Textf("%s", suffix)
}

// PrintActionRefs prints "\tindex N ref R bind B" (with sep between the
// tab and "index": "" for mirred, " " for gact) and, with -s, the times.
func PrintActionRefs(c *Cmd, a sched.Action, sep string) {
	p := c.Out
	cm := a.Common()
	ref, bind := cm.Refs()
	p.PrintUint("index", "\t"+sep+"index %d", uint64(cm.Index()))
	p.PrintInt("ref", " ref %d", int64(ref))
	p.PrintInt("bind", " bind %d", int64(bind))
	if c.Opts.Stats > 0 {
		inst, used, firstUsed, first := cm.Times()
		p.PrintUint("installed", " installed %d sec", ticks(inst)/100)
		p.PrintUint("last_used", " used %d sec", ticks(used)/100)
		if first {
			p.PrintUint("first_used", " firstused %d sec", ticks(firstUsed)/100)
		}
	}
	p.Textf("\n")
}

// ticks converts an age to USER_HZ (100 Hz) clock ticks, counting a
// started tick, so that a just-installed action reads "installed 0 sec"
// as it does on Linux, where creating one always takes a few jiffies.
func ticks(d time.Duration) uint64 {
	if d < 0 {
		d = 0
	}
	return uint64(d/(10*time.Millisecond)) + 1
}

func init() { SetTCObject("actions", doActions) }
