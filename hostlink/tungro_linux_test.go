package hostlink_test

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/hostlink"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/internal/sys/privtest"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

// tcpSeg builds an IPv4 TCP segment snIP:4000 → hostIP:5555 with n bytes
// at seq; corrupt spoils its checksum.
func tcpSeg(seq uint32, n int, flags uint8, corrupt bool) *packet.Buffer {
	payload := make([]byte, n)
	for i := range payload {
		payload[i] = byte(seq) + byte(i)
	}
	p := build.IPv4(build.IPv4Opts{Src: snIP, Dst: hostIP, Proto: header.IPProtoTCP, TTL: 64},
		build.TCP(build.TCPOpts{SrcPort: 4000, DstPort: 5555, Seq: seq, Ack: 7, Flags: flags, Window: 1000}, payload))
	if corrupt {
		p[len(p)-1] ^= 0xff
	}
	b, _ := packet.FromBytes(p)
	return b
}

// hostPackets reads what the host received on its TUN through the packet
// socket c: each frame (virtio_net_hdr and IPv4 packet) of protocol
// proto, until want have come or 5 s have passed.
func hostPackets(t *testing.T, c *sys.Conn, want int, proto uint8) [][]byte {
	t.Helper()
	var got [][]byte
	batch := sys.NewBatch(8)
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < want && time.Now().Before(deadline) {
		for i := range batch.Msgs {
			batch.Msgs[i].Buf = make([]byte, 70000)
		}
		n, err := c.RecvBatch(batch)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range batch.Msgs[:n] {
			if p := m.Buf[:m.N]; len(p) >= 10+40 && p[10]>>4 == 4 && p[10+9] == proto {
				got = append(got, p)
			}
		}
	}
	return got
}

// hostFrames reads the TCP frames the host received: each frame's
// virtio_net_hdr with HdrLen replaced by the IP length, after checking the
// IP header and the seeded checksum of GSO frames.
func hostFrames(t *testing.T, c *sys.Conn, want int) []header.VirtioNetHdrFields {
	t.Helper()
	var got []header.VirtioNetHdrFields
	for _, p := range hostPackets(t, c, want, header.IPProtoTCP) {
		f := header.VirtioNetHdr(p).Decode(true)
		ip := header.IPv4(p[10:])
		if int(ip.TotalLength()) != len(p)-10 || !ip.IsChecksumValid() {
			t.Errorf("frame %d: total length %d of %d, ip checksum ok %v", len(got), ip.TotalLength(), len(p)-10, ip.IsChecksumValid())
		}
		if f.GSOType != header.VirtioNetHdrGSONone {
			want := header.PseudoHeaderChecksumAddr(header.IPProtoTCP, snIP, hostIP, uint16(len(p)-10-20))
			if got := binary.BigEndian.Uint16(p[10+20+16:]); got != want {
				t.Errorf("tcp checksum field %#x, want pseudo-header sum %#x", got, want)
			}
		}
		f.HdrLen = uint16(len(p) - 10) // reuse: the frame's IP length
		got = append(got, f)
	}
	return got
}

// groRig makes a vnet_hdr host-tun t0 (host side sn0, up) in a fresh
// namespace and an AF_PACKET socket with vnet headers on sn0 that sees
// what the host receives from it.
func groRig(t *testing.T) (*netdev.World, *netdev.Device, *sys.Conn) {
	t.Helper()
	privtest.Netns(t)
	privtest.RequireTun(t)
	packettest.CheckBalance(t)
	w := newWorld(t)
	d := addLink(t, w.Init(), "t0", "host-tun", &hostlink.TunData{HostName: "sn0", VnetHdr: boolp(true)})
	// No IPv6 on the host side: its router solicitations would come in
	// through the TUN reader, whose bursts flush the trains early.
	if err := os.WriteFile("/proc/sys/net/ipv6/conf/sn0/disable_ipv6", []byte("1"), 0); err != nil {
		t.Logf("disable_ipv6 on sn0: %v", err)
	}
	if err := sys.LinkUp("sn0", true); err != nil {
		t.Fatal(err)
	}
	idx, err := sys.InterfaceIndex("sn0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := sys.OpenPacket(sys.PacketConfig{Ifindex: idx, VnetHdr: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return w, d, c
}

// TestPrivTunGRO: TCP segments softnet writes to a vnet_hdr TUN during one
// receive burst reach the host as one TSO frame per in-order run; outside
// a burst, or with a bad checksum, they go one by one.
func TestPrivTunGRO(t *testing.T) {
	// sn0 has no address: the host drops the segments after the packet
	// socket has seen them. Were hostIP local, it would answer each with
	// a RST through the TUN, whose reader's bursts could overlap (and, in
	// the "no burst" case, let hold) the test's own.
	w, d, c := groRig(t)
	send := func(burst bool, segs ...*packet.Buffer) {
		var bt netdev.Burst
		if burst {
			bt = w.BeginBurst()
		}
		for _, b := range segs {
			if err := d.Transmit(b); err != nil {
				t.Fatal(err)
			}
		}
		if burst {
			w.EndBurst(bt)
		}
	}
	const ack, psh = 0x10, 0x08
	tests := []struct {
		name   string
		burst  bool
		segs   []*packet.Buffer
		frames []int // IP length of each frame the host gets
		gso    int   // frames with GSO
	}{
		{"run of ten", true, []*packet.Buffer{
			tcpSeg(1000, 1000, ack, false), tcpSeg(2000, 1000, ack, false), tcpSeg(3000, 1000, ack, false),
			tcpSeg(4000, 1000, ack, false), tcpSeg(5000, 1000, ack, false), tcpSeg(6000, 1000, ack, false),
			tcpSeg(7000, 1000, ack, false), tcpSeg(8000, 1000, ack, false), tcpSeg(9000, 1000, ack, false),
			tcpSeg(10000, 500, ack|psh, false)}, []int{40 + 9500}, 1},
		{"gap splits", true, []*packet.Buffer{
			tcpSeg(1000, 1000, ack, false), tcpSeg(2000, 1000, ack, false),
			tcpSeg(5000, 1000, ack, false), tcpSeg(6000, 1000, ack, false)}, []int{2040, 2040}, 2},
		{"no burst", false, []*packet.Buffer{tcpSeg(1000, 100, ack, false), tcpSeg(1100, 100, ack, false)},
			[]int{140, 140}, 0},
		{"bad checksum", true, []*packet.Buffer{
			tcpSeg(1000, 100, ack, false), tcpSeg(1100, 100, ack, true), tcpSeg(1200, 100, ack, false)},
			[]int{140, 140, 140}, 0},
		{"syn not merged", true, []*packet.Buffer{tcpSeg(1000, 100, 0x02, false), tcpSeg(1001, 100, ack, false)},
			[]int{140, 140}, 0},
	}
	before := uint64(0)
	for _, tc := range tests {
		send(tc.burst, tc.segs...)
		got := hostFrames(t, c, len(tc.frames))
		if len(got) != len(tc.frames) {
			t.Fatalf("%s: host got %d frames, want %d", tc.name, len(got), len(tc.frames))
		}
		gso := 0
		for i, f := range got {
			if int(f.HdrLen) != tc.frames[i] {
				t.Errorf("%s: frame %d is %d bytes, want %d", tc.name, i, f.HdrLen, tc.frames[i])
			}
			if f.GSOType != header.VirtioNetHdrGSONone {
				gso++
				if f.GSOType != header.VirtioNetHdrGSOTCPv4 || f.GSOSize != 1000 || f.CsumStart != 20 || f.CsumOffset != 16 {
					t.Errorf("%s: frame %d vnet %+v", tc.name, i, f)
				}
			}
		}
		if gso != tc.gso {
			t.Errorf("%s: %d GSO frames, want %d", tc.name, gso, tc.gso)
		}
		info := d.Kind().(netdev.InfoFiller).LinkInfo(d).(*hostlink.TunInfo)
		if info.GROFrames-before != uint64(tc.gso) {
			t.Errorf("%s: gro_frames +%d, want +%d", tc.name, info.GROFrames-before, tc.gso)
		}
		before = info.GROFrames
	}
}

var (
	snIP6   = netip.MustParseAddr("2001:db8::2")
	hostIP6 = netip.MustParseAddr("2001:db8::1")
)

// tcpSeg6 is tcpSeg over IPv6.
func tcpSeg6(seq uint32, n int) *packet.Buffer {
	payload := make([]byte, n)
	for i := range payload {
		payload[i] = byte(seq) + byte(i)
	}
	p := build.IPv6(build.IPv6Opts{Src: snIP6, Dst: hostIP6, NextHeader: header.IPProtoTCP},
		build.TCP(build.TCPOpts{SrcPort: 4000, DstPort: 5555, Seq: seq, Ack: 7, Flags: 0x10, Window: 1000}, payload))
	b, _ := packet.FromBytes(p)
	return b
}

// TestPrivTunGRO6: IPv6 TCP segments written in a burst reach the host as
// one TSO6 frame with the payload length and the pseudo-header sum of
// the whole frame.
func TestPrivTunGRO6(t *testing.T) {
	w, d, c := groRig(t)
	bt := w.BeginBurst()
	for i := range 4 {
		if err := d.Transmit(tcpSeg6(uint32(1000+i*1200), 1200)); err != nil {
			t.Fatal(err)
		}
	}
	w.EndBurst(bt)
	batch := sys.NewBatch(8)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for i := range batch.Msgs {
			batch.Msgs[i].Buf = make([]byte, 70000)
		}
		n, err := c.RecvBatch(batch)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			m := batch.Msgs[i]
			p := m.Buf[:m.N]
			if len(p) < 10+40 || p[10]>>4 != 6 || p[10+6] != header.IPProtoTCP {
				continue // router solicitations and the like
			}
			f := header.VirtioNetHdr(p).Decode(true)
			ip := header.IPv6(p[10:])
			if got, want := int(ip.PayloadLength()), len(p)-10-40; got != want || want != 4*(20+1200)-3*20 {
				t.Errorf("payload length %d, frame carries %d", got, want)
			}
			if f.GSOType != header.VirtioNetHdrGSOTCPv6 || f.GSOSize != 1200 || f.CsumStart != 40 || f.CsumOffset != 16 || f.HdrLen != 60 {
				t.Errorf("vnet %+v", f)
			}
			want := header.PseudoHeaderChecksumAddr(header.IPProtoTCP, snIP6, hostIP6, uint16(len(p)-10-40))
			if got := binary.BigEndian.Uint16(p[10+40+16:]); got != want {
				t.Errorf("tcp checksum field %#x, want %#x", got, want)
			}
			return
		}
	}
	t.Fatal("the host got no IPv6 TCP frame")
}

// udpDgram builds an IPv4 UDP datagram snIP:4000 → hostIP:dport with n
// bytes of payload marked by i, with its checksum.
func udpDgram(dport uint16, n, i int) *packet.Buffer {
	payload := bytes.Repeat([]byte{byte(i)}, n)
	p := build.IPv4(build.IPv4Opts{Src: snIP, Dst: hostIP, Proto: header.IPProtoUDP, TTL: 64},
		build.UDPWithChecksum(snIP, hostIP, 4000, dport, payload))
	b, _ := packet.FromBytes(p)
	return b
}

// TestPrivTunUSO: UDP datagrams of one flow that softnet writes to a
// vnet_hdr TUN during one burst reach the host as one USO frame
// (GSO_UDP_L4, the pseudo-header sum seeded), which the host splits back
// into the same datagrams for its UDP socket; another flow's datagram
// ends the train.
func TestPrivTunUSO(t *testing.T) {
	w, d, c := groRig(t)
	if udpInfoTun(d)&sys.TunFUSO4 == 0 {
		t.Skip("the host did not grant USO on the TUN (kernel before 6.2)")
	}
	conn := hostUDP(t)
	sizes := []int{1000, 1000, 1000, 1000, 1000, 300}
	bt := w.BeginBurst()
	for i, n := range sizes {
		if err := d.Transmit(udpDgram(5555, n, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Transmit(udpDgram(5556, 100, 9)); err != nil { // another flow
		t.Fatal(err)
	}
	w.EndBurst(bt)

	frames := hostUDPFrames(t, c, 2)
	if len(frames) != 2 {
		t.Fatalf("host got %d frames, want 2 (one USO, one plain)", len(frames))
	}
	if f := frames[0]; f.GSOType != header.VirtioNetHdrGSOUDPL4 || f.GSOSize != 1000 || f.CsumStart != 20 ||
		f.CsumOffset != 6 || f.HdrLen != 20+8+5300 {
		t.Errorf("USO frame: %+v", f)
	}
	if f := frames[1]; f.GSOType != header.VirtioNetHdrGSONone || f.HdrLen != 20+8+100 {
		t.Errorf("second flow's frame: %+v", f)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2000)
	for i, n := range sizes {
		got, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		if got != n || buf[0] != byte(i) || buf[got-1] != byte(i) {
			t.Errorf("datagram %d: %d bytes marked %d, want %d marked %d", i, got, buf[0], n, i)
		}
	}
	info := d.Kind().(netdev.InfoFiller).LinkInfo(d).(*hostlink.TunInfo)
	if info.GROFrames != 1 {
		t.Errorf("gro_frames %d, want 1", info.GROFrames)
	}
}

// hostUDPFrames is hostFrames for UDP: it checks the UDP length and the
// seeded checksum of GSO frames.
func hostUDPFrames(t *testing.T, c *sys.Conn, want int) []header.VirtioNetHdrFields {
	t.Helper()
	var got []header.VirtioNetHdrFields
	for _, p := range hostPackets(t, c, want, header.IPProtoUDP) {
		f := header.VirtioNetHdr(p).Decode(true)
		if f.GSOType != header.VirtioNetHdrGSONone {
			want := header.PseudoHeaderChecksumAddr(header.IPProtoUDP, snIP, hostIP, uint16(len(p)-10-20))
			if got := binary.BigEndian.Uint16(p[10+20+6:]); got != want {
				t.Errorf("udp checksum field %#x, want pseudo-header sum %#x", got, want)
			}
			if ul := binary.BigEndian.Uint16(p[10+20+4:]); int(ul) != len(p)-10-20 {
				t.Errorf("udp length %d, want %d", ul, len(p)-10-20)
			}
		}
		f.HdrLen = uint16(len(p) - 10)
		got = append(got, f)
	}
	return got
}

// udpInfoTun is the TUN_F_* set the host granted the device.
func udpInfoTun(d *netdev.Device) uint32 {
	return d.Kind().(netdev.InfoFiller).LinkInfo(d).(*hostlink.TunInfo).Offload
}
