package ipip_test

import (
	"bytes"
	"testing"

	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/tunnel"
)

// TestChangeLinkRules: ip link set … type ipip keeps what is not given and
// refuses what Linux refuses, with Linux's messages.
func TestChangeLinkRules(t *testing.T) {
	tp := topo.New(t)
	tp.Host("a")
	env := &iproute.Env{World: tp.W, NS: tp.NS("a")}
	run := func(l string) (string, int) {
		var out bytes.Buffer
		rc := iproute.RunLine(env, l, &out, &out)
		return out.String(), rc
	}
	for _, l := range []string{
		"ip link add t0 type ipip remote 198.51.100.2 local 192.0.2.1 ttl 64 tos 0x10",
		"ip link add t1 type ipip local 192.0.2.9",
		"ip link add t2 type ipip remote 198.51.100.7",
		"ip link add x0 type ipip external",
	} {
		if out, rc := run(l); rc != 0 {
			t.Fatalf("%s: %s", l, out)
		}
	}
	for _, tc := range []struct{ line, want string }{
		{"ip link set t0 type ipip remote any", "RTNETLINK answers: Invalid argument\n"},
		{"ip link set t1 type ipip remote 198.51.100.9", "RTNETLINK answers: Invalid argument\n"},
		{"ip link set t0 type ipip nopmtudisc", "ttl != 0 and nopmtudisc are incompatible\n"},
		{"ip link set t0 type ipip remote 198.51.100.7 local any", "RTNETLINK answers: File exists\n"},
		{"ip link set x0 type ipip ttl 3", "RTNETLINK answers: Invalid argument\n"},
		{"ip link set t0 type ipip external", "RTNETLINK answers: Invalid argument\n"},
		{"ip link set t0 type ipip mode bogus", "Error: argument \"bogus\" is wrong: Cannot guess tunnel mode.\n"},
		{"ip link set t0 type ipip ttl 9", ""},
	} {
		if out, _ := run(tc.line); out != tc.want {
			t.Errorf("%s: %q, want %q", tc.line, out, tc.want)
		}
	}
	c := tunnel.Of(tp.Dev("a:t0")).Config()
	if c.TTL != 9 || c.TOS != 0x10 || c.Local != mustAddr("192.0.2.1") || c.Remote != mustAddr("198.51.100.2") || !c.DF {
		t.Errorf("after set ttl 9: %+v", c.Parms)
	}
	if out, rc := run("ip link set t0 mtu 67"); rc == 0 {
		t.Errorf("mtu 67 accepted: %s", out)
	}
	if out, rc := run("ip link set t0 mtu 65515"); rc != 0 {
		t.Errorf("mtu 65515: %s", out)
	}
	if out, rc := run("ip link set t0 mtu 65516"); rc == 0 {
		t.Errorf("mtu 65516 accepted: %s", out)
	}
	if out, _ := run("ip link add x1 type ipip external"); out != "RTNETLINK answers: File exists\n" {
		t.Errorf("second external: %q", out)
	}
}
