package iproute

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdevsim"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
)

func mustRun(t *testing.T, env *Env, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if out, rc := runXfrm(env, l); rc != 0 {
			t.Fatalf("%s: exit %d: %s", l, rc, out)
		}
	}
}

const simSA = "ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 9 reqid 42 mode transport " + gcm

// TestXfrmOffloadCommands: the offload words of ip xfrm state and policy,
// their errors (text and exit status) and what ip xfrm state prints.
func TestXfrmOffloadCommands(t *testing.T) {
	tests := []struct{ name, cmd, want, show string }{
		{"crypto out", simSA + " offload dev eni0 dir out", "[exit 0]", "\tcrypto offload parameters: dev eni0 dir out mode crypto\n"},
		{"crypto word", simSA + " offload crypto dev eni0 dir in", "[exit 0]", "\tcrypto offload parameters: dev eni0 dir in mode crypto\n"},
		{"packet", simSA + " offload packet dev eni0 dir out", "[exit 0]", "\tcrypto offload parameters: dev eni0 dir out mode packet\n"},
		{"no-ipsec device: software", strings.Replace(simSA, "spi 9", "spi 10", 1) + " offload dev plain dir out", "[exit 0]", "-crypto offload"},
		{"packet on no-ipsec device", simSA + " offload packet dev plain dir out", "RTNETLINK answers: Invalid argument\n[exit 2]", ""},
		{"unknown device", simSA + " offload dev nosuch dir out", "Error: argument \"nosuch\" is wrong: Invalid device name\n[exit 255]", ""},
		{"missing dev", simSA + " offload crypto dir out", "Error: argument \"dir\" is wrong: Missing dev keyword\n[exit 255]", ""},
		{"missing dir", simSA + " offload dev eni0 mode tunnel", "Error: argument \"mode\" is wrong: Missing dir keyword\n[exit 255]", ""},
		{"bad dir", simSA + " offload dev eni0 dir sideways", "Error: argument \"sideways\" is wrong: DIR value is invalid\n[exit 255]", ""},
		{"incomplete", simSA + " offload dev", "Command line is not complete. Try option \"help\"\n[exit 255]", ""},
		{"ah", "ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto ah spi 9 auth 'hmac(sha256)' 0x" + strings.Repeat("11", 32) + " offload dev eni0 dir out", "Error: Type doesn't support offload.\n[exit 2]", ""},
		{"tfcpad", strings.Replace(simSA, "transport", "tunnel", 1) + " tfcpad 64 offload dev eni0 dir out", "Error: TFC padding can't be offloaded.\n[exit 2]", ""},
		{"sa dir mismatch", simSA + " dir in offload dev eni0 dir out", "Error: Mismatched SA and offload direction.\n[exit 2]", ""},
		{"if_id inbound", simSA + " if_id 7 offload dev eni0 dir in", "Error: XFRM if_id is not supported in RX path.\n[exit 2]", ""},
		{"if_id outbound", simSA + " if_id 7 offload dev eni0 dir out", "[exit 0]", "\tcrypto offload parameters: dev eni0 dir out mode crypto\n"},
		{"esn packet offload on no-esn device", simSA + " replay-window 32 flag esn offload packet dev noesn dir out", "[exit 0]", "\tcrypto offload parameters: dev noesn dir out mode packet\n"},
		{"esn on no-esn device", simSA + " replay-window 32 flag esn offload dev noesn dir out", "Error: Device doesn't support offload with ESN.\n[exit 2]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := xfrmEnv(t)
			mustRun(t, env, "ip link add eni0 type netdevsim", "ip link add plain type netdevsim no-ipsec",
				"ip link add noesn type netdevsim no-esn", "ip link set eni0 up", "ip link set plain up", "ip link set noesn up")
			out, rc := runXfrm(env, tt.cmd)
			if got := out + fmt.Sprintf("[exit %d]", rc); !strings.HasSuffix(got, tt.want) {
				t.Fatalf("got %q, want suffix %q", got, tt.want)
			}
			if tt.show == "" {
				return
			}
			show, _ := runXfrm(env, "ip xfrm state")
			if neg, ok := strings.CutPrefix(tt.show, "-"); ok {
				if strings.Contains(show, neg) {
					t.Fatalf("software SA shows offload:\n%s", show)
				}
				return
			}
			if !strings.Contains(show, tt.show) {
				t.Fatalf("ip xfrm state:\n%s\nwant line %q", show, tt.show)
			}
			// The offload line comes after the anti-replay context.
			if strings.Index(show, "anti-replay") > strings.Index(show, "crypto offload") {
				t.Fatalf("offload line misplaced:\n%s", show)
			}
		})
	}
}

// TestXfrmPolicyOffload: ip xfrm policy … offload packet dev DEV binds the
// policy to the device (DevPolicyAdd), shows it, and delete/flush unbind.
func TestXfrmPolicyOffload(t *testing.T) {
	env, _ := xfrmEnv(t)
	mustRun(t, env, "ip link add eni0 type netdevsim", "ip link add nopkt type netdevsim no-packet", "ip link add plain type netdevsim no-ipsec", "ip link set eni0 up")
	sim := netdevsim.Of(env.NS.DeviceByName("eni0"))
	pol := "ip xfrm policy add src 203.0.113.0/26 dst 203.0.113.64/26 dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel"
	mustRun(t, env, pol+" offload packet dev eni0")
	out, _ := runXfrm(env, "ip xfrm policy")
	if !strings.Contains(out, "\tcrypto offload parameters: dev eni0 mode packet\n") || sim.Counters.Policies.Load() != 1 {
		t.Fatalf("policies %d, ip xfrm policy:\n%s", sim.Counters.Policies.Load(), out)
	}
	for _, tt := range []struct{ cmd, want string }{
		{strings.Replace(pol, "203.0.113.0/", "203.0.113.192/", 1) + " offload packet dev plain", "Error: Policy offload is not supported.\n[exit 2]"},
		{strings.Replace(pol, "203.0.113.0/", "203.0.113.128/", 1) + " offload packet dev nopkt", "Error: Device failed to offload this policy.\n[exit 2]"},
		{pol + " offload crypto dev eni0", "Error: argument \"crypto\" is wrong: Invalid offload type\n[exit 255]"},
	} {
		out, rc := runXfrm(env, tt.cmd)
		if got := out + fmt.Sprintf("[exit %d]", rc); !strings.HasSuffix(got, tt.want) {
			t.Errorf("%s: got %q, want suffix %q", tt.cmd, got, tt.want)
		}
	}
	if n := xfrm.ForNamespace(env.NS).SPD.Count(xfrm.PolicyOut); n != 1 {
		t.Fatalf("refused policies left in the SPD (%d out policies, want 1)", n)
	}
	// A forwarding policy is offloaded too (XFRM_DEV_OFFLOAD_FWD).
	mustRun(t, env, strings.Replace(pol, "dir out", "dir fwd", 1)+" offload packet dev eni0")
	if sim.Counters.Policies.Load() != 2 {
		t.Fatalf("fwd policy not on the device (%d)", sim.Counters.Policies.Load())
	}
	mustRun(t, env, "ip xfrm policy delete src 203.0.113.0/26 dst 203.0.113.64/26 dir fwd")
	mustRun(t, env, "ip xfrm policy delete src 203.0.113.0/26 dst 203.0.113.64/26 dir out")
	if sim.Counters.Policies.Load() != 0 {
		t.Fatal("delete left the policy on the device")
	}
	mustRun(t, env, pol+" offload packet dev eni0", "ip xfrm policy flush")
	if sim.Counters.Policies.Load() != 0 {
		t.Fatal("flush left the policy on the device")
	}
}

// TestNetdevsimLink: ip link add … type netdevsim options, ip -d link show
// (text and JSON), option errors.
func TestNetdevsimLink(t *testing.T) {
	env, _ := xfrmEnv(t)
	mustRun(t, env, "ip link add eni0 type netdevsim no-esn tx-csum reject-len 1400", "ip link add eni1 type netdevsim no-ipsec")
	out, _ := runXfrm(env, "ip -d link show eni0")
	if !strings.Contains(out, "netdevsim no-esn tx-csum reject-len 1400 ipsec-sas 0 features esp-hw-offload,esp-tx-csum-hw-offload ") {
		t.Fatalf("ip -d link show eni0:\n%s", out)
	}
	out, _ = runXfrm(env, "ip -d link show eni1")
	if !strings.Contains(out, "netdevsim no-ipsec ipsec-sas 0 ") || strings.Contains(out, "esp-hw-offload") {
		t.Fatalf("ip -d link show eni1:\n%s", out)
	}
	out, _ = runXfrm(env, "ip -j -d link show eni0")
	if !strings.Contains(out, `"info_kind":"netdevsim"`) || !strings.Contains(out, `"no_esn":true`) || !strings.Contains(out, `"features":["esp-hw-offload","esp-tx-csum-hw-offload"]`) {
		t.Fatalf("ip -j -d link show eni0:\n%s", out)
	}
	for _, tt := range []struct{ cmd, want string }{
		{"ip link add eni2 type netdevsim bogus", "netdevsim: unknown option \"bogus\"\n"},
		{"ip link add eni2 type netdevsim reject-len x", "Error: argument \"x\" is wrong: invalid \"reject-len\" value\n[exit 255]"},
		{"ip link add eni2 type netdevsim reject-len", "Command line is not complete. Try option \"help\"\n[exit 255]"},
	} {
		out, rc := runXfrm(env, tt.cmd)
		got := out + fmt.Sprintf("[exit %d]", rc)
		if !strings.Contains(got, tt.want) || rc == 0 {
			t.Errorf("%s: got %q, want %q", tt.cmd, got, tt.want)
		}
	}
}

// TestKciIPsecOffload ports rtnetlink.sh's kci_test_ipsec_offload: SAs
// offloaded to a netdevsim device both ways, shown by ip xfrm state, ping
// through the Tx path counted by the hardware, flush removes them from
// the driver.
func TestKciIPsecOffload(t *testing.T) {
	packettest.CheckBalance(t)
	env, loop := xfrmEnv(t)
	const src, dst = "192.0.2.1", "192.0.2.3"
	algo := "aead 'rfc4106(gcm(aes))' 0x3132333435363738393031323334353664636261 128"
	mustRun(t, env,
		"ip link add eni0 type netdevsim",
		"ip addr add "+src+"/24 dev eni0",
		"ip link set eni0 up",
		"ip x s flush", "ip x p flush",
		"ip x p add dir out src "+src+"/24 dst "+dst+"/24 tmpl proto esp src "+src+" dst "+dst+" spi 9 mode transport reqid 42",
		"ip x p add dir in src "+dst+"/24 dst "+src+"/24 tmpl proto esp src "+dst+" dst "+src+" spi 9 mode transport reqid 42",
		"ip x s add proto esp src "+src+" dst "+dst+" spi 9 mode transport reqid 42 "+algo+" sel src "+src+"/24 dst "+dst+"/24 offload dev eni0 dir out",
		"ip x s add proto esp src "+dst+" dst "+src+" spi 9 mode transport reqid 42 "+algo+" sel src "+dst+"/24 dst "+src+"/24 offload dev eni0 dir in",
	)
	out, _ := runXfrm(env, "ip x s list")
	if n := strings.Count(out, "crypto offload parameters: dev eni0 dir"); n != 2 {
		t.Fatalf("ipsec_offload SA offload missing from list output (%d lines):\n%s", n, out)
	}
	d := env.NS.DeviceByName("eni0")
	sim := netdevsim.Of(d)
	var esp int
	sim.SetWire(func(b *packet.Buffer) {
		if p := b.Bytes(); len(p) > 23 && p[23] == 50 {
			esp++
		}
		b.Free()
	})
	c, err := inet.DialICMP(env.NS, inet.FamilyV4, func(inet.EchoEvent) {})
	if err != nil {
		t.Fatal(err)
	}
	for seq := range 3 {
		if err := c.SendEcho(netip.MustParseAddr(dst), inet.EchoOpts{ID: 1, Seq: uint16(seq + 1), Iface: "eni0"}); err != nil {
			t.Fatal(err)
		}
	}
	loop.Run()
	if esp != 3 {
		t.Fatalf("%d ESP frames on the wire, want 3", esp)
	}
	if n, tx := sim.Counters.States.Load(), sim.Counters.Tx.Load(); n != 2 || tx != 3 {
		t.Fatalf("driver: SA count=%d tx=%d, want SA count=2 tx=3", n, tx)
	}
	mustRun(t, env, "ip x s flush", "ip x p flush")
	if n := sim.Counters.States.Load(); n != 0 {
		t.Fatalf("ipsec_offload SA not removed from driver: SA count=%d", n)
	}
	out, _ = runXfrm(env, "ip x s list")
	if out != "" {
		t.Fatalf("states left:\n%s", out)
	}
}

// FuzzOffloadWords: the offload words of ip xfrm state/policy and the
// netdevsim link options never panic, and a parsed request names a device.
func FuzzOffloadWords(f *testing.F) {
	for _, s := range []string{"offload dev eni0 dir out", "offload packet dev eni0 dir in", "offload crypto dev", "offload packet dev eni0",
		"no-esn reject-len 0x100", "async tx-csum", "reject-len"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		env, _ := xfrmEnv(t)
		mustRun(t, env, "ip link add eni0 type netdevsim")
		c := &Cmd{Env: env, NS: env.NS}
		ws := strings.Fields(line)
		for _, policy := range []bool{false, true} {
			if len(ws) == 0 || ws[0] != "offload" {
				break
			}
			if o, err := c.xfrmOffload(&xfrmArgs{w: ws}, policy); err == nil && o.Ifindex == 0 {
				t.Fatalf("%q: request without a device", line)
			}
		}
		_, _ = parseNetdevsim(ws)
	})
}

// TestXfrmStateRefreshesOffloadStats: ip xfrm state (and -s) ask the
// device for the SA's counters before printing them, as
// copy_to_user_state calls xfrm_dev_state_update_stats.
func TestXfrmStateRefreshesOffloadStats(t *testing.T) {
	env, _ := xfrmEnv(t)
	mustRun(t, env, "ip link add eni0 type netdevsim", "ip link set eni0 up", simSA+" offload dev eni0 dir out")
	sim := netdevsim.Of(env.NS.DeviceByName("eni0"))
	for i, cmd := range []string{"ip xfrm state", "ip -s xfrm state", "ip xfrm state get src 192.0.2.1 dst 192.0.2.2 proto esp spi 9"} {
		before := sim.Counters.StatsUpd.Load()
		if out, rc := runXfrm(env, cmd); rc != 0 || !strings.Contains(out, "crypto offload parameters") {
			t.Fatalf("%s: exit %d\n%s", cmd, rc, out)
		}
		if got := sim.Counters.StatsUpd.Load() - before; got != 1 {
			t.Fatalf("%d: %s refreshed the device counters %d times, want 1", i, cmd, got)
		}
	}
}
