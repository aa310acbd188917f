package ipip_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/tunnel"
	"github.com/softnet/softnet/tunnel/ipip"
	"github.com/softnet/softnet/xfrm"
)

// ip runs an iproute2 command line in host.
func ip(t *testing.T, tp *topo.Topo, host, line string) {
	t.Helper()
	tp.IP(t, host, line)
}

// sites builds a – r – b (underlay 192.0.2.0/24 and 198.51.100.0/24) and
// an ipip tunnel t0 between a and b carrying 203.0.113.0/30; extra are
// added to both tunnels' ip link add lines.
func sites(t *testing.T, extra string) *topo.Topo {
	tp := topo.New(t)
	tp.Host("a")
	tp.Router("r")
	tp.Host("b")
	tp.Link("a:eth0", "r:eth0", "192.0.2.1/24", "192.0.2.254/24")
	tp.Link("r:eth1", "b:eth0", "198.51.100.254/24", "198.51.100.2/24")
	tp.Route("a", "default", "192.0.2.254")
	tp.Route("b", "default", "198.51.100.254")
	ip(t, tp, "a", "ip link add t0 type ipip remote 198.51.100.2 local 192.0.2.1 "+extra)
	ip(t, tp, "b", "ip link add t0 type ipip remote 192.0.2.1 local 198.51.100.2 "+extra)
	for _, h := range []string{"a", "b"} {
		ip(t, tp, h, "ip link set t0 up")
	}
	ip(t, tp, "a", "ip addr add 203.0.113.1/30 dev t0")
	ip(t, tp, "b", "ip addr add 203.0.113.2/30 dev t0")
	return tp
}

func TestPingThroughTunnel(t *testing.T) {
	for _, tc := range []struct{ name, extra string }{
		{"ipip", "ttl 64"},
		{"inherit", "ttl inherit tos inherit"},
		{"nopmtudisc", "nopmtudisc"},
		{"mode-ipip", "mode ipip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := sites(t, tc.extra)
			got := tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 3)
			if len(got) != 3 {
				t.Fatalf("got %d events, want 3 replies: %+v", len(got), got)
			}
			for i, e := range got {
				if !e.Reply || e.Seq != uint16(i+1) || e.From.String() != "203.0.113.2" || e.TTL != 64 {
					t.Errorf("event %d = %+v", i, e)
				}
			}
			for _, h := range []string{"a", "b"} {
				s := tp.Dev(h + ":t0").Stats.Snapshot()
				if s.TxPackets != 3 || s.RxPackets != 3 || s.TxBytes != 3*84 || s.RxBytes != 3*84 {
					t.Errorf("%s t0 stats %+v", h, s)
				}
			}
			if n := inet.CounterValue(tp.NS("r"), "IpForwDatagrams"); n != 6 {
				t.Errorf("router forwarded %d outer packets, want 6", n)
			}
		})
	}
}

// TestModeMismatch: a tunnel in mplsip mode does not carry IPv4; the
// packet is a tx error.
func TestModeMismatch(t *testing.T) {
	tp := sites(t, "mode mplsip")
	c, err := inet.DialICMP(tp.NS("a"), inet.FamilyV4, func(inet.EchoEvent) {})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SendEcho(mustAddr("203.0.113.2"), inet.EchoOpts{ID: 1, Seq: 1})
	tp.Run()
	d := tp.Dev("a:t0")
	if d.Stats.TxErrors.Load() != 1 || d.Drops.Get(tunnel.DropProto) != 1 {
		t.Errorf("tx_errors %d, proto drops %d", d.Stats.TxErrors.Load(), d.Drops.Get(tunnel.DropProto))
	}
}

// TestNoRouteAndLoop: no outer route counts tx_carrier_errors; an outer
// route through the tunnel itself counts collisions.
func TestNoRouteAndLoop(t *testing.T) {
	tp := topo.New(t)
	tp.Host("a")
	ip(t, tp, "a", "ip link add t0 type ipip remote 198.51.100.2")
	ip(t, tp, "a", "ip link set t0 up")
	ip(t, tp, "a", "ip addr add 203.0.113.1/30 dev t0")
	send := func() {
		c, err := inet.DialICMP(tp.NS("a"), inet.FamilyV4, func(inet.EchoEvent) {})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SendEcho(mustAddr("203.0.113.2"), inet.EchoOpts{ID: 1, Seq: 1})
		tp.Run()
	}
	send()
	d := tp.Dev("a:t0")
	if d.Stats.TxCarrierErrors.Load() != 1 || d.Stats.TxErrors.Load() != 1 {
		t.Errorf("no route: carrier %d errors %d", d.Stats.TxCarrierErrors.Load(), d.Stats.TxErrors.Load())
	}
	ip(t, tp, "a", "ip route add 198.51.100.0/24 dev t0")
	send()
	if d.Stats.Collisions.Load() != 1 || d.Stats.TxErrors.Load() != 2 {
		t.Errorf("loop: collisions %d errors %d", d.Stats.Collisions.Load(), d.Stats.TxErrors.Load())
	}
}

func TestFallbackDevice(t *testing.T) {
	tp := topo.New(t)
	ns := tp.Host("a")
	ip(t, tp, "a", "ip link add t0 type ipip remote 198.51.100.2")
	fb := ns.DeviceByName("tunl0")
	if fb == nil || fb.Index() >= tp.Dev("a:t0").Index() {
		t.Fatalf("tunl0 not created before t0: %v", fb)
	}
	if err := tp.W.Init().SetSysctl("net.core.fb_tunnels_only_for_init_net", "1"); err != nil {
		t.Fatal(err)
	}
	tp.Host("c")
	ip(t, tp, "c", "ip link add t0 type ipip remote 198.51.100.2")
	if tp.NS("c").DeviceByName("tunl0") != nil {
		t.Error("tunl0 created although fb_tunnels_only_for_init_net=1")
	}
}

// TestFallbackReceives: packets from an unknown remote reach tunl0 when it
// is up; when it is down they get ICMP port unreachable.
func TestFallbackReceives(t *testing.T) {
	tp := sites(t, "")
	ip(t, tp, "b", "ip link del t0")
	ip(t, tp, "b", "ip link set tunl0 up")
	tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 1)
	fb := tp.Dev("b:tunl0")
	if fb.Stats.RxPackets.Load() != 1 {
		t.Errorf("tunl0 rx %d, want 1", fb.Stats.RxPackets.Load())
	}
	ip(t, tp, "b", "ip link set tunl0 down")
	before := inet.CounterValue(tp.NS("b"), "IcmpOutDestUnreachs")
	tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 1)
	if n := inet.CounterValue(tp.NS("b"), "IcmpOutDestUnreachs") - before; n != 1 {
		t.Errorf("IcmpOutDestUnreachs +%d, want 1 (port unreachable)", n)
	}
}

// TestPMTU is modelled on pmtu.sh's ipip cases: the underlay between r
// and b is lowered to 1400; a DF ping through the tunnel learns the
// tunnel's path MTU, 1400 - 20 = 1380, as Linux computes it.
func TestPMTU(t *testing.T) {
	tp := sites(t, "")
	tp.SetMTU("r:eth1", 1400)
	tp.SetMTU("b:eth0", 1400)
	var got []inet.EchoEvent
	c, err := inet.DialICMP(tp.NS("a"), inet.FamilyV4, func(e inet.EchoEvent) { got = append(got, e) })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var errs []error
	for seq := uint16(1); seq <= 3; seq++ {
		errs = append(errs, c.SendEcho(mustAddr("203.0.113.2"), inet.EchoOpts{ID: 7, Seq: seq, Size: 1400, PMTUDisc: inet.PMTUDiscDo}))
		tp.Run()
	}
	mtu, _, ok := inet.PMTU(tp.NS("a"), mustAddr("198.51.100.2"))
	if !ok || mtu != 1400 {
		t.Errorf("outer PMTU %d %v, want 1400", mtu, ok)
	}
	var frag *inet.EchoEvent
	for i := range got {
		if !got[i].Reply && got[i].Type == header.ICMPv4DestUnreach && got[i].Code == header.ICMPv4FragNeeded {
			frag = &got[i]
			break
		}
	}
	if frag == nil || frag.MTU != 1380 {
		t.Fatalf("no frag-needed with mtu 1380: events %+v errs %v", got, errs)
	}
	if mtu, _, ok := inet.PMTU(tp.NS("a"), mustAddr("203.0.113.2")); !ok || mtu != 1380 {
		t.Errorf("inner PMTU %d %v, want 1380", mtu, ok)
	}
	// A ping that fits the tunnel's path MTU goes through.
	got = nil
	if err := c.SendEcho(mustAddr("203.0.113.2"), inet.EchoOpts{ID: 7, Seq: 9, Size: 1352, PMTUDisc: inet.PMTUDiscDo}); err != nil {
		t.Fatal(err)
	}
	tp.Run()
	if len(got) != 1 || !got[0].Reply {
		t.Errorf("1380-byte ping: %+v", got)
	}
}

func TestIPTunnelCommands(t *testing.T) {
	tp := topo.New(t)
	tp.Host("a")
	ip(t, tp, "a", "ip tunnel add t9 mode ipip remote 198.51.100.9 local 192.0.2.1 ttl 32")
	var out bytes.Buffer
	env := &iproute.Env{World: tp.W, NS: tp.NS("a")}
	iproute.RunLine(env, "ip tunnel show t9", &out, &out)
	if want := "t9: ip/ip remote 198.51.100.9 local 192.0.2.1 ttl 32\n"; out.String() != want {
		t.Errorf("show: %q, want %q", out.String(), want)
	}
	out.Reset()
	iproute.RunLine(env, "ip tunnel add t8 mode ipip remote 198.51.100.9 local 192.0.2.1 ttl 32", &out, &out)
	if !strings.Contains(out.String(), "add tunnel: ioctl 89f1 failed: File exists") {
		t.Errorf("duplicate: %q", out.String())
	}
	ip(t, tp, "a", "ip tunnel change t9 ttl 9")
	if c := tunnel.Of(tp.Dev("a:t9")).Config(); c.TTL != 9 || c.Remote != mustAddr("198.51.100.9") {
		t.Errorf("after change: %+v", c.Parms)
	}
	ip(t, tp, "a", "ip tunnel del t9")
	if tp.NS("a").DeviceByName("t9") != nil {
		t.Error("t9 still present")
	}
	if d := tp.NS("a").DeviceByName("tunl0"); d == nil || d.Kind().Name() != "ipip" {
		t.Errorf("tunl0 %v", d)
	}
	_ = netdev.EthPIPv4
}

// TestCrossNamespace: a tunnel device moved to another namespace keeps
// using its creation namespace for the outer packets (x-netns ipip): the
// underlay lives in b, the tunnel device in c.
func TestCrossNamespace(t *testing.T) {
	tp := sites(t, "")
	tp.Host("c")
	ip(t, tp, "b", "ip link set t0 netns c")
	ip(t, tp, "c", "ip link set t0 up")
	ip(t, tp, "c", "ip addr add 203.0.113.2/30 dev t0")
	got := tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 2)
	if len(got) != 2 || !got[0].Reply {
		t.Fatalf("got %+v", got)
	}
	got = tp.Ping("c", "203.0.113.1", inet.EchoOpts{}, 1)
	if len(got) != 1 || !got[0].Reply {
		t.Fatalf("from c: %+v", got)
	}
	if tp.NS("b").DeviceByName("t0") != nil {
		t.Error("t0 still in b")
	}
}

// TestCrossNamespaceLinkNetGone: deleting the tunnel's link namespace
// deletes the device that moved away from it.
func TestCrossNamespaceLinkNetGone(t *testing.T) {
	tp := sites(t, "")
	tp.Host("c")
	ip(t, tp, "b", "ip link set t0 netns c")
	if err := tp.W.DelNamespace("b"); err != nil {
		t.Fatal(err)
	}
	if tp.NS("c").DeviceByName("t0") != nil {
		t.Error("t0 survived its link namespace")
	}
}

// TestDeviceBeforeIPCompTunnelState: an ipip device with the same
// endpoints as a tunnel-mode IPComp SA takes the IP-in-IP packets, as in
// Linux, where tunnel4 offers them to ipip before xfrm4_tunnel (the SA's
// kernel tunnel state takes only what no device claims).
func TestDeviceBeforeIPCompTunnelState(t *testing.T) {
	tp := sites(t, "")
	for _, h := range [][3]string{{"a", "192.0.2.1", "198.51.100.2"}, {"b", "198.51.100.2", "192.0.2.1"}} {
		for _, d := range [][2]string{{h[1], h[2]}, {h[2], h[1]}} {
			ip(t, tp, h[0], "ip xfrm state add src "+d[0]+" dst "+d[1]+" proto comp spi 0x100 mode tunnel comp deflate")
		}
	}
	got := tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 2)
	if len(got) != 2 || !got[0].Reply || !got[1].Reply {
		t.Fatalf("ping: %+v", got)
	}
	for _, h := range []string{"a", "b"} {
		if n := tp.Dev(h + ":t0").Stats.RxPackets.Load(); n != 2 {
			t.Errorf("%s t0 rx %d, want 2 (the kernel tunnel state took them)", h, n)
		}
	}
}

// TestInputPolicy: tunnel4 leaves the input policy check to ipip, which
// checks the packets its devices claim (ipip_tunnel_rcv's
// xfrm4_policy_check): an in policy blocking IP-in-IP from a drops them
// on b's t0 (XFRM_POLICY, XfrmInPolBlock).
func TestInputPolicy(t *testing.T) {
	tp := sites(t, "")
	ip(t, tp, "b", "ip xfrm policy add src 192.0.2.1/32 dst 198.51.100.2/32 proto 4 dir in action block")
	if got := tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 2); len(got) != 0 {
		t.Fatalf("ping answered through a blocked tunnel: %+v", got)
	}
	d := tp.Dev("b:t0")
	if n := d.Drops.Get(ipip.DropPolicy); n != 2 || d.Stats.RxPackets.Load() != 0 {
		t.Errorf("b t0: %d XFRM_POLICY drops, rx %d; want 2 and 0", n, d.Stats.RxPackets.Load())
	}
	if n := xfrm.ForNamespace(tp.NS("b")).MIB.Get(xfrm.InPolBlock); n != 2 {
		t.Errorf("XfrmInPolBlock = %d, want 2", n)
	}
	ip(t, tp, "b", "ip xfrm policy flush")
	if got := tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 1); len(got) != 1 || !got[0].Reply {
		t.Errorf("after the flush: %+v", got)
	}
}
