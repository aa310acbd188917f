package xfrm_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/xfrm"
)

// TestGenMoves: the namespace generation moves with every change an output
// lookup can see — states added, soft-expiring, hard-expiring, deleted,
// policies added and deleted, defaults set — and not with traffic.
func TestGenMoves(t *testing.T) {
	n := xfrm.NewNet(&fakeClock{t: time.Unix(1e6, 0)}, nil)
	g := n.Gen()
	step := func(what string, moved bool) {
		t.Helper()
		if now := n.Gen(); (now != g) != moved {
			t.Errorf("%s: generation %d → %d, want moved=%v", what, g, now, moved)
		}
		g = n.Gen()
	}
	c := gcmConfig()
	c.Lifetime = xfrm.DefaultLifetime()
	c.Lifetime.SoftPacketLimit, c.Lifetime.HardPacketLimit = 2, 4
	x, err := n.AddState(c, false)
	if err != nil {
		t.Fatal(err)
	}
	step("state added", true)
	if _, d := x.OutputPrepare(100); d != nil {
		t.Fatal(d)
	}
	step("a packet", false)
	x.OutputPrepare(100)
	x.OutputPrepare(100)
	step("soft limit reached", true)
	x.OutputPrepare(100)
	x.OutputPrepare(100)
	step("hard limit reached", true)
	y, err := n.AddState(gcmConfig(), false)
	if err != nil {
		t.Fatal(err)
	}
	g = n.Gen()
	if err := n.DeleteState(y); err != nil {
		t.Fatal(err)
	}
	step("state deleted", true)
	pc := xfrm.PolicyConfig{Dir: xfrm.PolicyOut, Selector: xfrm.Selector{Family: 4,
		Daddr: netip.MustParsePrefix("198.51.100.0/24")}}
	if _, err := n.SPD.Add(pc); err != nil {
		t.Fatal(err)
	}
	step("policy added", true)
	if err := n.SPD.Delete(xfrm.PolicyKey{Dir: xfrm.PolicyOut, Selector: pc.Selector}); err != nil {
		t.Fatal(err)
	}
	step("policy deleted", true)
	n.SPD.SetDefault(xfrm.PolicyOut, true)
	step("default policy", true)
}
