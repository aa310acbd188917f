package ipip_test

import (
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// udpSites is sites() with FOU or GUE: both ends listen on 5555 and send
// to it.
func udpSites(t *testing.T, kind, csum string) *topo.Topo {
	listen := "ipproto 4"
	if kind == "gue" {
		listen = "gue"
	}
	tp := sites(t, "encap "+kind+" encap-sport auto encap-dport 5555 "+csum)
	for _, h := range []string{"a", "b"} {
		ip(t, tp, h, "ip fou add port 5555 "+listen)
	}
	return tp
}

// TestFOUGUE pings through FOU and GUE tunnels, with and without UDP
// checksums, and checks the wire format on the router's egress.
func TestFOUGUE(t *testing.T) {
	for _, tc := range []struct{ kind, csum string }{
		{"fou", "noencap-csum"}, {"fou", "encap-csum"}, {"gue", ""}, {"gue", "encap-csum"},
	} {
		t.Run(tc.kind+"/"+tc.csum, func(t *testing.T) {
			tp := udpSites(t, tc.kind, tc.csum)
			var wire [][]byte
			tp.Dev("r:eth1").AddTap(tapFunc(func(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
				if dir == netdev.DirOut {
					wire = append(wire, append([]byte(nil), b.Bytes()...))
				}
			}))
			got := tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 2)
			if len(got) != 2 || !got[0].Reply || !got[1].Reply {
				t.Fatalf("got %+v", got)
			}
			if mtu := tp.Dev("a:t0").MTU(); (tc.kind == "fou" && mtu != 1472) || (tc.kind == "gue" && mtu != 1468) {
				t.Errorf("MTU %d", mtu)
			}
			var outerPkt header.IPv4
			for _, f := range wire {
				ip := header.IPv4(f[header.EthernetMinimumSize:])
				if ip.Protocol() == header.IPProtoUDP {
					outerPkt = ip
					break
				}
			}
			if outerPkt == nil {
				t.Fatal("no UDP-encapsulated packet on the wire")
			}
			u := header.UDP(outerPkt.Payload())
			if u.DestinationPort() != 5555 || u.SourcePort() < 32768 || u.SourcePort() >= 61000 {
				t.Errorf("ports %d → %d", u.SourcePort(), u.DestinationPort())
			}
			if (tc.csum == "encap-csum") != (u.Checksum() != 0) {
				t.Errorf("checksum %#x with %q", u.Checksum(), tc.csum)
			}
			if u.Checksum() != 0 && !u.IsChecksumValid(outerPkt.SourceSlice(), outerPkt.DestinationSlice()) {
				t.Error("bad UDP checksum")
			}
			p := u.Payload()
			if tc.kind == "gue" {
				if p[0] != 0 || p[1] != header.IPProtoIPIP || p[2] != 0 || p[3] != 0 {
					t.Errorf("GUE header % x", p[:4])
				}
				p = p[4:]
			}
			if in := header.IPv4(p); in.Destination() != mustAddr("203.0.113.2") {
				t.Errorf("inner %+v", in.Fields())
			}
		})
	}
}

// TestFOUNoPort: without ip fou on the receiver the datagrams get ICMP
// port unreachable.
func TestFOUNoPort(t *testing.T) {
	tp := sites(t, "encap fou encap-dport 5555")
	before := inet.CounterValue(tp.NS("b"), "UdpNoPorts")
	got := tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 1)
	if len(got) != 0 {
		t.Errorf("got %+v", got)
	}
	if n := inet.CounterValue(tp.NS("b"), "UdpNoPorts") - before; n != 1 {
		t.Errorf("UdpNoPorts +%d", n)
	}
}

type tapFunc func(d *netdev.Device, b *packet.Buffer, dir netdev.Direction)

func (f tapFunc) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) { f(d, b, dir) }

// hookFunc is a tc hook from a function.
type hookFunc func(d *netdev.Device, b *packet.Buffer) netdev.Verdict

func (f hookFunc) RunHook(d *netdev.Device, b *packet.Buffer) netdev.Verdict { return f(d, b) }

// TestExternalMode: a collect_md tunnel on a sends by route encap (ip
// route … encap ip dst B dev t0) and receives everything with metadata.
func TestExternalMode(t *testing.T) {
	tp := topo.New(t)
	tp.Host("a")
	tp.Router("r")
	tp.Host("b")
	tp.Link("a:eth0", "r:eth0", "192.0.2.1/24", "192.0.2.254/24")
	tp.Link("r:eth1", "b:eth0", "198.51.100.254/24", "198.51.100.2/24")
	tp.Route("a", "default", "192.0.2.254")
	tp.Route("b", "default", "198.51.100.254")
	ip(t, tp, "a", "ip link add t0 type ipip external")
	ip(t, tp, "a", "ip link set t0 up")
	ip(t, tp, "a", "ip addr add 203.0.113.1/32 dev t0")
	ip(t, tp, "a", "ip route add 203.0.113.2/32 encap ip dst 198.51.100.2 ttl 40 dev t0")
	ip(t, tp, "b", "ip link add t0 type ipip remote 192.0.2.1 local 198.51.100.2")
	ip(t, tp, "b", "ip link set t0 up")
	ip(t, tp, "b", "ip addr add 203.0.113.2/30 dev t0")
	ip(t, tp, "b", "ip route add 203.0.113.1/32 dev t0")
	var md []packet.TunnelInfo
	tp.Dev("a:t0").SetIngressHook(hookFunc(func(d *netdev.Device, b *packet.Buffer) netdev.Verdict {
		md = append(md, b.Tunnel)
		return netdev.VerdictPass
	}))
	var ttls []uint8
	tp.Dev("r:eth0").AddTap(tapFunc(func(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
		f := b.Bytes()
		if len(f) > header.EthernetMinimumSize && f[0]>>4 != 4 {
			f = f[header.EthernetMinimumSize:]
		}
		if ip := header.IPv4(f); dir == netdev.DirIn && ip.Protocol() == header.IPProtoIPIP {
			ttls = append(ttls, ip.TTL())
		}
	}))
	got := tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 2)
	if len(got) != 2 || !got[0].Reply {
		t.Fatalf("got %+v; a:t0 %+v", got, tp.Dev("a:t0").Stats.Snapshot())
	}
	if len(md) != 2 || !md[0].Present || md[0].Src != mustAddr("198.51.100.2") || md[0].Dst != mustAddr("192.0.2.1") || md[0].TTL != 63 {
		t.Errorf("rx metadata %+v", md)
	}
	if len(ttls) != 2 || ttls[0] != 40 {
		t.Errorf("outer TTLs on the wire %v, want 40 from the route", ttls)
	}
	ip(t, tp, "a", "ip route del 203.0.113.2/32")
	ip(t, tp, "a", "ip route add 203.0.113.2/32 dev t0")
	tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 1)
	if n := tp.Dev("a:t0").Stats.TxErrors.Load(); n != 1 {
		t.Errorf("no metadata: tx_errors %d, want 1", n)
	}
}
