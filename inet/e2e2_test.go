package inet_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
)

func TestPMTUBottleneck(t *testing.T) {
	tests := []struct {
		dst      string
		size     int
		wantType uint8
		wantMTU  uint32
		counter  string
	}{
		{"198.51.100.2", 1400, header.ICMPv4DestUnreach, 1300, "IpFragFails"},
		{"2001:db8:2::2", 1400, header.ICMPv6PacketTooBig, 1300, "Ip6FragFails"},
	}
	for _, tt := range tests {
		t.Run(tt.dst, func(t *testing.T) {
			tp := threeHosts(t)
			tp.SetMTU("r:eth1", 1300)
			tp.SetMTU("b:eth0", 1300)
			got := tp.Ping("a", tt.dst, inet.EchoOpts{Size: tt.size, PMTUDisc: inet.PMTUDiscDo})
			if len(got) != 1 || got[0].Reply || got[0].Type != tt.wantType || got[0].MTU != tt.wantMTU {
				t.Fatalf("got %+v, want one error with mtu %d", got, tt.wantMTU)
			}
			if tt.wantType == header.ICMPv4DestUnreach && got[0].Code != header.ICMPv4FragNeeded {
				t.Errorf("code %d, want frag needed", got[0].Code)
			}
			if n := inet.CounterValue(tp.NS("r"), tt.counter); n != 1 {
				t.Errorf("router %s = %d, want 1", tt.counter, n)
			}
			dst := netip.MustParseAddr(tt.dst)
			mtu, exp, ok := inet.PMTU(tp.NS("a"), dst)
			if !ok || mtu != tt.wantMTU || exp <= 0 {
				t.Fatalf("PMTU cache = %d %v %v, want %d", mtu, exp, ok, tt.wantMTU)
			}
			res, err := inet.RouteGet(tp.NS("a"), inet.RouteGetRequest{Dst: dst})
			if err != nil || res.MTU != tt.wantMTU {
				t.Errorf("route get = %+v, %v", res, err)
			}
			// Now the same ping fails locally with the learned MTU…
			c, _ := inet.DialICMP(tp.NS("a"), familyOf(dst), nil)
			defer c.Close()
			err = c.SendEcho(dst, inet.EchoOpts{ID: 9, Size: tt.size, PMTUDisc: inet.PMTUDiscDo})
			if me, ok := err.(*inet.MsgSizeError); !ok || me.MTU != tt.wantMTU {
				t.Errorf("DF send after learning: %v", err)
			}
			// …and a ping allowed to fragment gets through.
			got = tp.Ping("a", tt.dst, inet.EchoOpts{Size: tt.size})
			if len(got) != 1 || !got[0].Reply || got[0].Size != tt.size {
				t.Errorf("fragmenting ping: %+v", got)
			}
			// The exception expires after mtu_expires (600 s).
			tp.RunFor(601e9)
			if _, _, ok := inet.PMTU(tp.NS("a"), dst); ok {
				t.Error("PMTU exception did not expire")
			}
		})
	}
}

func familyOf(a netip.Addr) int {
	if a.Is4() {
		return inet.FamilyV4
	}
	return inet.FamilyV6
}

func TestFragmentedPing8000(t *testing.T) {
	for _, dst := range []string{"198.51.100.2", "2001:db8:2::2"} {
		t.Run(dst, func(t *testing.T) {
			tp := threeHosts(t)
			got := tp.Ping("a", dst, inet.EchoOpts{Size: 8000})
			if len(got) != 1 || !got[0].Reply || got[0].Size != 8000 {
				t.Fatalf("got %+v", got)
			}
			p := "Ip"
			if netip.MustParseAddr(dst).Is6() {
				p = "Ip6"
			}
			for host, want := range map[string]map[string]uint64{
				"a": {p + "FragOKs": 1, p + "FragCreates": 6, p + "ReasmOKs": 1},
				"b": {p + "ReasmOKs": 1, p + "ReasmReqds": 6, p + "FragOKs": 1},
			} {
				for name, n := range want {
					if got := inet.CounterValue(tp.NS(host), name); got != n {
						t.Errorf("%s %s = %d, want %d", host, name, got, n)
					}
				}
			}
		})
	}
}

func TestNeighbourQueueReleased(t *testing.T) {
	tp := threeHosts(t)
	c, _ := inet.DialICMP(tp.NS("a"), inet.FamilyV4, nil)
	defer c.Close()
	var replies int
	c2, _ := inet.DialICMP(tp.NS("a"), inet.FamilyV4, func(e inet.EchoEvent) {
		if e.Reply {
			replies++
		}
	})
	defer c2.Close()
	dst := netip.MustParseAddr("192.0.2.254")
	for seq := uint16(1); seq <= 3; seq++ {
		if err := c2.SendEcho(dst, inet.EchoOpts{ID: 7, Seq: seq}); err != nil {
			t.Fatal(err)
		}
	}
	ns := inet.Neighs(tp.NS("a"), 0, inet.FamilyV4)
	if len(ns) != 1 || ns[0].State != inet.NUDIncomplete {
		t.Fatalf("before resolution: %+v", ns)
	}
	tp.Run()
	if replies != 3 {
		t.Errorf("%d replies, want 3 (queued packets released)", replies)
	}
	ns = inet.Neighs(tp.NS("a"), 0, inet.FamilyV4)
	if len(ns) != 1 || ns[0].State != inet.NUDReachable {
		t.Errorf("after resolution: %+v", ns)
	}
	// The router learned a from its request (STALE).
	rn := inet.Neighs(tp.NS("r"), 0, inet.FamilyV4)
	if len(rn) != 1 || rn[0].Addr != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("router neighbours: %+v", rn)
	}
}

func TestUnreachableRoutes(t *testing.T) {
	tests := []struct {
		typ  inet.RouteType
		dst  string
		code uint8
		none bool
	}{
		{inet.RouteUnreachable, "203.0.113.1", header.ICMPv4HostUnreach, false},
		{inet.RouteProhibit, "203.0.113.1", header.ICMPv4AdminProhibited, false},
		{inet.RouteBlackhole, "203.0.113.1", 0, true},
		{inet.RouteUnreachable, "2001:db8:99::1", header.ICMPv6NoRoute, false},
		{inet.RouteProhibit, "2001:db8:99::1", header.ICMPv6AdminProhibited, false},
	}
	for _, tt := range tests {
		t.Run(tt.typ.String()+"-"+tt.dst, func(t *testing.T) {
			tp := threeHosts(t)
			p := netip.MustParsePrefix("203.0.113.0/24")
			if netip.MustParseAddr(tt.dst).Is6() {
				p = netip.MustParsePrefix("2001:db8:99::/48")
			}
			if err := inet.AddRoute(tp.NS("r"), inet.Route{Dst: p, Type: tt.typ}, inet.RouteCreate|inet.RouteExcl); err != nil {
				t.Fatal(err)
			}
			got := tp.Ping("a", tt.dst, inet.EchoOpts{})
			if tt.none {
				if len(got) != 0 {
					t.Errorf("blackhole answered: %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Reply || got[0].Code != tt.code {
				t.Errorf("got %+v, want code %d", got, tt.code)
			}
		})
	}
	t.Run("no route", func(t *testing.T) {
		tp := threeHosts(t)
		if _, err := inet.FlushRoutes(tp.NS("r"), inet.RouteFilter{Table: inet.TableMain, Dst: netip.MustParsePrefix("198.51.100.0/24")}); err != nil {
			t.Fatal(err)
		}
		got := tp.Ping("a", "198.51.100.2", inet.EchoOpts{})
		if len(got) != 1 || got[0].Code != header.ICMPv4NetUnreach {
			t.Errorf("got %+v, want net unreachable", got)
		}
		if n := inet.CounterValue(tp.NS("r"), "IpInNoRoutes"); n != 1 {
			t.Errorf("IpInNoRoutes = %d", n)
		}
		if n := tp.Dev("r:eth0").Drops.Get(inet.DropIPInNoRoutes); n != 1 {
			t.Errorf("IP_INNOROUTES drops = %d", n)
		}
	})
}

func TestPortAndProtoUnreachable(t *testing.T) {
	tp := threeHosts(t)
	var got []inet.EchoEvent
	_ = got
	u, err := inet.ListenUDP(tp.NS("a"), netip.AddrPort{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if err := u.SendTo(netip.MustParseAddrPort("198.51.100.2:9"), []byte("x"), inet.UDPOpts{}); err != nil {
		t.Fatal(err)
	}
	tp.RunFor(2e9)
	if n := inet.CounterValue(tp.NS("b"), "UdpNoPorts"); n != 1 {
		t.Errorf("UdpNoPorts = %d", n)
	}
	if n := inet.CounterValue(tp.NS("b"), "IcmpOutDestUnreachs"); n != 1 {
		t.Errorf("IcmpOutDestUnreachs = %d", n)
	}
	if n := inet.CounterValue(tp.NS("a"), "IcmpInDestUnreachs"); n != 1 {
		t.Errorf("a IcmpInDestUnreachs = %d", n)
	}
	// A UDP listener gets the datagram.
	var payload string
	l, err := inet.ListenUDP(tp.NS("b"), netip.MustParseAddrPort("0.0.0.0:9"), func(src, dst netip.AddrPort, p []byte) {
		payload = string(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	u.SendTo(netip.MustParseAddrPort("198.51.100.2:9"), []byte("hello"), inet.UDPOpts{})
	tp.RunFor(1e9)
	if payload != "hello" {
		t.Errorf("payload %q", payload)
	}
	_ = netdev.EthPIPv4
}
