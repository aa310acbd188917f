package stack_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/xfrm"
)

// BenchmarkSiteToSiteUDP: one 1400-byte datagram from ha to hb through
// both gateways (policy lookup, AES-GCM seal, outer route, SA lookup,
// open, re-injection, fwd policy check) and the plain routed trip for
// comparison.
func BenchmarkSiteToSiteUDP(b *testing.B) {
	for _, ipsec := range []bool{false, true} {
		name := "plain"
		if ipsec {
			name = "esp-gcm128"
		}
		b.Run(name, func(b *testing.B) {
			tp := site(b)
			if ipsec {
				bothGateways(b, tp, true)
			} else {
				tp.Route("gwa", "203.0.113.128/25", "192.0.2.254")
				tp.Route("r", "203.0.113.128/25", "198.51.100.2")
			}
			got := 0
			l, err := inet.ListenUDP(tp.NS("hb"), netip.MustParseAddrPort("203.0.113.130:7000"), func(netip.AddrPort, netip.AddrPort, []byte) { got++ })
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			c, err := inet.ListenUDP(tp.NS("ha"), netip.MustParseAddrPort("203.0.113.2:7001"), func(netip.AddrPort, netip.AddrPort, []byte) {})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			payload := make([]byte, 1400)
			dst := netip.MustParseAddrPort("203.0.113.130:7000")
			for i := 0; i < 5; i++ {
				_ = c.SendTo(dst, payload, inet.UDPOpts{})
				tp.RunFor(1e9)
			}
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = c.SendTo(dst, payload, inet.UDPOpts{})
				tp.Run()
			}
			b.StopTimer()
			if got < b.N {
				b.Fatalf("%d of %d datagrams arrived", got, b.N)
			}
		})
	}
}

// BenchmarkPolicyLookup: an out-policy lookup among 1000 policies where
// the match is the last one. Policy i selects from host 192.0.2.(i&255)
// to the (i>>8)th /26 of 198.51.100.0/24: distinct selectors that are not
// full-length on both sides, so none is found by hash.
func BenchmarkPolicyLookup(b *testing.B) {
	spd := xfrm.NewSPD(nil, nil)
	for i := 0; i < 1000; i++ {
		s := netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})
		d := netip.AddrFrom4([4]byte{198, 51, 100, byte(i>>8) << 6})
		sel := xfrm.Selector{Family: 4, Saddr: netip.PrefixFrom(s, 32), Daddr: netip.PrefixFrom(d, 26)}
		if _, err := spd.Add(xfrm.PolicyConfig{Selector: sel, Dir: xfrm.PolicyOut}); err != nil {
			b.Fatal(err)
		}
	}
	f := xfrm.Flow{Saddr: ip("192.0.2.231"), Daddr: ip("198.51.100.231"), Proto: 17}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if spd.Lookup(xfrm.PolicyOut, 4, &f, 0) == nil {
			b.Fatal("no match")
		}
	}
}

// BenchmarkPolicyLookupManyLengths: 1000 policies over 20 (destination,
// source) prefix-length pairs, the match at the end: 20 bin probes.
func BenchmarkPolicyLookupManyLengths(b *testing.B) {
	spd := xfrm.NewSPD(nil, nil)
	for i := 0; i < 1000; i++ {
		s := netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})
		d := netip.AddrFrom4([4]byte{198, 51, 100, 231})
		sel := xfrm.Selector{Family: 4, Saddr: netip.PrefixFrom(s, 32), Daddr: netip.PrefixFrom(d, 8+i%20).Masked()}
		sel.Sport, sel.SportMask = uint16(i), 0xffff // distinct policies on the same prefixes
		if _, err := spd.Add(xfrm.PolicyConfig{Selector: sel, Dir: xfrm.PolicyOut}); err != nil {
			b.Fatal(err)
		}
	}
	f := xfrm.Flow{Saddr: ip("192.0.2.231"), Daddr: ip("198.51.100.231"), Proto: 17, Sport: 999}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if spd.Lookup(xfrm.PolicyOut, 4, &f, 0) == nil {
			b.Fatal("no match")
		}
	}
}

// BenchmarkPolicyLookupExact: 1000 host-to-host (/32) policies, found by
// hash.
func BenchmarkPolicyLookupExact(b *testing.B) {
	spd := xfrm.NewSPD(nil, nil)
	for i := 0; i < 1000; i++ {
		s := netip.AddrFrom4([4]byte{192, 0, 2, byte(i >> 8)})
		d := netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
		sel := xfrm.Selector{Family: 4, Saddr: netip.PrefixFrom(s, 32), Daddr: netip.PrefixFrom(d, 32)}
		if _, err := spd.Add(xfrm.PolicyConfig{Selector: sel, Dir: xfrm.PolicyOut}); err != nil {
			b.Fatal(err)
		}
	}
	f := xfrm.Flow{Saddr: ip("192.0.2.3"), Daddr: ip("198.51.100.231"), Proto: 17}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if spd.Lookup(xfrm.PolicyOut, 4, &f, 0) == nil {
			b.Fatal("no match")
		}
	}
}
