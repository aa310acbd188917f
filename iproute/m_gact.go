package iproute

import (
	"strconv"

	"github.com/softnet/softnet/sched"
	"github.com/softnet/softnet/sched/gact"
)

const gactUsage = `Usage: ... gact <ACTION> [RAND] [INDEX]
Where: 	ACTION := reclassify | drop | continue | pass | pipe |
       	          goto chain <CHAIN_INDEX> | jump <JUMP_COUNT>
	RAND := random <RANDTYPE> <ACTION> <VAL>
	RANDTYPE := netrand | determ
	VAL : = value not exceeding 10000
	JUMP_COUNT := Absolute jump from start of action list
	INDEX := index value used

`

// parseGact is m_gact.c's parse_gact.
func parseGact(c *Cmd, args []string) (*sched.ActionSpec, []string, error) {
	start := args
	spec := &sched.ActionSpec{}
	if Matches(args[0], "gact") {
		args = args[1:]
		if len(args) == 0 {
			return nil, nil, incomplete()
		}
	}
	if !Matches(args[0], "index") {
		v, n, err := sched.ParseVerdict(args)
		if err != nil || n == 0 {
			// parse_action_control names the word it could not take.
			return nil, nil, usageErr("Bad action type " + args[0] + "\n" + gactUsage)
		}
		spec.Control = v
		args = args[n:]
		if len(args) > 0 && Matches(args[0], "random") {
			prm, rest, err := parseGactRandom(args, start)
			if err != nil {
				return nil, nil, err
			}
			spec.Params, args = prm, rest
		}
	}
	if len(args) > 0 && Matches(args[0], "index") {
		if len(args) < 2 {
			return nil, nil, incomplete()
		}
		n, err := strconv.ParseUint(args[1], 10, 32)
		if err != nil {
			return nil, nil, badAction("Illegal \"index\"\n", start)
		}
		spec.Index = uint32(n)
		args = args[2:]
	}
	return spec, args, nil
}

func parseGactRandom(args, start []string) (*gact.Params, []string, error) {
	prm := &gact.Params{}
	if len(args) < 2 {
		return nil, nil, incomplete()
	}
	switch {
	case Matches(args[1], "netrand"):
		prm.Type = gact.RandNetrand
	case Matches(args[1], "determ"):
		prm.Type = gact.RandDeterm
	default:
		return nil, nil, badAction("Illegal \"random type\"\n", start)
	}
	args = args[2:]
	v, n, err := sched.ParseVerdict(args)
	if err != nil || n == 0 {
		return nil, nil, usageErr(gactUsage)
	}
	prm.Action = v
	args = args[n:]
	if len(args) == 0 {
		return nil, nil, incomplete()
	}
	val, err := strconv.ParseUint(args[0], 10, 16)
	if err != nil || val > 10000 {
		return nil, nil, badAction("Illegal probability val 0x"+strconv.FormatUint(val, 16)+"\n", start)
	}
	prm.Val = uint16(val)
	return prm, args[1:], nil
}

// printGact is m_gact.c's print_gact.
func printGact(c *Cmd, a sched.Action) {
	g := a.(*gact.Gact)
	p := c.Out
	p.PrintString("kind", "%s ", "gact")
	PrintActionControl(p, "action ", g.Control(), "")
	pr := g.Prob()
	if pr == nil {
		pr = &gact.Params{}
	}
	p.OpenObject("prob")
	p.Textf("\n")
	p.PrintString("random_type", "\t random type %s", pr.Type.String())
	PrintActionControl(p, " ", pr.Action, " ")
	p.PrintInt("val", "val %d", int64(pr.Val))
	p.CloseObject()
	p.Textf("\n")
	PrintActionRefs(c, a, " ")
}

func init() { RegisterTCAction("gact", parseGact, printGact) }
