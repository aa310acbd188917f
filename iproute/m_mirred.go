package iproute

import (
	"strconv"

	"github.com/softnet/softnet/sched"
	"github.com/softnet/softnet/sched/mirred"
)

// parseMirred is m_mirred.c's parse_mirred/parse_direction, with the
// newer "blockid B" target beside "dev D".
func parseMirred(c *Cmd, args []string) (*sched.ActionSpec, []string, error) {
	start := args
	args = args[1:]
	if len(args) == 0 {
		return nil, nil, incomplete()
	}
	w := args[0]
	if !(Matches(w, "egress") || Matches(w, "ingress") || Matches(w, "index")) {
		if Matches(w, "help") {
			return nil, nil, usageErr(mirredUsage)
		}
		return nil, nil, badAction("mirred option not supported "+w+"\n", start)
	}
	prm := &mirred.Params{}
	spec := &sched.ActionSpec{Params: prm}
	var ok, iok, mirror, redir, ingress, egress bool
	dev := ""
	next := func() error {
		args = args[1:]
		if len(args) == 0 {
			return incomplete()
		}
		return nil
	}
loop:
	for len(args) > 0 {
		w := args[0]
		switch {
		case Matches(w, "action"):
			if err := next(); err != nil {
				return nil, nil, err
			}
			break loop
		case !egress && Matches(w, "egress"):
			egress = true
			if ingress {
				return nil, nil, badAction("Can't have both egress and ingress\n", start)
			}
			ok = true
			if err := next(); err != nil {
				return nil, nil, err
			}
			continue
		case !ingress && Matches(w, "ingress"):
			ingress = true
			if egress {
				return nil, nil, badAction("Can't have both ingress and egress\n", start)
			}
			ok = true
			if err := next(); err != nil {
				return nil, nil, err
			}
			continue
		case Matches(w, "index"):
			if err := next(); err != nil {
				return nil, nil, err
			}
			n, err := strconv.ParseUint(args[0], 10, 32)
			if err != nil {
				return nil, nil, badAction("Illegal \"index\"\n", start)
			}
			spec.Index = uint32(n)
			iok = true
			if !ok {
				args = args[1:]
				break loop
			}
		case !ok:
			c.Stderr.Write([]byte("was expecting egress or ingress (" + w + ")\n"))
			break loop
		case !mirror && Matches(w, "mirror"):
			mirror = true
			if redir {
				return nil, nil, badAction("Can't have both mirror and redir\n", start)
			}
			prm.Eaction, spec.Control = mirred.EgressMirror, sched.ActPipe
		case !redir && Matches(w, "redirect"):
			redir = true
			if mirror {
				return nil, nil, badAction("Can't have both mirror and redir\n", start)
			}
			prm.Eaction, spec.Control = mirred.EgressRedir, sched.ActStolen
		case (redir || mirror) && Matches(w, "dev"):
			if err := next(); err != nil {
				return nil, nil, err
			}
			dev = args[0]
			args = args[1:]
			break loop
		case (redir || mirror) && w == "blockid":
			if err := next(); err != nil {
				return nil, nil, err
			}
			n, err := strconv.ParseUint(args[0], 0, 32)
			if err != nil || n == 0 {
				return nil, nil, badAction("Illegal \"blockid\"\n", start)
			}
			prm.BlockID = uint32(n)
			args = args[1:]
			break loop
		}
		if err := next(); err != nil {
			return nil, nil, err
		}
	}
	if !ok && !iok {
		return nil, nil, badAction("", start)
	}
	if dev != "" {
		d := c.NS.DeviceByName(dev)
		if d == nil {
			return nil, nil, badAction("Cannot find device \""+dev+"\"\n", start)
		}
		prm.Ifindex = d.Index()
	}
	if ingress {
		switch prm.Eaction {
		case mirred.EgressMirror:
			prm.Eaction = mirred.IngressMirror
		case mirred.EgressRedir:
			prm.Eaction = mirred.IngressRedir
		}
	}
	if v, n, err := sched.ParseVerdict(args); err != nil {
		return nil, nil, err
	} else if n > 0 {
		spec.Control = v
		args = args[n:]
	}
	if len(args) > 0 && Matches(args[0], "index") {
		if iok {
			return nil, nil, badAction("mirred: Illegal double index\n", start)
		}
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

const mirredUsage = `Usage: mirred <DIRECTION> <ACTION> [INDEX] <dev DEVICENAME | blockid BLOCKID>
where:
	DIRECTION := <ingress | egress>
	ACTION := <mirror | redirect>
	INDEX  is the specific policy instance id
	DEVICENAME is the devicename
	BLOCKID is the block id
`

// printMirred is m_mirred.c's print_mirred.
func printMirred(c *Cmd, a sched.Action) {
	m := a.(*mirred.Mirred)
	p := c.Out
	e := m.Eaction()
	p.PrintString("kind", "%s ", "mirred")
	p.Textf("(%s", e.String())
	action, dir := "redirect", "egress"
	if !e.IsRedirect() {
		action = "mirror"
	}
	if e.WantsIngress() {
		dir = "ingress"
	}
	p.JSONString("mirred_action", action)
	p.JSONString("direction", dir)
	if id := m.BlockID(); id != 0 {
		p.PrintUint("to_blockid", " to blockid %d)", uint64(id))
	} else {
		name := "*"
		if d := m.Device(); d != nil {
			name = d.Name()
		}
		p.PrintString("to_dev", " to device %s)", name)
	}
	PrintActionControl(p, " ", m.Control(), "")
	p.Textf("\n")
	PrintActionRefs(c, a, "")
}

func init() { RegisterTCAction("mirred", parseMirred, printMirred) }
