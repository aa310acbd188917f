package stack_test

import (
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// TestBundleTransportAfterTunnel: a bundle whose transport-mode template
// follows a tunnel-mode one (ESP tunnel inside, AH transport outside; the
// shape of `tmpl proto comp mode tunnel … tmpl proto esp mode transport`)
// looks the outer state up by the tunnel's addresses, not the inner
// flow's, as xfrm_tmpl_resolve_one carries them on. The kernel peer found
// this: softnet counted XfrmOutNoStates for every reply.
func TestBundleTransportAfterTunnel(t *testing.T) {
	packettest.CheckBalance(t)
	tp := loPair(t)
	key := make([]byte, 32)
	sas := func(ns *netdev.Namespace, local, remote, lin, rin string) {
		for _, d := range [][2]string{{local, remote}, {remote, local}} {
			esp := xfrm.Config{ID: xfrm.ID{Daddr: ip(d[1]), SPI: 0x100, Proto: xfrm.ProtoESP}, Saddr: ip(d[0]), Family: 4, Reqid: 1,
				Mode: xfrm.ModeTunnel, ReplayWindow: 32, Crypt: &xfrm.AlgSpec{Name: "cbc(aes)", Key: key[:16]},
				Auth: &xfrm.AuthSpec{Name: "hmac(sha256)", Key: key, Trunc: true, TruncBits: 128}}
			ah := xfrm.Config{ID: xfrm.ID{Daddr: ip(d[1]), SPI: 0x200, Proto: xfrm.ProtoAH}, Saddr: ip(d[0]), Family: 4, Reqid: 1,
				Mode: xfrm.ModeTransport, ReplayWindow: 32, Auth: &xfrm.AuthSpec{Name: "hmac(sha256)", Key: key, Trunc: true, TruncBits: 128}}
			for _, c := range []xfrm.Config{esp, ah} {
				if _, err := stack.AddState(ns, c, false); err != nil {
					t.Fatal(err)
				}
			}
		}
		tmpls := func(src, dst string) []xfrm.Tmpl {
			return []xfrm.Tmpl{
				{Saddr: ip(src), Daddr: ip(dst), Family: 4, Proto: xfrm.ProtoESP, Mode: xfrm.ModeTunnel, Reqid: 1},
				{Saddr: ip(src), Daddr: ip(dst), Family: 4, Proto: xfrm.ProtoAH, Mode: xfrm.ModeTransport, Reqid: 1},
			}
		}
		sel := func(src, dst string) xfrm.Selector {
			return xfrm.Selector{Family: 4, Saddr: pfx(src + "/32"), Daddr: pfx(dst + "/32")}
		}
		for _, p := range []xfrm.PolicyConfig{
			{Selector: sel(lin, rin), Dir: xfrm.PolicyOut, Tmpls: tmpls(local, remote)},
			{Selector: sel(rin, lin), Dir: xfrm.PolicyIn, Tmpls: tmpls(remote, local)},
		} {
			if _, err := xfrm.ForNamespace(ns).SPD.Add(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	sas(tp.NS("a"), "192.0.2.1", "192.0.2.2", "203.0.113.1", "203.0.113.2")
	sas(tp.NS("b"), "192.0.2.2", "192.0.2.1", "203.0.113.2", "203.0.113.1")
	tap := &protoTap{protos: map[uint8]int{}, outOnly: true}
	tp.Dev("a:eth0").AddTap(tap)
	replies := countReplies(tp, "a", "203.0.113.2", inet.EchoOpts{Src: ip("203.0.113.1")}, 2)
	for _, h := range []string{"a", "b"} {
		for _, c := range xfrm.ForNamespace(tp.NS(h)).MIB.Snapshot() {
			if c.Value != 0 {
				t.Errorf("%s: %s = %d", h, c.Name, c.Value)
			}
		}
	}
	if replies != 2 || tap.protos[51] != 2 || len(tap.protos) != 1 {
		t.Errorf("ESP tunnel inside AH transport: %d replies, wire %v", replies, tap.protos)
	}
}
