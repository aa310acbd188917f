package e2e_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/kernelpeer"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// The kernel-peer harness (../shared/kernel-peer) and this test's guest
// name (so it never disturbs the shared kvmpeer guest).
const (
	kpName = "kvmmirredtest"
	pings  = 5
)

// scenario is one tc script run on both sides, with what must cross.
type scenario struct {
	name   string
	script []string
	// originals and copies: frames on eth0 (both ways) and out of eth1.
	originals, copies int
	replies           bool // the pings are answered
}

var scenarios = []scenario{
	{"span", []string{
		"tc qdisc add dev eth0 clsact",
		"tc filter add dev eth0 ingress matchall action mirred egress mirror dev eth1",
		"tc filter add dev eth0 egress matchall action mirred egress mirror dev eth1",
	}, 2 * pings, 2 * pings, true},
	{"flower-requests-only", []string{
		"tc qdisc add dev eth0 clsact",
		"tc filter add dev eth0 ingress protocol ip pref 1 flower ip_proto icmp type 0 action drop",
		"tc filter add dev eth0 ingress protocol ip pref 2 flower ip_proto icmp type 8 action mirred egress mirror dev eth1 pipe action pass",
		"tc filter add dev eth0 egress protocol ip pref 1 flower dst_ip 192.0.2.0/24 ip_proto icmp type 0 code 0 action pass",
	}, 2 * pings, pings, true},
	{"ingress-redirect", []string{
		"tc qdisc add dev eth0 ingress",
		"tc filter add dev eth0 parent ffff: protocol ip matchall action mirred egress redirect dev eth1",
	}, pings, pings, false},
}

// outcome is what is compared between Linux and softnet.
type outcome struct {
	originals, copies [][]byte // frames on eth0 (both ways), on eth1 (out)
	counters          string   // "Sent …" lines of tc -s filter show, both hooks
}

var sentLine = regexp.MustCompile(`(?m)^\s*Sent \d+ bytes \d+ pkt \(dropped \d+, overlimits \d+ requeues \d+\)`)

func counters(ingress, egress string) string {
	return strings.Join(sentLine.FindAllString(ingress, -1), "\n") + "\n--\n" +
		strings.Join(sentLine.FindAllString(egress, -1), "\n")
}

// TestPrivKernelPeerMirred runs the same tc script (clsact, matchall and
// mirred mirroring both directions of eth0 to eth1) on a real Linux 6.1
// guest and on softnet, sends the same pings through eth0 on each, and
// compares: the copies leaving eth1 (one per frame, byte for byte the
// frames eth0 received and sent, in order) and the tc -s counters.
func TestPrivKernelPeerMirred(t *testing.T) {
	requireKernelPeer(t)
	kp(t, "boot.sh")
	t.Cleanup(func() { kp(t, "stop.sh") })
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			linux := linuxOutcome(t, sc)
			soft := softnetOutcome(t, sc)
			for name, o := range map[string]outcome{"linux": linux, "softnet": soft} {
				if len(o.originals) != sc.originals || len(o.copies) != sc.copies {
					t.Errorf("%s: %d frames on eth0, %d copies on eth1, want %d and %d",
						name, len(o.originals), len(o.copies), sc.originals, sc.copies)
					continue
				}
				j := 0
				for i := range o.copies {
					for j < len(o.originals) && !bytes.Equal(o.copies[i], o.originals[j]) {
						j++
					}
					if j == len(o.originals) {
						t.Errorf("%s: copy %d is not an eth0 frame (in order): %x", name, i, o.copies[i])
						break
					}
				}
			}
			if linux.counters != soft.counters {
				t.Errorf("tc -s counters differ:\n--- linux\n%s\n--- softnet\n%s", linux.counters, soft.counters)
			}
			t.Logf("counters (both):\n%s", soft.counters)
		})
	}
}

// linuxOutcome boots the guest, applies the script to its eth0/eth1 and
// pings it from the host namespace, capturing both TAPs.
func linuxOutcome(t *testing.T, sc scenario) outcome {
	// Static neighbours on both sides: only the pings cross eth0.
	kp(t, "gexec.sh", "tc qdisc del dev eth0 clsact 2>/dev/null; tc qdisc del dev eth0 ingress 2>/dev/null; "+
		"ip neigh replace 192.0.2.1 lladdr 02:00:00:00:01:01 dev eth0 nud permanent && "+
		strings.Join(sc.script, " && "))
	host := func(args ...string) {
		t.Helper()
		out, err := exec.Command("ip", append([]string{"netns", "exec", kpName}, args...)...).CombinedOutput()
		if err != nil && sc.replies {
			t.Fatalf("%v: %v %s", args, err, out)
		}
	}
	host("ip", "neigh", "replace", "192.0.2.2", "lladdr", "52:54:00:00:01:02", "dev", "kvmtap0", "nud", "permanent")
	dir := t.TempDir()
	stop0 := tcpdump(t, "kvmtap0", filepath.Join(dir, "tap0.pcap"))
	stop1 := tcpdump(t, "kvmtap1", filepath.Join(dir, "tap1.pcap"))
	host("busybox", "ping", "-c", fmt.Sprint(pings), "-i", "0.3", "-W", "3", "192.0.2.2")
	stop0()
	stop1()
	in := kp(t, "gexec.sh", "tc -s filter show dev eth0 ingress")
	eg := kp(t, "gexec.sh", "tc -s filter show dev eth0 egress 2>/dev/null; true")
	return outcome{
		originals: readPcap(t, filepath.Join(dir, "tap0.pcap")),
		copies:    readPcap(t, filepath.Join(dir, "tap1.pcap")),
		counters:  counters(in, eg),
	}
}

// tcpdump captures an interface of the guest's host namespace until the
// returned function is called.
func tcpdump(t *testing.T, dev, file string) func() {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", kpName, "tcpdump", "-i", dev, "-n", "-U", "--immediate-mode", "-w", file, "icmp")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// tcpdump says "listening on …" once its socket is ready.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errb.String(), "listening on") {
		if time.Now().After(deadline) {
			t.Fatalf("tcpdump on %s did not start: %s", dev, errb.String())
		}
		runtimeYield()
	}
	return func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
	}
}

// runtimeYield waits a little without time.Sleep: a blocking read of a
// timer channel.
func runtimeYield() { <-time.After(20 * time.Millisecond) }

// readPcap reads a classic pcap file's frames.
func readPcap(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	if len(data) < 24 {
		return nil
	}
	le := data[0] == 0xd4 || data[0] == 0x4d
	u32 := func(b []byte) uint32 {
		if le {
			return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		}
		return uint32(b[3]) | uint32(b[2])<<8 | uint32(b[1])<<16 | uint32(b[0])<<24
	}
	for p := data[24:]; len(p) >= 16; {
		n := int(u32(p[8:12]))
		if len(p) < 16+n {
			break
		}
		out = append(out, bytes.Clone(p[16:16+n]))
		p = p[16+n:]
	}
	return out
}

type tapFunc func(d *netdev.Device, b *packet.Buffer, dir netdev.Direction)

func (f tapFunc) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) { f(d, b, dir) }

// softnetOutcome builds the same topology in softnet (a pinging host, the
// device under test g with eth0 and eth1, a listener on eth1), applies the
// same script and sends the same pings.
func softnetOutcome(t *testing.T, sc scenario) outcome {
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	h := w.Init()
	g, err := w.AddNamespace("g")
	if err != nil {
		t.Fatal(err)
	}
	mon, err := w.AddNamespace("mon")
	if err != nil {
		t.Fatal(err)
	}
	run := func(ns *netdev.Namespace, l string) string {
		t.Helper()
		var out bytes.Buffer
		if rc := iproute.RunLine(&iproute.Env{World: w, NS: ns}, l, &out, &out); rc != 0 {
			t.Fatalf("%s: %s", l, out.String())
		}
		return out.String()
	}
	// As the harness's host namespace: no IPv6, both TAP ends up.
	for _, l := range []string{
		"sysctl -w net.ipv6.conf.all.disable_ipv6=1",
		"ip link add kvmtap0 address 02:00:00:00:01:01 type veth peer name eth0 address 52:54:00:00:01:02 netns g",
		"ip link add kvmtap1 type veth peer name eth1 address 52:54:00:00:02:02 netns g",
		"ip link set kvmtap1 netns mon",
		"ip link set kvmtap0 up",
		"ip addr add 192.0.2.1/24 dev kvmtap0",
		"ip neigh replace 192.0.2.2 lladdr 52:54:00:00:01:02 dev kvmtap0 nud permanent",
	} {
		run(h, l)
	}
	run(mon, "sysctl -w net.ipv6.conf.all.disable_ipv6=1")
	run(mon, "ip link set kvmtap1 up")
	for _, l := range append([]string{
		"sysctl -w net.ipv6.conf.all.disable_ipv6=1",
		"ip link set eth0 up", "ip link set eth1 up",
		"ip addr add 192.0.2.2/24 dev eth0", "ip addr add 198.51.100.2/24 dev eth1",
		"ip neigh replace 192.0.2.1 lladdr 02:00:00:00:01:01 dev eth0 nud permanent",
	}, sc.script...) {
		run(g, l)
	}
	var o outcome
	isICMP := func(f []byte) bool { return len(f) > 23 && f[12] == 8 && f[13] == 0 && f[23] == 1 }
	eth0, eth1 := g.DeviceByName("eth0"), g.DeviceByName("eth1")
	eth0.AddTap(tapFunc(func(_ *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
		f := frameOf(b, dir)
		if isICMP(f) {
			o.originals = append(o.originals, f)
		}
	}))
	eth1.AddTap(tapFunc(func(_ *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
		if f := frameOf(b, dir); dir == netdev.DirOut && isICMP(f) {
			o.copies = append(o.copies, f)
		}
	}))
	loop := w.Loop().(*netdev.SimLoop)
	loop.RunFor(3 * time.Second)
	c, err := inet.DialICMP(h, inet.FamilyV4, func(inet.EchoEvent) {})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < pings; i++ {
		if err := c.SendEcho(netip.MustParseAddr("192.0.2.2"), inet.EchoOpts{ID: 7, Seq: uint16(i + 1)}); err != nil {
			t.Fatal(err)
		}
		loop.RunFor(300 * time.Millisecond)
	}
	// With the ingress qdisc, "egress" finds the ingress block, as on Linux.
	o.counters = counters(run(g, "tc -s filter show dev eth0 ingress"), run(g, "tc -s filter show dev eth0 egress"))
	return o
}

// frameOf returns the frame a tap sees, from its Ethernet header.
func frameOf(b *packet.Buffer, dir netdev.Direction) []byte {
	if dir == netdev.DirIn && b.HasMAC() {
		return bytes.Clone(b.MACHeader())
	}
	return bytes.Clone(b.Bytes())
}

func requireKernelPeer(t *testing.T) { kernelpeer.Require(t) }

func kp(t *testing.T, script string, args ...string) string {
	t.Helper()
	return kernelpeer.MustScript(t, kpName, script, args...)
}
