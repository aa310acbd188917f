package vti_test

import (
	"bytes"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// site builds ha(203.0.113.2) - gwa - r - gwb - hb(203.0.113.66) with the
// underlay 192.0.2.0/24 (gwa-r) and 198.51.100.0/24 (r-gwb), and no
// route between the LANs except what the test adds.
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

const (
	keyAB = "0x0102030405060708090a0b0c0d0e0f1011121314"
	keyBA = "0x1112131415161718191a1b1c1d1e1f2021222324"
)

// ipCmds runs ip command lines in host.
func ipCmds(t *testing.T, tp *topo.Topo, host string, lines ...string) {
	t.Helper()
	tp.IP(t, host, lines...)
}

// gateway configures a vti gateway: vti0 (key 10) between local and
// remote, SAs without marks, mark-10 policies for any traffic, and the
// remote LAN routed into vti0.
func gateway(t *testing.T, tp *topo.Topo, host, local, remote, rnet string, spiOut, spiIn, kOut, kIn string) {
	gatewayEncap(t, tp, host, local, remote, rnet, spiOut, spiIn, kOut, kIn, "")
}

// gatewayEncap is gateway with SAs whose options end in encap (NAT-T:
// " encap espinudp 4500 4500 0.0.0.0").
func gatewayEncap(t *testing.T, tp *topo.Topo, host, local, remote, rnet string, spiOut, spiIn, kOut, kIn, encap string) {
	ipCmds(t, tp, host,
		"ip link add vti0 type vti local "+local+" remote "+remote+" key 10",
		"ip link set vti0 up",
		"ip xfrm state add src "+local+" dst "+remote+" proto esp spi "+spiOut+" mode tunnel aead rfc4106(gcm(aes)) "+kOut+" 128"+encap,
		"ip xfrm state add src "+remote+" dst "+local+" proto esp spi "+spiIn+" mode tunnel aead rfc4106(gcm(aes)) "+kIn+" 128"+encap,
		"ip xfrm policy add dir out mark 10 tmpl src "+local+" dst "+remote+" proto esp mode tunnel",
		"ip xfrm policy add dir in mark 10 tmpl src "+remote+" dst "+local+" proto esp mode tunnel",
		"ip route add "+rnet+" dev vti0",
	)
}

func vtiSites(t *testing.T) *topo.Topo {
	tp := site(t)
	gateway(t, tp, "gwa", "192.0.2.1", "198.51.100.2", "203.0.113.64/26", "0x100", "0x200", keyAB, keyBA)
	gateway(t, tp, "gwb", "198.51.100.2", "192.0.2.1", "203.0.113.0/26", "0x200", "0x100", keyBA, keyAB)
	return tp
}

// protoTap records the IP protocol of every IPv4 frame a device sees.
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

func TestSiteToSiteVTI(t *testing.T) {
	tp := vtiSites(t)
	tap := &protoTap{protos: map[uint8]int{}}
	tp.Dev("r:e0").AddTap(tap)
	if got := replies(tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 3)); got != 3 {
		t.Fatalf("replies = %d, want 3", got)
	}
	if got := replies(tp.Ping("hb", "203.0.113.2", inet.EchoOpts{}, 2)); got != 2 {
		t.Fatalf("replies back = %d, want 2", got)
	}
	if len(tap.protos) != 1 || tap.protos[header.IPProtoESP] == 0 {
		t.Errorf("underlay saw protocols %v, want only ESP", tap.protos)
	}
	for _, gw := range []string{"gwa", "gwb"} {
		d := tp.NS(gw).DeviceByName("vti0")
		s := d.Stats.Snapshot()
		if s.TxPackets != 5 || s.RxPackets != 5 || s.TxErrors != 0 || s.RxErrors != 0 {
			t.Errorf("%s vti0 stats %+v", gw, s)
		}
		for _, e := range xfrm.ForNamespace(tp.NS(gw)).MIB.Snapshot() {
			if e.Value != 0 {
				t.Errorf("%s: %s = %d", gw, e.Name, e.Value)
			}
		}
	}
}

func TestVTIUDP(t *testing.T) {
	tp := vtiSites(t)
	var got [][]byte
	c, err := inet.ListenUDP(tp.NS("hb"), netip.MustParseAddrPort("0.0.0.0:5000"), func(src, dst netip.AddrPort, p []byte) {
		got = append(got, bytes.Clone(p))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := inet.ListenUDP(tp.NS("ha"), netip.MustParseAddrPort("0.0.0.0:4000"), func(netip.AddrPort, netip.AddrPort, []byte) {})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 20; i++ {
		if err := s.SendTo(netip.MustParseAddrPort("203.0.113.66:5000"), []byte(strings.Repeat("x", 100+i)), inet.UDPOpts{}); err != nil {
			t.Fatal(err)
		}
		tp.Run()
	}
	tp.RunFor(1e9)
	if len(got) != 20 {
		t.Fatalf("received %d datagrams, want 20", len(got))
	}
}

// TestSiteToSiteVTINATT runs the vti tunnel over ESP-in-UDP (encap
// espinudp 4500 4500): Linux hands decapsulated ESP to the protocol
// handlers (xfrm4_rcv_encap), so vti claims it as it claims plain ESP.
func TestSiteToSiteVTINATT(t *testing.T) {
	tp := site(t)
	const enc = " encap espinudp 4500 4500 0.0.0.0"
	gatewayEncap(t, tp, "gwa", "192.0.2.1", "198.51.100.2", "203.0.113.64/26", "0x100", "0x200", keyAB, keyBA, enc)
	gatewayEncap(t, tp, "gwb", "198.51.100.2", "192.0.2.1", "203.0.113.0/26", "0x200", "0x100", keyBA, keyAB, enc)
	tap := &protoTap{protos: map[uint8]int{}}
	tp.Dev("r:e0").AddTap(tap)
	if got := replies(tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, 3)); got != 3 {
		t.Fatalf("replies = %d, want 3", got)
	}
	if len(tap.protos) != 1 || tap.protos[header.IPProtoUDP] == 0 {
		t.Errorf("underlay saw protocols %v, want only UDP", tap.protos)
	}
	for _, gw := range []string{"gwa", "gwb"} {
		s := tp.NS(gw).DeviceByName("vti0").Stats.Snapshot()
		if s.TxPackets != 3 || s.RxPackets != 3 || s.TxErrors != 0 || s.RxErrors != 0 {
			t.Errorf("%s vti0 stats %+v", gw, s)
		}
		for _, e := range xfrm.ForNamespace(tp.NS(gw)).MIB.Snapshot() {
			if e.Value != 0 {
				t.Errorf("%s: %s = %d", gw, e.Name, e.Value)
			}
		}
	}
}
