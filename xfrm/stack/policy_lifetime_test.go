package stack_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/xfrm"
)

// TestPolicyLifetimeOnWorldClock: the site-to-site policies carry
// `limit time-soft 5 limit time-hard 12`; on the lab's virtual clock each
// gateway reports POLEXPIRE hard 0 at 5 s and hard 1 at 12 s, when the
// policies are gone and traffic between the LANs flows in clear.
func TestPolicyLifetimeOnWorldClock(t *testing.T) {
	tp := site(t)
	start := tp.Loop.Now()
	tunnelGateways(t, tp, gwOpts{polLft: xfrm.LifetimeConfig{SoftAddExpires: 5 * time.Second, HardAddExpires: 12 * time.Second}})
	var got []string
	n := xfrm.ForNamespace(tp.NS("gwa"))
	cancel := n.Subscribe(func(m xfrm.Msg) {
		if m.Kind == xfrm.MsgPolExpire {
			got = append(got, fmt.Sprintf("%s hard %v @%v", m.Policy.Cfg().Dir, m.Hard, tp.Loop.Now().Sub(start)))
		}
	})
	defer cancel()

	tap := &protoTap{protos: map[uint8]int{}}
	tp.Dev("r:e0").AddTap(tap)
	if ev := tp.Ping("ha", "203.0.113.130", inet.EchoOpts{}, 1); len(ev) != 1 || !ev[0].Reply {
		t.Fatalf("ping through the tunnel: %+v", ev)
	}
	if tap.protos[50] != 2 {
		t.Fatalf("underlay %v, want 2 ESP", tap.protos)
	}
	tp.RunFor(20 * time.Second)
	want := []string{
		"out hard false @5s", "in hard false @5s", "fwd hard false @5s",
		"out hard true @12s", "in hard true @12s", "fwd hard true @12s",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("POLEXPIRE messages\n got %v\nwant %v", got, want)
	}
	for _, gw := range []string{"gwa", "gwb"} {
		if c := len(xfrm.ForNamespace(tp.NS(gw)).SPD.Dump()); c != 0 {
			t.Errorf("%s: %d policies left", gw, c)
		}
	}
	// Without policies the LANs talk in clear (the SAs are still there).
	tp.Route("r", "203.0.113.0/25", "192.0.2.1")
	tp.Route("r", "203.0.113.128/25", "198.51.100.2")
	clear(tap.protos)
	if ev := tp.Ping("ha", "203.0.113.130", inet.EchoOpts{}, 1); len(ev) != 1 || !ev[0].Reply {
		t.Fatalf("ping in clear: %+v", ev)
	}
	if tap.protos[1] != 2 || tap.protos[50] != 0 {
		t.Errorf("underlay %v, want 2 ICMP and no ESP", tap.protos)
	}
}
