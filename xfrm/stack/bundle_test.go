package stack_test

import (
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// TestNestedBundle: host to host with two transport templates (ESP
// inside, AH outside, as `tmpl proto esp … tmpl proto ah …`): the wire
// carries AH, the receiver's SecPath is [AH, ESP] and satisfies the in
// policy (the receiving device's taps see the packet after each
// decapsulation, as on Linux); an in policy listing the templates the other way round does not.
func TestNestedBundle(t *testing.T) {
	for _, swapped := range []bool{false, true} {
		tp := topo.New(t)
		tp.Link("a:eth0", "b:eth0", "192.0.2.1/24", "192.0.2.2/24")
		key := make([]byte, 32)
		sas := func(ns *netdev.Namespace, local, remote string) {
			for _, d := range [][2]string{{local, remote}, {remote, local}} {
				for _, p := range []xfrm.Proto{xfrm.ProtoESP, xfrm.ProtoAH} {
					c := xfrm.Config{ID: xfrm.ID{Daddr: ip(d[1]), SPI: 0x1000 + uint32(p), Proto: p}, Saddr: ip(d[0]), Family: 4,
						Mode: xfrm.ModeTransport, ReplayWindow: 32, Auth: &xfrm.AuthSpec{Name: "hmac(sha256)", Key: key, Trunc: true, TruncBits: 128}}
					if p == xfrm.ProtoESP {
						c.Crypt = &xfrm.AlgSpec{Name: "cbc(aes)", Key: key[:16]}
					}
					if _, err := stack.AddState(ns, c, false); err != nil {
						t.Fatal(err)
					}
				}
			}
			spd := xfrm.ForNamespace(ns).SPD
			tmpls := func(src, dst string) []xfrm.Tmpl {
				return []xfrm.Tmpl{
					{Saddr: ip(src), Daddr: ip(dst), Proto: xfrm.ProtoESP, Mode: xfrm.ModeTransport},
					{Saddr: ip(src), Daddr: ip(dst), Proto: xfrm.ProtoAH, Mode: xfrm.ModeTransport},
				}
			}
			sel := func(src, dst string) xfrm.Selector {
				return xfrm.Selector{Family: 4, Saddr: pfx(src + "/32"), Daddr: pfx(dst + "/32")}
			}
			in := tmpls(remote, local)
			if swapped {
				in[0], in[1] = in[1], in[0]
			}
			for _, p := range []xfrm.PolicyConfig{
				{Selector: sel(local, remote), Dir: xfrm.PolicyOut, Tmpls: tmpls(local, remote)},
				{Selector: sel(remote, local), Dir: xfrm.PolicyIn, Tmpls: in},
			} {
				if _, err := spd.Add(p); err != nil {
					t.Fatal(err)
				}
			}
		}
		sas(tp.NS("a"), "192.0.2.1", "192.0.2.2")
		sas(tp.NS("b"), "192.0.2.2", "192.0.2.1")
		tap := &protoTap{protos: map[uint8]int{}, outOnly: true}
		tp.Dev("a:eth0").AddTap(tap)
		got := tp.Ping("a", "192.0.2.2", inet.EchoOpts{}, 2)
		replies := 0
		for _, e := range got {
			if e.Reply {
				replies++
			}
		}
		mismatch := xfrm.ForNamespace(tp.NS("b")).MIB.Get(xfrm.InTmplMismatch)
		switch {
		case !swapped && (replies != 2 || mismatch != 0 || tap.protos[51] != 2 || len(tap.protos) != 1):
			t.Errorf("ESP+AH: %d replies, XfrmInTmplMismatch %d, wire %v", replies, mismatch, tap.protos)
		case swapped && (replies != 0 || mismatch != 2):
			t.Errorf("templates in the wrong order: %d replies, XfrmInTmplMismatch %d", replies, mismatch)
		}
	}
}
