package iproute

import (
	"github.com/softnet/softnet/sched"
	"github.com/softnet/softnet/sched/matchall"
)

const matchallUsage = `Usage: ... matchall [skip_sw | skip_hw]
                 [ action ACTION_SPEC ] [ classid CLASSID ]

Where: SELECTOR := SAMPLE SAMPLE ...
       FILTERID := X:Y:Z
       ACTION_SPEC := ... look at individual actions

NOTE: CLASSID is parsed as hexadecimal input.
`

// parseMatchall is f_matchall.c's matchall_parse_opt.
func parseMatchall(c *Cmd, handle string, _ uint16, args []string) (*FilterArgs, error) {
	fa := &FilterArgs{}
	h, err := parseHandle(handle)
	if err != nil {
		return nil, err
	}
	fa.Handle = h
	for len(args) > 0 {
		w := args[0]
		switch {
		case Matches(w, "action"):
			if len(args) < 2 {
				return nil, incomplete()
			}
			acts, rest, err := c.parseActions(args[1:])
			if err != nil {
				return nil, illegalAction(err, 1)
			}
			fa.Actions = append(fa.Actions, acts...)
			args = rest
			continue
		case parseClsFlag(w, &fa.Flags):
		case w == "help":
			return nil, usageErr(matchallUsage)
		default:
			return nil, &exitError{code: 1, msg: "What is \"" + w + "\"?\n" + matchallUsage}
		}
		args = args[1:]
	}
	return fa, nil
}

// printMatchall is f_matchall.c's matchall_print_opt.
func printMatchall(c *Cmd, tp *sched.Proto, f sched.Filter) {
	p := c.Out
	m := f.(*matchall.Filter)
	p.PrintUint("handle", "handle 0x%x ", uint64(m.Handle()))
	printClsFlags(p, m.Flags())
	if c.Opts.Stats > 0 {
		p.PrintUint("rule_hit", " (rule hit %d)", m.Hits())
	}
	c.printActions(m.Exts().Actions())
}

func init() { RegisterTCFilter("matchall", parseMatchall, printMatchall) }
