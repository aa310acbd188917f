package ipip_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os/exec"
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
const kpName = "kvmipiptest"

// headerShape is what must be equal between Linux's and softnet's
// tunnel packets: everything but addresses, IDs, checksums and the
// ICMP identifier/sequence/payload.
type headerShape struct {
	OuterTOS, OuterTTL, OuterProto uint8
	OuterDF                        bool
	OuterLen                       uint16
	UDPDport                       uint16
	UDPCsum                        bool
	InnerTOS, InnerTTL, InnerProto uint8
	InnerDF                        bool
	InnerLen                       uint16
	ICMPType, ICMPCode             uint8
}

func shapeOf(ip header.IPv4) (headerShape, bool) {
	var s headerShape
	p := ip.Payload()
	switch ip.Protocol() {
	case header.IPProtoIPIP:
	case header.IPProtoUDP:
		if len(p) < 8 {
			return s, false
		}
		u := header.UDP(p)
		s.UDPDport, s.UDPCsum = u.DestinationPort(), u.Checksum() != 0
		p = p[8:]
		if len(p) >= 4 && p[0]>>4 != 4 { // GUE version 0: skip its header
			p = p[4+int(p[0]&0x1f)*4:]
		}
	default:
		return s, false
	}
	if len(p) < 28 || p[0]>>4 != 4 {
		return s, false
	}
	in := header.IPv4(p)
	ic := in.Payload()
	s.OuterTOS, s.OuterTTL, s.OuterProto, s.OuterDF, s.OuterLen = ip.TOS(), ip.TTL(), ip.Protocol(), ip.DontFragment(), ip.TotalLength()
	s.InnerTOS, s.InnerTTL, s.InnerProto, s.InnerDF, s.InnerLen = in.TOS(), in.TTL(), in.Protocol(), in.DontFragment(), in.TotalLength()
	s.ICMPType, s.ICMPCode = ic[0], ic[1]
	return s, true
}

// peerConfigs are the tunnel configurations run on both sides.
var peerConfigs = []struct{ name, args, fou string }{
	{"ttl64", "ttl 64", ""},
	{"inherit", "ttl inherit tos inherit", ""},
	{"nopmtudisc", "nopmtudisc", ""},
	{"tos0x10", "ttl 32 tos 0x10", ""},
	{"fou", "ttl 64 encap fou encap-sport auto encap-dport 5555", "ip fou add port 5555 ipproto 4"},
	{"fou-csum", "ttl 64 encap fou encap-sport auto encap-dport 5556 encap-csum", "ip fou add port 5556 ipproto 4"},
	{"gue", "ttl 64 encap gue encap-sport auto encap-dport 6080", "ip fou add port 6080 gue"},
}

// TestPrivKernelPeerIPIP runs the same ipip configurations on softnet and
// on a real Linux 6.1 (the kernel peer) at both ends of one wire: pings
// go both ways through the tunnel, and the tunnel packets each side puts
// on the wire have the same shape (normalizing addresses, IP IDs,
// checksums, UDP source ports and ping payloads).
func TestPrivKernelPeerIPIP(t *testing.T) {
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
	shapes := map[string][]headerShape{} // "out" softnet, "in" linux
	p0.AddTap(tapFunc(func(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
		f := b.Bytes()
		if len(f) < 14+20 || f[12] != 8 || f[13] != 0 {
			return
		}
		if s, ok := shapeOf(header.IPv4(f[14:])); ok {
			mu.Lock()
			defer mu.Unlock()
			k := map[netdev.Direction]string{netdev.DirOut: "out", netdev.DirIn: "in"}[dir]
			shapes[k] = append(shapes[k], s)
		}
	}))
	run := func(l string) {
		var out bytes.Buffer
		if rc := iproute.RunLine(&iproute.Env{World: w, NS: ns}, l, &out, &out); rc != 0 {
			t.Fatalf("%s: %s", l, out.String())
		}
	}
	run("ip addr add 198.51.100.1/24 dev p0")
	for _, cfg := range peerConfigs {
		t.Run(cfg.name, func(t *testing.T) {
			mu.Lock()
			shapes = map[string][]headerShape{}
			mu.Unlock()
			if cfg.fou != "" {
				run(cfg.fou)
			}
			run("ip link add t0 type ipip remote 198.51.100.2 local 198.51.100.1 " + cfg.args)
			run("ip link set t0 up")
			run("ip addr add 203.0.113.1/30 dev t0")
			defer run("ip link del t0")
			guest := "ip link del t0 2>/dev/null; "
			if cfg.fou != "" {
				guest += cfg.fou + " && "
			}
			guest += "ip link add t0 type ipip remote 198.51.100.1 local 198.51.100.2 " + cfg.args + " && " +
				"ip link set t0 up && ip addr add 203.0.113.2/30 dev t0 && ping -c 3 -W 5 203.0.113.1"
			out := kp(t, "gexec.sh", "-t", "60", guest)
			if !bytes.Contains([]byte(out), []byte("3 packets received")) && !bytes.Contains([]byte(out), []byte("3 received")) {
				t.Errorf("guest ping through the tunnel:\n%s", out)
			}
			softPing(t, ns)
			mu.Lock()
			defer mu.Unlock()
			compareShapes(t, shapes["out"], shapes["in"])
		})
	}
	// The same tunnel over the host's own stack: softnet's outer packets
	// leave through a raw IP socket from the host's address on kvmtap1,
	// and the guest's arrive on one (host-ip), instead of AF_PACKET.
	t.Run("raw-socket", func(t *testing.T) {
		enterNetns(t, kpName) // a subtest runs on its own thread: sockets open in its namespace
		run("ip link del p0")
		host := func(args ...string) {
			if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
				t.Fatalf("ip %v: %v %s", args, err, out)
			}
		}
		host("addr", "add", "198.51.100.1/24", "dev", "kvmtap1")
		defer host("addr", "flush", "dev", "kvmtap1")
		run("ip link add hip0 type host-ip protocols 4")
		run("ip link set hip0 up")
		run("ip addr add 198.51.100.1/32 dev hip0")
		run("ip route add 198.51.100.2/32 dev hip0")
		run("ip link add t0 type ipip remote 198.51.100.2 local 198.51.100.1 ttl 64")
		run("ip link set t0 up")
		run("ip addr add 203.0.113.1/30 dev t0")
		defer run("ip link del hip0")
		defer run("ip link del t0")
		// The guest's ARP entry for 198.51.100.1 still names softnet's
		// AF_PACKET device's MAC: forget it.
		out := kp(t, "gexec.sh", "-t", "60", "ip link del t0 2>/dev/null; ip neigh flush all; "+
			"ip link add t0 type ipip remote 198.51.100.1 local 198.51.100.2 ttl 64 && "+
			"ip link set t0 up && ip addr add 203.0.113.2/30 dev t0 && ping -c 3 -W 5 203.0.113.1")
		if !bytes.Contains([]byte(out), []byte("3 packets received")) && !bytes.Contains([]byte(out), []byte("3 received")) {
			t.Errorf("guest ping through the tunnel over the host's raw socket:\n%s", out)
		}
		softPing(t, ns)
		if d := ns.DeviceByName("hip0"); d.Stats.RxPackets.Load() == 0 || d.Stats.TxPackets.Load() == 0 {
			t.Errorf("hip0 carried nothing: %+v", d.Stats.Snapshot())
		}
	})
}

// softPing pings the guest's tunnel address from softnet: 3 replies.
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
		t.Errorf("softnet got %d replies through the Linux tunnel, want 3", got)
	}
}

// compareShapes: every kind of tunnel packet (echo request, echo reply)
// softnet sent looks like the same kind Linux sent.
func compareShapes(t *testing.T, soft, linux []headerShape) {
	byType := func(l []headerShape) map[uint8]headerShape {
		m := map[uint8]headerShape{}
		for _, s := range l {
			m[s.ICMPType] = s
		}
		return m
	}
	sm, lm := byType(soft), byType(linux)
	if len(sm) == 0 || len(lm) == 0 {
		t.Fatalf("captured softnet %d, linux %d tunnel packets", len(soft), len(linux))
	}
	for typ, l := range lm {
		s, ok := sm[typ]
		if !ok {
			t.Errorf("softnet sent no ICMP type %d through the tunnel", typ)
			continue
		}
		if s != l {
			t.Errorf("ICMP type %d: softnet %+v, linux %+v", typ, s, l)
		}
	}
	t.Logf("compared %s", fmt.Sprint(lm))
}

func requireKernelPeer(t *testing.T) { kernelpeer.Require(t) }

func kp(t *testing.T, script string, args ...string) string {
	t.Helper()
	return kernelpeer.MustScript(t, kpName, script, args...)
}

func enterNetns(t *testing.T, name string) { kernelpeer.EnterNetns(t, name) }
