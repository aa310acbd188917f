package stack_test

import (
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// site6 is site() in IPv6, with an IPv4 underlay too, for the
// cross-family case.
func site6(t *testing.T) *topo.Topo {
	tp := topo.New(t)
	tp.Host("ha")
	tp.Router("gwa")
	tp.Router("r")
	tp.Router("gwb")
	tp.Host("hb")
	tp.Link("ha:eth0", "gwa:lan", "2001:db8:1::2/64", "2001:db8:1::1/64")
	tp.Link("gwa:wan", "r:e0", "2001:db8:a::1/64", "2001:db8:a::fe/64", "192.0.2.1/24", "192.0.2.254/24")
	tp.Link("r:e1", "gwb:wan", "2001:db8:b::fe/64", "2001:db8:b::2/64", "198.51.100.254/24", "198.51.100.2/24")
	tp.Link("gwb:lan", "hb:eth0", "2001:db8:2::1/64", "2001:db8:2::2/64")
	tp.Route("ha", "default", "2001:db8:1::1")
	tp.Route("hb", "default", "2001:db8:2::1")
	tp.Route("gwa", "default", "2001:db8:a::fe")
	tp.Route("gwb", "default", "2001:db8:b::fe")
	tp.Route("gwa", "default", "192.0.2.254")
	tp.Route("gwb", "default", "198.51.100.254")
	return tp
}

func TestSiteToSiteIPv6(t *testing.T) {
	for _, tc := range []struct {
		name           string
		outerA, outerB string
		outerFam       int
	}{
		{"6in6", "2001:db8:a::1", "2001:db8:b::2", 6},
		{"6in4", "192.0.2.1", "198.51.100.2", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A cross-family SA needs af-unspec (as on Linux, where
			// without it the selector takes the SA's family).
			cross := tc.outerFam == 4
			tp := site6(t)
			site6SAs(t, tp, tc.outerA, tc.outerB, tc.outerFam, [2]bool{cross, cross})
			tap := &protoTap{protos: map[uint8]int{}}
			tp.Dev("r:e0").AddTap(tap)
			if replies := echoReplies(tp, "ha", "2001:db8:2::2"); replies != 3 {
				t.Fatalf("replies = %d", replies)
			}
			for _, gw := range []string{"gwa", "gwb"} {
				for _, e := range xfrm.ForNamespace(tp.NS(gw)).MIB.Snapshot() {
					if e.Value != 0 {
						t.Errorf("%s: %s = %d", gw, e.Name, e.Value)
					}
				}
			}
			if tc.outerFam == 4 && (len(tap.protos) != 1 || tap.protos[50] != 6) {
				t.Errorf("IPv4 underlay saw %v, want 6 ESP packets", tap.protos)
			}
		})
	}
}

// TestCrossFamilyNeedsAFUnspec: an IPv4 tunnel SA added without sel and
// without flag af-unspec gets an IPv4 selector (copy_from_user_state), so
// it is not used for an IPv6 flow (xfrm_state_look_at: XfrmOutNoStates and
// an ACQUIRE), and an IPv6 packet arriving through it fails the tunnel
// decapsulation of its IPv4 inner mode (XfrmInStateModeError).
func TestCrossFamilyNeedsAFUnspec(t *testing.T) {
	for _, tc := range []struct {
		name     string
		afUnspec [2]bool // gwa's SAs, gwb's SAs
		gw       string
		counter  string
	}{
		{"sender without af-unspec", [2]bool{false, true}, "gwa", "XfrmOutNoStates"},
		{"receiver without af-unspec", [2]bool{true, false}, "gwb", "XfrmInStateModeError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := site6(t)
			site6SAs(t, tp, "192.0.2.1", "198.51.100.2", 4, tc.afUnspec)
			if replies := echoReplies(tp, "ha", "2001:db8:2::2"); replies != 0 {
				t.Fatalf("replies = %d, want 0", replies)
			}
			for _, gw := range []string{"gwa", "gwb"} {
				for _, e := range xfrm.ForNamespace(tp.NS(gw)).MIB.Snapshot() {
					if gw == tc.gw && e.Name == tc.counter {
						if e.Value == 0 {
							t.Errorf("%s: %s = 0, want > 0", gw, e.Name)
						}
						continue
					}
					if e.Value != 0 {
						t.Errorf("%s: %s = %d, want 0", gw, e.Name, e.Value)
					}
				}
			}
			x := xfrm.ForNamespace(tp.NS(tc.gw)).SAD.Lookup(ip("198.51.100.2"), 0x100, xfrm.ProtoESP, 0)
			if x == nil {
				t.Fatal("SA 0x100 not found")
			}
			if got := x.Cfg().Selector.Family; got != 4 {
				t.Errorf("%s: selector family = %d, want 4", tc.gw, got)
			}
		})
	}
}

// site6SAs installs the tunnel SAs and policies of site6 between outer
// addresses a and b (gwa and gwb), with flag af-unspec on a gateway's SAs
// where afUnspec says so.
func site6SAs(t *testing.T, tp *topo.Topo, outerA, outerB string, outerFam int, afUnspec [2]bool) {
	t.Helper()
	for i, g := range []struct {
		host, local, remote, lnet, rnet string
		out, in                         uint32
	}{
		{"gwa", outerA, outerB, "2001:db8:1::/48", "2001:db8:2::/48", 0x100, 0x200},
		{"gwb", outerB, outerA, "2001:db8:2::/48", "2001:db8:1::/48", 0x200, 0x100},
	} {
		ns := tp.NS(g.host)
		for _, sa := range []struct {
			src, dst string
			spi      uint32
		}{{g.local, g.remote, g.out}, {g.remote, g.local, g.in}} {
			c := xfrm.Config{ID: xfrm.ID{Daddr: ip(sa.dst), SPI: sa.spi, Proto: xfrm.ProtoESP}, Saddr: ip(sa.src),
				Family: outerFam, Mode: xfrm.ModeTunnel, Reqid: 1, ReplayWindow: 64, Flags: xfrm.FlagESN,
				AEAD: &xfrm.AEADSpec{Name: "rfc7539esp(chacha20,poly1305)", Key: make([]byte, 36), ICVBits: 128}}
			if afUnspec[i] {
				c.Flags |= xfrm.FlagAFUnspec
			}
			if _, err := stack.AddState(ns, c, false); err != nil {
				t.Fatal(err)
			}
		}
		spd := xfrm.ForNamespace(ns).SPD
		add := func(src, dst string, dir xfrm.PolicyDir, tsrc, tdst string) {
			_, err := spd.Add(xfrm.PolicyConfig{Selector: xfrm.Selector{Family: 6, Saddr: pfx(src), Daddr: pfx(dst)}, Dir: dir,
				Tmpls: []xfrm.Tmpl{{Saddr: ip(tsrc), Daddr: ip(tdst), Family: outerFam, Proto: xfrm.ProtoESP, Mode: xfrm.ModeTunnel, Reqid: 1}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		add(g.lnet, g.rnet, xfrm.PolicyOut, g.local, g.remote)
		add(g.rnet, g.lnet, xfrm.PolicyIn, g.remote, g.local)
		add(g.rnet, g.lnet, xfrm.PolicyFwd, g.remote, g.local)
	}
}

// echoReplies pings dst three times from host and counts the replies.
func echoReplies(tp *topo.Topo, host, dst string) int {
	return countReplies(tp, host, dst, inet.EchoOpts{}, 3)
}

// countReplies pings dst from host n times and counts the replies.
func countReplies(tp *topo.Topo, host, dst string, o inet.EchoOpts, n int) int {
	replies := 0
	for _, e := range tp.Ping(host, dst, o, n) {
		if e.Reply {
			replies++
		}
	}
	return replies
}

// loPair is hosts a and b on one link (192.0.2.1 and .2) with
// 203.0.113.1 and .2 on their loopbacks, routed over the link: the
// addresses of policy and tunnel tests that protect host to host.
func loPair(t *testing.T) *topo.Topo {
	tp := topo.New(t)
	tp.Link("a:eth0", "b:eth0", "192.0.2.1/24", "192.0.2.2/24")
	tp.Addr("a:lo", "203.0.113.1/32")
	tp.Addr("b:lo", "203.0.113.2/32")
	tp.Route("a", "203.0.113.2/32", "192.0.2.2")
	tp.Route("b", "203.0.113.1/32", "192.0.2.1")
	return tp
}
