package stack_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/internal/topo"
)

// udpAllocs measures the allocations of one UDP datagram from ha to hb
// (send, forwarding, delivery) in steady state.
func udpAllocs(t *testing.T, tp *topo.Topo) float64 {
	got := 0
	l, err := inet.ListenUDP(tp.NS("hb"), netip.MustParseAddrPort("203.0.113.130:7000"), func(src, dst netip.AddrPort, p []byte) { got++ })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := inet.ListenUDP(tp.NS("ha"), netip.MustParseAddrPort("203.0.113.2:7001"), func(netip.AddrPort, netip.AddrPort, []byte) {})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	payload := make([]byte, 512)
	dst := netip.MustParseAddrPort("203.0.113.130:7000")
	send := func() {
		if err := c.SendTo(dst, payload, inet.UDPOpts{}); err != nil {
			t.Fatal(err)
		}
		tp.Run()
	}
	for i := 0; i < 10; i++ { // warm up: ARP, pools
		send()
		tp.RunFor(1e9)
	}
	before := got
	n := testing.AllocsPerRun(200, send)
	if got-before < 200 {
		t.Fatalf("only %d of 201 datagrams arrived", got-before)
	}
	return n
}

// TestZeroAllocsThroughInet checks that the ESP output (policy lookup,
// template resolution, seal, outer route) and input (SA lookup, open,
// re-injection, policy check) paths add no allocation to a datagram's
// trip through inet: the same trip with and without the tunnel.
func TestZeroAllocsThroughInet(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	plain := site(t)
	plain.Route("gwa", "203.0.113.128/25", "192.0.2.254")
	plain.Route("r", "203.0.113.128/25", "198.51.100.2")
	base := udpAllocs(t, plain)

	tp := site(t)
	bothGateways(t, tp, true)
	esp := udpAllocs(t, tp)
	if esp > base {
		t.Errorf("allocations per datagram: %v through ESP, %v without: xfrm allocates", esp, base)
	}
	t.Logf("allocations per datagram: %v through ESP, %v without", esp, base)
}
