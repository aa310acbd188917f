package iproute

import (
	"encoding/json"
	"strings"
	"testing"
)

// inetSetup is a namespace with two UP dummies and addresses.
var inetSetup = []string{
	"ip link add d0 address 02:00:00:00:00:01 type dummy",
	"ip link add d1 address 02:00:00:00:00:02 type dummy",
	"ip link set d0 up", "ip link set d1 up",
	"ip addr add 192.0.2.10/24 dev d0",
	"ip addr add 198.51.100.10/24 dev d1",
}

type grammarCase struct {
	name string
	cmd  string
	out  string // exact combined output
	rc   int
}

func runGrammar(t *testing.T, setup []string, tests []grammarCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			for _, l := range setup {
				if out, rc := run(t, env, l); rc != 0 {
					t.Fatalf("setup %q: %d %s", l, rc, out)
				}
			}
			out, rc := run(t, env, tc.cmd)
			if out != tc.out || rc != tc.rc {
				t.Errorf("%s\n got rc %d %q\nwant rc %d %q", tc.cmd, rc, out, tc.rc, tc.out)
			}
		})
	}
}

func TestAddrGrammar(t *testing.T) {
	runGrammar(t, inetSetup, []grammarCase{
		{"dup", "ip addr add 192.0.2.10/24 dev d0", "RTNETLINK answers: File exists\n", 2},
		{"replace", "ip addr replace 192.0.2.10/24 dev d0", "", 0},
		{"change", "ip a chg 192.0.2.10/24 dev d0", "", 0},
		{"no-dev", "ip addr add 192.0.2.4/24", "Not enough information: \"dev\" argument is required.\n", 1},
		{"no-addr", "ip addr add dev d0", "RTNETLINK answers: Operation not supported\n", 2},
		{"bad-dev", "ip addr add 192.0.2.4/24 dev x", "Cannot find device \"x\"\n", 1},
		{"bad-prefix", "ip addr add 192.0.2.3/33 dev d0", "Error: any valid prefix is expected rather than \"192.0.2.3/33\".\n", 1},
		{"bad-v6", "ip -6 addr add 1.2.3.4/24 dev d0", "Error: inet6 prefix is expected rather than \"1.2.3.4/24\".\n", 1},
		{"garbage", "ip addr add 192.0.2.4/24 dev d0 bogus", "Error: either \"local\" is duplicate, or \"bogus\" is a garbage.\n", 255},
		{"dup-peer", "ip addr add 203.0.113.1 peer 203.0.113.2 peer 203.0.113.3 dev d0", "Error: duplicate \"peer\": \"203.0.113.3\" is the second value.\n", 255},
		{"dup-brd", "ip addr add 203.0.113.1/24 brd + brd - dev d0", "Error: duplicate \"broadcast\": \"-\" is the second value.\n", 255},
		{"scope", "ip addr add 203.0.113.1/24 scope bogus dev d0", "Error: argument \"bogus\" is wrong: invalid scope value.\n", 255},
		{"metric", "ip addr add 203.0.113.1/24 metric x dev d0", "Error: argument \"x\" is wrong: \"metric\" value is invalid\n\n", 255},
		{"valid-zero", "ip addr add 203.0.113.1/24 valid_lft 0 dev d0", "valid_lft is zero\n", 1},
		{"pref-gt-valid", "ip addr add 203.0.113.1/24 valid_lft 100 dev d0", "preferred_lft is greater than valid_lft\n", 1},
		{"lft-word", "ip addr add 203.0.113.1/24 valid_lft x dev d0", "Error: argument \"x\" is wrong: valid_lft value\n", 255},
		{"brd-v6", "ip addr add 2001:db8::1/64 brd + dev d0", "Broadcast can be set only for IPv4 addresses\n", 1},
		{"nodad-v4", "ip addr add 203.0.113.1/24 dev d0 nodad", "Warning: nodad option can be set only for IPv6 addresses\n", 0},
		{"del-absent", "ip addr del 192.0.2.99/24 dev d0", "RTNETLINK answers: Cannot assign requested address\n", 2},
		{"flush-noargs", "ip addr flush", "Flush requires arguments.\n", 1},
		{"flush-link", "ip -0 addr flush dev d0", "Cannot flush link addresses.\n", 1},
		{"flush-s", "ip -s addr flush dev d0 scope host", "Nothing to flush.\n", 0},
		{"show-absent", "ip addr show dev nonexistent", "Device \"nonexistent\" does not exist.\n", 1},
		{"show-to", "ip addr show to x", "Error: any valid prefix is expected rather than \"x\".\n", 1},
		{"show-scope", "ip addr show scope x", "Error: argument \"x\" is wrong: invalid \"scope\"\n\n", 255},
		{"unknown", "ip addr bogus", "Command \"bogus\" is unknown, try \"ip address help\".\n", 255},
		{"incomplete", "ip addr add 203.0.113.1/24 dev", "Command line is not complete. Try option \"help\"\n", 255},
		{"oneline", "ip -o -4 a s d1", "3: d1    inet 198.51.100.10/24 scope global d1\\       valid_lft forever preferred_lft forever\n", 0},
		{"brief", "ip -br -4 a s dev d0", "d0               UNKNOWN        192.0.2.10/24 \n", 0},
		{"lifetimes", "ip addr add 203.0.113.1/24 dev d1 valid_lft 100 preferred_lft 50", "", 0},
	})
}

func TestAddrShowForms(t *testing.T) {
	env := newEnv(t)
	run(t, env, inetSetup...)
	run(t, env, "ip addr add 203.0.113.1/24 dev d1 valid_lft 100 preferred_lft 50 label d1:x noprefixroute")
	out, _ := run(t, env, "ip -4 addr show dev d1 label d1:x")
	want := "    inet 203.0.113.1/24 scope global dynamic noprefixroute d1:x\n       valid_lft 100sec preferred_lft 50sec\n"
	if !strings.Contains(out, want) {
		t.Errorf("lifetimes/flags:\n%s", out)
	}
	// The flush of a primary takes the secondary; -s reports the rounds.
	run(t, env, "ip addr add 192.0.2.11/24 dev d0")
	out, rc := run(t, env, "ip -s addr flush dev d0 primary")
	if want := "\n*** Round 1, deleting 2 addresses ***\n*** Flush is complete after 1 round ***\n"; rc != 0 || out != want {
		t.Errorf("flush primary (192.0.2.10 and fe80::, taking 192.0.2.11): %d %q", rc, out)
	}
	out, _ = run(t, env, "ip -br addr show dev d0")
	if out != "d0               UNKNOWN        \n" {
		t.Errorf("after flush: %q", out)
	}
}

func TestRouteGrammar(t *testing.T) {
	runGrammar(t, inetSetup, []grammarCase{
		{"garbage", "ip route add 203.0.113.128/25 via 192.0.2.1 bogus", "Error: either \"to\" is duplicate, or \"bogus\" is a garbage.\n", 255},
		{"metric", "ip route add 203.0.113.128/25 via 192.0.2.1 metric x", "Error: argument \"x\" is wrong: \"metric\" value is invalid\n\n", 255},
		{"table", "ip route add 203.0.113.128/25 via 192.0.2.1 table foo", "Error: argument \"foo\" is wrong: \"table\" value is invalid\n\n", 255},
		{"proto", "ip route add 203.0.113.128/25 via 192.0.2.1 proto foo", "Error: argument \"foo\" is wrong: \"protocol\" value is invalid\n\n", 255},
		{"scope", "ip route add 203.0.113.128/25 dev d0 scope foo", "Error: argument \"foo\" is wrong: invalid \"scope\" value\n\n", 255},
		{"tos", "ip route add 203.0.113.128/25 dev d0 tos zz", "Error: argument \"zz\" is wrong: \"tos\" value is invalid\n\n", 255},
		{"mtu", "ip route add 203.0.113.128/25 dev d0 mtu lock x", "Error: argument \"x\" is wrong: \"mtu\" value is invalid\n\n", 255},
		{"hoplimit", "ip route add 203.0.113.128/25 dev d0 hoplimit 256", "Error: argument \"256\" is wrong: \"hoplimit\" value is invalid\n\n", 255},
		{"advmss", "ip route add 203.0.113.128/25 dev d0 advmss x", "Error: argument \"x\" is wrong: \"mss\" value is invalid\n\n", 255},
		{"pref", "ip -6 route add 2001:db8::/64 dev d0 pref x", "Error: argument \"x\" is wrong: \"pref\" value is invalid\n\n", 255},
		{"quickack", "ip route add 203.0.113.128/25 dev d0 quickack 2", "Error: argument \"2\" is wrong: \"quickack\" value should be 0 or 1\n\n", 255},
		{"features", "ip route add 203.0.113.128/25 dev d0 features x", "Error: argument \"x\" is wrong: \"features\" value not valid\n\n", 255},
		{"encap", "ip route add 203.0.113.128/25 dev d0 encap nosuch", "Error: argument \"nosuch\" is wrong: \"encap type\" value is invalid\n\n", 255},
		{"bad-prefix", "ip route add 203.0.113.128/33 dev d0", "Error: any valid prefix is expected rather than \"203.0.113.128/33\".\n", 1},
		{"v6-via-v4", "ip -6 route add 2001:db8:6::/64 via 192.0.2.1", "Error: inet6 address is expected rather than \"192.0.2.1\".\n", 1},
		{"no-dev", "ip route add 203.0.113.128/25 dev nonexistent", "Cannot find device \"nonexistent\"\n", 1},
		{"no-nexthop", "ip route add 203.0.113.128/25", "RTNETLINK answers: No such device\n", 2},
		{"bad-gw", "ip route add 203.0.113.128/25 via 203.0.113.1", "Error: Nexthop has invalid gateway.\n", 2},
		{"host-bits", "ip route add 203.0.113.129/25 dev d0", "Error: Invalid prefix for given prefix length.\n", 2},
		{"del-absent", "ip route del 203.0.113.0/25", "RTNETLINK answers: No such process\n", 2},
		{"change-absent", "ip route change 203.0.113.0/25 via 192.0.2.3", "RTNETLINK answers: No such file or directory\n", 2},
		{"flush-noargs", "ip route flush", "\"ip route flush\" requires arguments.\n", 1},
		{"flush-s", "ip -s route flush table 100", "Nothing to flush.\n", 0},
		{"show-table", "ip route show table x", "Error: argument \"x\" is wrong: table id value is invalid\n\n", 255},
		{"show-type", "ip route show type zz", "Error: argument \"zz\" is wrong: node type value is invalid\n\n", 255},
		{"show-type-prefix", "ip route show type x", "", 0}, // "x" is xresolve, as rtnl_rtntype_a2n matches prefixes
		{"show-dev", "ip route show dev x", "Cannot find device \"x\"\n", 1},
		{"unknown", "ip route bogus", "Command \"bogus\" is unknown, try \"ip route help\".\n", 255},
		{"get-none", "ip route get", "need at least a destination address\n", 1},
		{"get-proto", "ip route get 192.0.2.1 ipproto x", "Error: argument \"x\" is wrong: Invalid \"ipproto\" value\n\n", 255},
		{"get-len", "ip route get 192.0.2.77/24", "Warning: /24 as prefix is invalid, only /32 (or none) is supported.\n192.0.2.77 dev d0 src 192.0.2.10 uid 0 \n    cache \n", 0},
		{"abbrev", "ip r a 203.0.113.128/25 dev d0 t 100 pro static m 7", "", 0},
		{"d-is-dsfield", "ip r a 203.0.113.128/25 d d0", "RTNETLINK answers: No such device\n", 2}, // "d" matches dsfield
		{"types", "ip route add b 192.0.2.200 dev d0", "", 0},
	})
}

func TestRouteShowForms(t *testing.T) {
	env := newEnv(t)
	run(t, env, inetSetup...)
	for _, l := range []string{
		"ip route add 203.0.113.0/24 via 192.0.2.1 tos 0x10 metric 5 mtu lock 1400 rtt 100ms window 1000 features ecn onlink dev d0",
		"ip route add 203.0.113.128/26 dev d1 table 7 proto 99",
	} {
		if out, rc := run(t, env, l); rc != 0 {
			t.Fatalf("%s: %s", l, out)
		}
	}
	out, _ := run(t, env, "ip route show 203.0.113.0/24 tos 0x10")
	if want := "203.0.113.0/24 via 192.0.2.1 dev d0 metric 5 onlink mtu lock 1400 window 1000 rtt 100ms features ecn \n"; out != want {
		t.Errorf("metrics:\n got %q\nwant %q", out, want)
	}
	out, _ = run(t, env, "ip route show table all root 203.0.113.128/25")
	if want := "203.0.113.128/26 dev d1 table 7 proto 99 scope link \n"; out != want {
		t.Errorf("table 7:\n got %q\nwant %q", out, want)
	}
	out, _ = run(t, env, "ip -j route show table 7")
	var v []map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v) != 1 || v[0]["protocol"] != "99" {
		t.Errorf("json: %v %s", err, out)
	}
}

func TestNeighGrammar(t *testing.T) {
	runGrammar(t, inetSetup, []grammarCase{
		{"no-lladdr-dummy", "ip neigh add 192.0.2.6 dev d0", "", 0}, // a NOARP device takes it
		{"bad-nud", "ip neigh add 192.0.2.3 lladdr 02:00:00:00:00:03 dev d0 nud bogus", "Error: argument \"bogus\" is wrong: nud state is bad\n", 255},
		{"bad-lladdr", "ip neigh add 192.0.2.3 lladdr zz dev d0", "\"zz\" is invalid lladdr.\n", 1},
		{"no-dev", "ip neigh del 192.0.2.9", "Device and destination are required arguments.\n", 255},
		{"absent-dev", "ip neigh add 192.0.2.3 lladdr 02:00:00:00:00:03 dev x", "Cannot find device \"x\"\n", 1},
		{"dup-lladdr", "ip neigh add 192.0.2.3 lladdr 02:00:00:00:00:03 lladdr 1 dev d0", "Error: duplicate \"lladdr\": \"1\" is the second value.\n", 255},
		{"garbage", "ip neigh add 192.0.2.3 192.0.2.4 dev d0", "Error: either \"to\" is duplicate, or \"192.0.2.4\" is a garbage.\n", 255},
		{"proxy", "ip neigh add proxy 192.0.2.3 dev d0", "softnet: proxy neighbour entries (ip neigh … proxy) are not supported\n", 2},
		{"del-absent", "ip neigh del 192.0.2.9 dev d0", "RTNETLINK answers: No such file or directory\n", 2},
		{"flush-noargs", "ip neigh flush", "Flush requires arguments.\n", 1},
		{"flush-s", "ip -s neigh flush all", "Nothing to flush.\n", 0},
		{"unknown", "ip neigh bogus", "Command \"bogus\" is unknown, try \"ip neigh help\".\n", 255},
		{"show-nud", "ip neigh show nud x", "Error: argument \"x\" is wrong: nud state is bad\n", 255},
	})
}

func TestNeighShowForms(t *testing.T) {
	env := newEnv(t)
	run(t, env, inetSetup...)
	run(t, env, "ip neigh add 192.0.2.9 lladdr 02:00:00:00:00:09 dev d0 nud reachable router",
		"ip neigh add 192.0.2.8 lladdr 02:00:00:00:00:08 dev d0 nud noarp")
	out, _ := run(t, env, "ip neigh show dev d0")
	if want := "192.0.2.9 lladdr 02:00:00:00:00:09 router REACHABLE \n"; out != want {
		t.Errorf("show:\n got %q\nwant %q", out, want)
	}
	out, _ = run(t, env, "ip neigh show nud all dev d0 to 192.0.2.8")
	if want := "192.0.2.8 lladdr 02:00:00:00:00:08 NOARP \n"; out != want {
		t.Errorf("nud all:\n got %q\nwant %q", out, want)
	}
	out, _ = run(t, env, "ip -s neigh get 192.0.2.9 dev d0")
	if !strings.HasPrefix(out, "192.0.2.9 dev d0 lladdr 02:00:00:00:00:09 router ref ") || !strings.HasSuffix(out, " probes 0 REACHABLE \n") {
		t.Errorf("get -s: %q", out)
	}
	out, _ = run(t, env, "ip -j -s neigh show dev d0")
	var v []map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v) != 1 || v[0]["router"] != nil || v[0]["probes"] == nil {
		t.Errorf("json: %v %s", err, out)
	}
	run(t, env, "ip neigh flush dev d0")
	if out, _ = run(t, env, "ip neigh show nud all"); out != "192.0.2.8 dev d0 lladdr 02:00:00:00:00:08 NOARP \n" {
		t.Errorf("after flush: %q", out)
	}
}

// TestRouteRoundTrip: a route's show line, fed back to ip route add after
// the route is deleted, recreates a route that shows the same line.
func TestRouteRoundTrip(t *testing.T) {
	for _, args := range []string{
		"203.0.113.0/24 via 192.0.2.1",
		"203.0.113.0/24 dev d1 proto static scope link metric 7",
		"203.0.113.0/24 via 198.51.100.1 dev d1 src 198.51.100.10 mtu lock 1300 advmss 1200 hoplimit 32",
		"blackhole 203.0.113.0/24 table 100",
		"unreachable default metric 9",
		"local 192.0.2.99 dev d0 table local",
		"-6 2001:db8:9::/64 dev d0 metric 5 pref high",
	} {
		routeRoundTrip(t, args)
	}
}

func routeRoundTrip(t *testing.T, args string) {
	t.Helper()
	env := newEnv(t)
	run(t, env, inetSetup...)
	fam := ""
	if rest, ok := strings.CutPrefix(args, "-6 "); ok {
		fam, args = "-6 ", rest
	}
	show := "ip " + fam + "route show table all"
	before, _ := run(t, env, show)
	if out, rc := run(t, env, "ip "+fam+"route add "+args); rc != 0 {
		t.Fatalf("add %s: %s", args, out)
	}
	after, _ := run(t, env, show)
	line := newLine(before, after)
	if line == "" {
		t.Fatalf("%s: no new route in\n%s", args, after)
	}
	if out, rc := run(t, env, "ip "+fam+"route del "+args); rc != 0 {
		t.Fatalf("del %s: %s", args, out)
	}
	if out, rc := run(t, env, "ip "+fam+"route add "+line); rc != 0 {
		t.Fatalf("re-add %q: %s", line, out)
	}
	if again, _ := run(t, env, show); again != after {
		t.Errorf("round trip of %q:\n%s\nvs\n%s", line, after, again)
	}
}

// newLine returns the line of after that before lacks.
func newLine(before, after string) string {
	seen := map[string]int{}
	for _, l := range strings.Split(before, "\n") {
		seen[l]++
	}
	for _, l := range strings.Split(after, "\n") {
		if seen[l] == 0 {
			return strings.TrimSpace(l)
		}
		seen[l]--
	}
	return ""
}
