package iproute

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/softnet/softnet/netdev"
)

func xfrmEnv(t testing.TB) (*Env, *netdev.SimLoop) {
	loop := netdev.NewSimLoop(time.Unix(1_000_000, 0))
	w := netdev.NewWorld(netdev.Options{Loop: loop})
	t.Cleanup(w.Close)
	return &Env{World: w, NS: w.Init()}, loop
}

func runXfrm(env *Env, line string) (string, int) {
	var out bytes.Buffer
	rc := RunLine(env, line, &out, &out)
	return out.String(), rc
}

const gcm = "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128"

// TestXfrmErrors covers client-side and kernel-side errors the golden
// recordings do not.
func TestXfrmErrors(t *testing.T) {
	tests := []struct{ cmd, want string }{
		{"ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto ah spi 1 mode tunnel", "ALGO-TYPE value \"auth\" is required with XFRM-PROTO value \"ah\"\n[exit 1]"},
		{"ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 flag esn " + gcm, "esn flag set without replay-window.\n[exit 1]"},
		{"ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 " + gcm + " enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff", "ALGO-TYPE value \"aead\" is invalid with ALGO-TYPE value \"enc\" or \"auth\"\n[exit 1]"},
		{"ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 enc 'cbc(aes)' 0x0011", "Error: Kernel was unable to initialize cryptographic operations.\n[exit 2]"},
		{"ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 enc 'cbc(twofish)' 0x00112233445566778899aabbccddeeff", "[exit 2]"},
		{"ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi", "Command line is not complete. Try option \"help\"\n[exit 255]"},
		{"ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto bogus spi 1", "Error: argument \"bogus\" is wrong: XFRM-PROTO value is invalid\n[exit 255]"},
		{"ip xfrm policy add dir out tmpl proto esp mode bogus", "Error: argument \"bogus\" is wrong: MODE value is invalid\n[exit 255]"},
		{"ip xfrm policy add dir out index 8", "Error: Policy index doesn't match direction.\n[exit 2]"},
		{"ip xfrm policy add dir out tmpl proto esp tmpl proto esp tmpl proto esp tmpl proto esp tmpl proto esp tmpl proto esp tmpl proto esp", "Error: Template count must be <= XFRM_MAX_DEPTH (6).\n[exit 2]"},
		{"ip xfrm policy get dir in index 1", "RTNETLINK answers: No such file or directory\n[exit 2]"},
		{"ip xfrm monitor bogus", "Argument \"bogus\" is unknown, try \"ip xfrm monitor help\".\n[exit 255]"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			env, _ := xfrmEnv(t)
			out, rc := runXfrm(env, tt.cmd)
			got := out + fmt.Sprintf("[exit %d]", rc)
			if !strings.HasSuffix(got, tt.want) {
				t.Errorf("got %q, want suffix %q", got, tt.want)
			}
		})
	}
}

// TestXfrmMonitor: EXPIRE events driven by the World's clock, SA and
// policy notifications, as xfrm_monitor.c prints them.
func TestXfrmMonitor(t *testing.T) {
	env, loop := xfrmEnv(t)
	var mon bytes.Buffer
	defer XfrmMonitor(env, env.NS, &mon, 0)()
	loop.AfterFunc(time.Second, func() {
		RunLine(env, "ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x10 mode tunnel "+gcm+" limit time-soft 5 limit time-hard 10", &mon, &mon)
		RunLine(env, "ip xfrm policy add src 203.0.113.0/26 dst 203.0.113.64/26 dir out tmpl src 192.0.2.1 dst 198.51.100.2 proto esp mode tunnel", &mon, &mon)
		RunLine(env, "ip xfrm policy flush", &mon, &mon)
	})
	loop.RunFor(20 * time.Second)
	out := mon.String()
	for _, want := range []string{
		"src 192.0.2.1 dst 198.51.100.2\n\tproto esp spi 0x00000010 reqid 0 mode tunnel\n",
		"Expired src 192.0.2.1 dst 198.51.100.2\n",
		"\thard 0\n",
		"\thard 1\n",
		"src 203.0.113.0/26 dst 203.0.113.64/26 \n\tdir out priority 0 ptype main \n",
		"Flushed policy \n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("monitor output lacks %q:\n%s", want, out)
		}
	}
	if got, _ := runXfrm(env, "ip xfrm state count"); got != "\t SAD count 0\n" {
		t.Errorf("after the hard expiry: %q", got)
	}
}

func TestXfrmStatsAndAllocSPI(t *testing.T) {
	env, _ := xfrmEnv(t)
	out, rc := runXfrm(env, "ip xfrm stats")
	if rc != 0 || !strings.HasPrefix(out, "XfrmInError              \t0\n") && !strings.HasPrefix(out, "XfrmInError") {
		t.Errorf("ip xfrm stats: %d %q", rc, out)
	}
	if !strings.Contains(out, "XfrmOutNoStates") || !strings.Contains(out, "XfrmInStateDirError") {
		t.Errorf("ip xfrm stats misses counters:\n%s", out)
	}
	out, rc = runXfrm(env, "ip xfrm state allocspi src 192.0.2.1 dst 198.51.100.2 proto esp min 0x100 max 0x100")
	if rc != 0 || !strings.Contains(out, "spi 0x00000100") {
		t.Errorf("allocspi: %d %q", rc, out)
	}
	if out, rc = runXfrm(env, "ip xfrm state allocspi src 192.0.2.1 dst 198.51.100.2 proto esp min 0x100 max 0x100"); rc != 2 {
		t.Errorf("allocspi with no free SPI: %d %q", rc, out)
	}
	// The larval SA is completed by update (add gets EEXIST, as Linux).
	if out, rc = runXfrm(env, "ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x100 "+gcm); rc != 2 {
		t.Errorf("add over a larval SA: %d %q", rc, out)
	}
	if out, rc = runXfrm(env, "ip xfrm state update src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x100 "+gcm); rc != 0 {
		t.Errorf("update of the larval SA: %d %q", rc, out)
	}
	if out, _ = runXfrm(env, "ip xfrm state"); !strings.Contains(out, "aead rfc4106(gcm(aes))") {
		t.Errorf("after update: %q", out)
	}
	if out, rc = runXfrm(env, "ip xfrm state allocspi src 192.0.2.1 dst 198.51.100.2 proto esp min 0x200 max 0x100"); rc != 1 {
		t.Errorf("allocspi min > max: %d %q", rc, out)
	}
}

// FuzzXfrmArgs: ip xfrm state/policy never panic on any words.
func FuzzXfrmArgs(f *testing.F) {
	for _, s := range []string{
		"state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x1000 reqid 1 mode tunnel aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 128",
		"state add src 192.0.2.1 dst 198.51.100.3 proto esp spi 0x2000 mode transport auth hmac(sha1) 0x01 enc cbc(aes) 0x00 replay-window 32 flag esn if_id 7 mark 0x5 mask 0xff",
		"state add proto comp spi 3 comp deflate sel src 203.0.113.0/24 proto icmp type 8 limit packet-hard 3 encap espinudp 4500 4500 0.0.0.0",
		"policy add src 203.0.113.0/26 dst 203.0.113.64/26 proto udp dport 53 dir out priority 10 action block",
		"policy add dir out mark 0x7 mask 0xff if_id 7 tmpl src 192.0.2.1 dst 198.51.100.4 proto esp mode tunnel level use",
		"policy get index 9 dir in",
		"state list spi 0x1000 mode tunnel reqid 1 flag esn",
	} {
		f.Add(s)
	}
	env, _ := xfrmEnv(f)
	f.Fuzz(func(t *testing.T, s string) {
		var out bytes.Buffer
		RunLine(env, "ip xfrm "+s, &out, &out)
		RunLine(env, "ip -s xfrm state", &out, &out)
		RunLine(env, "ip -s xfrm policy", &out, &out)
	})
}

// TestXfrmMonitorCommand: in a lab, ip xfrm monitor runs the virtual
// clock and prints the EXPIRE events of the SA lifetimes.
func TestXfrmMonitorCommand(t *testing.T) {
	env, _ := xfrmEnv(t)
	if out, rc := runXfrm(env, "ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x10 mode tunnel "+gcm+" limit time-hard 10"); rc != 0 {
		t.Fatal(out)
	}
	out, rc := runXfrm(env, "ip xfrm monitor expire")
	if rc != 0 || !strings.HasPrefix(out, "Expired src 192.0.2.1 dst 198.51.100.2\n") || !strings.HasSuffix(out, "\thard 1\n") {
		t.Errorf("monitor: %d\n%s", rc, out)
	}
}

// TestXfrmDeleteAllKeepsKernelStates: ip xfrm state deleteall deletes the
// IPsec SAs only (iproute2's xfrm_state_keep); the kernel's IP-in-IP state
// of a tunnel-mode IPComp SA goes with its last IPComp SA.
func TestXfrmDeleteAllKeepsKernelStates(t *testing.T) {
	env := newEnv(t)
	out, rc := run(t, env,
		"ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto comp spi 0x100 mode tunnel comp deflate",
		"ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x200 mode tunnel enc cbc(aes) 0x00112233445566778899aabbccddeeff",
		"ip xfrm state count")
	if rc != 0 || !strings.Contains(out, "SAD count 3") {
		t.Fatalf("setup: %d %q (want the kernel's tunnel state counted)", rc, out)
	}
	if out, rc = run(t, env, "ip xfrm state deleteall"); rc != 0 {
		t.Fatalf("deleteall: %d %q", rc, out)
	}
	if out, _ = run(t, env, "ip xfrm state count"); !strings.Contains(out, "SAD count 0") {
		t.Errorf("after deleteall: %q", out)
	}
}
