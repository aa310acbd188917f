package macvtap_test

import (
	"encoding/binary"
	"errors"
	"syscall"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/macvlan"
)

// Reads into short buffers, as recorded on Linux 6.1 (the kernel peer):
// shorter than the vnet header is EINVAL, otherwise the start of the frame
// is copied and its length returned; either way the frame is consumed.
func TestShortReads(t *testing.T) {
	tests := []struct {
		size int
		n    int
		err  error
	}{
		{4, 0, syscall.EINVAL},
		{9, 0, syscall.EINVAL},
		{10, 10, nil},
		{20, 20, nil},
		{2000, 94, nil},
	}
	e := newEnv(t)
	q := open(t, e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0))
	q.SetNonblock(true)
	peer := e.peer.DeviceByName("eth0")
	for _, tt := range tests {
		frame := udpFrame(mac0, header.MAC(peer.HardwareAddr()), ip1, ip0, 1, 2, make([]byte, 84-42))
		sendFrom(t, peer, frame)
		e.run()
		buf := make([]byte, tt.size)
		n, err := q.Read(buf)
		if n != tt.n || !errors.Is(err, tt.err) && err != tt.err {
			t.Fatalf("%d-byte buffer: n=%d err=%v, want %d %v", tt.size, n, err, tt.n, tt.err)
		}
		if tt.n > 10 && string(buf[10:n]) != string(frame[:n-10]) {
			t.Fatalf("%d-byte buffer: wrong bytes", tt.size)
		}
		if _, err := q.Read(make([]byte, 2000)); !errors.Is(err, syscall.EAGAIN) {
			t.Fatalf("%d-byte buffer: frame not consumed (%v)", tt.size, err)
		}
	}
}

// A UFO frame larger than its gso_size is accepted (Linux 6.1 does) and
// leaves as IP fragments of gso_size bytes of the datagram.
func TestUFOIsFragmented(t *testing.T) {
	e := newEnv(t)
	q0 := open(t, e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0))
	q1 := open(t, e.macvtap(t, "macvtap1", macvlan.ModeBridge, mac1))
	q1.SetNonblock(true)
	udp := build.UDP(5000, 6000, make([]byte, 3000))
	ip := build.IPv4(build.IPv4Opts{Src: ip0, Dst: ip1, Proto: header.IPProtoUDP, ID: 99, NoL4Checksum: true}, udp)
	ph := header.PseudoHeaderChecksum(header.IPProtoUDP, ip[12:16], ip[16:20], uint16(len(udp)))
	binary.BigEndian.PutUint16(ip[26:], ph)
	frame := build.Ethernet(mac1, mac0, header.EtherTypeIPv4, ip)
	in := withHdr(header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFNeedsCsum, GSOType: header.VirtioNetHdrGSOUDP,
		HdrLen: 42, GSOSize: 1000, CsumStart: 34, CsumOffset: 6}, frame)
	if n, err := q0.Write(in); err != nil || n != len(in) {
		t.Fatalf("write %d %v", n, err)
	}
	e.run()
	buf := make([]byte, 2000)
	var data []byte
	for i := 0; ; i++ {
		n, err := q1.Read(buf)
		if err != nil {
			break
		}
		f := header.IPv4(buf[24:n])
		if !f.IsChecksumValid() || f.ID() != 99 {
			t.Fatalf("fragment %d: bad header", i)
		}
		data = append(data, f.Payload()...)
	}
	if len(data) != 3008 {
		t.Fatalf("reassembled %d bytes, want 3008", len(data))
	}
	c := header.PseudoHeaderChecksum(header.IPProtoUDP, ip0.AsSlice(), ip1.AsSlice(), uint16(len(data)))
	if header.Checksum(data, c) != 0xffff {
		t.Fatal("UDP checksum of the reassembled datagram is wrong")
	}
}
