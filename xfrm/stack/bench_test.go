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
				tp.Route("gwa", "10.2.0.0/16", "192.0.2.254")
				tp.Route("r", "10.2.0.0/16", "198.51.100.2")
			}
			got := 0
			l, err := inet.ListenUDP(tp.NS("hb"), netip.MustParseAddrPort("10.2.0.2:7000"), func(netip.AddrPort, netip.AddrPort, []byte) { got++ })
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			c, err := inet.ListenUDP(tp.NS("ha"), netip.MustParseAddrPort("10.1.0.2:7001"), func(netip.AddrPort, netip.AddrPort, []byte) {})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			payload := make([]byte, 1400)
			dst := netip.MustParseAddrPort("10.2.0.2:7000")
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
// the match is the last one.
func BenchmarkPolicyLookup(b *testing.B) {
	spd := xfrm.NewSPD(nil, nil)
	for i := 0; i < 1000; i++ {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0})
		if _, err := spd.Add(xfrm.PolicyConfig{Selector: xfrm.Selector{Family: 4, Daddr: netip.PrefixFrom(a, 24)}, Dir: xfrm.PolicyOut}); err != nil {
			b.Fatal(err)
		}
	}
	f := xfrm.Flow{Saddr: ip("192.0.2.1"), Daddr: ip("10.3.231.7"), Proto: 17}
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
		a := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		sel := xfrm.Selector{Family: 4, Saddr: netip.PrefixFrom(ip("192.0.2.1"), 32), Daddr: netip.PrefixFrom(a, 32)}
		if _, err := spd.Add(xfrm.PolicyConfig{Selector: sel, Dir: xfrm.PolicyOut}); err != nil {
			b.Fatal(err)
		}
	}
	f := xfrm.Flow{Saddr: ip("192.0.2.1"), Daddr: ip("10.0.3.231"), Proto: 17}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if spd.Lookup(xfrm.PolicyOut, 4, &f, 0) == nil {
			b.Fatal("no match")
		}
	}
}
