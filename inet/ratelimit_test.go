package inet_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/inet"
)

// TestICMPRateLimit: a burst of TTL-expired packets gets six time
// exceeded messages (XRLIM_BURST_FACTOR × icmp_ratelimit), then one per
// second; echo replies are not limited.
func TestICMPRateLimit(t *testing.T) {
	tp := threeHosts(t)
	var errs, replies int
	c, _ := inet.DialICMP(tp.NS("a"), inet.FamilyV4, func(e inet.EchoEvent) {
		if e.Reply {
			replies++
		} else {
			errs++
		}
	})
	defer c.Close()
	dst := netip.MustParseAddr("198.51.100.2")
	send := func(n int, ttl uint8) {
		for i := 0; i < n; i++ {
			if err := c.SendEcho(dst, inet.EchoOpts{ID: 5, Seq: uint16(i), TTL: ttl}); err != nil {
				t.Fatal(err)
			}
		}
		tp.Run()
	}
	send(1, 64) // resolve neighbours first
	replies = 0
	send(10, 1)
	if errs != 6 {
		t.Errorf("burst: %d time exceeded, want 6", errs)
	}
	if n := inet.CounterValue(tp.NS("r"), "IcmpOutRateLimitHost"); n != 4 {
		t.Errorf("IcmpOutRateLimitHost = %d, want 4", n)
	}
	tp.RunFor(time.Second)
	send(3, 1)
	if errs != 7 {
		t.Errorf("after 1 s: %d time exceeded, want 7", errs)
	}
	send(20, 64)
	if replies != 20 {
		t.Errorf("%d echo replies, want 20 (not rate limited)", replies)
	}
	// icmp_ratelimit 0 turns the per-host limit off.
	tp.Sysctl("r", "net.ipv4.icmp_ratelimit", "0")
	errs = 0
	send(10, 1)
	if errs != 10 {
		t.Errorf("ratelimit 0: %d errors, want 10", errs)
	}
}

func TestNDPQueueReleased(t *testing.T) {
	tp := threeHosts(t)
	var replies int
	c, _ := inet.DialICMP(tp.NS("a"), inet.FamilyV6, func(e inet.EchoEvent) {
		if e.Reply {
			replies++
		}
	})
	defer c.Close()
	dst := netip.MustParseAddr("2001:db8:1::fe")
	for seq := uint16(1); seq <= 3; seq++ {
		if err := c.SendEcho(dst, inet.EchoOpts{ID: 7, Seq: seq}); err != nil {
			t.Fatal(err)
		}
	}
	ns := inet.Neighs(tp.NS("a"), 0, inet.FamilyV6)
	if len(ns) != 1 || ns[0].State != inet.NUDIncomplete {
		t.Fatalf("before resolution: %+v", ns)
	}
	tp.Run()
	if replies != 3 {
		t.Errorf("%d replies, want 3", replies)
	}
	ns = inet.Neighs(tp.NS("a"), 0, inet.FamilyV6)
	if len(ns) != 1 || ns[0].State != inet.NUDReachable || !ns[0].Router {
		t.Errorf("after resolution: %+v", ns)
	}
}

func TestNeighbourFailureHostUnreachable(t *testing.T) {
	tp := threeHosts(t)
	// 198.51.100.77 does not exist: the router's ARP fails after three
	// probes and the queued packet comes back as host unreachable.
	got := tp.Ping("a", "198.51.100.77", inet.EchoOpts{})
	if len(got) != 1 || got[0].Reply || got[0].Type != 3 || got[0].Code != 1 {
		t.Fatalf("got %+v, want host unreachable", got)
	}
}
