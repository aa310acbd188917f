package stack_test

import (
	"bytes"
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// TestIPCompTunnelUncompressed: a tunnel-mode IPComp SA sends packets
// below the threshold as plain IP in IP; the receiver decapsulates them
// through the kernel tunnel state (xfrm4_tunnel), which satisfies an
// optional (level use) IPComp template but not a required one
// (XfrmInTmplMismatch). Compressed packets pass either way. The kernel
// peer found that softnet answered Linux's small pings with ICMP protocol
// unreachable.
func TestIPCompTunnelUncompressed(t *testing.T) {
	for _, tc := range []struct {
		name              string
		optional          bool
		size              int
		replies, mismatch int
	}{
		{"small-optional", true, 56, 2, 0},
		{"large-optional", true, 1000, 2, 0},
		{"small-required", false, 56, 0, 2},
		{"large-required", false, 1000, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			packettest.CheckBalance(t)
			tp := loPair(t)
			sas := func(ns *netdev.Namespace, local, remote, lin, rin string) {
				for _, d := range [][2]string{{local, remote}, {remote, local}} {
					c := xfrm.Config{ID: xfrm.ID{Daddr: ip(d[1]), SPI: 0x100, Proto: xfrm.ProtoComp}, Saddr: ip(d[0]), Family: 4,
						Reqid: 1, Mode: xfrm.ModeTunnel, Comp: &xfrm.AlgSpec{Name: "deflate"}}
					if _, err := stack.AddState(ns, c, false); err != nil {
						t.Fatal(err)
					}
				}
				tmpl := func(src, dst string, opt bool) []xfrm.Tmpl {
					return []xfrm.Tmpl{{Saddr: ip(src), Daddr: ip(dst), Family: 4, Proto: xfrm.ProtoComp, Mode: xfrm.ModeTunnel, Reqid: 1, Optional: opt}}
				}
				sel := func(src, dst string) xfrm.Selector {
					return xfrm.Selector{Family: 4, Saddr: pfx(src + "/32"), Daddr: pfx(dst + "/32")}
				}
				for _, p := range []xfrm.PolicyConfig{
					{Selector: sel(lin, rin), Dir: xfrm.PolicyOut, Tmpls: tmpl(local, remote, false)},
					{Selector: sel(rin, lin), Dir: xfrm.PolicyIn, Tmpls: tmpl(remote, local, tc.optional)},
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
			replies := countReplies(tp, "a", "203.0.113.2", inet.EchoOpts{Src: ip("203.0.113.1"), Size: tc.size}, 2)
			wire := uint8(108)
			if tc.size < 90 {
				wire = 4
			}
			mismatch := xfrm.ForNamespace(tp.NS("b")).MIB.Get(xfrm.InTmplMismatch)
			if replies != tc.replies || mismatch != uint64(tc.mismatch) || tap.protos[wire] != 2 {
				t.Errorf("%d replies (want %d), XfrmInTmplMismatch %d (want %d), wire %v", replies, tc.replies, mismatch, tc.mismatch, tap.protos)
			}
		})
	}
}

// TestIPCompTunnelStateListed: `ip xfrm state` lists a tunnel-mode IPComp
// SA's kernel tunnel state as Linux does (proto 4, the source address as
// SPI, older than the IPComp SA so printed after it), `ip xfrm state
// count` counts it, and flush takes it away with its IPComp SA.
func TestIPCompTunnelStateListed(t *testing.T) {
	tp := topo.New(t)
	tp.Host("a")
	ipLines(t, tp, "a", "ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto comp spi 0x4242 mode tunnel comp deflate")
	env := &iproute.Env{World: tp.W, NS: tp.NS("a")}
	run := func(l string) string {
		var out bytes.Buffer
		if rc := iproute.RunLine(env, l, &out, &out); rc != 0 {
			t.Fatalf("%s: rc %d: %s", l, rc, out.String())
		}
		return out.String()
	}
	want := `src 192.0.2.1 dst 192.0.2.2
	proto comp spi 0x00004242 reqid 0 mode tunnel
	replay-window 0 
	comp deflate 
	anti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000
	sel src 0.0.0.0/0 dst 0.0.0.0/0 
src 192.0.2.1 dst 192.0.2.2
	proto 4 spi 0xc0000201 reqid 0 mode tunnel
	replay-window 0 
	anti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000
	sel src 0.0.0.0/0 dst 0.0.0.0/0 
`
	if got := run("ip xfrm state"); got != want {
		t.Errorf("ip xfrm state:\n%s\nwant:\n%s", got, want)
	}
	if got := run("ip xfrm state count"); got != "\t SAD count 2\n" {
		t.Errorf("ip xfrm state count: %q", got)
	}
	run("ip xfrm state flush")
	if got := run("ip xfrm state"); got != "" {
		t.Errorf("after flush:\n%s", got)
	}
}
