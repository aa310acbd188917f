package stack_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/softnet/softnet/hostlink"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/kernelpeer"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/xfrm"
)

// The kernel-peer interop test: softnet and a real Linux 6.1 (the kernel
// peer, ../shared/kernel-peer) exchange ESP and AH on one wire, with the
// same `ip xfrm` configuration on both sides.

const kpName = "kvmxfrmtest" // this test's own guest

// peerSA describes one configuration: the algorithm words of ip xfrm
// state, the mode and extra state words.
type peerSA struct {
	name, proto, algs, mode, extra string
}

var peerSAs = []peerSA{
	{"gcm-tunnel", "esp", "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128", "tunnel", ""},
	{"gcm-transport", "esp", "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128", "transport", ""},
	{"gcm256-esn", "esp", "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324 128", "tunnel", "replay-window 128 flag esn"},
	{"cbc-sha256", "esp", "auth-trunc 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128 enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f", "tunnel", "replay-window 32"},
	{"cbc-sha1-legacy-transport", "esp", "auth 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314 enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f", "transport", ""},
	{"ctr-sha512-esn", "esp", "auth-trunc 'hmac(sha512)' 0x" + strings.Repeat("ab", 64) + " 256 enc 'rfc3686(ctr(aes))' 0x000102030405060708090a0b0c0d0e0f01020304", "tunnel", "replay-window 64 flag esn"},
	{"chacha20poly1305", "esp", "aead 'rfc7539esp(chacha20,poly1305)' 0x" + strings.Repeat("42", 36) + " 128", "tunnel", ""},
	{"gmac", "esp", "aead 'rfc4543(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128", "tunnel", ""},
	{"ah-sha256-transport", "ah", "auth-trunc 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128", "transport", ""},
	{"ah-sha1-tunnel", "ah", "auth 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314", "tunnel", ""},
}

// xfrmScript is the same configuration for one side: local/remote outer
// addresses, inner addresses for tunnel mode, SPIs by direction.
func xfrmScript(c peerSA, local, remote, lin, rin string, outSPI, inSPI uint32) []string {
	sel := func(src, dst string) string { return "src " + src + "/32 dst " + dst + "/32" }
	tmpl := func(src, dst string) string {
		return fmt.Sprintf("tmpl src %s dst %s proto %s mode %s reqid 7", src, dst, c.proto, c.mode)
	}
	if c.mode == "transport" {
		lin, rin = local, remote
	}
	return []string{
		fmt.Sprintf("ip xfrm state add src %s dst %s proto %s spi %#x reqid 7 mode %s %s %s", local, remote, c.proto, outSPI, c.mode, c.extra, c.algs),
		fmt.Sprintf("ip xfrm state add src %s dst %s proto %s spi %#x reqid 7 mode %s %s %s", remote, local, c.proto, inSPI, c.mode, c.extra, c.algs),
		"ip xfrm policy add " + sel(lin, rin) + " dir out " + tmpl(local, remote),
		"ip xfrm policy add " + sel(rin, lin) + " dir in " + tmpl(remote, local),
	}
}

// TestPrivKernelPeerXfrm: for each algorithm and mode both support, Linux
// pings softnet and softnet pings Linux through the same SAs and
// policies; softnet's MIB stays free of errors and Linux's
// /proc/net/xfrm_stat too.
func TestPrivKernelPeerXfrm(t *testing.T) {
	requireKernelPeer(t)
	if out, err := kp(t, "boot.sh"); err != nil {
		t.Fatalf("boot: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = kp(t, "stop.sh") })
	enterNetns(t, kpName)
	if out, err := exec.Command("ip", "addr", "flush", "dev", "kvmtap1").CombinedOutput(); err != nil {
		t.Fatalf("flush kvmtap1: %v %s", err, out)
	}
	w := netdev.NewWorld(netdev.Options{Loop: netdev.NewRealLoop(1)})
	t.Cleanup(w.Close)
	ns := w.Init()
	up := true
	if _, err := ns.NewLink(&netdev.LinkRequest{Name: "p0", Kind: "host-afpacket", Up: &up,
		Data: &hostlink.PacketData{HostDev: "kvmtap1"}}); err != nil {
		t.Fatal(err)
	}
	env := &iproute.Env{World: w, NS: ns}
	tt := t
	run := func(l string) {
		t := tt
		t.Helper()
		var out bytes.Buffer
		if rc := iproute.RunLine(env, l, &out, &out); rc != 0 {
			t.Fatalf("softnet: %s: %s", l, out.String())
		}
	}
	run("ip link set lo up")
	run("ip addr add 198.51.100.1/24 dev p0")
	run("ip addr add 203.0.113.1/32 dev lo")
	run("ip route add 203.0.113.2/32 dev p0 src 203.0.113.1")
	if out, err := kp(t, "gexec.sh", "-t", "30", "ip addr add 203.0.113.2/32 dev lo; ip route add 203.0.113.1/32 dev eth1 src 203.0.113.2; ip xfrm state flush; ip xfrm policy flush"); err != nil {
		t.Fatalf("guest setup: %v\n%s", err, out)
	}
	for _, c := range peerSAs {
		t.Run(c.name, func(t *testing.T) {
			tt = t
			defer func() { tt = t }()
			mib := xfrm.ForNamespace(ns).MIB
			before := mib.Snapshot()
			for _, l := range xfrmScript(c, "198.51.100.1", "198.51.100.2", "203.0.113.1", "203.0.113.2", 0x1100, 0x2200) {
				run(l)
			}
			defer run("ip xfrm policy flush")
			defer run("ip xfrm state flush")
			guest := strings.Join(xfrmScript(c, "198.51.100.2", "198.51.100.1", "203.0.113.2", "203.0.113.1", 0x2200, 0x1100), " && ")
			dst := "203.0.113.1"
			if c.mode == "transport" {
				dst = "198.51.100.1"
			}
			out, err := kp(t, "gexec.sh", "-t", "60", guest+" && ping -c 3 -W 5 "+dst+"; cat /proc/net/xfrm_stat")
			if err != nil {
				t.Fatalf("guest: %v\n%s", err, out)
			}
			if !strings.Contains(out, "3 packets received") && !strings.Contains(out, "3 received") {
				t.Errorf("Linux pinged softnet through %s:\n%s", c.name, out)
			}
			for _, l := range strings.Split(out, "\n") {
				if f := strings.Fields(l); len(f) == 2 && strings.HasPrefix(f[0], "Xfrm") && f[1] != "0" {
					t.Errorf("Linux counter %s = %s", f[0], f[1])
				}
			}
			// softnet → Linux through the same SAs.
			softDst := "203.0.113.2"
			if c.mode == "transport" {
				softDst = "198.51.100.2"
			}
			if got := pingReplies(t, ns, softDst); got != 3 {
				t.Errorf("softnet got %d of 3 replies from Linux through %s", got, c.name)
			}
			out, _ = kp(t, "gexec.sh", "-t", "30", "cat /proc/net/xfrm_stat; ip xfrm state flush; ip xfrm policy flush")
			for _, l := range strings.Split(out, "\n") {
				if f := strings.Fields(l); len(f) == 2 && strings.HasPrefix(f[0], "Xfrm") && f[1] != "0" {
					t.Errorf("Linux counter %s = %s after softnet's pings", f[0], f[1])
				}
			}
			for _, x := range xfrm.ForNamespace(ns).SAD.Dump() {
				if lt := x.Lifetime(); lt.Packets < 6 {
					t.Errorf("softnet SA %#x carried %d packets, want 6 (3 pings each way)", x.Cfg().ID.SPI, lt.Packets)
				}
			}
			after := mib.Snapshot()
			for i := range after {
				if after[i].Value != before[i].Value {
					t.Errorf("softnet %s: %d → %d", after[i].Name, before[i].Value, after[i].Value)
				}
			}
		})
	}
}

func pingReplies(t *testing.T, ns *netdev.Namespace, dst string) int {
	replies := make(chan inet.EchoEvent, 8)
	c, err := inet.DialICMP(ns, inet.FamilyV4, func(e inet.EchoEvent) { replies <- e })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := 0
	for seq := uint16(1); seq <= 3; seq++ {
		if err := c.SendEcho(netip.MustParseAddr(dst), inet.EchoOpts{ID: 0x5151, Seq: seq}); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-replies:
			if e.Reply {
				got++
			}
		case <-time.After(10 * time.Second):
		}
	}
	return got
}

func requireKernelPeer(t *testing.T) { kernelpeer.Require(t) }

func kp(t *testing.T, script string, args ...string) (string, error) {
	t.Helper()
	return kernelpeer.Script(kpName, script, args...)
}

func enterNetns(t *testing.T, name string) { kernelpeer.EnterNetns(t, name) }
