package vti_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/xfrm"
)

func stats(tp *topo.Topo, host string) netdev.StatsSnapshot {
	return tp.NS(host).DeviceByName("vti0").Stats.Snapshot()
}

// hostUnreach counts ICMP host-unreachable events (the link-failure
// ICMP vti sends on carrier errors).
func hostUnreach(ev []inet.EchoEvent) int {
	n := 0
	for _, e := range ev {
		if !e.Reply && e.Type == header.ICMPv4DestUnreach && e.Code == header.ICMPv4HostUnreach {
			n++
		}
	}
	return n
}

// vtiOnly configures gwa's vti0 without states or policies.
func vtiOnly(t *testing.T, tp *topo.Topo, extra ...string) {
	ipCmds(t, tp, "gwa", append([]string{
		"ip link add vti0 type vti local 192.0.2.1 remote 198.51.100.2 key 10",
		"ip link set vti0 up",
		"ip route add 203.0.113.64/26 dev vti0",
	}, extra...)...)
}

// TestTxFaults: packets vti cannot send through a proper tunnel-mode
// state count tx_carrier_errors and tx_errors, and the sender gets ICMP
// host unreachable; never a panic.
func TestTxFaults(t *testing.T) {
	out := "ip xfrm policy add dir out mark 10 tmpl src 192.0.2.1 dst 198.51.100.2 proto esp mode tunnel"
	sa := func(src, dst, mode string) string {
		return "ip xfrm state add src " + src + " dst " + dst + " proto esp spi 0x100 mode " + mode +
			" aead rfc4106(gcm(aes)) " + keyAB + " 128"
	}
	cases := []struct {
		name  string
		lines []string
	}{
		{"no policy", nil},
		{"policy mark differs from okey", []string{
			"ip xfrm policy add dir out mark 11 tmpl src 192.0.2.1 dst 198.51.100.2 proto esp mode tunnel",
			sa("192.0.2.1", "198.51.100.2", "tunnel")}},
		{"no state for the policy", []string{out}},
		{"transport mode state", []string{
			"ip xfrm policy add dir out mark 10 tmpl src 192.0.2.1 dst 198.51.100.2 proto esp mode transport",
			sa("192.0.2.1", "198.51.100.2", "transport")}},
		{"state to another remote", []string{
			"ip xfrm policy add dir out mark 10 tmpl src 192.0.2.1 dst 198.51.100.9 proto esp mode tunnel",
			sa("192.0.2.1", "198.51.100.9", "tunnel")}},
		{"state from another local", []string{
			"ip xfrm policy add dir out mark 10 tmpl src 192.0.2.7 dst 198.51.100.2 proto esp mode tunnel",
			sa("192.0.2.7", "198.51.100.2", "tunnel")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp := site(t)
			vtiOnly(t, tp, c.lines...)
			ev := tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 2)
			s := stats(tp, "gwa")
			if replies(ev) != 0 || s.TxCarrierErrors != 2 || s.TxErrors != 2 || s.TxPackets != 0 {
				t.Errorf("replies %d, stats %+v", replies(ev), s)
			}
			if got := hostUnreach(ev); got != 2 {
				t.Errorf("host unreachable ICMP = %d, want 2 (events %+v)", got, ev)
			}
		})
	}
}

// TestStateDeletedWhileFlowing: after the SAs go, transmissions become
// carrier errors and received packets rx errors.
func TestStateDeletedWhileFlowing(t *testing.T) {
	tp := vtiSites(t)
	if got := replies(tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 2)); got != 2 {
		t.Fatalf("replies = %d", got)
	}
	// gwb loses its inbound SA: gwa still sends, gwb cannot open.
	ipCmds(t, tp, "gwb", "ip xfrm state delete src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x100")
	if got := replies(tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 2)); got != 0 {
		t.Fatalf("replies after delete = %d", got)
	}
	if s := stats(tp, "gwb"); s.RxErrors != 2 || s.RxDropped != 2 {
		t.Errorf("gwb rx errors %d dropped %d, want 2 2", s.RxErrors, s.RxDropped)
	}
	if got := xfrm.ForNamespace(tp.NS("gwb")).MIB.Get(xfrm.InNoStates); got != 2 {
		t.Errorf("gwb XfrmInNoStates = %d, want 2", got)
	}
	// gwa loses its outbound SA.
	ipCmds(t, tp, "gwa", "ip xfrm state delete src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x100")
	tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 1)
	if s := stats(tp, "gwa"); s.TxCarrierErrors != 1 {
		t.Errorf("gwa carrier errors %d, want 1", s.TxCarrierErrors)
	}
}

// TestMarks: ikey and okey differ; SAs and policies carry marks that only
// the right key matches.
func TestMarks(t *testing.T) {
	tp := site(t)
	conf := func(host, local, remote, rnet, ikey, okey, spiOut, spiIn, kOut, kIn string) {
		ipCmds(t, tp, host,
			"ip link add vti0 type vti local "+local+" remote "+remote+" ikey "+ikey+" okey "+okey,
			"ip link set vti0 up",
			"ip xfrm state add src "+local+" dst "+remote+" proto esp spi "+spiOut+" mode tunnel mark "+okey+
				" aead rfc4106(gcm(aes)) "+kOut+" 128",
			"ip xfrm state add src "+remote+" dst "+local+" proto esp spi "+spiIn+" mode tunnel mark "+ikey+
				" aead rfc4106(gcm(aes)) "+kIn+" 128",
			"ip xfrm policy add dir out mark "+okey+" tmpl src "+local+" dst "+remote+" proto esp mode tunnel",
			"ip xfrm policy add dir in mark "+ikey+" tmpl src "+remote+" dst "+local+" proto esp mode tunnel",
			"ip route add "+rnet+" dev vti0")
	}
	conf("gwa", "192.0.2.1", "198.51.100.2", "203.0.113.64/26", "20", "10", "0x100", "0x200", keyAB, keyBA)
	conf("gwb", "198.51.100.2", "192.0.2.1", "203.0.113.0/26", "10", "20", "0x200", "0x100", keyBA, keyAB)
	if got := replies(tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 2)); got != 2 {
		t.Fatalf("replies = %d", got)
	}
	// gwb's vti now looks SAs up with ikey 11: its inbound SA (mark 10)
	// no longer matches.
	ipCmds(t, tp, "gwb", "ip link set vti0 type vti ikey 11")
	tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 1)
	if s := stats(tp, "gwb"); s.RxErrors != 1 {
		t.Errorf("gwb rx errors = %d, want 1", s.RxErrors)
	}
	// ikey 10 again but a policy for mark 10 is gone: the decrypted
	// packet fails the in policy check (no policy, tunnel-mode SA).
	ipCmds(t, tp, "gwb", "ip link set vti0 type vti ikey 10",
		"ip xfrm policy delete src 0.0.0.0/0 dst 0.0.0.0/0 dir in mark 10")
	tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 1)
	if s := stats(tp, "gwb"); s.RxErrors != 2 {
		t.Errorf("gwb rx errors = %d, want 2", s.RxErrors)
	}
	if got := xfrm.ForNamespace(tp.NS("gwb")).MIB.Get(xfrm.InNoPols); got != 1 {
		t.Errorf("gwb XfrmInNoPols = %d, want 1", got)
	}
}

// TestPMTU follows an ICMP frag-needed about the ESP packets (vti4_err)
// into the vti's path MTU: the next oversize DF packet gets frag-needed
// with the bundle MTU, while a non-DF one is fragmented after
// encapsulation and still arrives.
func TestPMTU(t *testing.T) {
	tp := vtiSites(t)
	tp.SetMTU("r:e1", 1300)
	tp.SetMTU("gwb:wan", 1300)
	// The first big DF ping: ESP leaves gwa (bundle MTU 1446) and r
	// answers frag-needed 1300 about it.
	tp.Ping("ha", "203.0.113.66", inet.EchoOpts{Size: 1372, PMTUDisc: inet.PMTUDiscDo}, 1)
	if r, err := inet.RouteGet(tp.NS("gwa"), inet.RouteGetRequest{Dst: netip.MustParseAddr("198.51.100.2")}); err != nil || r.MTU != 1300 {
		t.Fatalf("gwa PMTU to the remote = %d (%v), want 1300", r.MTU, err)
	}
	ev := tp.Ping("ha", "203.0.113.66", inet.EchoOpts{Size: 1372, PMTUDisc: inet.PMTUDiscDo}, 1)
	// 1300 - 20 (outer) - 8 (SPI, seq) - 8 (IV) - 16 (ICV), aligned to 4, - 2.
	const want = 1246
	var fn int
	for _, e := range ev {
		if e.Type == header.ICMPv4DestUnreach && e.Code == header.ICMPv4FragNeeded && e.MTU == want {
			fn++
		}
	}
	if fn != 1 {
		t.Errorf("events %+v, want frag needed mtu %d", ev, want)
	}
	if got := replies(tp.Ping("ha", "203.0.113.66", inet.EchoOpts{Size: 1372, PMTUDisc: inet.PMTUDiscDont}, 2)); got != 2 {
		t.Errorf("non-DF replies = %d, want 2", got)
	}
}

// TestDeviceDeletedWhileFlowing: packets in flight when gwb's vti0 goes
// are no longer claimed by vti; plain xfrm opens them and the input policy
// check (mark 0 finds no policy, tunnel-mode SA) drops them, counted.
func TestDeviceDeletedWhileFlowing(t *testing.T) {
	tp := vtiSites(t)
	c, err := inet.DialICMP(tp.NS("ha"), inet.FamilyV4, func(inet.EchoEvent) {})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 4; i++ {
		if err := c.SendEcho(netip.MustParseAddr("203.0.113.66"), inet.EchoOpts{ID: 9, Seq: uint16(i)}); err != nil {
			t.Fatal(err)
		}
	}
	ipCmds(t, tp, "gwb", "ip link del vti0")
	tp.RunFor(2e9)
	if got := xfrm.ForNamespace(tp.NS("gwb")).MIB.Get(xfrm.InNoPols); got != 4 {
		t.Errorf("gwb XfrmInNoPols = %d, want 4", got)
	}
	if got := replies(tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 1)); got != 0 {
		t.Errorf("replies = %d after deletion", got)
	}
}

// TestCollision: the route to the remote leads back into the vti.
func TestCollision(t *testing.T) {
	tp := vtiSites(t)
	ipCmds(t, tp, "gwa", "ip route add 198.51.100.2/32 dev vti0")
	tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 2)
	if s := stats(tp, "gwa"); s.Collisions != 2 || s.TxErrors != 2 || s.TxPackets != 0 {
		t.Errorf("stats %+v", s)
	}
}
