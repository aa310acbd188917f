package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/internal/sys/privtest"
)

// hostIP runs the host's iproute2 ip in the calling thread's namespace.
func hostIP(t *testing.T, args ...string) {
	t.Helper()
	path, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("privileged test: needs iproute2's ip to create a veth pair")
	}
	if out, err := exec.Command(path, args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %v: %v\n%s", args, err, out)
	}
}

// tunnelSide configures one softnet daemon as an ESP gateway: a host TUN
// (with its offloads) routed into a vti keyed 10, ESP AES-128-GCM SAs,
// and an underlay device und0 carrying the ESP packets from the host's
// underlay address: host-ip (raw sockets, plain ESP) or host-udp (ESP in
// UDP port 4500, RFC 3948).
func tunnelSide(t *testing.T, sock, underlay string, local, remote, self, peer string, ospi, ispi string, okey, ikey string) {
	t.Helper()
	t.Setenv("SOFTNET_SOCKET", sock)
	und, encap := "ip link add und0 type host-ip protocols 50", ""
	if underlay == "udp" {
		und, encap = "ip link add und0 type host-udp local "+local+" port 4500", " encap espinudp 4500 4500 0.0.0.0"
	}
	for _, l := range []string{
		"sysctl -w net.ipv4.ip_forward=1",
		"ip link add tun0 type host-tun host-name sntun",
		"ip link set tun0 up",
		und,
		"ip link set und0 up",
		"ip addr add " + local + "/32 dev und0",
		"ip route add " + remote + "/32 dev und0",
		"ip link add vti0 type vti local " + local + " remote " + remote + " key 10",
		"ip link set vti0 up",
		"ip xfrm state add src " + local + " dst " + remote + " proto esp spi " + ospi + " mode tunnel aead rfc4106(gcm(aes)) " + okey + " 128" + encap,
		"ip xfrm state add src " + remote + " dst " + local + " proto esp spi " + ispi + " mode tunnel aead rfc4106(gcm(aes)) " + ikey + " 128" + encap,
		"ip xfrm policy add dir out mark 10 tmpl src " + local + " dst " + remote + " proto esp mode tunnel",
		"ip xfrm policy add dir in mark 10 tmpl src " + remote + " dst " + local + " proto esp mode tunnel",
		"ip route add " + peer + "/32 dev vti0",
		"ip route add " + self + "/32 dev tun0",
	} {
		if _, stderr, rc := client(t, l); rc != 0 {
			t.Fatalf("%s: %d %s", l, rc, stderr)
		}
	}
	hostIP(t, "link", "set", "sntun", "mtu", "1400", "up")
	if err := sys.AddAddr4("sntun", netip.PrefixFrom(netip.MustParseAddr(self), 24)); err != nil {
		t.Fatal(err)
	}
}

// TestPrivTwoDaemonsESP: two softnet daemons, each in its own host
// namespace, join the namespaces with a vti + ESP AES-128-GCM tunnel over
// a host veth (the ESP packets leave and arrive through host-ip raw
// sockets, or as ESP-in-UDP through host-udp sockets); host processes
// ping and transfer 4 MiB over TCP through it, and the ESP counters show
// the traffic was encrypted. Over UDP the batched paths must have run:
// UDP_SEGMENT trains out of A, GRO-coalesced TSO writes into B's host.
func TestPrivTwoDaemonsESP(t *testing.T) {
	for _, underlay := range []string{"ip", "udp"} {
		t.Run(underlay, func(t *testing.T) { twoDaemonsESP(t, underlay) })
	}
}

func twoDaemonsESP(t *testing.T, underlay string) {
	privtest.Netns(t)
	privtest.RequireTun(t)
	selfNS, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		t.Skipf("privileged test: %v", err)
	}
	defer selfNS.Close()
	nsB := privtest.Another(t, "b")
	dir := t.TempDir()
	sockA, sockB := filepath.Join(dir, "a.sock"), filepath.Join(dir, "b.sock")
	const keyAB, keyBA = "0x0102030405060708090a0b0c0d0e0f1011121314", "0x1112131415161718191a1b1c1d1e1f2021222324"

	var dB *exec.Cmd
	var ln net.Listener
	nsB.Do(t, func() {
		hostIP(t, "link", "add", "vb", "type", "veth", "peer", "name", "va",
			"netns", fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), selfNS.Fd()))
		hostIP(t, "addr", "add", "192.0.2.2/24", "dev", "vb")
		hostIP(t, "link", "set", "vb", "up")
		dB = startDaemon(t, "", sockB)
		tunnelSide(t, sockB, underlay, "192.0.2.2", "192.0.2.1", "198.51.100.2", "198.51.100.1", "0x2000", "0x1000", keyBA, keyAB)
		ln, err = net.Listen("tcp4", "198.51.100.2:7001")
		if err != nil {
			t.Fatal(err)
		}
	})
	defer func() {
		dB.Process.Signal(syscall.SIGTERM)
		dB.Wait()
	}()
	defer ln.Close()
	hostIP(t, "addr", "add", "192.0.2.1/24", "dev", "va")
	hostIP(t, "link", "set", "va", "up")
	dA := startDaemon(t, "", sockA)
	defer func() {
		dA.Process.Signal(syscall.SIGTERM)
		dA.Wait()
	}()
	tunnelSide(t, sockA, underlay, "192.0.2.1", "192.0.2.2", "198.51.100.1", "198.51.100.2", "0x1000", "0x2000", keyAB, keyBA)

	if ping, err := exec.LookPath("ping"); err == nil {
		if out, err := exec.Command(ping, "-c", "3", "-i", "0.2", "-W", "2", "198.51.100.2").CombinedOutput(); err != nil {
			t.Fatalf("ping through the tunnel: %v\n%s", err, out)
		}
	} else {
		t.Log("no ping binary: skipping the ping part")
	}

	// 4 MiB over TCP from A's host to B's host.
	data := make([]byte, 4<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	got := make(chan [32]byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- [32]byte{}
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		h := sha256.New()
		io.Copy(h, c)
		got <- [32]byte(h.Sum(nil))
	}()
	c, err := net.DialTimeout("tcp4", "198.51.100.2:7001", 5*time.Second)
	if err != nil {
		t.Fatalf("dial through the tunnel: %v", err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.Copy(c, bytes.NewReader(data)); err != nil {
		for _, sk := range []string{sockA, sockB} {
			t.Setenv("SOFTNET_SOCKET", sk)
			o1, _, _ := client(t, "ip -s -s link")
			o2, _, _ := client(t, "ip -s xfrm state")
			t.Logf("%s:\n%s\n%s", sk, o1, o2)
		}
		t.Fatalf("send: %v", err)
	}
	c.Close()
	if h := <-got; h != sha256.Sum256(data) {
		t.Fatal("the data that arrived differs from what was sent")
	}

	// The traffic went through ESP: A's outbound SA counted it.
	t.Setenv("SOFTNET_SOCKET", sockA)
	out, _, _ := client(t, "ip -s xfrm state")
	var bytesOut, pkts uint64
	sa := afterWord(out, "spi 0x00001000")
	if _, err := fmt.Sscanf(strings.TrimSpace(afterWord(sa, "lifetime current:")), "%d(bytes), %d(packets)", &bytesOut, &pkts); err != nil ||
		bytesOut < 4<<20 {
		t.Errorf("outbound SA counters: %d bytes %d packets (%v)\n%s", bytesOut, pkts, err, out)
	}
	if underlay != "udp" {
		return
	}
	if out, _, _ := client(t, "ip -d link show dev und0"); counterAfter(out, "tx_trains") == 0 {
		t.Errorf("A's und0 sent no UDP_SEGMENT trains:\n%s", out)
	}
	t.Setenv("SOFTNET_SOCKET", sockB)
	if out, _, _ := client(t, "ip -d link show dev tun0"); counterAfter(out, "gro_frames") == 0 {
		t.Errorf("B's tun0 wrote no coalesced frames:\n%s", out)
	}
}

// counterAfter reads the number after word w in s (0 if absent).
func counterAfter(s, w string) uint64 {
	var n uint64
	fmt.Sscanf(afterWord(s, w+" "), "%d", &n)
	return n
}

// afterWord returns the text after the first occurrence of w.
func afterWord(s, w string) string {
	if i := bytes.Index([]byte(s), []byte(w)); i >= 0 {
		return s[i+len(w):]
	}
	return ""
}
