package stack_test

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// TestChurnWhileForwarding replaces, deletes and re-adds policies and
// SAs on both gateways from another goroutine while datagrams flow
// (run it with -race): readers never lock, no packet is leaked (the pool
// balance is checked at cleanup), nothing panics.
func TestChurnWhileForwarding(t *testing.T) {
	tp := site(t)
	bothGateways(t, tp, true)
	c, err := inet.ListenUDP(tp.NS("ha"), netip.MustParseAddrPort("203.0.113.2:7001"), func(netip.AddrPort, netip.AddrPort, []byte) {})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ns := tp.NS("gwa")
		n := xfrm.ForNamespace(ns)
		out := n.SAD.Lookup(ip("198.51.100.2"), 0x100, xfrm.ProtoESP, 0).Config()
		sel := xfrm.Selector{Family: 4, Saddr: pfx("203.0.113.0/25"), Daddr: pfx("203.0.113.128/25")}
		tmpl := []xfrm.Tmpl{{Daddr: ip("198.51.100.2"), Saddr: ip("192.0.2.1"), Proto: xfrm.ProtoESP, Mode: xfrm.ModeTunnel, Reqid: 1}}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			switch i % 4 {
			case 0:
				_, _ = n.SPD.Update(xfrm.PolicyConfig{Selector: sel, Dir: xfrm.PolicyOut, Priority: uint32(i), Tmpls: tmpl})
			case 1:
				_, _ = stack.AddState(ns, out, true)
			case 2:
				_ = n.SPD.Delete(xfrm.PolicyKey{Dir: xfrm.PolicyOut, Selector: sel})
			case 3:
				_, _ = n.SPD.Add(xfrm.PolicyConfig{Selector: sel, Dir: xfrm.PolicyOut, Tmpls: tmpl})
			}
		}
	}()
	payload := make([]byte, 256)
	for i := 0; i < 300; i++ {
		_ = c.SendTo(netip.MustParseAddrPort("203.0.113.130:9"), payload, inet.UDPOpts{})
		tp.Run()
	}
	close(stop)
	wg.Wait()
	tp.RunFor(5e9)
}
