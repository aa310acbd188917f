package vti_test

import (
	"bytes"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/hostlink"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/kernelpeer"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// kpName is this test's guest, so it never disturbs the shared kvmpeer.
const kpName = "kvmvtitest"

type tapFunc func(d *netdev.Device, b *packet.Buffer, dir netdev.Direction)

func (f tapFunc) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) { f(d, b, dir) }

// espShape is what must be equal between Linux's and softnet's ESP
// packets: the outer header's length, DF, TTL and TOS.
type espShape struct {
	Len      uint16
	DF       bool
	TTL, TOS uint8
}

// vtiScript is the same ip script for both ends (local, remote, the
// tunnel address and the algorithm words).
func vtiScript(local, remote, addr, algo string) []string {
	sa := func(src, dst, spi string) string {
		return "ip xfrm state add src " + src + " dst " + dst + " proto esp spi " + spi + " mode tunnel " + algo
	}
	spiOut, spiIn := "0x1000", "0x2000"
	if local > remote {
		spiOut, spiIn = spiIn, spiOut
	}
	return []string{
		"ip link add vti0 type vti local " + local + " remote " + remote + " key 10",
		"ip link set vti0 up",
		"ip addr add " + addr + " dev vti0",
		sa(local, remote, spiOut),
		sa(remote, local, spiIn),
		"ip xfrm policy add dir out mark 10 tmpl src " + local + " dst " + remote + " proto esp mode tunnel",
		"ip xfrm policy add dir in mark 10 tmpl src " + remote + " dst " + local + " proto esp mode tunnel",
	}
}

var peerAlgos = []struct{ name, words string }{
	{"aes-gcm", "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128"},
	{"aes-cbc-hmac-sha256", "enc 'cbc(aes)' 0x0102030405060708090a0b0c0d0e0f10 " +
		"auth-trunc 'hmac(sha256)' 0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 128"},
}

// TestPrivKernelPeerVTI runs the same ip link / ip xfrm script on softnet
// and on Linux 6.1 (the kernel peer) at the two ends of one wire, with
// AES-GCM and with AES-CBC + HMAC-SHA256: each pings the other through
// its vti, the UDP flows cross both ways, the ESP packets have the same
// shape, and the vti counters agree.
func TestPrivKernelPeerVTI(t *testing.T) {
	requireKernelPeer(t)
	kp(t, "boot.sh")
	t.Cleanup(func() { kp(t, "stop.sh") })
	enterNetns(t, kpName)
	if out, err := exec.Command("ip", "addr", "flush", "dev", "kvmtap1").CombinedOutput(); err != nil {
		t.Fatalf("flush kvmtap1: %v %s", err, out)
	}
	w := netdev.NewWorld(netdev.Options{Loop: netdev.NewRealLoop(1)})
	t.Cleanup(w.Close)
	ns := w.Init()
	up := true
	p0, err := ns.NewLink(&netdev.LinkRequest{Name: "p0", Kind: "host-afpacket", Up: &up,
		Data: &hostlink.PacketData{HostDev: "kvmtap1"}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	shapes := map[netdev.Direction]map[espShape]int{}
	p0.AddTap(tapFunc(func(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
		f := b.Bytes()
		if len(f) < 14+20 || f[12] != 8 || f[13] != 0 || header.IPv4(f[14:]).Protocol() != header.IPProtoESP {
			return
		}
		ip := header.IPv4(f[14:])
		mu.Lock()
		defer mu.Unlock()
		if shapes[dir] == nil {
			shapes[dir] = map[espShape]int{}
		}
		shapes[dir][espShape{ip.TotalLength(), ip.DontFragment(), ip.TTL(), ip.TOS()}]++
	}))
	run := func(l string) {
		var out bytes.Buffer
		if rc := iproute.RunLine(&iproute.Env{World: w, NS: ns}, l, &out, &out); rc != 0 {
			t.Fatalf("%s: %s", l, out.String())
		}
	}
	run("ip addr add 198.51.100.1/24 dev p0")
	for _, algo := range peerAlgos {
		t.Run(algo.name, func(t *testing.T) {
			mu.Lock()
			shapes = map[netdev.Direction]map[espShape]int{}
			mu.Unlock()
			for _, l := range vtiScript("198.51.100.1", "198.51.100.2", "203.0.113.1/30", algo.words) {
				run(l)
			}
			defer run("ip xfrm policy flush")
			defer run("ip xfrm state flush")
			defer run("ip link del vti0")
			guest := "ip link del vti0 2>/dev/null; ip xfrm state flush; ip xfrm policy flush; " +
				strings.Join(vtiScript("198.51.100.2", "198.51.100.1", "203.0.113.2/30", algo.words), " && ") +
				" && ping -c 3 -W 5 203.0.113.1"
			out := kp(t, "gexec.sh", "-t", "60", guest)
			if !strings.Contains(out, "3 packets received") && !strings.Contains(out, "3 received") {
				t.Errorf("guest ping through vti:\n%s", out)
			}
			softPing(t, ns)
			// Compare the ESP of the pings (the same packets both ways);
			// the UDP phase sends different payloads.
			mu.Lock()
			out1, in1 := shapes[netdev.DirOut], shapes[netdev.DirIn]
			shapes = map[netdev.Direction]map[espShape]int{}
			mu.Unlock()
			softUDP(t, ns)
			compareCounters(t, ns)
			if len(out1) == 0 || len(in1) == 0 {
				t.Fatalf("ESP captured: softnet %v, linux %v", out1, in1)
			}
			for s := range in1 {
				if out1[s] != in1[s] {
					t.Errorf("linux sent ESP %+v %d times, softnet %d (softnet: %v)", s, in1[s], out1[s], out1)
				}
			}
			t.Logf("ESP shapes: softnet %v, linux %v", out1, in1)
		})
	}
}

// softPing pings the guest's vti address from softnet: 3 replies.
func softPing(t *testing.T, ns *netdev.Namespace) {
	replies := make(chan inet.EchoEvent, 8)
	c, err := inet.DialICMP(ns, inet.FamilyV4, func(e inet.EchoEvent) { replies <- e })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := 0
	for seq := uint16(1); seq <= 3; seq++ {
		if err := c.SendEcho(netip.MustParseAddr("203.0.113.2"), inet.EchoOpts{ID: 0x4242, Seq: seq}); err != nil {
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
	if got != 3 {
		t.Errorf("softnet got %d replies through the Linux vti, want 3", got)
	}
}

// softUDP: the guest sends 5 datagrams to softnet's listener through
// its vti (bash's /dev/udp), and softnet sends 5 to the guest, whose vti
// counts them (no listener there: the ICMP port unreachable answers come
// back through the vti too).
func softUDP(t *testing.T, ns *netdev.Namespace) {
	got := make(chan []byte, 16)
	c, err := inet.ListenUDP(ns, netip.MustParseAddrPort("203.0.113.1:7000"), func(src, dst netip.AddrPort, p []byte) {
		got <- bytes.Clone(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	out := kp(t, "gexec.sh", "-t", "30", "for i in 1 2 3 4 5; do echo udp$i > /dev/udp/203.0.113.1/7000; done; echo done")
	n := 0
	timeout := time.After(10 * time.Second)
	for n < 5 {
		select {
		case <-got:
			n++
		case <-timeout:
			t.Errorf("softnet received %d of 5 UDP datagrams from the guest through vti (%s)", n, out)
			return
		}
	}
	before := guestCounter(t, "rx_packets")
	for i := 0; i < 5; i++ {
		if err := c.SendTo(netip.MustParseAddrPort("203.0.113.2:9"), []byte("softnet"), inet.UDPOpts{}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for guestCounter(t, "rx_packets") < before+5 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if after := guestCounter(t, "rx_packets"); after < before+5 {
		t.Errorf("guest vti0 received %d of 5 datagrams", after-before)
	}
}

func guestCounter(t *testing.T, name string) uint64 {
	out := kp(t, "gexec.sh", "cat /sys/class/net/vti0/statistics/"+name)
	v, err := strconv.ParseUint(strings.TrimSpace(out), 10, 64)
	if err != nil {
		t.Fatalf("guest %s: %q", name, out)
	}
	return v
}

// compareCounters: softnet's and Linux's vti0 agree on packets, and
// neither counted errors.
func compareCounters(t *testing.T, ns *netdev.Namespace) {
	out := kp(t, "gexec.sh", "cd /sys/class/net/vti0/statistics && cat rx_packets tx_packets rx_errors tx_errors tx_carrier_errors")
	f := strings.Fields(out)
	if len(f) < 5 {
		t.Fatalf("guest counters: %q", out)
	}
	var lin [5]uint64
	for i := range lin {
		lin[i], _ = strconv.ParseUint(f[i], 10, 64)
	}
	s := ns.DeviceByName("vti0").Stats.Snapshot()
	// softnet's rx is Linux's tx and back.
	if s.RxPackets != lin[1] || s.TxPackets != lin[0] || lin[2]+lin[3]+lin[4] != 0 || s.RxErrors+s.TxErrors+s.TxCarrierErrors != 0 {
		t.Errorf("counters: softnet rx %d tx %d errors %d/%d/%d; linux rx %d tx %d errors %d/%d/%d",
			s.RxPackets, s.TxPackets, s.RxErrors, s.TxErrors, s.TxCarrierErrors, lin[0], lin[1], lin[2], lin[3], lin[4])
	}
	t.Logf("softnet vti0 rx %d tx %d; linux vti0 rx %d tx %d", s.RxPackets, s.TxPackets, lin[0], lin[1])
}

func requireKernelPeer(t *testing.T) { kernelpeer.Require(t) }

func kp(t *testing.T, script string, args ...string) string {
	t.Helper()
	return kernelpeer.MustScript(t, kpName, script, args...)
}

func enterNetns(t *testing.T, name string) { kernelpeer.EnterNetns(t, name) }
