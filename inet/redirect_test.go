package inet_test

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/iproute"
	_ "github.com/softnet/softnet/macvlan" // the shared segment below
)

// lan builds one Ethernet segment (macvlans in bridge mode on a dummy in
// namespace "sw") holding host a (.10) and routers r1 (.1) and r2 (.2);
// r2 also reaches 203.0.113.0/24 through eth1 to host b. Host a's default
// route goes through r1, which must forward a's packets for b back out of
// the segment to r2: the case for an ICMP redirect.
func lan(t *testing.T) *topo.Topo {
	tp := topo.New(t)
	for _, h := range []string{"sw", "a", "b"} {
		tp.Host(h)
	}
	tp.Router("r1")
	tp.Router("r2")
	run := func(ns, line string) {
		t.Helper()
		var out bytes.Buffer
		env := &iproute.Env{World: tp.W, NS: tp.NS(ns)}
		if rc := iproute.RunLine(env, line, &out, &out); rc != 0 {
			t.Fatalf("%s: %s: %s", ns, line, out.String())
		}
	}
	run("sw", "ip link add sw0 type dummy")
	run("sw", "ip link set sw0 up")
	for i, h := range []string{"a", "r1", "r2"} {
		name := "lan" + h
		run("sw", "ip link add link sw0 name "+name+" address 02:00:00:00:0a:0"+string(rune('1'+i))+" type macvlan mode bridge")
		run("sw", "ip link set "+name+" netns "+h)
		run(h, "ip link set "+name+" name eth0")
		run(h, "ip link set eth0 up")
	}
	run("a", "ip addr add 192.0.2.10/24 dev eth0")
	run("a", "ip route add default via 192.0.2.1")
	run("r1", "ip addr add 192.0.2.1/24 dev eth0")
	run("r1", "ip route add 203.0.113.0/24 via 192.0.2.2")
	run("r2", "ip addr add 192.0.2.2/24 dev eth0")
	tp.Link("r2:eth1", "b:eth0", "203.0.113.1/24", "203.0.113.5/24")
	tp.Route("b", "default", "203.0.113.1")
	tp.RunFor(2 * time.Second)
	return tp
}

func TestICMPRedirect(t *testing.T) {
	tp := lan(t)
	// The first ping crosses r1, which answers with a redirect to r2 (ping
	// shows it: "From 192.0.2.1 icmp_seq=1 Redirect Host(New nexthop:
	// 192.0.2.2)") and forwards it all the same.
	got := tp.Ping("a", "203.0.113.5", inet.EchoOpts{}, 1)
	if len(got) != 2 || got[0].Reply || got[0].Type != 5 || got[0].Code != 1 ||
		got[0].Gateway != netip.MustParseAddr("192.0.2.2") || !got[1].Reply {
		t.Fatalf("first ping: %+v", got)
	}
	if n := inet.CounterValue(tp.NS("r1"), "IcmpOutRedirects"); n != 1 {
		t.Fatalf("r1 sent %d redirects, want 1", n)
	}
	if n := inet.CounterValue(tp.NS("a"), "IcmpInRedirects"); n != 1 {
		t.Fatalf("a received %d redirects, want 1", n)
	}
	// The next packets to b go straight to r2: r1 forwards nothing more.
	before := inet.CounterValue(tp.NS("r1"), "IpForwDatagrams")
	if got := tp.Ping("a", "203.0.113.5", inet.EchoOpts{}, 3); len(got) != 3 || !got[2].Reply {
		t.Fatalf("pings after the redirect: %+v", got)
	}
	if after := inet.CounterValue(tp.NS("r1"), "IpForwDatagrams"); after != before {
		t.Fatalf("r1 still forwarded %d packets after the redirect", after-before)
	}
}

func TestRedirectRejected(t *testing.T) {
	tp := lan(t)
	ns, dev := tp.NS("a"), tp.Dev("a:eth0")
	dst := netip.MustParseAddr("203.0.113.5")
	for _, tc := range []struct {
		name     string
		from, gw string
	}{
		{"not from the current gateway", "192.0.2.2", "192.0.2.2"},
		{"gateway not on-link", "192.0.2.1", "198.51.100.7"},
		{"gateway is ours", "192.0.2.1", "192.0.2.10"},
		{"multicast gateway", "192.0.2.1", "224.0.0.1"},
		{"same gateway", "192.0.2.1", "192.0.2.1"},
	} {
		if inet.Redirect(ns, dev, netip.MustParseAddr(tc.from), dst, netip.MustParseAddr(tc.gw)) {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if err := ns.SetSysctl("net.ipv4.conf.all.accept_redirects", "0"); err != nil {
		t.Fatal(err)
	}
	if inet.Redirect(ns, dev, netip.MustParseAddr("192.0.2.1"), dst, netip.MustParseAddr("192.0.2.2")) {
		t.Error("accepted with accept_redirects 0")
	}
	ns.SetSysctl("net.ipv4.conf.all.accept_redirects", "1")
	if !inet.Redirect(ns, dev, netip.MustParseAddr("192.0.2.1"), dst, netip.MustParseAddr("192.0.2.2")) {
		t.Error("a valid redirect was refused")
	}
}

func TestRedirectRateLimit(t *testing.T) {
	tp := lan(t)
	// a ignores redirects, so every ping goes through r1, which may send
	// only 9 redirects in a row to a, spaced 20 ms << n apart.
	tp.Sysctl("a", "net.ipv4.conf.all.accept_redirects", "0")
	tp.Ping("a", "203.0.113.5", inet.EchoOpts{}, 30)
	n := inet.CounterValue(tp.NS("r1"), "IcmpOutRedirects")
	if n < 2 || n > 9 {
		t.Fatalf("r1 sent %d redirects for 30 pings a second apart, want 2..9", n)
	}
}
