package iproute

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/xfrm"
)

// TestXfrmMonitorAcquire: ACQUIRE notifications printed as iproute2's
// xfrm_acquire_print does, plain and under -s (SPI, the larval state's
// sequence number, the template's algorithm masks, the policy's
// lifetimes), for IPv4 and IPv6 flows.
func TestXfrmMonitorAcquire(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		flow   xfrm.Flow
		fam    int
		stats  int
		want   string
	}{{
		name:   "icmp",
		policy: "ip xfrm policy add src 203.0.113.0/25 dst 203.0.113.128/25 dir out tmpl src 192.0.2.1 dst 198.51.100.2 proto esp reqid 1 mode tunnel",
		flow:   xfrm.Flow{Saddr: netip.MustParseAddr("203.0.113.1"), Daddr: netip.MustParseAddr("203.0.113.129"), Proto: 1, Sport: 8},
		fam:    4,
		want: "acquire proto esp \n" +
			"  sel src 203.0.113.1/32 dst 203.0.113.129/32 proto icmp type 8 code 0 \n" +
			"  policy src 203.0.113.0/25 dst 203.0.113.128/25 \n" +
			"    \tdir out priority 0 ptype main \n" +
			"    \ttmpl src 192.0.2.1 dst 198.51.100.2\n" +
			"    \t\tproto esp reqid 1 mode tunnel\n" +
			"\n",
	}, {
		name:   "any protocol, template SPI",
		policy: "ip xfrm policy add src 203.0.113.0/25 dst 203.0.113.128/25 dir out priority 7 tmpl src 192.0.2.1 dst 198.51.100.2 proto ah spi 0x1234 mode tunnel",
		flow:   xfrm.Flow{Saddr: netip.MustParseAddr("203.0.113.1"), Daddr: netip.MustParseAddr("203.0.113.129"), Proto: 0},
		fam:    4,
		want: "acquire proto ah spi 0x00001234 \n" +
			"  sel src 203.0.113.1/32 dst 203.0.113.129/32 sport 0 dport 0 \n" +
			"  policy src 203.0.113.0/25 dst 203.0.113.128/25 \n" +
			"    \tdir out priority 7 ptype main \n" +
			"    \ttmpl src 192.0.2.1 dst 198.51.100.2\n" +
			"    \t\tproto ah spi 0x00001234 reqid 0 mode tunnel\n" +
			"\n",
	}, {
		name:   "ipv6 udp with -s",
		policy: "ip xfrm policy add src 2001:db8:1::/64 dst 2001:db8:2::/64 dir out tmpl src 2001:db8::1 dst 2001:db8::2 proto esp reqid 5 mode tunnel",
		flow:   xfrm.Flow{Saddr: netip.MustParseAddr("2001:db8:1::1"), Daddr: netip.MustParseAddr("2001:db8:2::1"), Proto: 17, Sport: 5000, Dport: 53},
		fam:    6,
		stats:  1,
		want: "acquire proto esp spi 0x00000000(0) \n" +
			"  sel src 2001:db8:1::1/128 dst 2001:db8:2::1/128 proto udp sport 5000 dport 53 uid 0\n" +
			"  policy src 2001:db8:1::/64 dst 2001:db8:2::/64 uid 0\n" +
			"    \tdir out action allow index 1 priority 0 ptype main share any flag  (0x00000000)\n" +
			"    \tlifetime config:\n" +
			"    \t  limit: soft (INF)(bytes), hard (INF)(bytes)\n" +
			"    \t  limit: soft (INF)(packets), hard (INF)(packets)\n" +
			"    \t  expire add: soft 0(sec), hard 0(sec)\n" +
			"    \t  expire use: soft 0(sec), hard 0(sec)\n" +
			"    \tlifetime current:\n" +
			"    \t  0(bytes), 0(packets)\n" +
			"    \t  add " + time.Unix(1_000_000, 0).Local().Format("2006-01-02 15:04:05") + " use -\n" +
			"    \ttmpl src 2001:db8::1 dst 2001:db8::2\n" +
			"    \t\tproto esp spi 0x00000000(0) reqid 5(0x00000005) mode tunnel\n" +
			"    \t\tlevel required share any \n" +
			"    \t\tenc-mask ffffffff auth-mask ffffffff comp-mask ffffffff\n" +
			"  seq 0x00000001 enc-mask ffffffff auth-mask ffffffff comp-mask ffffffff\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, loop := xfrmEnv(t)
			if out, rc := runXfrm(env, tt.policy); rc != 0 {
				t.Fatal(out)
			}
			n := xfrm.ForNamespace(env.NS)
			pol := n.SPD.Lookup(xfrm.PolicyOut, tt.fam, &tt.flow, 0)
			if pol == nil {
				t.Fatal("no policy for the flow")
			}
			var mon bytes.Buffer
			defer XfrmMonitor(env, env.NS, &mon, tt.stats)()
			tmpl := pol.Cfg().Tmpls[0]
			bits := 32
			if tt.fam == 6 {
				bits = 128
			}
			sel := xfrm.Selector{Family: tt.fam, Daddr: netip.PrefixFrom(tt.flow.Daddr, bits), Saddr: netip.PrefixFrom(tt.flow.Saddr, bits),
				Proto: tt.flow.Proto, Sport: tt.flow.Sport, Dport: tt.flow.Dport, SportMask: 0xffff, DportMask: 0xffff}
			if !n.Acquire(pol, 0, tmpl, sel, loop.Now()) {
				t.Fatal("no ACQUIRE sent")
			}
			if got := mon.String(); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
