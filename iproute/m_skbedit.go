package iproute

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/softnet/softnet/sched"
	"github.com/softnet/softnet/sched/skbedit"
)

const skbeditUsage = `Usage: ... skbedit <[QM] [PM] [MM] [PT] [IF]>
QM = queue_mapping QUEUE_MAPPING
PM = priority PRIORITY
MM = mark MARK[/MASK]
PT = ptype PACKETYPE
IF = inheritdsfield
PACKETYPE = is one of:
  host, otherhost, broadcast, multicast
QUEUE_MAPPING = device transmit queue to use
PRIORITY = classID to assign to priority field
MARK = firewall mark to set
MASK = mask applied to firewall mark (0xffffffff by default)
note: inheritdsfield maps DS field to skb->priority
`

// parseSkbedit is m_skbedit.c's parse_skbedit for the mark edit; the
// other edits (queue_mapping, priority, ptype, inheritdsfield) are not
// implemented and say so.
func parseSkbedit(c *Cmd, args []string) (*sched.ActionSpec, []string, error) {
	start := args
	args = args[1:]
	if len(args) == 0 {
		return nil, nil, incomplete()
	}
	prm := &skbedit.Params{}
	spec := &sched.ActionSpec{Params: prm, Control: sched.ActPipe}
	ok := false
loop:
	for len(args) > 0 {
		w := args[0]
		switch {
		case Matches(w, "queue_mapping"), Matches(w, "priority"), Matches(w, "ptype"), Matches(w, "inheritdsfield"):
			return nil, nil, badAction(fmt.Sprintf("skbedit %s is not supported by softnet\n", w), start)
		case Matches(w, "mark"):
			if len(args) < 2 {
				return nil, nil, incomplete()
			}
			v, m, slash := strings.Cut(args[1], "/")
			mark, good := getU32(v)
			if !good {
				return nil, nil, badAction("Illegal mark\n", start)
			}
			prm.HasMark, prm.Mark = true, mark
			if slash {
				mask, good := getU32(m)
				if !good {
					return nil, nil, badAction("Illegal mask\n", start)
				}
				prm.HasMask, prm.Mask = true, mask
			}
			ok = true
			args = args[1:]
		case Matches(w, "help"):
			return nil, nil, usageErr(skbeditUsage)
		default:
			break loop
		}
		args = args[1:]
	}
	if v, n, err := sched.ParseVerdict(args); err != nil {
		return nil, nil, err
	} else if n > 0 {
		spec.Control = v
		args = args[n:]
	}
	if len(args) > 0 && Matches(args[0], "index") {
		if len(args) < 2 {
			return nil, nil, incomplete()
		}
		n, err := strconv.ParseUint(args[1], 10, 32)
		if err != nil {
			return nil, nil, badAction("skbedit: Illegal \"index\"\n", start)
		}
		spec.Index = uint32(n)
		args = args[2:]
		ok = true
	}
	if !ok {
		return nil, nil, badAction(skbeditUsage, start)
	}
	return spec, args, nil
}

// printSkbedit is m_skbedit.c's print_skbedit.
func printSkbedit(c *Cmd, a sched.Action) {
	s := a.(*skbedit.Skbedit)
	p := c.Out
	prm := s.Params()
	p.PrintString("kind", "%s ", "skbedit")
	if prm.HasMark {
		p.PrintUint("mark", " mark %d", uint64(prm.Mark))
	}
	if prm.HasMask {
		p.Textf("/%#x", prm.Mask)
		p.JSONString("mask", fmt.Sprintf("%x", prm.Mask))
	}
	PrintActionControl(p, " ", s.Control(), "")
	p.Textf("\n")
	PrintActionRefs(c, a, " ")
}

func init() { RegisterTCAction("skbedit", parseSkbedit, printSkbedit) }
