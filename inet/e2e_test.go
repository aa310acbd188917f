package inet_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
)

// threeHosts builds a – r – b with IPv4 and IPv6 on both links.
func threeHosts(t *testing.T) *topo.Topo {
	tp := topo.New(t)
	tp.Host("a")
	tp.Router("r")
	tp.Host("b")
	tp.Link("a:eth0", "r:eth0", "192.0.2.1/24", "192.0.2.254/24", "2001:db8:1::1/64", "2001:db8:1::fe/64")
	tp.Link("r:eth1", "b:eth0", "198.51.100.254/24", "198.51.100.2/24", "2001:db8:2::fe/64", "2001:db8:2::2/64")
	tp.Route("a", "default", "192.0.2.254")
	tp.Route("b", "default", "198.51.100.254")
	tp.Route("a", "default", "2001:db8:1::fe")
	tp.Route("b", "default", "2001:db8:2::fe")
	return tp
}

func TestPingAcrossRouter(t *testing.T) {
	for _, dst := range []string{"198.51.100.2", "2001:db8:2::2"} {
		t.Run(dst, func(t *testing.T) {
			tp := threeHosts(t)
			got := tp.Ping("a", dst, inet.EchoOpts{}, 3)
			if len(got) != 3 {
				t.Fatalf("got %d events, want 3 replies: %+v", len(got), got)
			}
			for i, e := range got {
				if !e.Reply || e.Seq != uint16(i+1) || e.From.String() != dst || e.Size != 56 {
					t.Errorf("event %d = %+v", i, e)
				}
				if e.TTL != 63 {
					t.Errorf("reply TTL %d, want 63", e.TTL)
				}
			}
			fwd := "IpForwDatagrams"
			if netip.MustParseAddr(dst).Is6() {
				fwd = "Ip6ForwDatagrams"
			}
			if n := inet.CounterValue(tp.NS("r"), fwd); n != 6 {
				t.Errorf("router %s = %d, want 6", fwd, n)
			}
		})
	}
}

func TestTTLExpired(t *testing.T) {
	for _, dst := range []string{"198.51.100.2", "2001:db8:2::2"} {
		t.Run(dst, func(t *testing.T) {
			tp := threeHosts(t)
			got := tp.Ping("a", dst, inet.EchoOpts{TTL: 1})
			if len(got) != 1 || got[0].Reply {
				t.Fatalf("got %+v, want one time exceeded", got)
			}
			e := got[0]
			wantType, wantFrom := header.ICMPv4TimeExceeded, "192.0.2.254"
			if netip.MustParseAddr(dst).Is6() {
				wantType, wantFrom = header.ICMPv6TimeExceeded, "2001:db8:1::fe"
			}
			if e.Type != wantType || e.Code != 0 || e.From.String() != wantFrom || e.Seq != 1 {
				t.Errorf("got %+v", e)
			}
		})
	}
}
