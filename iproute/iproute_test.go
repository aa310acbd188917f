package iproute

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/softnet/softnet/netdev"
)

func newEnv(t testing.TB) *Env {
	t.Helper()
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	return &Env{World: w, NS: w.Init()}
}

// run runs script lines and returns the last one's output and status.
func run(t testing.TB, env *Env, lines ...string) (string, int) {
	t.Helper()
	var out string
	var rc int
	for _, l := range lines {
		var b bytes.Buffer
		rc = RunLine(env, l, &b, &b)
		out = b.String()
	}
	return out, rc
}

func TestLinkGrammar(t *testing.T) {
	setup := []string{"ip link add d0 address 02:00:00:00:00:01 type dummy"}
	tests := []struct {
		name string
		cmd  string
		out  string // exact combined output ("" = none)
		rc   int
	}{
		{"add-dup", "ip link add d0 type dummy", "RTNETLINK answers: File exists\n", 2},
		{"del-missing", "ip link del nonexistent", "Cannot find device \"nonexistent\"\n", 1},
		{"show-missing", "ip link show dev x", "Device \"x\" does not exist.\n", 1},
		{"garbage", "ip link add d1 foo type dummy", "Error: either \"dev\" is duplicate, or \"foo\" is a garbage.\n", 255},
		{"mtu-word", "ip link set d0 mtu abc", "Error: argument \"abc\" is wrong: Invalid \"mtu\" value\n\n", 255},
		{"mtu-dup", "ip link set d0 mtu 1400 mtu 1300", "Error: duplicate \"mtu\": \"1300\" is the second value.\n", 255},
		{"mtu-neg", "ip link set d0 mtu -1", "Error: mtu less than device minimum.\n", 2},
		{"lladdr", "ip link set d0 address zz", "\"zz\" is invalid lladdr.\n", 1},
		{"lladdr-len", "ip link set d0 address 02:00:00:00:00", "Invalid address length 5 - must be 6 bytes\n", 1},
		{"qlen", "ip link set d0 txqueuelen x", "Error: argument \"x\" is wrong: Invalid \"txqueuelen\" value\n\n", 255},
		{"bad-name", "ip link set d0 name abcdefghijklmnop", "Error: argument \"abcdefghijklmnop\" is wrong: \"name\" not a valid ifname\n", 255},
		{"rename-exists", "ip link set d0 name lo", "RTNETLINK answers: File exists\n", 2},
		{"set-garbage", "ip link set d0 bogus", "Error: either \"dev\" is duplicate, or \"bogus\" is a garbage.\n", 255},
		{"unknown-cmd", "ip link bogus", "Command \"bogus\" is unknown, try \"ip link help\".\n", 255},
		{"veth-extra", "ip link add veth0 type veth peer name veth1 extra", "both \"name\" and \"dev\" cannot be used when creating devices.\n", 255},
		{"del-lo", "ip link del lo", "RTNETLINK answers: Operation not supported\n", 2},
		{"unknown-kind", "ip link add d1 type foo", "Error: Unknown device type.\n", 2},
		{"long-name", "ip link add abcdefghijklmnop type dummy", "Error: Attribute failed policy validation.\n", 2},
		{"no-dev", "ip link set up", "Not enough information: \"dev\" argument is required.\n", 255},
		{"incomplete", "ip link set d0 mtu", "Command line is not complete. Try option \"help\"\n", 255},
		{"on-off", "ip link set d0 arp maybe", "Error: argument of \"arp\" must be \"on\" or \"off\", not \"maybe\"\n", 255},
		{"unknown-object", "ip foo", "Object \"foo\" is unknown, try \"ip help\".\n", 1},
		{"unknown-option", "ip -z link", "Option \"-z\" is unknown, try \"ip -help\".\n", 255},
		{"netns-missing", "ip -n nope link", "Cannot open network namespace \"nope\": No such file or directory\n", 255},
		{"abbrev-set", "ip l s d0 up", "", 0},
		{"abbrev-show", "ip li sh dev d0", "2: d0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n", 0},
		{"set-all", "ip link set d0 up mtu 9000 txqueuelen 500 address 02:00:00:00:00:02 arp on multicast on promisc on allmulticast on alias x group 3", "", 0},
		{"brief", "ip -br link show d0", "d0               DOWN           02:00:00:00:00:01 <BROADCAST,NOARP> \n", 0},
		{"type-filter", "ip link show type veth", "", 0},
		{"name-kw", "ip link add name n0 type dummy", "", 0},
		{"dev-kw", "ip link add dev n1 mtu 1400 txqlen 10 type dummy", "", 0},
		{"veth-peer", "ip link add v0 type veth peer name v1 mtu 1400 address 02:00:00:00:00:0b", "", 0},
		{"replace", "ip link replace d0 type dummy", "", 0},
		{"change", "ip link change dev d0 down", "", 0},
		{"delete-dev", "ip link delete dev d0", "", 0},
		{"version", "ip -V", "ip utility, " + Version + "\n", 0},
		{"tc-version", "tc -V", "tc utility, " + Version + "\n", 0},
		{"tc-unknown", "tc foo", "Object \"foo\" is unknown, try \"tc help\".\n", 255},
		{"tc-nodev", "tc qdisc show dev x", "Cannot find device \"x\"\n", 1},
		{"comment", "# nothing", "", 0},
		{"blank", "   ", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			run(t, env, setup...)
			out, rc := run(t, env, tt.cmd)
			if out != tt.out || rc != tt.rc {
				t.Errorf("%s:\ngot  %q [%d]\nwant %q [%d]", tt.cmd, out, rc, tt.out, tt.rc)
			}
		})
	}
}

func TestLinkSetApplies(t *testing.T) {
	env := newEnv(t)
	_, rc := run(t, env, "ip link add d0 type dummy",
		"ip link set d0 up mtu 9000 txqueuelen 500 address 02:00:00:00:00:02 promisc on alias uplink name d9")
	if rc != 0 {
		t.Fatal(rc)
	}
	d := env.NS.DeviceByName("d9")
	if d == nil || !d.IsUp() || d.MTU() != 9000 || d.TxQueueLen() != 500 ||
		d.HardwareAddr().String() != "02:00:00:00:00:02" || d.Promiscuity() != 1 || d.Alias() != "uplink" {
		t.Fatalf("device not configured: %+v", d)
	}
	peerNS, _ := env.World.AddNamespace("b")
	if _, rc := run(t, env, "ip link add v0 type veth peer name v1 netns b"); rc != 0 {
		t.Fatal("veth into b")
	}
	if peerNS.DeviceByName("v1") == nil {
		t.Fatal("peer not in b")
	}
	out, _ := run(t, env, "ip -n b -br link show v1")
	if !strings.HasPrefix(out, "v1@if") {
		t.Errorf("-n b: %q", out)
	}
	out, _ = run(t, env, "ip netns exec b ip -br link show dev lo")
	if !strings.HasPrefix(out, "lo ") {
		t.Errorf("netns exec: %q", out)
	}
	out, _ = run(t, env, "ip netns list")
	if out != "b\n" {
		t.Errorf("netns list: %q", out)
	}
}

func TestJSONOutput(t *testing.T) {
	env := newEnv(t)
	run(t, env, "ip link add v0 address 02:00:00:00:00:a0 type veth peer name v1", "ip link set v0 up", "ip link set v1 up")
	for _, cmd := range []string{
		"ip -j link", "ip -j -p link", "ip -j -d link", "ip -j -s -s -d link", "ip -j -br link",
		"ip -j -p -d -s link show dev v0", "tc -j qdisc show", "tc -j -s -p qdisc show", "ip -j netns list",
	} {
		out, rc := run(t, env, cmd)
		if rc != 0 {
			t.Fatalf("%s: %d %s", cmd, rc, out)
		}
		var v []map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("%s: not JSON: %v\n%s", cmd, err, out)
			continue
		}
		if strings.HasPrefix(cmd, "ip -j -d") {
			li, _ := v[1]["linkinfo"].(map[string]any)
			if li["info_kind"] != "veth" {
				t.Errorf("%s: linkinfo %v", cmd, v[1]["linkinfo"])
			}
		}
		if strings.Contains(cmd, "link") && !strings.Contains(cmd, "-br") {
			for _, k := range []string{"ifindex", "ifname", "flags", "mtu", "qdisc", "operstate", "group", "txqlen", "link_type", "address"} {
				if _, ok := v[0][k]; !ok {
					t.Errorf("%s: no key %q", cmd, k)
				}
			}
		}
	}
}

func TestPrinterPretty(t *testing.T) {
	var b bytes.Buffer
	p := NewPrinter(&b, true, true)
	p.Begin()
	p.OpenObject("")
	p.PrintString("a", "", "x\"y")
	p.OpenArray("l", "")
	p.PrintString("", "", "1")
	p.PrintString("", "", "2")
	p.CloseArray("")
	p.OpenObject("o")
	p.CloseObject()
	p.CloseObject()
	p.End()
	want := "[ {\n        \"a\": \"x\\\"y\",\n        \"l\": [ \"1\",\"2\" ],\n        \"o\": {}\n    } ]\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestSplitLine(t *testing.T) {
	for in, want := range map[string][]string{
		`ip link set d9 alias "uplink one"`: {"ip", "link", "set", "d9", "alias", "uplink one"},
		`a 'b c' d\ e # f`:                  {"a", "b c", "d e"},
		`# only`:                            nil,
	} {
		got, err := SplitLine(in)
		if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	if _, err := SplitLine(`a "b`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

func TestSysctl(t *testing.T) {
	env := newEnv(t)
	names := netdev.SysctlNames()
	if len(names) == 0 {
		t.Skip("no sysctls registered")
	}
	out, rc := run(t, env, "sysctl "+names[0])
	if rc != 0 || !strings.HasPrefix(out, names[0]+" = ") {
		t.Errorf("sysctl read: %q %d", out, rc)
	}
	if _, rc := run(t, env, "sysctl -w no.such.knob=1"); rc == 0 {
		t.Error("unknown knob accepted")
	}
}

func BenchmarkLinkShow(b *testing.B) {
	env := newEnv(b)
	run(b, env, "ip link add v0 type veth peer name v1", "ip link add d0 type dummy")
	var buf bytes.Buffer
	argv := []string{"-s", "-d", "link", "show"}
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		IP(env, argv, &buf, &buf)
	}
	b.SetBytes(int64(buf.Len()))
}
