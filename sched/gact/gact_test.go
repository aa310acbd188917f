package gact_test

import (
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/sched"
	"github.com/softnet/softnet/sched/gact"
)

func newGact(t *testing.T, seed int64, ctl sched.Verdict, p *gact.Params) (*gact.Gact, *netdev.Namespace) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	w := netdev.NewWorld(netdev.Options{Rand: func(p []byte) {
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
	}})
	t.Cleanup(w.Close)
	ns := w.Init()
	spec := sched.ActionSpec{Kind: "gact", Control: ctl, Params: p, Index: 1}
	if err := sched.AddActions(ns, []sched.ActionSpec{spec}, false); err != nil {
		t.Fatal(err)
	}
	a, err := sched.GetAction(ns, "gact", 1)
	if err != nil {
		t.Fatal(err)
	}
	return a.(*gact.Gact), ns
}

func run(g *gact.Gact, n int) []sched.Verdict {
	b, _ := packet.FromBytes(make([]byte, 60))
	defer b.Free()
	out := make([]sched.Verdict, n)
	for i := range out {
		out[i] = g.Act(nil, b)
	}
	return out
}

func TestDeterm(t *testing.T) {
	g, _ := newGact(t, 1, sched.ActOK, &gact.Params{Type: gact.RandDeterm, Action: sched.ActShot, Val: 3})
	got := run(g, 9)
	for i, v := range got {
		want := sched.ActOK
		if (i+1)%3 == 0 {
			want = sched.ActShot
		}
		if v != want {
			t.Fatalf("packet %d: %v, want %v (%v)", i+1, v, want, got)
		}
	}
	if g.Stats.Drops.Load() != 3 || g.Stats.Packets.Load() != 9 {
		t.Fatalf("drops %d packets %d", g.Stats.Drops.Load(), g.Stats.Packets.Load())
	}
}

// TestNetrand: 1 in Val packets takes the random verdict, drawn from the
// World's seeded source: the same seed gives the same sequence.
func TestNetrand(t *testing.T) {
	const n = 20000
	p := &gact.Params{Type: gact.RandNetrand, Action: sched.ActShot, Val: 4}
	g1, _ := newGact(t, 7, sched.ActPipe, p)
	g2, _ := newGact(t, 7, sched.ActPipe, p)
	a, b := run(g1, n), run(g2, n)
	drops := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed diverged at %d", i)
		}
		switch a[i] {
		case sched.ActShot:
			drops++
		case sched.ActPipe:
		default:
			t.Fatalf("verdict %v", a[i])
		}
	}
	if drops < n/4-n/40 || drops > n/4+n/40 {
		t.Fatalf("%d drops of %d, want about a quarter", drops, n)
	}
	g3, _ := newGact(t, 8, sched.ActPipe, p)
	if c := run(g3, 64); equal(c, a[:64]) {
		t.Fatal("another seed gave the same sequence")
	}
}

func equal(a, b []sched.Verdict) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestValOneAlwaysRandom(t *testing.T) {
	g, _ := newGact(t, 1, sched.ActOK, &gact.Params{Type: gact.RandNetrand, Action: sched.ActShot, Val: 1})
	for _, v := range run(g, 10) {
		if v != sched.ActShot {
			t.Fatalf("verdict %v", v)
		}
	}
}

func TestCheck(t *testing.T) {
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	ns := w.Init()
	for _, tc := range []struct {
		name string
		spec sched.ActionSpec
		msg  string
	}{
		{"bad-type", sched.ActionSpec{Kind: "gact", Params: &gact.Params{Type: 9}}, ""},
		{"goto-fallback", sched.ActionSpec{Kind: "gact", Params: &gact.Params{Type: gact.RandDeterm, Action: sched.GotoChain(1), Val: 2}}, "goto chain not allowed on fallback"},
		{"goto-standalone", sched.ActionSpec{Kind: "gact", Control: sched.GotoChain(1)}, "can't goto NULL proto/chain"},
	} {
		err := sched.AddActions(ns, []sched.ActionSpec{tc.spec}, false)
		if extack.ErrnoOf(err) != syscall.EINVAL || extack.MessageOf(err) != tc.msg {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if n := len(sched.Actions(ns, "gact")); n != 0 {
		t.Fatalf("%d actions left", n)
	}
}
