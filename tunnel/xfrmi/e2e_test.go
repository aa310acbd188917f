package xfrmi_test

import (
	"sync"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

const (
	keyAB = "0x0102030405060708090a0b0c0d0e0f1011121314"
	keyBA = "0x1112131415161718191a1b1c1d1e1f2021222324"
)

func site(t *testing.T) *topo.Topo {
	tp := topo.New(t)
	tp.Host("ha")
	tp.Router("gwa")
	tp.Router("r")
	tp.Router("gwb")
	tp.Host("hb")
	tp.Link("ha:eth0", "gwa:lan", "203.0.113.2/26", "203.0.113.1/26")
	tp.Link("gwa:wan", "r:e0", "192.0.2.1/24", "192.0.2.254/24")
	tp.Link("r:e1", "gwb:wan", "198.51.100.254/24", "198.51.100.2/24")
	tp.Link("gwb:lan", "hb:eth0", "203.0.113.65/26", "203.0.113.66/26")
	tp.Route("ha", "default", "203.0.113.1")
	tp.Route("hb", "default", "203.0.113.65")
	tp.Route("gwa", "default", "192.0.2.254")
	tp.Route("gwb", "default", "198.51.100.254")
	return tp
}

func ipCmds(t *testing.T, tp *topo.Topo, host string, lines ...string) {
	t.Helper()
	tp.IP(t, host, lines...)
}

// gateway configures an xfrm interface gateway whose SAs end in encap
// ("" or, for NAT-T, " encap espinudp 4500 4500 0.0.0.0").
func gateway(t *testing.T, tp *topo.Topo, host, local, remote, rnet, spiOut, spiIn, kOut, kIn, encap string) {
	ipCmds(t, tp, host,
		"ip link add ipsec0 type xfrm dev wan if_id 7",
		"ip link set ipsec0 up",
		"ip xfrm state add src "+local+" dst "+remote+" proto esp spi "+spiOut+" mode tunnel if_id 7 aead rfc4106(gcm(aes)) "+kOut+" 128"+encap,
		"ip xfrm state add src "+remote+" dst "+local+" proto esp spi "+spiIn+" mode tunnel if_id 7 aead rfc4106(gcm(aes)) "+kIn+" 128"+encap,
		"ip xfrm policy add dir out if_id 7 tmpl src "+local+" dst "+remote+" proto esp mode tunnel",
		"ip xfrm policy add dir in if_id 7 tmpl src "+remote+" dst "+local+" proto esp mode tunnel",
		"ip route add "+rnet+" dev ipsec0",
	)
}

type protoTap struct {
	mu     sync.Mutex
	protos map[uint8]int
}

func (p *protoTap) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	data := b.Bytes()
	if len(data) < 14+20 || data[12] != 0x08 || data[13] != 0 {
		return
	}
	p.mu.Lock()
	p.protos[header.IPv4(data[14:]).Protocol()]++
	p.mu.Unlock()
}

func replies(ev []inet.EchoEvent) int {
	n := 0
	for _, e := range ev {
		if e.Reply {
			n++
		}
	}
	return n
}

// TestSiteToSiteXfrmi runs the xfrm interfaces over plain ESP and over
// ESP-in-UDP (NAT-T), which reaches xfrm input the same way.
func TestSiteToSiteXfrmi(t *testing.T) {
	for _, tc := range []struct {
		name, encap string
		proto       uint8
	}{
		{"esp", "", header.IPProtoESP},
		{"espinudp", " encap espinudp 4500 4500 0.0.0.0", header.IPProtoUDP},
	} {
		t.Run(tc.name, func(t *testing.T) { siteToSiteXfrmi(t, tc.encap, tc.proto) })
	}
}

func siteToSiteXfrmi(t *testing.T, encap string, proto uint8) {
	tp := site(t)
	gateway(t, tp, "gwa", "192.0.2.1", "198.51.100.2", "203.0.113.64/26", "0x100", "0x200", keyAB, keyBA, encap)
	gateway(t, tp, "gwb", "198.51.100.2", "192.0.2.1", "203.0.113.0/26", "0x200", "0x100", keyBA, keyAB, encap)
	tap := &protoTap{protos: map[uint8]int{}}
	tp.Dev("r:e0").AddTap(tap)
	if got := replies(tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 3)); got != 3 {
		t.Fatalf("replies = %d, want 3", got)
	}
	if len(tap.protos) != 1 || tap.protos[proto] == 0 {
		t.Errorf("underlay saw %v, want only protocol %d", tap.protos, proto)
	}
	for _, gw := range []string{"gwa", "gwb"} {
		s := tp.NS(gw).DeviceByName("ipsec0").Stats.Snapshot()
		if s.TxPackets != 3 || s.RxPackets != 3 {
			t.Errorf("%s ipsec0 %+v", gw, s)
		}
		for _, e := range xfrm.ForNamespace(tp.NS(gw)).MIB.Snapshot() {
			if e.Value != 0 {
				t.Errorf("%s: %s = %d", gw, e.Name, e.Value)
			}
		}
	}
}

// TestXfrmiFaults: a state without the interface's if_id (or none) is a
// carrier error with ICMP to the sender; a policy check failure on
// receive is an rx error.
func TestXfrmiFaults(t *testing.T) {
	tp := site(t)
	ipCmds(t, tp, "gwa",
		"ip link add ipsec0 type xfrm dev wan if_id 7",
		"ip link set ipsec0 up",
		"ip route add 203.0.113.64/26 dev ipsec0")
	ev := tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 2)
	s := tp.NS("gwa").DeviceByName("ipsec0").Stats.Snapshot()
	if replies(ev) != 0 || s.TxCarrierErrors != 2 || s.TxErrors != 2 {
		t.Errorf("stats %+v", s)
	}
	unreach := 0
	for _, e := range ev {
		if e.Type == header.ICMPv4DestUnreach && e.Code == header.ICMPv4HostUnreach {
			unreach++
		}
	}
	if unreach != 2 {
		t.Errorf("events %+v", ev)
	}
}
