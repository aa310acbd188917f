package stack

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/xfrm"
)

func TestDecodeReverseQuoted(t *testing.T) {
	a, b := netip.MustParseAddr("203.0.113.2"), netip.MustParseAddr("203.0.113.130")
	v4 := func(proto uint8, l4 []byte) []byte {
		return build.IPv4(build.IPv4Opts{Src: a, Dst: b, Proto: proto}, l4)
	}
	udp := v4(header.IPProtoUDP, build.UDP(1000, 2000, []byte("x")))
	echo := v4(header.IPProtoICMP, build.ICMPEcho(1, 2, nil))
	errOf := func(inner []byte) []byte {
		return build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("198.51.100.2"), Dst: a, Proto: header.IPProtoICMP},
			build.ICMPv4(header.ICMPv4TimeExceeded, 0, 0, inner))
	}
	cases := []struct {
		name       string
		pkt        []byte
		errorsOnly bool
		ok         bool
		want       xfrm.Flow
	}{
		{"udp quoted: addresses and ports swapped", errOf(udp), true, true,
			xfrm.Flow{Saddr: b, Daddr: a, Proto: header.IPProtoUDP, Sport: 2000, Dport: 1000}},
		{"echo quoted: type and code stay", errOf(echo), true, true,
			xfrm.Flow{Saddr: b, Daddr: a, Proto: header.IPProtoICMP, Sport: 8, Dport: 0}},
		{"echo is not an error", echo, true, false, xfrm.Flow{}},
		{"not icmp", udp, false, false, xfrm.Flow{}},
		{"truncated", errOf(udp)[:20+8+10], true, false, xfrm.Flow{}},
		{"empty", nil, false, false, xfrm.Flow{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inner, ok := icmpQuoted(c.pkt, c.errorsOnly)
			if ok != c.ok {
				t.Fatalf("icmpQuoted ok = %v, want %v", ok, c.ok)
			}
			if !ok {
				return
			}
			var f xfrm.Flow
			if fam, ok := decodeReverse(inner, &f); !ok || fam != 4 {
				t.Fatalf("decodeReverse = %d, %v", fam, ok)
			}
			if f != c.want {
				t.Errorf("flow %+v, want %+v", f, c.want)
			}
		})
	}
}
