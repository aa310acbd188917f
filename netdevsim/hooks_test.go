package netdevsim_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/netdevsim"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/esp"
)

// TestAdvanceESNOnWindowHighBits: an inbound ESN SA offloaded to the
// device is told (xdo_dev_state_advance_esn) exactly when the replay
// window's high half moves — packets below 2^32 do not, the first one
// above does once, later ones in the same epoch do not.
func TestAdvanceESNOnWindowHighBits(t *testing.T) {
	packettest.CheckBalance(t)
	ns := newNS(t)
	d := addSim(t, ns, "eni0", nil)
	sim := netdevsim.Of(d)
	esn := func(c *xfrm.Config) {
		c.Flags |= xfrm.FlagESN
		c.ReplayWindow = 128
	}
	oc := saConfig(0x300)
	esn(&oc)
	oc.Replay.OSeq = 0xfffffffc
	salt := uint64(0)
	out, err := xfrm.NewState(oc, xfrm.Options{IVSalt: &salt})
	if err != nil {
		t.Fatal(err)
	}
	ic := saConfig(0x300)
	esn(&ic)
	ic.Replay.Seq = 0xfffffff0
	ic.Offload = &xfrm.Offload{Ifindex: d.Index(), Dir: xfrm.DirIn}
	in, err := xfrm.ForNamespace(ns).AddState(ic, false)
	if err != nil || in.Offload() == nil {
		t.Fatalf("inbound SA not offloaded: %v", err)
	}
	inner := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("203.0.113.1"), Dst: netip.MustParseAddr("203.0.113.2"), TTL: 64, Proto: 17},
		build.UDP(1, 2, make([]byte, 20)))
	want := []int64{0, 0, 0, 1, 1, 1} // seqs fffffffd, fffffffe, ffffffff, 1:00000000, 1:00000001, 1:00000002
	for i, w := range want {
		b, _ := packet.FromBytes(inner)
		if err := esp.Output(out, b, nil); err != nil {
			t.Fatal(err)
		}
		if err := esp.Input(in, b); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		b.Free()
		if got := sim.Counters.ESNAdvanced.Load(); got != w {
			t.Fatalf("after packet %d: %d ESN advances, want %d", i, got, w)
		}
	}
	if r := in.ReplaySnapshot(); r.SeqHi != 1 {
		t.Fatalf("seq-hi %d", r.SeqHi)
	}
}

// TestUpdateStatsCallSites: the device's counters are refreshed
// (xdo_dev_state_update_stats) by the lifetime timer for any offloaded SA
// (xfrm_timer_handler), and before the per-packet lifetime check only for
// packet offload (xfrm_state_check_expire); crypto offload's lifetime
// lives in software and costs the data path nothing.
func TestUpdateStatsCallSites(t *testing.T) {
	packettest.CheckBalance(t)
	inner := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("203.0.113.1"), Dst: netip.MustParseAddr("203.0.113.2"), TTL: 64, Proto: 17},
		build.UDP(1, 2, make([]byte, 20)))
	for _, tc := range []struct {
		name      string
		packet    bool
		perPacket int64
	}{{"crypto", false, 0}, {"packet", true, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNS(t)
			d := addSim(t, ns, "eni0", nil)
			sim := netdevsim.Of(d)
			c := saConfig(0x400)
			c.Offload = &xfrm.Offload{Ifindex: d.Index(), Dir: xfrm.DirOut, Packet: tc.packet}
			x, err := xfrm.ForNamespace(ns).AddState(c, false)
			if err != nil || x.Offload() == nil {
				t.Fatalf("not offloaded: %v", err)
			}
			base := sim.Counters.StatsUpd.Load() // adding arms the lifetime timer once
			for range 3 {
				b, _ := packet.FromBytes(inner)
				if err := esp.Output(x, b, nil); err != nil {
					t.Fatal(err)
				}
				b.Free()
			}
			if got := sim.Counters.StatsUpd.Load() - base; got != 3*tc.perPacket {
				t.Fatalf("%d stats updates after 3 packets, want %d", got, 3*tc.perPacket)
			}
			before := sim.Counters.StatsUpd.Load()
			x.Tick(time.Now())
			if got := sim.Counters.StatsUpd.Load(); got != before+1 {
				t.Fatalf("lifetime tick: %d stats updates, want %d", got, before+1)
			}
		})
	}
}

// fakeClock is a settable clock for lifetimes.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

// TestUnbindOnExpiryAndUpdate: an SA or policy leaving its table for any
// reason — hard expiry, replacement by update, delete — is unbound from
// the device (delete then free), and its replacement is bound afresh.
func TestUnbindOnExpiryAndUpdate(t *testing.T) {
	inner := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("203.0.113.1"), Dst: netip.MustParseAddr("203.0.113.2"), TTL: 64, Proto: 17},
		build.UDP(1, 2, make([]byte, 20)))
	t.Run("state hard packet limit", func(t *testing.T) {
		packettest.CheckBalance(t)
		ns := newNS(t)
		sim := netdevsim.Of(addSim(t, ns, "eni0", nil))
		c := saConfig(0x500)
		c.Lifetime.HardPacketLimit = 2
		c.Offload = &xfrm.Offload{Ifindex: ns.DeviceByName("eni0").Index(), Dir: xfrm.DirOut}
		x, err := xfrm.ForNamespace(ns).AddState(c, false)
		if err != nil || x.Offload() == nil {
			t.Fatal(err)
		}
		for range 3 {
			b, _ := packet.FromBytes(inner)
			_ = esp.Output(x, b, nil) // the third hits the hard limit
			b.Free()
		}
		if sim.Counters.States.Load() != 0 || sim.Counters.Freed.Load() != 1 || x.Offload() != nil {
			t.Fatalf("expired SA: device states %d freed %d bound %v", sim.Counters.States.Load(), sim.Counters.Freed.Load(), x.Offload() != nil)
		}
	})
	t.Run("state update", func(t *testing.T) {
		ns := newNS(t)
		d := addSim(t, ns, "eni0", nil)
		sim := netdevsim.Of(d)
		c := saConfig(0x600)
		c.Offload = &xfrm.Offload{Ifindex: d.Index(), Dir: xfrm.DirOut}
		old, err := xfrm.ForNamespace(ns).AddState(c, false)
		if err != nil {
			t.Fatal(err)
		}
		nx, err := xfrm.ForNamespace(ns).AddState(c, true)
		if err != nil {
			t.Fatal(err)
		}
		if old.Offload() != nil || nx.Offload() == nil || sim.Counters.States.Load() != 1 || sim.Counters.Freed.Load() != 1 {
			t.Fatalf("after update: old bound %v, new bound %v, device states %d freed %d",
				old.Offload() != nil, nx.Offload() != nil, sim.Counters.States.Load(), sim.Counters.Freed.Load())
		}
	})
	pc := func(lft xfrm.LifetimeConfig) xfrm.PolicyConfig {
		return xfrm.PolicyConfig{Selector: xfrm.Selector{Family: 4, Saddr: netip.MustParsePrefix("203.0.113.0/25"),
			Daddr: netip.MustParsePrefix("203.0.113.128/25")}, Dir: xfrm.PolicyOut, Lifetime: lft}
	}
	t.Run("policy hard expiry", func(t *testing.T) {
		ns := newNS(t)
		d := addSim(t, ns, "eni0", nil)
		sim := netdevsim.Of(d)
		clk := &fakeClock{t: time.Unix(1_000_000, 0)}
		spd := xfrm.NewSPD(clk, nil)
		p, err := spd.Add(pc(xfrm.LifetimeConfig{HardAddExpires: 5 * time.Second}))
		if err != nil {
			t.Fatal(err)
		}
		if err := xfrm.DevPolicyAdd(p, d); err != nil || sim.Counters.Policies.Load() != 1 {
			t.Fatalf("bind: %v", err)
		}
		for range 10 {
			clk.t = clk.t.Add(time.Second)
			spd.Tick()
		}
		if spd.Count(xfrm.PolicyOut) != 0 || sim.Counters.Policies.Load() != 0 || xfrm.PolicyOffloadOf(p) != nil {
			t.Fatalf("expired policy: SPD %d, device policies %d", spd.Count(xfrm.PolicyOut), sim.Counters.Policies.Load())
		}
	})
	t.Run("policy update", func(t *testing.T) {
		ns := newNS(t)
		d := addSim(t, ns, "eni0", nil)
		sim := netdevsim.Of(d)
		spd := xfrm.NewSPD(&fakeClock{t: time.Unix(1_000_000, 0)}, nil)
		p, _ := spd.Add(pc(xfrm.LifetimeConfig{}))
		if err := xfrm.DevPolicyAdd(p, d); err != nil {
			t.Fatal(err)
		}
		np, err := spd.Update(pc(xfrm.LifetimeConfig{}))
		if err != nil {
			t.Fatal(err)
		}
		if xfrm.PolicyOffloadOf(p) != nil || sim.Counters.Policies.Load() != 0 {
			t.Fatalf("replaced policy still bound (device policies %d)", sim.Counters.Policies.Load())
		}
		if err := xfrm.DevPolicyAdd(np, d); err != nil || sim.Counters.Policies.Load() != 1 {
			t.Fatalf("rebind: %v", err)
		}
	})
}
