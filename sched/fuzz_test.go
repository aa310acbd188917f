package sched_test

import (
	"testing"

	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/sched"
	"github.com/softnet/softnet/sched/flower"
)

var fuzzVerdicts = []sched.Verdict{sched.ActOK, sched.ActShot, sched.ActPipe, sched.ActUnspec, sched.ActReclassify,
	sched.ActStolen, sched.ActTrap, sched.Jump(1), sched.Jump(2), sched.Jump(40), sched.GotoChain(0), sched.GotoChain(1),
	sched.GotoChain(2), sched.GotoChain(3)}

// FuzzFilterOps runs random sequences of filter add/replace/change/delete
// and classifications (chains, goto chain, reclassify, jump, continue,
// priorities) on one block. Nothing may panic or leak a packet, and once
// every chain is flushed no filter action may remain.
func FuzzFilterOps(f *testing.F) {
	f.Add([]byte{0, 0, 1, 10, 0, 1, 1, 4, 4, 0, 0, 0})
	f.Add([]byte{0, 0, 1, 4, 0, 2, 1, 1, 4, 0, 0, 0, 3, 0, 1, 0, 4, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 7, 0, 0, 0, 8, 1, 0, 1, 2, 4, 1, 2, 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		packettest.CheckBalance(t)
		e := setup(t)
		for len(ops) >= 4 {
			op, chain, prio, v := ops[0]%5, uint32(ops[1]%4), uint32(ops[2]%4), fuzzVerdicts[int(ops[3])%len(fuzzVerdicts)]
			ops = ops[4:]
			kind, spec := "matchall", any(nil)
			if prio%2 == 1 {
				kind, spec = "flower", &flower.Spec{}
			}
			req := &sched.FilterRequest{Chain: chain, Prio: prio, Protocol: sched.EthPAll, Kind: kind, Spec: spec,
				Actions: []sched.ActionSpec{{Kind: "gact", Control: v}, {Kind: "gact", Control: sched.ActPipe}}}
			switch op {
			case 0:
				req.Op = sched.FilterAdd
				e.blk.ChangeFilter(req)
			case 1:
				req.Op, req.Handle = sched.FilterReplace, 1
				e.blk.ChangeFilter(req)
			case 2:
				req.Op, req.Handle = sched.FilterChange, 1
				e.blk.ChangeFilter(req)
			case 3:
				e.blk.DeleteFilter(chain, prio, 0, "", 0)
			case 4:
				e.classify(t)
			}
		}
		e.classify(t)
		for c := uint32(0); c < 4; c++ {
			e.blk.DeleteFilter(c, 0, 0, "", 0)
		}
		if n := tableSize(e.ns, "gact"); n != 0 {
			t.Fatalf("%d gact actions left after flushing every chain", n)
		}
	})
}
