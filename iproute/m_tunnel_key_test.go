package iproute

import (
	"strings"
	"testing"
)

// TestTunnelKeyLinux replays commands whose output was recorded from
// Linux 6.1 / iproute2 6.1 (act_tunnel_key loaded by hand in the kernel
// peer: the golden recorder's guest lacks the module).
func TestTunnelKeyLinux(t *testing.T) {
	env := newEnv(t)
	setup := []string{
		"ip link add d3 type dummy", "ip link set d3 up", "tc qdisc add dev d3 clsact",
		"tc filter add dev d3 ingress protocol ip pref 5 flower action tunnel_key set src_ip 192.0.2.1 dst_ip 192.0.2.2 id 42 dst_port 4789 tos 0x10 ttl 64 nocsum",
		"tc filter add dev d3 ingress protocol ip pref 6 flower action tunnel_key unset pipe",
		"tc filter add dev d3 ingress protocol ip pref 7 flower action tunnel_key set src_ip 2001:db8::1 dst_ip 2001:db8::2 id 1 csum",
		"tc filter add dev d3 ingress protocol ip pref 8 flower action tunnel_key set src_ip 192.0.2.1 dst_ip 192.0.2.2 no_percpu",
	}
	for _, l := range setup {
		if out, rc := run(t, env, l); rc != 0 {
			t.Fatalf("%s: %d %s", l, rc, out)
		}
	}
	tests := []struct{ cmd, out string }{
		{"tc filter show dev d3 ingress", `filter protocol ip pref 5 flower chain 0 
filter protocol ip pref 5 flower chain 0 handle 0x1 
  eth_type ipv4
  not_in_hw
	action order 1: tunnel_key  set
	src_ip 192.0.2.1
	dst_ip 192.0.2.2
	key_id 42
	dst_port 4789
	nocsum
	tos 0x10
	ttl 64 pipe
	 index 1 ref 1 bind 1

filter protocol ip pref 6 flower chain 0 
filter protocol ip pref 6 flower chain 0 handle 0x1 
  eth_type ipv4
  not_in_hw
	action order 1: tunnel_key  unset pipe
	 index 2 ref 1 bind 1

filter protocol ip pref 7 flower chain 0 
filter protocol ip pref 7 flower chain 0 handle 0x1 
  eth_type ipv4
  not_in_hw
	action order 1: tunnel_key  set
	src_ip 2001:db8::1
	dst_ip 2001:db8::2
	key_id 1
	csum pipe
	 index 3 ref 1 bind 1

filter protocol ip pref 8 flower chain 0 
filter protocol ip pref 8 flower chain 0 handle 0x1 
  eth_type ipv4
  not_in_hw
	action order 1: tunnel_key  set
	src_ip 192.0.2.1
	dst_ip 192.0.2.2
	csum pipe
	 index 4 ref 1 bind 1
	no_percpu

`},
		{"tc -j filter show dev d3 ingress pref 5", `[{"protocol":"ip","kind":"flower","chain":0},{"protocol":"ip","kind":"flower","chain":0,"options":{"handle":1,"keys":{"eth_type":"ipv4"},"not_in_hw":true,"actions":[{"order":1,"kind":"tunnel_key","mode":"set","src_ip":"192.0.2.1","dst_ip":"192.0.2.2","key_id":42,"dst_port":4789,"flag":"nocsum","tos":16,"ttl":64,"control_action":{"type":"pipe"},"index":1,"ref":1,"bind":1}]}}]
`},
		{"tc actions add action tunnel_key set src_ip 198.51.100.1 dst_ip 198.51.100.2 id 9 index 31", ""},
		{"tc actions add action tunnel_key unset index 32", ""},
		{"tc actions ls action tunnel_key", `total acts 6

	action order 0: tunnel_key  set
	src_ip 192.0.2.1
	dst_ip 192.0.2.2
	key_id 42
	dst_port 4789
	nocsum
	tos 0x10
	ttl 64 pipe
	 index 1 ref 1 bind 1
	not_in_hw

	action order 1: tunnel_key  unset pipe
	 index 2 ref 1 bind 1
	not_in_hw

	action order 2: tunnel_key  set
	src_ip 2001:db8::1
	dst_ip 2001:db8::2
	key_id 1
	csum pipe
	 index 3 ref 1 bind 1
	not_in_hw

	action order 3: tunnel_key  set
	src_ip 192.0.2.1
	dst_ip 192.0.2.2
	csum pipe
	 index 4 ref 1 bind 1
	no_percpu	not_in_hw

	action order 4: tunnel_key  set
	src_ip 198.51.100.1
	dst_ip 198.51.100.2
	key_id 9
	csum pipe
	 index 31 ref 1 bind 0
	not_in_hw

	action order 5: tunnel_key  unset pipe
	 index 32 ref 1 bind 0
	not_in_hw
`},
		{"tc actions add action tunnel_key set src_ip 198.51.100.1", "set needs tunnel_key parameters\n" + tunnelKeyUsage +
			"bad action parsing\nparse_action: bad value (4:tunnel_key)!\nIllegal \"action\"\n"},
		{"tc actions add action tunnel_key set src_ip 198.51.100.1 dst_ip 2001:db8::1",
			"Error: Missing either ipv4 or ipv6 src and dst.\nWe have an error talking to the kernel\n"},
		{"tc actions add action tunnel_key set src_ip 198.51.100.1 dst_ip 198.51.100.2 index 31", "Error: TC IDR already exists.\nWe have an error talking to the kernel\n"},
		{"tc actions add action tunnel_key set src_ip zz dst_ip 198.51.100.1", "Error: any valid address is expected rather than \"zz\".\n"},
		{"tc actions add action tunnel_key set src_ip 198.51.100.1 dst_ip 198.51.100.2 id x", "Illegal \"id\"\nbad action parsing\nparse_action: bad value (8:tunnel_key)!\nIllegal \"action\"\n"},
		{"tc actions add action tunnel_key set src_ip 198.51.100.1 dst_ip 198.51.100.2 dst_port 70000", "Illegal \"dst port\"\nbad action parsing\nparse_action: bad value (8:tunnel_key)!\nIllegal \"action\"\n"},
		{"tc actions add action tunnel_key set src_ip 198.51.100.1 dst_ip 198.51.100.2 tos 300", "Illegal \"tos\"\nbad action parsing\nparse_action: bad value (8:tunnel_key)!\nIllegal \"action\"\n"},
		{"tc actions add action tunnel_key", "Command line is not complete. Try option \"help\"\n"},
	}
	for _, tc := range tests {
		out, _ := run(t, env, tc.cmd)
		if out != tc.out {
			t.Errorf("%s:\n--- got\n%s--- want\n%s", tc.cmd, out, tc.out)
		}
	}
	_ = strings.TrimSpace
}
