package hostlink_test

import (
	"bytes"
	"net"
	"net/netip"
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

var (
	hostIP = netip.MustParseAddr("192.0.2.1")
	snIP   = netip.MustParseAddr("192.0.2.2")
)

func isUDPTo(port uint16) func(*packet.Buffer) bool {
	return func(b *packet.Buffer) bool {
		p := b.Bytes()
		if len(p) < 28 || p[0]>>4 != 4 || p[9] != header.IPProtoUDP {
			return false
		}
		ihl := int(p[0]&0xf) * 4
		return header.UDP(p[ihl:]).DestinationPort() == port
	}
}

// TestPrivTunRoundTrip: a datagram sent by the host into its TUN device
// arrives as a softnet Receive, and a packet softnet transmits reaches a
// host socket.
func TestPrivTunRoundTrip(t *testing.T) {
	for _, vnet := range []bool{true, false} {
		t.Run(map[bool]string{true: "vnet_hdr", false: "plain"}[vnet], func(t *testing.T) {
			privtest.Netns(t)
			privtest.RequireTun(t)
			packettest.CheckBalance(t)
			w := newWorld(t)
			d := addLink(t, w.Init(), "t0", "host-tun", &hostlink.TunData{HostName: "sn0", Queues: 2, VnetHdr: boolp(vnet)})
			s := newSink(t, d)
			if err := sys.LinkUp("sn0", true); err != nil {
				t.Fatal(err)
			}
			conn := hostUDP(t)

			// host → softnet
			if _, err := conn.WriteToUDP([]byte("hello softnet"), &net.UDPAddr{IP: snIP.AsSlice(), Port: 9999}); err != nil {
				t.Fatal(err)
			}
			b := s.next(t, isUDPTo(9999))
			ip := header.IPv4(b.Bytes())
			if b.Protocol != 0x0800 || ip.Source() != hostIP || ip.Destination() != snIP {
				t.Errorf("got proto %#x %v → %v", b.Protocol, ip.Source(), ip.Destination())
			}
			if !bytes.HasSuffix(b.Bytes(), []byte("hello softnet")) {
				t.Errorf("payload %q", b.Bytes())
			}
			if vnet && b.Csum.Mode == packet.CsumPartial && (b.Csum.Start != 20 || b.Csum.Offset != 6) {
				t.Errorf("csum %+v, want start 20 offset 6", b.Csum)
			}
			b.Free()

			// softnet → host
			pkt := build.IPv4(build.IPv4Opts{Src: snIP, Dst: hostIP, Proto: header.IPProtoUDP},
				build.UDP(9999, 5555, []byte("hello host")))
			out, _ := packet.FromBytes(pkt)
			if err := d.Transmit(out); err != nil {
				t.Fatal(err)
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 100)
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				t.Fatal(err)
			}
			if string(buf[:n]) != "hello host" || from.Port != 9999 {
				t.Errorf("host got %q from %v", buf[:n], from)
			}
			if d.Stats.TxPackets.Load() != 1 {
				t.Errorf("tx_packets %d", d.Stats.TxPackets.Load())
			}
		})
	}
}

// hostUDP gives sn0 the host's address and opens a UDP socket on
// hostIP:5555, closed when the test ends.
func hostUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	if err := sys.AddAddr4("sn0", netip.PrefixFrom(hostIP, 24)); err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: hostIP.AsSlice(), Port: 5555})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
