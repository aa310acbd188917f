package tunnelkey_test

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/sched"
	"github.com/softnet/softnet/sched/skbedit"
	"github.com/softnet/softnet/sched/tunnelkey"
)

func sh(t *testing.T, w *netdev.World, ns *netdev.Namespace, lines string) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(lines), "\n") {
		var out bytes.Buffer
		if rc := iproute.RunLine(&iproute.Env{World: w, NS: ns}, strings.TrimSpace(l), &out, &out); rc != 0 {
			t.Fatalf("%s: exit %d: %s", l, rc, out.String())
		}
	}
}

// TestSetMirredExternalFlower: on host a, tunnel_key set plus mirred send
// a packet into an external (collect_md) ipip device, which encapsulates
// it by the metadata; on host b the external ipip device decapsulates and
// fills the receive metadata, which b's flower filter matches with its
// enc_* keys; skbedit then marks the packet.
func TestSetMirredExternalFlower(t *testing.T) {
	packettest.CheckBalance(t)
	w := netdev.NewWorld(netdev.Options{})
	defer w.Close()
	a := w.Init()
	b, err := w.AddNamespace("b")
	if err != nil {
		t.Fatal(err)
	}
	sh(t, w, a, `
		ip link add eth0 type veth peer name eth0 netns b
		ip link set eth0 up
		ip addr add 192.0.2.1/24 dev eth0
		ip link add d0 type dummy
		ip link set d0 up
		ip link add t0 type ipip external
		ip link set t0 up
		tc qdisc add dev d0 clsact
		tc filter add dev d0 ingress protocol ip flower ip_proto udp action tunnel_key set src_ip 192.0.2.1 dst_ip 192.0.2.2 id 5 ttl 33 action mirred egress redirect dev t0`)
	sh(t, w, b, `
		ip link set eth0 up
		ip addr add 192.0.2.2/24 dev eth0
		ip link add t0 type ipip external
		ip link set t0 up
		tc qdisc add dev t0 clsact
		tc filter add dev t0 ingress protocol ip pref 1 flower enc_src_ip 192.0.2.9 action gact drop
		tc filter add dev t0 ingress protocol ip pref 2 flower enc_src_ip 192.0.2.1 enc_dst_ip 192.0.2.0/24 ip_proto udp dst_port 53 action skbedit mark 0x2a pipe action gact drop`)
	loop := w.Loop().(*netdev.SimLoop)
	loop.RunFor(3e9) // neighbour discovery settles
	d0 := a.DeviceByName("d0")
	inner := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("198.51.100.1"), Dst: netip.MustParseAddr("203.0.113.1"), Proto: 17},
		build.UDP(999, 53, []byte("query")))
	for i := 0; i < 3; i++ {
		p, err := packet.FromBytes(build.Ethernet([6]byte{2, 0, 0, 0, 0, 9}, [6]byte{2, 0, 0, 0, 0, 8}, 0x0800, inner))
		if err != nil {
			t.Fatal(err)
		}
		netdev.EthTypeTrans(d0, p)
		d0.Receive(p)
		loop.RunFor(1e9)
	}
	set := sched.Actions(a, "tunnel_key")
	if len(set) != 1 || set[0].Common().Stats.Packets.Load() != 3 {
		t.Fatalf("tunnel_key actions %v", set)
	}
	prm := set[0].(*tunnelkey.TunnelKey).Params()
	if prm.Mode != tunnelkey.ModeSet || !prm.HasKeyID || prm.KeyID != 5 || prm.TTL != 33 {
		t.Fatalf("params %+v", prm)
	}
	edits := sched.Actions(b, "skbedit")
	if len(edits) != 1 || edits[0].Common().Stats.Packets.Load() != 3 {
		t.Fatalf("skbedit on b ran %d times, want 3", edits[0].Common().Stats.Packets.Load())
	}
	if m := edits[0].(*skbedit.Skbedit).Params(); m.Mark != 0x2a {
		t.Fatalf("mark %#x", m.Mark)
	}
	for _, g := range sched.Actions(b, "gact") {
		want := uint64(3)
		if g.Common().Index() == 1 {
			want = 0 // enc_src_ip 192.0.2.9 never matches
		}
		if n := g.Common().Stats.Packets.Load(); n != want {
			t.Errorf("gact %d ran %d times, want %d", g.Common().Index(), n, want)
		}
	}
}

// TestActs checks skbedit's masked mark and tunnel_key set/unset on one
// packet.
func TestActs(t *testing.T) {
	packettest.CheckBalance(t)
	w := netdev.NewWorld(netdev.Options{})
	defer w.Close()
	ns := w.Init()
	err := sched.AddActions(ns, []sched.ActionSpec{
		{Kind: "skbedit", Index: 1, Control: sched.ActPipe, Params: &skbedit.Params{HasMark: true, Mark: 0x0a, HasMask: true, Mask: 0x0f}},
		{Kind: "tunnel_key", Index: 1, Control: sched.ActPipe, Params: &tunnelkey.Params{Mode: tunnelkey.ModeSet,
			Src: netip.MustParseAddr("2001:db8::1"), Dst: netip.MustParseAddr("2001:db8::2"), DstPort: 6081, NoCsum: true}},
		{Kind: "tunnel_key", Index: 2, Control: sched.ActOK, Params: &tunnelkey.Params{Mode: tunnelkey.ModeUnset}},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	get := func(kind string, i uint32) sched.Action {
		a, err := sched.GetAction(ns, kind, i)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	p, _ := packet.FromBytes(make([]byte, 40))
	defer p.Free()
	p.Mark = 0xf5
	if v := get("skbedit", 1).Act(nil, p); v != sched.ActPipe || p.Mark != 0xfa {
		t.Fatalf("skbedit: %v mark %#x", v, p.Mark)
	}
	get("tunnel_key", 1).Act(nil, p)
	ti := p.Tunnel
	if !ti.Present || !ti.TX || ti.Dst != netip.MustParseAddr("2001:db8::2") || ti.TPDst != 6081 || ti.Flags != 0 {
		t.Fatalf("set: %+v", ti)
	}
	if v := get("tunnel_key", 2).Act(nil, p); v != sched.ActOK || p.Tunnel.Present {
		t.Fatalf("unset: %v %+v", v, p.Tunnel)
	}
	// Refused parameters.
	for _, prm := range []*tunnelkey.Params{
		{Mode: tunnelkey.ModeSet, Src: netip.MustParseAddr("198.51.100.1")},
		{Mode: tunnelkey.ModeSet, Src: netip.MustParseAddr("198.51.100.1"), Dst: netip.MustParseAddr("2001:db8::1")},
		{Mode: 9},
	} {
		if err := sched.AddActions(ns, []sched.ActionSpec{{Kind: "tunnel_key", Params: prm}}, false); err == nil {
			t.Errorf("%+v accepted", prm)
		}
	}
	if err := sched.AddActions(ns, []sched.ActionSpec{{Kind: "skbedit", Params: &skbedit.Params{}}}, false); err == nil {
		t.Error("skbedit without parameters accepted")
	}
}

// TestActAllocs: set, unset and skbedit allocate nothing per packet.
func TestActAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	w := netdev.NewWorld(netdev.Options{})
	defer w.Close()
	ns := w.Init()
	if err := sched.AddActions(ns, []sched.ActionSpec{
		{Kind: "skbedit", Index: 1, Params: &skbedit.Params{HasMark: true, Mark: 1}},
		{Kind: "tunnel_key", Index: 1, Params: &tunnelkey.Params{Mode: tunnelkey.ModeSet,
			Src: netip.MustParseAddr("198.51.100.1"), Dst: netip.MustParseAddr("198.51.100.2")}},
		{Kind: "tunnel_key", Index: 2, Params: &tunnelkey.Params{Mode: tunnelkey.ModeUnset}},
	}, false); err != nil {
		t.Fatal(err)
	}
	e, _ := sched.GetAction(ns, "skbedit", 1)
	s, _ := sched.GetAction(ns, "tunnel_key", 1)
	u, _ := sched.GetAction(ns, "tunnel_key", 2)
	p, _ := packet.FromBytes(make([]byte, 60))
	defer p.Free()
	if n := testing.AllocsPerRun(100, func() { e.Act(nil, p); s.Act(nil, p); u.Act(nil, p) }); n != 0 {
		t.Fatalf("%v allocs per run", n)
	}
}
