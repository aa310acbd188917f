package stack_test

import (
	"encoding/binary"
	"sync"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// ndTap counts the IPv6 frames a device sends: neighbour solicitations
// and advertisements in clear, and ESP.
type ndTap struct {
	mu          sync.Mutex
	ns, na, esp int
}

func (a *ndTap) Tap(_ *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	data := b.Bytes()
	if dir != netdev.DirOut || len(data) < 14+40+1 || binary.BigEndian.Uint16(data[12:]) != 0x86DD {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch data[14+6] {
	case header.IPProtoESP:
		a.esp++
	case header.IPProtoICMPv6:
		switch data[14+40] {
		case header.ICMPv6NeighborSolicit:
			a.ns++
		case header.ICMPv6NeighborAdvert:
			a.na++
		}
	}
}

// TestNDPThroughXfrm: neighbour discovery goes through the output policy
// lookup as on Linux (ndisc_send_skb's icmp6_dst_alloc calls
// xfrm_lookup). Two hosts protect all IPv6 traffic with ESP in transport
// mode; with the usual bypass policies for ICMPv6 135 and 136 the
// solicitations and advertisements go out in clear and pings travel in
// ESP; without them the solicitation to the solicited-node group finds
// no state for its template (XfrmOutNoStates), never reaches the wire,
// and the ping goes unanswered.
func TestNDPThroughXfrm(t *testing.T) {
	const key = "0x000102030405060708090a0b0c0d0e0f10111213"
	for _, bypass := range []bool{true, false} {
		name := "bypass"
		if !bypass {
			name = "no bypass"
		}
		t.Run(name, func(t *testing.T) {
			tp := topo.New(t)
			tp.Host("a")
			tp.Host("b")
			tp.Link("a:eth0", "b:eth0", "2001:db8::1/64", "2001:db8::2/64")
			for _, h := range []struct{ host, local, remote, spiOut, spiIn string }{
				{"a", "2001:db8::1", "2001:db8::2", "0x100", "0x200"},
				{"b", "2001:db8::2", "2001:db8::1", "0x200", "0x100"},
			} {
				ipLines(t, tp, h.host,
					"ip xfrm state add src "+h.local+" dst "+h.remote+" proto esp spi "+h.spiOut+" mode transport aead rfc4106(gcm(aes)) "+key+" 128",
					"ip xfrm state add src "+h.remote+" dst "+h.local+" proto esp spi "+h.spiIn+" mode transport aead rfc4106(gcm(aes)) "+key+" 128",
					"ip xfrm policy add src ::/0 dst ::/0 dir out priority 100 tmpl proto esp mode transport",
					"ip xfrm policy add src ::/0 dst ::/0 dir in priority 100 tmpl proto esp mode transport",
				)
				if bypass {
					for _, typ := range []string{"135", "136"} {
						for _, dir := range []string{"out", "in"} {
							ipLines(t, tp, h.host, "ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type "+typ+" dir "+dir+" priority 10")
						}
					}
				}
			}
			tap := &ndTap{}
			tp.Dev("a:eth0").AddTap(tap)
			if bypass {
				pingAll(t, tp, "a", "2001:db8::2", 3)
				checkClean(t, tp, "a", "b")
				if tap.ns == 0 || tap.esp != 3 {
					t.Errorf("a sent %d NS, %d NA, %d ESP; want NS in clear and 3 ESP", tap.ns, tap.na, tap.esp)
				}
				return
			}
			if n := echoReplies(tp, "a", "2001:db8::2"); n != 0 {
				t.Fatalf("%d replies without NDP bypass policies, want 0", n)
			}
			if tap.ns != 0 || tap.na != 0 || tap.esp != 0 {
				t.Errorf("a sent %d NS, %d NA, %d ESP; want nothing", tap.ns, tap.na, tap.esp)
			}
			if n := xfrm.ForNamespace(tp.NS("a")).MIB.Get(xfrm.OutNoStates); n == 0 {
				t.Error("XfrmOutNoStates = 0, want > 0")
			}
		})
	}
}

// TestNDPInESP: with SAs for the solicited-node groups as well, the
// output lookup transforms the neighbour solicitation itself: it leaves
// as ESP (no NDP in clear), the peer decrypts it and answers, pings are
// answered, and the solicitation is counted as ICMPv6 output
// (Icmp6OutNeighborSolicits), as ndisc_send_skb counts what dst_output
// accepted.
func TestNDPInESP(t *testing.T) {
	const key = "0x000102030405060708090a0b0c0d0e0f10111213"
	tp := topo.New(t)
	tp.Host("a")
	tp.Host("b")
	tp.Link("a:eth0", "b:eth0", "2001:db8::1/64", "2001:db8::2/64")
	for _, h := range []string{"a", "b"} {
		lines := []string{
			"ip xfrm policy add src ::/0 dst ::/0 dir out priority 100 tmpl proto esp mode transport",
			"ip xfrm policy add src ::/0 dst ::/0 dir in priority 100 tmpl proto esp mode transport",
		}
		for _, sa := range [][3]string{
			{"2001:db8::1", "2001:db8::2", "0x100"}, {"2001:db8::2", "2001:db8::1", "0x200"},
			{"2001:db8::1", "ff02::1:ff00:2", "0x300"}, {"2001:db8::2", "ff02::1:ff00:1", "0x400"},
		} {
			lines = append(lines, "ip xfrm state add src "+sa[0]+" dst "+sa[1]+" proto esp spi "+sa[2]+
				" mode transport aead rfc4106(gcm(aes)) "+key+" 128")
		}
		ipLines(t, tp, h, lines...)
	}
	tap := &ndTap{}
	tp.Dev("a:eth0").AddTap(tap)
	nsBefore := inet.CounterValue(tp.NS("a"), "Icmp6OutNeighborSolicits") // DAD, before the policies
	pingAll(t, tp, "a", "2001:db8::2", 3)
	if tap.ns != 0 || tap.na != 0 || tap.esp < 4 {
		t.Errorf("a sent %d NS, %d NA in clear, %d ESP; want none in clear and ≥ 4 ESP (NS + 3 pings)", tap.ns, tap.na, tap.esp)
	}
	if n := inet.CounterValue(tp.NS("a"), "Icmp6OutNeighborSolicits") - nsBefore; n == 0 {
		t.Error("Icmp6OutNeighborSolicits +0 on a: the solicitation sent in ESP was not counted")
	}
	if n := xfrm.ForNamespace(tp.NS("a")).MIB.Get(xfrm.OutNoStates); n != 0 {
		t.Errorf("XfrmOutNoStates = %d, want 0", n)
	}
}
