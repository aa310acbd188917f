package stack_test

import (
	"testing"
	"time"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

func TestLifetimesOnWorldClock(t *testing.T) {
	tp := site(t)
	ns := tp.NS("gwa")
	n := xfrm.ForNamespace(ns)
	var msgs []xfrm.Msg
	defer n.Subscribe(func(m xfrm.Msg) { msgs = append(msgs, m) })()
	cfg := xfrm.Config{ID: xfrm.ID{Daddr: ip("198.51.100.2"), SPI: 0x300, Proto: xfrm.ProtoESP}, Saddr: ip("192.0.2.1"),
		Family: 4, Mode: xfrm.ModeTunnel, Lifetime: xfrm.DefaultLifetime(),
		AEAD: &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: gcmKey, ICVBits: 128}}
	cfg.Lifetime.SoftAddExpires, cfg.Lifetime.HardAddExpires = 5*time.Second, 10*time.Second
	if _, err := stack.AddState(ns, cfg, false); err != nil {
		t.Fatal(err)
	}
	msgs = nil
	tp.RunFor(6 * time.Second)
	if len(msgs) != 1 || msgs[0].Kind != xfrm.MsgExpire || msgs[0].Hard {
		t.Fatalf("after 6s: %+v, want one soft EXPIRE", msgs)
	}
	tp.RunFor(5 * time.Second)
	if len(msgs) != 2 || msgs[1].Kind != xfrm.MsgExpire || !msgs[1].Hard {
		t.Fatalf("after 11s: %+v, want a hard EXPIRE", msgs)
	}
	if n.SAD.Len() != 0 {
		t.Errorf("SAD holds %d states after the hard expiry", n.SAD.Len())
	}
}

func TestPacketLimitThenAcquire(t *testing.T) {
	tp := site(t)
	bothGateways(t, tp, true)
	ns := tp.NS("gwa")
	n := xfrm.ForNamespace(ns)
	// Replace gwa's outbound SA with one limited to 2 packets.
	out := n.SAD.Lookup(ip("198.51.100.2"), 0x100, xfrm.ProtoESP, 0)
	cfg := out.Config()
	cfg.Lifetime = xfrm.DefaultLifetime()
	cfg.Lifetime.SoftPacketLimit, cfg.Lifetime.HardPacketLimit = 1, 2
	if _, err := stack.AddState(ns, cfg, true); err != nil {
		t.Fatal(err)
	}
	var kinds []xfrm.MsgKind
	defer n.Subscribe(func(m xfrm.Msg) { kinds = append(kinds, m.Kind) })()
	got := tp.Ping("ha", "203.0.113.130", inet.EchoOpts{}, 4)
	replies := 0
	for _, e := range got {
		if e.Reply {
			replies++
		}
	}
	if replies != 2 {
		t.Errorf("replies = %d, want 2 (hard packet limit 2)", replies)
	}
	// The third packet finds the SA at its limit (XfrmOutStateExpired, as
	// xfrm_state_check_expire), the fourth finds none.
	if n.MIB.Get(xfrm.OutStateExpired) != 1 || n.MIB.Get(xfrm.OutNoStates) != 1 {
		t.Errorf("XfrmOutStateExpired = %d, XfrmOutNoStates = %d, want 1 and 1",
			n.MIB.Get(xfrm.OutStateExpired), n.MIB.Get(xfrm.OutNoStates))
	}
	want := []xfrm.MsgKind{xfrm.MsgExpire, xfrm.MsgExpire, xfrm.MsgAcquire}
	if len(kinds) != len(want) {
		t.Fatalf("messages %v, want %v", kinds, want)
	}
}
