package stack_test

import (
	"encoding/binary"
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

const (
	ahKeyAB = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	ahKeyBA = "0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
)

// ipLines runs ip command lines in host.
func ipLines(t *testing.T, tp *topo.Topo, host string, lines ...string) {
	t.Helper()
	tp.IP(t, host, lines...)
}

// ah6Tap counts the IPv6 frames a device sees whose first header after
// the fixed header is AH, by the header AH protects, and the echo
// requests and replies sent in clear.
type ah6Tap struct {
	mu    sync.Mutex
	ah    map[uint8]int
	clear int
}

func (a *ah6Tap) Tap(_ *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	data := b.Bytes()
	if len(data) < 14+40+12 || binary.BigEndian.Uint16(data[12:]) != 0x86DD {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch data[14+6] {
	case header.IPProtoAH:
		a.ah[data[14+40]]++
	case header.IPProtoICMPv6:
		if t := data[14+40]; dir == netdev.DirOut && (t == header.ICMPv6EchoRequest || t == header.ICMPv6EchoReply) {
			a.clear++
		}
	}
}

// checkClean fails t for any xfrm MIB counter, IPv6 input error counter
// or device drop in the hosts.
func checkClean(t *testing.T, tp *topo.Topo, hosts ...string) {
	t.Helper()
	for _, h := range hosts {
		ns := tp.NS(h)
		for _, e := range xfrm.ForNamespace(ns).MIB.Snapshot() {
			if e.Value != 0 {
				t.Errorf("%s: %s = %d", h, e.Name, e.Value)
			}
		}
		for _, c := range inet.SNMP(ns) {
			if strings.HasPrefix(c.Name, "Ip6In") && strings.Contains(c.Name, "Err") ||
				c.Name == "Ip6InUnknownProtos" || c.Name == "Ip6InDiscards" || c.Name == "Ip6InNoRoutes" {
				if c.Value != 0 {
					t.Errorf("%s: %s = %d", h, c.Name, c.Value)
				}
			}
		}
		for _, d := range ns.Devices() {
			if drops := d.Drops.Nonzero(); len(drops) != 0 {
				t.Errorf("%s: %s dropped %v", h, d.Name(), drops)
			}
		}
	}
}

// pingAll pings to from host count times and fails t unless every
// request is answered by to.
func pingAll(t *testing.T, tp *topo.Topo, host, to string, count int) {
	t.Helper()
	got := tp.Ping(host, to, inet.EchoOpts{}, count)
	replies := 0
	for _, e := range got {
		if e.Reply && e.From == ip(to) {
			replies++
		}
	}
	if replies != count {
		t.Errorf("ping %s from %s: %d replies: %+v", to, host, replies, got)
	}
}

// TestAH6Transport: two hosts on one wire protect all their IPv6
// traffic with AH in transport mode, configured with ip xfrm; pings both
// ways are answered, every echo on the wire is inside AH (next header
// ICMPv6), and no xfrm or IPv6 input error counter or drop moves.
func TestAH6Transport(t *testing.T) {
	for _, auth := range []string{"auth hmac(sha256) %s", "auth-trunc hmac(sha256) %s 128"} {
		t.Run(strings.Fields(auth)[0], func(t *testing.T) {
			tp := topo.New(t)
			tp.Host("a")
			tp.Host("b")
			tp.Link("a:eth0", "b:eth0", "2001:db8::1/64", "2001:db8::2/64")
			for _, h := range []struct{ host, local, remote, kOut, kIn, spiOut, spiIn string }{
				{"a", "2001:db8::1", "2001:db8::2", ahKeyAB, ahKeyBA, "0x100", "0x200"},
				{"b", "2001:db8::2", "2001:db8::1", ahKeyBA, ahKeyAB, "0x200", "0x100"},
			} {
				ipLines(t, tp, h.host,
					"ip xfrm state add src "+h.local+" dst "+h.remote+" proto ah spi "+h.spiOut+" mode transport "+sprintf(auth, h.kOut),
					"ip xfrm state add src "+h.remote+" dst "+h.local+" proto ah spi "+h.spiIn+" mode transport "+sprintf(auth, h.kIn),
					"ip xfrm policy add src "+h.local+"/128 dst "+h.remote+"/128 dir out priority 100 tmpl proto ah mode transport",
					"ip xfrm policy add src "+h.remote+"/128 dst "+h.local+"/128 dir in priority 100 tmpl proto ah mode transport",
				)
				// Neighbour discovery in clear, as IPsec hosts configure it.
				for _, typ := range []string{"135", "136"} {
					for _, dir := range []string{"out", "in"} {
						ipLines(t, tp, h.host, "ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type "+typ+" dir "+dir+" priority 10")
					}
				}
			}
			tap := &ah6Tap{ah: map[uint8]int{}}
			tp.Dev("a:eth0").AddTap(tap)
			pingAll(t, tp, "a", "2001:db8::2", 3)
			pingAll(t, tp, "b", "2001:db8::1", 3)
			// 3 requests and 3 replies each way, both directions seen on a.
			if tap.ah[header.IPProtoICMPv6] != 12 || tap.clear != 0 || len(tap.ah) != 1 {
				t.Errorf("wire saw AH protecting %v and %d clear echo frames, want 12 AH frames of ICMPv6", tap.ah, tap.clear)
			}
			checkClean(t, tp, "a", "b")
		})
	}
}

// TestAH6Tunnel: site6's gateways join their LANs with an AH tunnel
// over IPv6; ha's pings to hb are answered, the underlay carries the
// inner IPv6 packets inside AH, and no error counter or drop moves on
// the hosts or gateways.
func TestAH6Tunnel(t *testing.T) {
	tp := site6(t)
	for _, g := range []struct{ host, local, remote, lnet, rnet, kOut, kIn, spiOut, spiIn string }{
		{"gwa", "2001:db8:a::1", "2001:db8:b::2", "2001:db8:1::/48", "2001:db8:2::/48", ahKeyAB, ahKeyBA, "0x100", "0x200"},
		{"gwb", "2001:db8:b::2", "2001:db8:a::1", "2001:db8:2::/48", "2001:db8:1::/48", ahKeyBA, ahKeyAB, "0x200", "0x100"},
	} {
		tmplOut := " tmpl src " + g.local + " dst " + g.remote + " proto ah mode tunnel reqid 1"
		tmplIn := " tmpl src " + g.remote + " dst " + g.local + " proto ah mode tunnel reqid 1"
		ipLines(t, tp, g.host,
			"ip xfrm state add src "+g.local+" dst "+g.remote+" proto ah spi "+g.spiOut+" reqid 1 mode tunnel auth-trunc hmac(sha256) "+g.kOut+" 128",
			"ip xfrm state add src "+g.remote+" dst "+g.local+" proto ah spi "+g.spiIn+" reqid 1 mode tunnel auth-trunc hmac(sha256) "+g.kIn+" 128",
			"ip xfrm policy add src "+g.lnet+" dst "+g.rnet+" dir out"+tmplOut,
			"ip xfrm policy add src "+g.rnet+" dst "+g.lnet+" dir in"+tmplIn,
			"ip xfrm policy add src "+g.rnet+" dst "+g.lnet+" dir fwd"+tmplIn,
		)
	}
	tap := &ah6Tap{ah: map[uint8]int{}}
	tp.Dev("r:e0").AddTap(tap)
	pingAll(t, tp, "ha", "2001:db8:2::2", 3)
	pingAll(t, tp, "hb", "2001:db8:1::2", 3)
	// 3 requests and 3 replies each way cross r:e0.
	if tap.ah[header.IPProtoIPv6] != 12 || len(tap.ah) != 1 || tap.clear != 0 {
		t.Errorf("underlay saw AH protecting %v and %d clear echo frames, want 12 AH frames of IPv6", tap.ah, tap.clear)
	}
	checkClean(t, tp, "ha", "gwa", "gwb", "hb")
}

func sprintf(format, key string) string { return strings.Replace(format, "%s", key, 1) }
