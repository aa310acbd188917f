package sched

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/softnet/softnet/extack"
)

// Verdict is a tc control action (TC_ACT_* in include/uapi/linux/pkt_cls.h):
// what an action or a classifier tells the caller to do with the packet.
// Jump and GotoChain carry an operand in the low 28 bits.
type Verdict int32

// Control verdicts.
const (
	ActUnspec     Verdict = -1 // "continue": go on with the next filter
	ActOK         Verdict = 0  // "pass": accept the packet
	ActReclassify Verdict = 1  // restart classification from the first chain
	ActShot       Verdict = 2  // "drop"
	ActPipe       Verdict = 3  // go on with the next action
	ActStolen     Verdict = 4  // consumed by the action
	ActQueued     Verdict = 5
	ActRepeat     Verdict = 6
	ActRedirect   Verdict = 7
	ActTrap       Verdict = 8
	// ActConsumed is internal: the action took the packet (mirred redirect
	// without a clone); the caller must not touch it.
	ActConsumed Verdict = 9

	// ActJump skips N actions of the filter's action list ("jump N").
	ActJump Verdict = 1 << extShift
	// ActGotoChain continues classification at chain N ("goto chain N").
	ActGotoChain Verdict = 2 << extShift

	extShift   = 28
	extValMask = 1<<extShift - 1
	valueMax   = ActTrap
)

// Opcode returns the extended opcode (ActJump, ActGotoChain) or 0.
func (v Verdict) Opcode() Verdict {
	if v == ActUnspec {
		return 0
	}
	return v &^ extValMask
}

// Operand returns the jump count or chain index of an extended verdict.
func (v Verdict) Operand() uint32 { return uint32(v) & extValMask }

// IsJump reports whether v is "jump N".
func (v Verdict) IsJump() bool { return v != ActUnspec && v.Opcode() == ActJump }

// IsGotoChain reports whether v is "goto chain N".
func (v Verdict) IsGotoChain() bool { return v != ActUnspec && v.Opcode() == ActGotoChain }

// Jump returns "jump n".
func Jump(n uint32) Verdict { return ActJump | Verdict(n&extValMask) }

// GotoChain returns "goto chain n".
func GotoChain(n uint32) Verdict { return ActGotoChain | Verdict(n&extValMask) }

// Name returns the word tc prints for v (action_n2a): "pass", "drop",
// "pipe", "goto" (the chain index follows), "jump" …
func (v Verdict) Name() string {
	switch v {
	case ActUnspec:
		return "continue"
	case ActOK:
		return "pass"
	case ActShot:
		return "drop"
	case ActReclassify:
		return "reclassify"
	case ActPipe:
		return "pipe"
	case ActStolen:
		return "stolen"
	case ActTrap:
		return "trap"
	}
	switch {
	case v.IsGotoChain():
		return "goto"
	case v.IsJump():
		return "jump"
	}
	return fmt.Sprintf("%d", int32(v))
}

// String is Name plus the operand of jump and goto chain.
func (v Verdict) String() string {
	switch {
	case v.IsGotoChain():
		return fmt.Sprintf("goto chain %d", v.Operand())
	case v.IsJump():
		return fmt.Sprintf("jump %d", v.Operand())
	}
	return v.Name()
}

// ParseVerdict reads a control word as tc's parse_action_control does:
// continue, drop/shot, pass/ok, reclassify, pipe, stolen, trap, and the
// two-word forms "jump N" and "goto chain N". It returns the verdict and
// how many words it consumed (0 when words[0] is not a control word).
func ParseVerdict(words []string) (Verdict, int, error) {
	if len(words) == 0 {
		return 0, 0, nil
	}
	switch words[0] {
	case "continue":
		return ActUnspec, 1, nil
	case "drop", "shot":
		return ActShot, 1, nil
	case "pass", "ok":
		return ActOK, 1, nil
	case "reclassify":
		return ActReclassify, 1, nil
	case "pipe":
		return ActPipe, 1, nil
	case "stolen":
		return ActStolen, 1, nil
	case "trap":
		return ActTrap, 1, nil
	case "jump":
		if len(words) < 2 {
			return 0, 0, errIncomplete
		}
		var n uint32
		if _, err := fmt.Sscanf(words[1], "%d", &n); err != nil || n > extValMask {
			return 0, 0, errors.New(`Illegal "jump"`) //lint:ignore ST1005 tc's own wording
		}
		return Jump(n), 2, nil
	case "goto":
		if len(words) < 3 || words[1] != "chain" {
			return 0, 0, errIncomplete
		}
		var n uint32
		if _, err := fmt.Sscanf(words[2], "%d", &n); err != nil || n > extValMask {
			return 0, 0, errors.New(`Illegal "chain index"`) //lint:ignore ST1005 tc's own wording
		}
		return GotoChain(n), 3, nil
	}
	return 0, 0, nil
}

// ErrIncomplete is returned by parsers when words are missing.
//
//lint:ignore ST1005 tc's own wording
var errIncomplete = errors.New(`Command line is not complete. Try option "help"`)

// ErrIncomplete reports a command line that ends too early.
var ErrIncomplete = errIncomplete

// checkControl validates a control verdict for an action (as
// tcf_action_check_ctrlact): goto chain needs a filter to resolve the
// chain in.
func checkControl(v Verdict, inFilter bool) error {
	ok := false
	switch op := v.Opcode(); {
	case v == ActUnspec:
		ok = true
	case op == 0:
		ok = v <= valueMax && v >= 0
	case op == ActJump || op == ActGotoChain:
		ok = true
	}
	if !ok {
		return extack.New(syscall.EINVAL, "invalid control action")
	}
	if v.IsGotoChain() && !inFilter {
		return extack.New(syscall.EINVAL, "can't goto NULL proto/chain")
	}
	return nil
}
