package iproute

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzIP runs random argument vectors against a fresh world with a few
// devices: nothing may panic, and whatever a successful `ip link add`
// creates must show and delete cleanly. The input is one script line.
func FuzzIP(f *testing.F) {
	for _, s := range []string{
		"ip link add d1 type dummy", "ip l s d0 up mtu 1400", "ip -s -s -d -j -p link",
		"ip link add v0 type veth peer name v1 netns b address 02:00:00:00:00:01",
		"ip -br -o link show type veth", "ip link set d0 name x%d", "tc -s -j qdisc show dev d0",
		"ip -n b link", "ip netns exec b ip link", "ip link add type veth peer", "ip -f link link",
		"ip link set d0 address 1:2:3:4:5:6 brd ff", "ip link del d0", "ip -4 -6 -0 a", "sysctl -w a.b=1",
		"ip addr add 192.0.2.1 peer 192.0.2.2/31 brd + label d0:1 scope link dev d0",
		"ip -6 addr add 2001:db8::1/64 dev d0 nodad valid_lft 100 preferred_lft 50",
		"ip -s -o -br -j addr show to 198.51.100/24 scope all -tentative label d*", "ip a flush dev d0 primary",
		"ip route add blackhole 198.51.100.0/24 table 7 metric 3 mtu lock 1400 rtt 1s",
		"ip -6 r replace default via fe80::1 dev d0 pref high expires 30", "ip r get 198.51.100.3 from 192.0.2.1 iif d0 mark 7",
		"ip -d -j route show table all root 198.51.100.0/24 proto kernel", "ip route flush dev d0 type local",
		"ip neigh add 192.0.2.9 lladdr 02:00:00:00:00:09 dev v0 nud reachable router",
		"ip -s -j neigh show nud all to 192.0.2.0/24", "ip neigh flush all", "ip neigh get 192.0.2.9 dev v0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		env := newEnv(t)
		if _, err := env.World.AddNamespace("b"); err != nil {
			t.Fatal(err)
		}
		run(t, env, "ip link add d0 type dummy", "ip link add v0 type veth peer name v1")
		var out bytes.Buffer
		RunLine(env, line, &out, io.Discard)
		if rc := RunLine(env, "ip -s -d link show", &out, &out); rc != 0 {
			t.Fatalf("show after %q failed: %s", line, out.String())
		}
		for _, d := range env.NS.Devices() {
			if strings.ContainsAny(d.Name(), " /") {
				t.Fatalf("%q created device %q", line, d.Name())
			}
		}
	})
}

// FuzzLinkRoundTrip checks parse → print → parse stability of the generic
// link options: the request a word list yields, printed back as words,
// parses to the same request.
func FuzzLinkRoundTrip(f *testing.F) {
	for _, s := range []string{"d0 up mtu 1400", "name x txqlen 5 address 02:00:00:00:00:01", "dev d0 arp off promisc on", "d0 alias a group 3 netns b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words := strings.Fields(s)
		la, err := parseLinkArgs(words, false)
		if err != nil {
			return
		}
		again := formatLinkArgs(la)
		lb, err := parseLinkArgs(again, false)
		if err != nil {
			t.Fatalf("%q → %q: %v", words, again, err)
		}
		if got, want := strings.Join(formatLinkArgs(lb), " "), strings.Join(again, " "); got != want {
			t.Fatalf("round trip: %q → %q", want, got)
		}
	})
}
