package stack_test

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

var gcmKey = []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}

// site builds hA(203.0.113.2) - gwA - r - gwB - hB(203.0.113.130) with the
// LANs 203.0.113.0/25 (hA-gwA) and 203.0.113.128/25 (gwB-hB) and the
// underlay 192.0.2.0/24 (gwA-r) and 198.51.100.0/24 (r-gwB).
func site(t testing.TB) *topo.Topo {
	tp := topo.New(t)
	tp.Host("ha")
	tp.Router("gwa")
	tp.Router("r")
	tp.Router("gwb")
	tp.Host("hb")
	tp.Link("ha:eth0", "gwa:lan", "203.0.113.2/25", "203.0.113.1/25")
	tp.Link("gwa:wan", "r:e0", "192.0.2.1/24", "192.0.2.254/24")
	tp.Link("r:e1", "gwb:wan", "198.51.100.254/24", "198.51.100.2/24")
	tp.Link("gwb:lan", "hb:eth0", "203.0.113.129/25", "203.0.113.130/25")
	tp.Route("ha", "default", "203.0.113.1")
	tp.Route("hb", "default", "203.0.113.129")
	tp.Route("gwa", "default", "192.0.2.254")
	tp.Route("gwb", "default", "198.51.100.254")
	return tp
}

type gwSide struct {
	ns            *netdev.Namespace
	local, remote string
	lnet, rnet    string
	outSPI, inSPI uint32
	natt          bool
}

func configure(t testing.TB, g gwSide, withIn bool) {
	t.Helper()
	sa := func(src, dst string, spi uint32) xfrm.Config {
		c := xfrm.Config{ID: xfrm.ID{Daddr: ip(dst), SPI: spi, Proto: xfrm.ProtoESP}, Saddr: ip(src), Family: 4,
			Mode: xfrm.ModeTunnel, Reqid: 1, ReplayWindow: 32,
			AEAD: &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: gcmKey, ICVBits: 128}}
		if g.natt {
			c.Encap = &xfrm.Encap{Type: xfrm.EncapESPInUDP, Sport: 4500, Dport: 4500}
		}
		return c
	}
	if _, err := stack.AddState(g.ns, sa(g.local, g.remote, g.outSPI), false); err != nil {
		t.Fatal(err)
	}
	if _, err := stack.AddState(g.ns, sa(g.remote, g.local, g.inSPI), false); err != nil {
		t.Fatal(err)
	}
	spd := xfrm.ForNamespace(g.ns).SPD
	tmpl := func(src, dst string) []xfrm.Tmpl {
		return []xfrm.Tmpl{{Daddr: ip(dst), Saddr: ip(src), Proto: xfrm.ProtoESP, Mode: xfrm.ModeTunnel, Reqid: 1}}
	}
	sel := func(src, dst string) xfrm.Selector {
		return xfrm.Selector{Family: 4, Saddr: pfx(src), Daddr: pfx(dst)}
	}
	if _, err := spd.Add(xfrm.PolicyConfig{Selector: sel(g.lnet, g.rnet), Dir: xfrm.PolicyOut, Tmpls: tmpl(g.local, g.remote)}); err != nil {
		t.Fatal(err)
	}
	if !withIn {
		return
	}
	for _, d := range []xfrm.PolicyDir{xfrm.PolicyIn, xfrm.PolicyFwd} {
		if _, err := spd.Add(xfrm.PolicyConfig{Selector: sel(g.rnet, g.lnet), Dir: d, Tmpls: tmpl(g.remote, g.local)}); err != nil {
			t.Fatal(err)
		}
	}
}

func bothGateways(t testing.TB, tp *topo.Topo, withIn bool) { gateways(t, tp, withIn, false) }

func gateways(t testing.TB, tp *topo.Topo, withIn, natt bool) {
	configure(t, gwSide{tp.NS("gwa"), "192.0.2.1", "198.51.100.2", "203.0.113.0/25", "203.0.113.128/25", 0x100, 0x200, natt}, withIn)
	configure(t, gwSide{tp.NS("gwb"), "198.51.100.2", "192.0.2.1", "203.0.113.128/25", "203.0.113.0/25", 0x200, 0x100, natt}, withIn)
}

// protoTap records the IP protocol of every IPv4 frame a device sees.
type protoTap struct {
	mu      sync.Mutex
	protos  map[uint8]int
	outOnly bool // count only transmitted frames
}

func (p *protoTap) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	if p.outOnly && dir != netdev.DirOut {
		return
	}
	data := b.Bytes()
	if len(data) < 14+20 || data[12] != 0x08 || data[13] != 0 {
		return
	}
	p.mu.Lock()
	p.protos[header.IPv4(data[14:]).Protocol()]++
	p.mu.Unlock()
}

func TestSiteToSitePing(t *testing.T) {
	for _, natt := range []bool{false, true} {
		name := "esp"
		if natt {
			name = "esp-in-udp"
		}
		t.Run(name, func(t *testing.T) { siteToSitePing(t, natt) })
	}
}

func siteToSitePing(t *testing.T, natt bool) {
	tp := site(t)
	gateways(t, tp, true, natt)
	tap := &protoTap{protos: map[uint8]int{}}
	tp.Dev("r:e0").AddTap(tap)
	got := tp.Ping("ha", "203.0.113.130", inet.EchoOpts{}, 3)
	replies := 0
	for _, e := range got {
		if e.Reply {
			replies++
		}
	}
	if replies != 3 {
		t.Fatalf("replies = %d, events %+v", replies, got)
	}
	want := uint8(50)
	if natt {
		want = 17
	}
	if len(tap.protos) != 1 || tap.protos[want] != 6 {
		t.Errorf("underlay saw protocols %v, want only %d (6 packets)", tap.protos, want)
	}
	for _, gw := range []string{"gwa", "gwb"} {
		m := xfrm.ForNamespace(tp.NS(gw)).MIB
		for _, e := range m.Snapshot() {
			if e.Value != 0 {
				t.Errorf("%s: %s = %d", gw, e.Name, e.Value)
			}
		}
		sad := xfrm.ForNamespace(tp.NS(gw)).SAD
		for _, x := range sad.Dump() {
			if lt := x.Lifetime(); lt.Packets != 3 {
				t.Errorf("%s: SA %#x packets = %d, want 3", gw, x.Cfg().ID.SPI, lt.Packets)
			}
		}
	}
}

func TestNoStatesAcquire(t *testing.T) {
	tp := site(t)
	spd := xfrm.ForNamespace(tp.NS("gwa")).SPD
	_, err := spd.Add(xfrm.PolicyConfig{Selector: xfrm.Selector{Family: 4, Saddr: pfx("203.0.113.0/25"), Daddr: pfx("203.0.113.128/25")},
		Dir: xfrm.PolicyOut, Tmpls: []xfrm.Tmpl{{Daddr: ip("198.51.100.2"), Saddr: ip("192.0.2.1"), Proto: xfrm.ProtoESP, Mode: xfrm.ModeTunnel}}})
	if err != nil {
		t.Fatal(err)
	}
	n := xfrm.ForNamespace(tp.NS("gwa"))
	var msgs []xfrm.Msg
	cancel := n.Subscribe(func(m xfrm.Msg) { msgs = append(msgs, m) })
	defer cancel()
	tp.Ping("ha", "203.0.113.130", inet.EchoOpts{}, 2)
	if got := n.MIB.Get(xfrm.OutNoStates); got != 2 {
		t.Errorf("XfrmOutNoStates = %d, want 2", got)
	}
	if len(msgs) != 1 || msgs[0].Kind != xfrm.MsgAcquire {
		t.Errorf("messages %+v, want one ACQUIRE", msgs)
	}
}

func TestInputPolicyErrors(t *testing.T) {
	t.Run("no in policy, tunnel SA", func(t *testing.T) {
		// gwb has SAs and an out policy but no in/fwd policy: the
		// decrypted tunnel-mode packet has a SecPath and no fwd policy.
		tp := site(t)
		bothGateways(t, tp, false)
		tp.Ping("ha", "203.0.113.130", inet.EchoOpts{}, 1)
		if got := xfrm.ForNamespace(tp.NS("gwb")).MIB.Get(xfrm.InNoPols); got != 1 {
			t.Errorf("XfrmInNoPols = %d, want 1", got)
		}
	})
	t.Run("block", func(t *testing.T) {
		tp := site(t)
		spd := xfrm.ForNamespace(tp.NS("gwb")).SPD
		// Same priority as the allow policy added later: the older wins.
		if _, err := spd.Add(xfrm.PolicyConfig{Selector: xfrm.Selector{Family: 4, Saddr: pfx("203.0.113.2/32"), Daddr: pfx("203.0.113.130/32")},
			Dir: xfrm.PolicyFwd, Action: xfrm.ActionBlock}); err != nil {
			t.Fatal(err)
		}
		bothGateways(t, tp, true)
		tp.Ping("ha", "203.0.113.130", inet.EchoOpts{}, 1)
		if got := xfrm.ForNamespace(tp.NS("gwb")).MIB.Get(xfrm.InPolBlock); got != 1 {
			t.Errorf("XfrmInPolBlock = %d, want 1", got)
		}
	})
	t.Run("plain packet against tmpl", func(t *testing.T) {
		tp := site(t)
		spd := xfrm.ForNamespace(tp.NS("gwb")).SPD
		if _, err := spd.Add(xfrm.PolicyConfig{Selector: xfrm.Selector{Family: 4, Saddr: pfx("203.0.113.0/25"), Daddr: pfx("203.0.113.128/25")},
			Dir: xfrm.PolicyFwd, Tmpls: []xfrm.Tmpl{{Daddr: ip("198.51.100.2"), Proto: xfrm.ProtoESP, Mode: xfrm.ModeTunnel}}}); err != nil {
			t.Fatal(err)
		}
		tp.Route("gwa", "203.0.113.128/25", "192.0.2.254")
		tp.Route("r", "203.0.113.128/25", "198.51.100.2")
		tp.Ping("ha", "203.0.113.130", inet.EchoOpts{}, 1)
		if got := xfrm.ForNamespace(tp.NS("gwb")).MIB.Get(xfrm.InTmplMismatch); got != 1 {
			t.Errorf("XfrmInTmplMismatch = %d, want 1", got)
		}
	})
	t.Run("out block", func(t *testing.T) {
		tp := site(t)
		spd := xfrm.ForNamespace(tp.NS("ha")).SPD
		if _, err := spd.Add(xfrm.PolicyConfig{Selector: xfrm.Selector{Family: 4, Daddr: pfx("203.0.113.128/25")},
			Dir: xfrm.PolicyOut, Action: xfrm.ActionBlock}); err != nil {
			t.Fatal(err)
		}
		tp.Ping("ha", "203.0.113.130", inet.EchoOpts{}, 1)
		if got := xfrm.ForNamespace(tp.NS("ha")).MIB.Get(xfrm.OutPolBlock); got != 1 {
			t.Errorf("XfrmOutPolBlock = %d, want 1", got)
		}
	})
}
