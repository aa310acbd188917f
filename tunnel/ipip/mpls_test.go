package ipip_test

import (
	"bytes"
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/mpls"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// TestMPLSOverIP: a pushes label 100 onto traffic for b's LAN, the ipip
// tunnel carries it as protocol 137, b pops it and delivers; the replies
// come back with label 200.
func TestMPLSOverIP(t *testing.T) {
	for _, mode := range []string{"mode mplsip", "mode any"} {
		t.Run(mode, func(t *testing.T) {
			tp := sites(t, mode)
			for _, c := range []struct{ h, lan, peerLAN, out, in string }{
				{"a", "203.0.113.65/26", "203.0.113.128/26", "100", "200"},
				{"b", "203.0.113.129/26", "203.0.113.64/26", "200", "100"},
			} {
				ip(t, tp, c.h, "ip link add d1 type dummy")
				ip(t, tp, c.h, "ip link set d1 up")
				ip(t, tp, c.h, "ip addr add "+c.lan+" dev d1")
				ip(t, tp, c.h, "ip route add "+c.peerLAN+" encap mpls "+c.out+" dev t0")
				ip(t, tp, c.h, "sysctl -w net.mpls.platform_labels=1000")
				ip(t, tp, c.h, "sysctl -w net.mpls.conf.t0.input=1")
				self := c.lan[:len(c.lan)-3]
				ip(t, tp, c.h, "ip -f mpls route add "+c.in+" via inet "+self+" dev lo")
			}
			var protos []uint8
			tp.Dev("r:eth1").AddTap(tapFunc(func(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
				if f := b.Bytes(); dir == netdev.DirOut && len(f) > 34 && f[12] == 8 && f[13] == 0 {
					protos = append(protos, f[14+9])
				}
			}))
			got := tp.Ping("a", "203.0.113.129", inet.EchoOpts{Src: mustAddr("203.0.113.65")}, 2)
			if len(got) != 2 || !got[0].Reply || !got[1].Reply {
				t.Fatalf("got %+v", got)
			}
			if got[0].TTL != 63 {
				t.Errorf("reply TTL %d, want 63 (label TTL propagated and decremented once)", got[0].TTL)
			}
			if len(protos) == 0 {
				t.Error("no IPv4 packets seen on the wire")
			}
			for _, p := range protos {
				if p != 137 {
					t.Errorf("outer protocol %d on the wire, want 137", p)
				}
			}
			var out bytes.Buffer
			iproute.RunLine(&iproute.Env{World: tp.W, NS: tp.NS("b")}, "ip -f mpls route show", &out, &out)
			if want := "100 via inet 203.0.113.129 dev lo \n"; out.String() != want {
				t.Errorf("mpls route show: %q, want %q", out.String(), want)
			}
		})
	}
}

// TestMPLSInputDisabled: without net.mpls.conf.t0.input the receiver
// drops the labelled packets.
func TestMPLSInputDisabled(t *testing.T) {
	tp := sites(t, "")
	ip(t, tp, "a", "ip route add 203.0.113.128/26 encap mpls 100 dev t0")
	ip(t, tp, "b", "sysctl -w net.mpls.platform_labels=1000")
	ip(t, tp, "b", "ip -f mpls route add 100 via inet 203.0.113.2 dev lo")
	tp.Ping("a", "203.0.113.129", inet.EchoOpts{Src: mustAddr("203.0.113.1")}, 1)
	if n := tp.Dev("b:t0").Drops.Get(mpls.DropInputDisabled); n != 1 {
		t.Errorf("MPLS_INPUT_DISABLED %d, want 1", n)
	}
}

// TestMPLSModeIPIPRefuses: a tunnel in mode ipip does not carry MPLS.
func TestMPLSModeIPIPRefuses(t *testing.T) {
	tp := sites(t, "mode ipip")
	ip(t, tp, "a", "ip route add 203.0.113.128/26 encap mpls 100 dev t0")
	tp.Ping("a", "203.0.113.129", inet.EchoOpts{Src: mustAddr("203.0.113.1")}, 1)
	if n := tp.Dev("a:t0").Stats.TxErrors.Load(); n != 1 {
		t.Errorf("tx_errors %d, want 1", n)
	}
}
