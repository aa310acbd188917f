package macvtap_test

import (
	"context"
	"encoding/binary"
	"errors"
	"syscall"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
	"github.com/softnet/softnet/netdev"
)

// The cases of tools/testing/selftests/net/tap.c: a macvtap on a dummy
// device, a queue opened with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR|IFF_MULTI_QUEUE.
func selftestQueue(t *testing.T) (*env, *macvtap.Queue) {
	e := newEnv(t)
	if _, err := e.ns.NewLink(&netdev.LinkRequest{Name: "xdummy0", Kind: "dummy", Up: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	src := netdev.HWAddr{0x00, 0xfe, 0x98, 0x14, 0x22, 0x42}
	d, err := e.ns.NewLink(&netdev.LinkRequest{Name: "xmacvtap0", Kind: "macvtap", Link: "xdummy0", Address: src, Up: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	q, err := macvtap.OpenName(e.ns, macvtap.TapOf(d).Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	q.SetNonblock(true)
	if err := q.SetIff("xmacvtap0", macvtap.IffTAP|macvtap.IffNoPI|macvtap.IffVnetHdr|macvtap.IffMultiQueue); err != nil {
		t.Fatal(err)
	}
	return e, q
}

var (
	selftestSrc = header.MAC{0x00, 0xfe, 0x98, 0x14, 0x22, 0x42}
	selftestDst = header.MAC{0x00, 0xfe, 0x98, 0x94, 0xd2, 0x43}
)

// selftestIPv4UDP is build_ipv4_header + build_udp_packet (192.0.2.2 →
// 192.0.2.1 here, ports 22 → 58822, payload 0xCB bytes); csumOff leaves
// the UDP checksum as the pseudo-header sum only.
func selftestIPv4UDP(payloadLen int, csumOff bool) []byte {
	sip, dip := [4]byte{192, 0, 2, 2}, [4]byte{192, 0, 2, 1}
	ip := make([]byte, 20+8+payloadLen)
	ip[0], ip[8], ip[9] = 0x45, 8, header.IPProtoUDP
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
	binary.BigEndian.PutUint16(ip[4:], 1337)
	copy(ip[12:], sip[:])
	copy(ip[16:], dip[:])
	header.IPv4(ip).UpdateChecksum()
	udp := ip[20:]
	binary.BigEndian.PutUint16(udp[0:], 22)
	binary.BigEndian.PutUint16(udp[2:], 58822)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+payloadLen))
	for i := range payloadLen {
		udp[8+i] = 0xCB
	}
	ph := header.PseudoHeaderChecksum(header.IPProtoUDP, sip[:], dip[:], uint16(8+payloadLen))
	if csumOff {
		binary.BigEndian.PutUint16(udp[6:], ^ph)
	} else {
		binary.BigEndian.PutUint16(udp[6:], ^header.Checksum(udp, ph))
	}
	return ip
}

func TestSelftestValidUDPGSO(t *testing.T) {
	_, q := selftestQueue(t)
	h := header.VirtioNetHdrFields{
		HdrLen: 14 + 20 + 8, Flags: header.VirtioNetHdrFNeedsCsum, CsumStart: 14 + 20, CsumOffset: 6,
		GSOType: header.VirtioNetHdrGSOUDP, GSOSize: 1500 - 20,
	}
	pkt := withHdr(h, build.Ethernet(selftestDst, selftestSrc, header.EtherTypeIPv4, selftestIPv4UDP(1021, true)))
	if n, err := q.Write(pkt); err != nil || n != len(pkt) {
		t.Fatalf("write = %d, %v; want %d", n, err, len(pkt))
	}
}

func TestSelftestValidUDPCsum(t *testing.T) {
	_, q := selftestQueue(t)
	h := header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFDataValid}
	pkt := withHdr(h, build.Ethernet(selftestDst, selftestSrc, header.EtherTypeIPv4, selftestIPv4UDP(1024, false)))
	if n, err := q.Write(pkt); err != nil || n != len(pkt) {
		t.Fatalf("write = %d, %v; want %d", n, err, len(pkt))
	}
}

func TestSelftestInvalidEthProto(t *testing.T) {
	e, q := selftestQueue(t)
	h := header.VirtioNetHdrFields{HdrLen: 14 + 20 + 8, GSOType: header.VirtioNetHdrGSOUDP, GSOSize: 1500 - 20}
	body := append(make([]byte, 20+8), selftestIPv4UDP(1024, true)...)
	body = append(body, make([]byte, 1024)...)
	pkt := withHdr(h, build.Ethernet(selftestDst, selftestSrc, 0, body))
	if _, err := q.Write(pkt); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("write: %v, want EINVAL", err)
	}
	if n := e.ns.DeviceByName("xmacvtap0").Stats.TxDropped.Load(); n != 1 {
		t.Fatalf("tx_dropped %d, want 1", n)
	}
}

// The kernel peer's demo: a frame from outside reaches /dev/tapN with a
// 10-byte vnet header in front.
func TestReadCarriesVnetHeader(t *testing.T) {
	e := newEnv(t)
	tap := e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	if tap.Name() != "tap3" {
		t.Fatalf("tap name %q", tap.Name())
	}
	q := open(t, tap)
	q.SetNonblock(true)
	peer := e.peer.DeviceByName("eth0")
	frame := udpFrame(mac0, header.MAC(peer.HardwareAddr()), ip1, ip0, 5, 6, []byte("hello"))
	sendFrom(t, peer, frame)
	e.run()
	buf := make([]byte, 2048)
	n, err := q.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != 10+len(frame) || string(buf[10:n]) != string(frame) {
		t.Fatalf("read %d bytes % x", n, buf[:n])
	}
	if _, err := q.Read(buf); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("empty non-blocking read: %v", err)
	}
}

func sendFrom(t testing.TB, d *netdev.Device, frame []byte) {
	t.Helper()
	b := mustBuf(t, frame)
	b.SetMACHeader()
	if err := d.Transmit(b); err != nil {
		t.Fatal(err)
	}
}

func TestBridgeBetweenMacvtaps(t *testing.T) {
	e := newEnv(t)
	q0 := open(t, e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0))
	q1 := open(t, e.macvtap(t, "macvtap1", macvlan.ModeBridge, mac1))
	q1.SetNonblock(true)
	frame := udpFrame(mac1, mac0, ip0, ip1, 1, 2, []byte("bridge"))
	if _, err := q0.Write(withHdr(header.VirtioNetHdrFields{}, frame)); err != nil {
		t.Fatal(err)
	}
	e.run()
	buf := make([]byte, 2048)
	n, err := q1.Read(buf)
	if err != nil || string(buf[10:n]) != string(frame) {
		t.Fatalf("read %d %v", n, err)
	}
	if rx := e.peer.DeviceByName("eth0").Stats.RxPackets.Load(); rx != 0 {
		t.Fatalf("bridge mode sent the sibling frame out: peer rx %d", rx)
	}
}

func TestVEPASendsSiblingTrafficOut(t *testing.T) {
	e := newEnv(t)
	q0 := open(t, e.macvtap(t, "macvtap0", macvlan.ModeVEPA, mac0))
	q1 := open(t, e.macvtap(t, "macvtap1", macvlan.ModeVEPA, mac1))
	q1.SetNonblock(true)
	frame := udpFrame(mac1, mac0, ip0, ip1, 1, 2, []byte("vepa"))
	if _, err := q0.Write(withHdr(header.VirtioNetHdrFields{}, frame)); err != nil {
		t.Fatal(err)
	}
	e.run()
	if rx := e.peer.DeviceByName("eth0").Stats.RxPackets.Load(); rx != 1 {
		t.Fatalf("peer rx %d, want 1", rx)
	}
	if _, err := q1.Read(make([]byte, 2048)); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("vepa delivered locally: %v", err)
	}
}

func TestRingFullCountsDrops(t *testing.T) {
	e := newEnv(t)
	q0 := open(t, e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0))
	tap1 := e.macvtap(t, "macvtap1", macvlan.ModeBridge, mac1)
	q1 := open(t, tap1)
	frame := withHdr(header.VirtioNetHdrFields{}, udpFrame(mac1, mac0, ip0, ip1, 1, 2, []byte("x")))
	for range 600 {
		q0.Write(frame)
		if e.loop != nil && q0.Len() == 0 {
			e.loop.Run()
		}
	}
	e.run()
	if q1.Len() != macvtap.DefaultQueueLen {
		t.Fatalf("queued %d, want %d", q1.Len(), macvtap.DefaultQueueLen)
	}
	d := tap1.Device()
	if n := d.Drops.Get(macvtap.DropFullRing); n != 100 || d.Stats.RxDropped.Load() != 100 || q1.Drops.Load() != 100 {
		t.Fatalf("FULL_RING %d rx_dropped %d queue drops %d, want 100", n, d.Stats.RxDropped.Load(), q1.Drops.Load())
	}
}

func TestDeleteDetachesAndWakesReaders(t *testing.T) {
	e := newEnv(t)
	tap := e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	q := open(t, tap)
	errc := make(chan error)
	go func() {
		_, err := q.ReadContext(context.Background(), make([]byte, 2048))
		errc <- err
	}()
	if err := e.ns.DelLink(tap.Device()); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, syscall.ENOLINK) {
		t.Fatalf("blocked reader got %v, want ENOLINK", err)
	}
	if _, _, err := q.Iff(); !errors.Is(err, syscall.ENOLINK) {
		t.Fatalf("TUNGETIFF after delete: %v", err)
	}
	if q.Poll()&macvtap.PollHup == 0 {
		t.Fatal("no POLLHUP after delete")
	}
	frame := withHdr(header.VirtioNetHdrFields{}, udpFrame(mac1, mac0, ip0, ip1, 1, 2, nil))
	if n, err := q.Write(frame); err != nil || n != len(frame) {
		t.Fatalf("write after delete = %d, %v (Linux discards and succeeds)", n, err)
	}
	if _, err := macvtap.Open(tap); !errors.Is(err, syscall.ENXIO) {
		t.Fatalf("open after delete: %v", err)
	}
}

func TestCancelAndClose(t *testing.T) {
	e := newEnv(t)
	q := open(t, e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := q.ReadContext(ctx, make([]byte, 64))
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v", err)
	}
	go func() {
		_, err := q.Read(make([]byte, 64))
		errc <- err
	}()
	q.Close()
	if err := <-errc; !errors.Is(err, syscall.EBADF) {
		t.Fatalf("read across close: %v", err)
	}
	if err := q.Close(); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("second close: %v", err)
	}
}

func TestMaxQueues(t *testing.T) {
	e := newEnv(t)
	tap := e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	qs := make([]*macvtap.Queue, 0, macvtap.MaxQueues)
	for range macvtap.MaxQueues {
		qs = append(qs, open(t, tap))
	}
	if _, err := macvtap.Open(tap); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("queue %d: %v, want EBUSY", macvtap.MaxQueues+1, err)
	}
	qs[7].Close()
	if _, err := macvtap.Open(tap); err != nil {
		t.Fatalf("after a close: %v", err)
	}
	if a, en := tap.NumQueues(); a != macvtap.MaxQueues || en != macvtap.MaxQueues {
		t.Fatalf("queues %d/%d", a, en)
	}
}

func TestTxQueueLenResizesRings(t *testing.T) {
	e := newEnv(t)
	q0 := open(t, e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0))
	tap1 := e.macvtap(t, "macvtap1", macvlan.ModeBridge, mac1)
	q1 := open(t, tap1)
	frame := withHdr(header.VirtioNetHdrFields{}, udpFrame(mac1, mac0, ip0, ip1, 1, 2, []byte("x")))
	for range 20 {
		q0.Write(frame)
		e.run()
	}
	if err := e.ns.SetLink(tap1.Device(), &netdev.LinkRequest{TxQLen: ptr(uint32(8))}); err != nil {
		t.Fatal(err)
	}
	if q1.Len() != 8 || q1.Drops.Load() != 12 {
		t.Fatalf("after resize: %d queued, %d dropped", q1.Len(), q1.Drops.Load())
	}
	for range 5 {
		q0.Write(frame)
		e.run()
	}
	if q1.Len() != 8 {
		t.Fatalf("ring grew past txqueuelen: %d", q1.Len())
	}
}
