package iproute

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// FuzzTC runs random tc command lines against a fresh world holding two
// dummy devices with clsact: no input may panic, and a failing command
// must leave the filter and action dumps as they were.
func FuzzTC(f *testing.F) {
	for _, s := range []string{
		"filter add dev d0 ingress protocol ip pref 10 flower ip_proto tcp dst_port 80-90 src_ip 203.0.113.0/24 action drop",
		"filter add dev d0 ingress protocol 802.1Q flower vlan_id 5 vlan_prio 1 vlan_ethtype ipv6 action mirred egress mirror dev d1",
		"filter add dev d0 egress flower enc_key_id 4 enc_src_ip 2001:db8::1/64 action tunnel_key unset",
		"filter add dev d0 ingress protocol ip flower ct_state +trk+est action drop",
		"filter add dev d0 ingress matchall action skbedit mark 0x10/0xff pipe action gact drop random determ pass 5",
		"filter add dev d0 ingress matchall action mirred ingress redirect blockid 3 index 4",
		"filter add dev d0 ingress chain 3 flower ip_proto icmp type 8/255 action goto chain 4",
		"actions add action tunnel_key set src_ip 192.0.2.1 dst_ip 192.0.2.2 id 9 dst_port 6081 nocsum tos 4 ttl 9 index 7",
		"actions ls action gact",
		"-j -s filter show dev d0 ingress",
		"filter del dev d0 ingress pref 10",
		"qdisc add dev d1 ingress_block 7 clsact",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		argv := strings.Fields(line)
		if len(argv) > 64 {
			return
		}
		env := newEnv(t)
		for _, l := range []string{"ip link add d0 type dummy", "ip link add d1 type dummy", "tc qdisc add dev d0 clsact",
			"tc filter add dev d0 ingress protocol ip pref 1 flower ip_proto udp action pass"} {
			if _, rc := run(t, env, l); rc != 0 {
				t.Fatalf("setup %q: %d", l, rc)
			}
		}
		before := tcState(env)
		done := make(chan int, 1)
		go func() { done <- TC(env, argv, io.Discard, io.Discard) }()
		var rc int
		select {
		case rc = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("tc %q did not return", line)
		}
		if rc != 0 && tcState(env) != before {
			t.Fatalf("failed command %q changed state:\n%s\n---\n%s", line, before, tcState(env))
		}
	})
}

// tcState is the filter and action dumps (whose content a failing
// command must not change).
func tcState(env *Env) string {
	var b bytes.Buffer
	for _, l := range [][]string{
		{"filter", "show", "dev", "d0", "ingress"}, {"filter", "show", "dev", "d0", "egress"},
		{"actions", "ls", "action", "gact"}, {"actions", "ls", "action", "mirred"},
		{"actions", "ls", "action", "skbedit"}, {"actions", "ls", "action", "tunnel_key"},
	} {
		TC(env, l, &b, io.Discard)
	}
	return b.String()
}
