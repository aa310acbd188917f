package inet_test

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
)

// TestReassemblyTimeout: a lone first fragment times out after
// ipfrag_time and the sender gets time exceeded, code 1.
func TestReassemblyTimeout(t *testing.T) {
	tp := threeHosts(t)
	tp.Sysctl("b", "net.ipv4.ipfrag_time", "5")
	var got []inet.EchoEvent
	c, _ := inet.DialICMP(tp.NS("a"), inet.FamilyV4, func(e inet.EchoEvent) { got = append(got, e) })
	defer c.Close()
	// Resolve neighbours with a normal ping first.
	c.SendEcho(netip.MustParseAddr("198.51.100.2"), inet.EchoOpts{ID: 3, Seq: 1})
	tp.RunFor(time.Second)
	got = nil
	frag := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("198.51.100.2"),
		Proto: header.IPProtoICMP, MF: true, ID: 99}, build.ICMPEcho(3, 2, make([]byte, 64)))
	inject(tp, tp.Dev("b:eth0"), netdev.EthPIPv4, frag)
	tp.RunFor(4 * time.Second)
	if len(got) != 0 {
		t.Fatalf("too early: %+v", got)
	}
	tp.RunFor(2 * time.Second)
	if len(got) != 1 || got[0].Type != header.ICMPv4TimeExceeded || got[0].Code != header.ICMPv4ReassemblyTimeout {
		t.Fatalf("got %+v, want reassembly time exceeded", got)
	}
	for name, want := range map[string]uint64{"IpReasmTimeout": 1, "IpReasmFails": 1, "IpReasmReqds": 1} {
		if n := inet.CounterValue(tp.NS("b"), name); n != want {
			t.Errorf("%s = %d, want %d", name, n, want)
		}
	}
}

// TestTeardownInFlight deletes the router and a host while packets are
// queued in the loop and in neighbour queues: nothing leaks or panics.
func TestTeardownInFlight(t *testing.T) {
	tp := threeHosts(t)
	c, _ := inet.DialICMP(tp.NS("a"), inet.FamilyV4, nil)
	defer c.Close()
	for i := 0; i < 20; i++ {
		c.SendEcho(netip.MustParseAddr("198.51.100.2"), inet.EchoOpts{ID: 1, Seq: uint16(i), Size: 3000})
	}
	tp.Loop.RunFor(0) // deliver part of the traffic
	if err := tp.W.DelNamespace("r"); err != nil {
		t.Fatal(err)
	}
	tp.RunFor(10 * time.Second)
	for i := 0; i < 5; i++ {
		c.SendEcho(netip.MustParseAddr("198.51.100.2"), inet.EchoOpts{ID: 1, Seq: uint16(i)})
	}
	if err := tp.W.DelNamespace("b"); err != nil {
		t.Fatal(err)
	}
	tp.RunFor(10 * time.Second)
}

// TestConcurrentConfigAndForwarding changes routes and addresses while
// another goroutine forwards packets (run with -race).
func TestConcurrentConfigAndForwarding(t *testing.T) {
	f := newForwardRig(t, 64)
	f.one()
	r := f.tp.NS("r")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				f.one()
			}
		}
	}()
	for i := 0; i < 200; i++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), 32)
		inet.AddRoute(r, inet.Route{Dst: p, Ifindex: f.out.Index(), Scope: inet.ScopeLink}, inet.RouteCreate|inet.RouteExcl)
		if i%2 == 0 {
			inet.DelRoute(r, inet.Route{Dst: p})
		}
		inet.AddAddr(r, inet.Addr{Ifindex: f.out.Index(), Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), 24)}, false)
		inet.UpdatePMTU(r, netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 1400)
		_ = inet.Routes(r, inet.RouteFilter{})
	}
	close(stop)
	wg.Wait()
}
