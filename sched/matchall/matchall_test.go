package matchall_test

import (
	"syscall"
	"testing"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/sched"
	_ "github.com/softnet/softnet/sched/gact"
	"github.com/softnet/softnet/sched/matchall"
)

func TestMatchall(t *testing.T) {
	packettest.CheckBalance(t)
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	ns := w.Init()
	d, err := ns.NewLink(&netdev.LinkRequest{Name: "d0", Kind: "dummy"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sched.AddQdisc(d, sched.QdiscSpec{Kind: "clsact"}, false); err != nil {
		t.Fatal(err)
	}
	blk, _ := sched.FindBlock(ns, d, sched.DirEgress, 0)
	req := func(h uint32, flags uint32, v sched.Verdict) *sched.FilterRequest {
		return &sched.FilterRequest{Prio: 1, Protocol: sched.EthPAll, Kind: "matchall", Handle: h, Flags: flags,
			Actions: []sched.ActionSpec{{Kind: "gact", Control: v}}}
	}
	h, err := blk.ChangeFilter(req(0, sched.ClsSkipHW, sched.ActShot))
	if err != nil || h != 1 {
		t.Fatalf("handle %d, %v", h, err)
	}
	// One filter per instance: a second one is EEXIST, and its action is
	// not left behind.
	if _, err := blk.ChangeFilter(req(2, 0, sched.ActOK)); extack.ErrnoOf(err) != syscall.EEXIST {
		t.Fatalf("second filter: %v", err)
	}
	if n := len(sched.Actions(ns, "gact")); n != 1 {
		t.Fatalf("%d actions", n)
	}
	if _, err := blk.ChangeFilter(req(0, sched.ClsSkipSW, sched.ActOK)); extack.ErrnoOf(err) != syscall.EOPNOTSUPP {
		t.Fatalf("skip_sw: %v", err)
	}
	f := blk.Chains()[0].Protos()[0].Filters()[0].(*matchall.Filter)
	if f.Flags() != sched.ClsSkipHW|sched.ClsNotInHW {
		t.Fatalf("flags %#x", f.Flags())
	}
	for i := 0; i < 3; i++ {
		b, _ := packet.FromBytes(make([]byte, 60))
		if v := blk.Classify(d, b); v != sched.ActShot {
			t.Fatalf("verdict %v", v)
		}
		b.Free()
	}
	if f.Hits() != 3 {
		t.Fatalf("hits %d", f.Hits())
	}
	// Replace keeps the instance and the handle.
	r := req(1, 0, sched.ActOK)
	r.Op = sched.FilterReplace
	if _, err := blk.ChangeFilter(r); extack.ErrnoOf(err) != syscall.EEXIST {
		// matchall has one filter: cls_matchall refuses a change of an
		// existing head (mall_change: "EEXIST").
		t.Fatalf("replace: %v", err)
	}
	if err := blk.DeleteFilter(0, 1, sched.EthPAll, "matchall", 1); err != nil {
		t.Fatal(err)
	}
	if len(blk.Chains()) != 0 || len(sched.Actions(ns, "gact")) != 0 {
		t.Fatal("delete left state behind")
	}
}
