package sched

import (
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Exts are a filter's actions (struct tcf_exts), run in order by Exec.
type Exts struct {
	acts []Action
}

// Actions returns the actions in order.
func (e *Exts) Actions() []Action {
	if e == nil {
		return nil
	}
	return e.acts
}

// maxRepeat bounds TC_ACT_REPEAT loops of one action.
const maxRepeat = 32

// Exec runs the actions (tcf_action_exec): each action's verdict decides
// whether the next runs (pipe), the list restarts after a jump, or the
// pipeline ends. A goto chain verdict returns the chain to continue in;
// with no actions the result is ActOK. The packet is gone when the
// verdict is ActConsumed or ActStolen.
func (e *Exts) Exec(dev *netdev.Device, b *packet.Buffer) (Verdict, *Chain) {
	if e == nil || len(e.acts) == 0 {
		return ActOK, nil
	}
	acts := e.acts
	skip := 0
	ttl := maxActions
restart:
	for _, a := range acts {
		if skip > 0 {
			skip--
			continue
		}
		c := a.Common()
		if c.flags&ActFlagSkipSW != 0 {
			continue
		}
		v := a.Act(dev, b)
		for n := maxRepeat; v == ActRepeat; n-- {
			if n == 0 {
				return ActOK, nil
			}
			v = a.Act(dev, b)
		}
		switch {
		case v.IsJump():
			skip = int(v.Operand())
			if skip == 0 || skip > len(acts) {
				return ActOK, nil
			}
			if ttl--; ttl <= 0 {
				return ActOK, nil
			}
			goto restart
		case v.IsGotoChain():
			ch := c.GotoChain()
			if ch == nil {
				return ActShot, nil
			}
			return v, ch
		}
		if v != ActPipe {
			return v, nil
		}
	}
	return ActPipe, nil
}
