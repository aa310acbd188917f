package sched_test

import (
	"syscall"
	"testing"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/sched"
	"github.com/softnet/softnet/sched/flower"
	"github.com/softnet/softnet/sched/gact"
	_ "github.com/softnet/softnet/sched/matchall"
	"github.com/softnet/softnet/sched/mirred"
)

type env struct {
	w   *netdev.World
	ns  *netdev.Namespace
	d0  *netdev.Device
	blk *sched.Block
}

func setup(t testing.TB) *env {
	t.Helper()
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	ns := w.Init()
	up := true
	d, err := ns.NewLink(&netdev.LinkRequest{Name: "d0", Kind: "dummy", Up: &up})
	if err != nil {
		t.Fatal(err)
	}
	if err := sched.AddQdisc(d, sched.QdiscSpec{Kind: "clsact"}, false); err != nil {
		t.Fatal(err)
	}
	blk, err := sched.FindBlock(ns, d, sched.DirIngress, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &env{w: w, ns: ns, d0: d, blk: blk}
}

func ipFrame() []byte {
	f := []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 9, 0x08, 0x00}
	ip := make([]byte, 28)
	ip[0], ip[3], ip[8], ip[9] = 0x45, 28, 64, 17
	return append(f, ip...)
}

// classify runs the block on one received IPv4 packet and frees it
// unless an action took it.
func (e *env) classify(t testing.TB) sched.Verdict {
	t.Helper()
	b, err := packet.FromBytes(ipFrame())
	if err != nil {
		t.Fatal(err)
	}
	netdev.EthTypeTrans(e.d0, b)
	v := e.blk.Classify(e.d0, b)
	if v != sched.ActConsumed { // the hook frees stolen and trapped packets
		b.Free()
	}
	return v
}

func g(v sched.Verdict) sched.ActionSpec { return sched.ActionSpec{Kind: "gact", Control: v} }

func (e *env) add(t testing.TB, req sched.FilterRequest) uint32 {
	t.Helper()
	if req.Protocol == 0 {
		req.Protocol = sched.EthPAll
	}
	if req.Kind == "" {
		req.Kind = "matchall"
	}
	h, err := e.blk.ChangeFilter(&req)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func gactAt(t testing.TB, e *env, index uint32) *gact.Gact {
	t.Helper()
	a, err := sched.GetAction(e.ns, "gact", index)
	if err != nil {
		t.Fatal(err)
	}
	return a.(*gact.Gact)
}

func TestVerdicts(t *testing.T) {
	ip6 := &flower.Spec{}
	tests := []struct {
		name    string
		filters []sched.FilterRequest
		want    sched.Verdict
		hits    map[uint32]uint64 // gact index → packets
	}{
		{"prio-order", []sched.FilterRequest{
			{Prio: 20, Actions: []sched.ActionSpec{g(sched.ActOK)}},
			{Prio: 10, Actions: []sched.ActionSpec{g(sched.ActShot)}},
		}, sched.ActShot, map[uint32]uint64{1: 0, 2: 1}},
		{"continue-falls-through", []sched.FilterRequest{
			{Prio: 10, Actions: []sched.ActionSpec{g(sched.ActUnspec)}},
			{Prio: 20, Actions: []sched.ActionSpec{g(sched.ActOK)}},
		}, sched.ActOK, map[uint32]uint64{1: 1, 2: 1}},
		{"protocol-mismatch-skipped", []sched.FilterRequest{
			{Prio: 5, Protocol: 0x86DD, Kind: "flower", Spec: ip6, Actions: []sched.ActionSpec{g(sched.ActShot)}},
			{Prio: 6, Protocol: 0x0800, Actions: []sched.ActionSpec{g(sched.ActTrap)}},
		}, sched.ActTrap, map[uint32]uint64{1: 0, 2: 1}},
		{"pipe-runs-next-action", []sched.FilterRequest{
			{Prio: 1, Actions: []sched.ActionSpec{g(sched.ActPipe), g(sched.ActShot)}},
		}, sched.ActShot, map[uint32]uint64{1: 1, 2: 1}},
		{"pipe-at-end", []sched.FilterRequest{
			{Prio: 1, Actions: []sched.ActionSpec{g(sched.ActPipe)}},
		}, sched.ActPipe, nil},
		{"jump-skips", []sched.FilterRequest{
			{Prio: 1, Actions: []sched.ActionSpec{g(sched.Jump(2)), g(sched.ActShot), g(sched.ActOK)}},
		}, sched.ActOK, map[uint32]uint64{1: 1, 2: 0, 3: 1}},
		{"jump-out-of-range-is-ok", []sched.FilterRequest{
			{Prio: 1, Actions: []sched.ActionSpec{g(sched.Jump(7)), g(sched.ActShot)}},
		}, sched.ActOK, map[uint32]uint64{2: 0}},
		{"jump-loop-ttl", []sched.FilterRequest{
			{Prio: 1, Actions: []sched.ActionSpec{g(sched.ActPipe), g(sched.Jump(1))}},
		}, sched.ActOK, nil},
		{"goto-chain", []sched.FilterRequest{
			{Prio: 1, Actions: []sched.ActionSpec{g(sched.GotoChain(5))}},
			{Chain: 5, Prio: 1, Actions: []sched.ActionSpec{g(sched.ActShot)}},
		}, sched.ActShot, map[uint32]uint64{1: 1, 2: 1}},
		{"goto-empty-chain", []sched.FilterRequest{
			{Prio: 1, Actions: []sched.ActionSpec{g(sched.GotoChain(9))}},
		}, sched.ActUnspec, nil},
		{"chain-not-entered-directly", []sched.FilterRequest{
			{Chain: 3, Prio: 1, Actions: []sched.ActionSpec{g(sched.ActShot)}},
		}, sched.ActUnspec, map[uint32]uint64{1: 0}},
		{"reclassify-loop-drops", []sched.FilterRequest{
			{Prio: 1, Actions: []sched.ActionSpec{g(sched.ActReclassify)}},
		}, sched.ActShot, map[uint32]uint64{1: 17}},
		{"goto-then-reclassify-restarts-chain0", []sched.FilterRequest{
			{Prio: 1, Actions: []sched.ActionSpec{g(sched.GotoChain(2))}},
			{Chain: 2, Prio: 1, Actions: []sched.ActionSpec{g(sched.ActReclassify)}},
		}, sched.ActShot, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			packettest.CheckBalance(t)
			e := setup(t)
			for _, f := range tc.filters {
				e.add(t, f)
			}
			if got := e.classify(t); got != tc.want {
				t.Fatalf("verdict %v, want %v", got, tc.want)
			}
			for idx, n := range tc.hits {
				if got := gactAt(t, e, idx).Stats.Packets.Load(); got != n {
					t.Errorf("gact %d ran %d times, want %d", idx, got, n)
				}
			}
		})
	}
}

func TestAutoPrio(t *testing.T) {
	e := setup(t)
	e.add(t, sched.FilterRequest{Actions: []sched.ActionSpec{g(sched.ActOK)}})
	e.add(t, sched.FilterRequest{Kind: "flower", Spec: &flower.Spec{}})
	e.add(t, sched.FilterRequest{Prio: 40000, Kind: "flower", Spec: &flower.Spec{}})
	var prios []uint32
	for _, tp := range e.blk.Chains()[0].Protos() {
		prios = append(prios, tp.Prio())
	}
	// As Linux: an allocated priority is 49152 while no instance sits
	// below 32768, even when 49152 is taken (a second instance).
	if len(prios) != 3 || prios[0] != 40000 || prios[1] != 49152 || prios[2] != 49152 {
		t.Fatalf("prios %v, want [40000 49152 49152]", prios)
	}
}

// tableSize counts the actions of a kind.
func tableSize(ns *netdev.Namespace, kind string) int { return len(sched.Actions(ns, kind)) }

// TestAllOrNothing: a failing add, replace or change leaves no filter,
// instance, chain or action behind, and the old filter intact.
func TestAllOrNothing(t *testing.T) {
	packettest.CheckBalance(t)
	e := setup(t)
	badMirred := sched.ActionSpec{Kind: "mirred", Control: sched.ActPipe, Params: &mirred.Params{Eaction: mirred.EgressMirror, Ifindex: 999}}
	check := func(what string, err error, errno syscall.Errno) {
		t.Helper()
		if extack.ErrnoOf(err) != errno {
			t.Fatalf("%s: %v, want %v", what, err, errno)
		}
	}
	// Second action fails: the first (created) is rolled back, and the
	// chain the goto created goes away.
	_, err := e.blk.ChangeFilter(&sched.FilterRequest{Chain: 4, Prio: 3, Protocol: sched.EthPAll, Kind: "matchall",
		Actions: []sched.ActionSpec{g(sched.GotoChain(8)), badMirred}})
	check("add", err, syscall.ENODEV)
	if n := tableSize(e.ns, "gact"); n != 0 {
		t.Fatalf("%d gact actions left", n)
	}
	if n := len(e.blk.Chains()); n != 0 {
		t.Fatalf("%d chains left", n)
	}
	// A good filter, then a failing replace of it.
	h := e.add(t, sched.FilterRequest{Prio: 3, Kind: "flower", Spec: &flower.Spec{}, Actions: []sched.ActionSpec{g(sched.ActShot)}})
	_, err = e.blk.ChangeFilter(&sched.FilterRequest{Op: sched.FilterReplace, Prio: 3, Protocol: sched.EthPAll, Kind: "flower",
		Handle: h, Spec: &flower.Spec{}, Actions: []sched.ActionSpec{g(sched.ActOK), badMirred}})
	check("replace", err, syscall.ENODEV)
	if got := e.classify(t); got != sched.ActShot {
		t.Fatalf("after failed replace verdict %v", got)
	}
	if n := tableSize(e.ns, "gact"); n != 1 {
		t.Fatalf("%d gact actions after failed replace", n)
	}
	// Replace works and releases the old action.
	if _, err := e.blk.ChangeFilter(&sched.FilterRequest{Op: sched.FilterReplace, Prio: 3, Protocol: sched.EthPAll, Kind: "flower",
		Handle: h, Spec: &flower.Spec{}, Actions: []sched.ActionSpec{g(sched.ActOK)}}); err != nil {
		t.Fatal(err)
	}
	if got := e.classify(t); got != sched.ActOK {
		t.Fatalf("after replace verdict %v", got)
	}
	if n := tableSize(e.ns, "gact"); n != 1 {
		t.Fatalf("%d gact actions after replace (old one kept?)", n)
	}
	// Add of an existing handle, change of a missing one, wrong kind,
	// bad flags, other protocol at the same prio.
	_, err = e.blk.ChangeFilter(&sched.FilterRequest{Prio: 3, Protocol: sched.EthPAll, Kind: "flower", Handle: h, Spec: &flower.Spec{}})
	check("dup", err, syscall.EEXIST)
	_, err = e.blk.ChangeFilter(&sched.FilterRequest{Op: sched.FilterChange, Prio: 3, Protocol: sched.EthPAll, Kind: "flower", Handle: 77, Spec: &flower.Spec{}})
	check("change missing", err, syscall.ENOENT)
	_, err = e.blk.ChangeFilter(&sched.FilterRequest{Prio: 3, Protocol: sched.EthPAll, Kind: "matchall"})
	check("kind", err, syscall.EINVAL)
	_, err = e.blk.ChangeFilter(&sched.FilterRequest{Prio: 9, Protocol: sched.EthPAll, Kind: "flower", Flags: sched.ClsSkipHW | sched.ClsSkipSW})
	check("flags", err, syscall.EINVAL)
	_, err = e.blk.ChangeFilter(&sched.FilterRequest{Prio: 9, Protocol: sched.EthPAll, Kind: "flower", Flags: sched.ClsSkipSW})
	check("skip_sw", err, syscall.EOPNOTSUPP)
	_, err = e.blk.ChangeFilter(&sched.FilterRequest{Prio: 3, Protocol: 0x0800, Kind: "flower", Spec: &flower.Spec{}})
	check("proto", err, syscall.EINVAL)
	_, err = e.blk.ChangeFilter(&sched.FilterRequest{Prio: 9, Protocol: sched.EthPAll, Kind: "flower", Spec: &flower.Spec{CTStateMask: 1}})
	check("ct_state", err, syscall.EOPNOTSUPP)
	if n := len(e.blk.Chains()[0].Protos()); n != 1 {
		t.Fatalf("%d instances after failures", n)
	}
	if n := tableSize(e.ns, "gact"); n != 1 {
		t.Fatalf("%d gact actions after failures", n)
	}
	// Delete releases the bound action; the empty instance and chain go.
	if err := e.blk.DeleteFilter(0, 3, sched.EthPAll, "flower", h); err != nil {
		t.Fatal(err)
	}
	if n := tableSize(e.ns, "gact"); n != 0 || len(e.blk.Chains()) != 0 {
		t.Fatalf("after delete: %d actions, %d chains", n, len(e.blk.Chains()))
	}
	check("delete again", e.blk.DeleteFilter(0, 3, sched.EthPAll, "flower", h), syscall.ENOENT)
}

// TestSharedActionRefs: a standalone action bound by two filters cannot
// be deleted; it survives the first filter's deletion.
func TestSharedActionRefs(t *testing.T) {
	e := setup(t)
	if err := sched.AddActions(e.ns, []sched.ActionSpec{{Kind: "gact", Control: sched.ActShot, Index: 5}}, false); err != nil {
		t.Fatal(err)
	}
	e.add(t, sched.FilterRequest{Prio: 1, Kind: "flower", Spec: &flower.Spec{}, Actions: []sched.ActionSpec{{Kind: "gact", Index: 5}}})
	e.add(t, sched.FilterRequest{Prio: 2, Actions: []sched.ActionSpec{{Kind: "gact", Index: 5}}})
	a := gactAt(t, e, 5)
	if ref, bind := a.Refs(); ref != 3 || bind != 2 {
		t.Fatalf("ref %d bind %d", ref, bind)
	}
	if err := sched.DeleteAction(e.ns, "gact", 5); extack.ErrnoOf(err) != syscall.EPERM {
		t.Fatalf("delete bound: %v", err)
	}
	if err := e.blk.DeleteFilter(0, 1, 0, "", 0); err != nil {
		t.Fatal(err)
	}
	if ref, bind := a.Refs(); ref != 2 || bind != 1 {
		t.Fatalf("after delete ref %d bind %d", ref, bind)
	}
	if got := e.classify(t); got != sched.ActShot {
		t.Fatalf("verdict %v", got)
	}
}
