package hostlink_test

import (
	"bytes"
	"net"
	"net/netip"
	"os/exec"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/hostlink"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/internal/sys/privtest"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

// hostIPCmd runs iproute2's ip in the test's namespace (the test goroutine
// is locked to the namespace's thread, and the child inherits it).
func hostIPCmd(t testing.TB, args ...string) {
	t.Helper()
	path, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("privileged test: needs iproute2's ip to create a veth pair")
	}
	if out, err := exec.Command(path, args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %v: %v\n%s", args, err, out)
	}
}

// TestPrivAFPacketVeth: softnet bound by AF_PACKET to one end of a host
// veth pair exchanges UDP datagrams with the host stack on the other end.
func TestPrivAFPacketVeth(t *testing.T) {
	for _, queues := range []uint32{1, 2} {
		t.Run(map[uint32]string{1: "one-queue", 2: "fanout"}[queues], func(t *testing.T) {
			privtest.Netns(t)
			packettest.CheckBalance(t)
			hostIPCmd(t, "link", "add", "va", "type", "veth", "peer", "name", "vb")
			must(t, sys.LinkUp("vb", true))
			macA := hostSetup(t, "va", netip.MustParsePrefix("203.0.113.1/24"))
			w := newWorld(t)
			d := addLink(t, w.Init(), "p0", "host-afpacket", &hostlink.PacketData{HostDev: "vb", Queues: queues})
			s := newSink(t, d)
			hostA, snB := netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.2")
			must(t, sys.AddNeigh4("va", snB, d.HardwareAddr()))
			conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: hostA.AsSlice(), Port: 5555})
			must(t, err)
			defer conn.Close()

			if _, err := conn.WriteToUDP([]byte("to softnet"), &net.UDPAddr{IP: snB.AsSlice(), Port: 9999}); err != nil {
				t.Fatal(err)
			}
			b := s.next(t, isUDPTo(9999))
			if b.PktType != packet.PacketHost || !bytes.HasSuffix(b.Bytes(), []byte("to softnet")) {
				t.Errorf("pkttype %d, data %q", b.PktType, b.Bytes())
			}
			b.Free()

			pkt := build.Ethernet(header.MAC(macA), header.MAC(d.HardwareAddr()), 0x0800,
				build.IPv4(build.IPv4Opts{Src: snB, Dst: hostA, Proto: header.IPProtoUDP},
					build.UDP(9999, 5555, []byte("to host"))))
			out, _ := packet.FromBytes(pkt)
			must(t, d.Transmit(out))
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 100)
			n, _, err := conn.ReadFromUDP(buf)
			must(t, err)
			if string(buf[:n]) != "to host" {
				t.Errorf("host got %q", buf[:n])
			}
		})
	}
}
