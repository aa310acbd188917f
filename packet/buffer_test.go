package packet_test

import (
	"bytes"
	"testing"

	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

func TestPushPullPutTrim(t *testing.T) {
	packettest.CheckBalance(t)
	b, err := packet.New(64, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free()
	copy(b.Put(4), "data")
	if got := string(b.Bytes()); got != "data" {
		t.Fatalf("Bytes = %q", got)
	}
	copy(b.Push(3), "hdr")
	if got := string(b.Bytes()); got != "hdrdata" {
		t.Fatalf("after Push: %q", got)
	}
	if b.Headroom() != 61 {
		t.Fatalf("Headroom = %d, want 61", b.Headroom())
	}
	if p := b.Push(62); p != nil {
		t.Fatal("Push beyond headroom succeeded")
	}
	if p := b.Pull(3); string(p) != "hdr" {
		t.Fatalf("Pull = %q", p)
	}
	if p := b.Pull(5); p != nil {
		t.Fatal("Pull beyond length succeeded")
	}
	b.Trim(2)
	if got := string(b.Bytes()); got != "da" {
		t.Fatalf("after Trim: %q", got)
	}
	if b.Put(b.Tailroom()+1) != nil {
		t.Fatal("Put beyond tailroom succeeded")
	}
}

func TestOffsetsSurvivePushPull(t *testing.T) {
	packettest.CheckBalance(t)
	b, _ := packet.FromBytes([]byte("EEEEEEEEEEEEEEIIIIIIIIIIIIIIIIIIIIUUUUUUUU"))
	defer b.Free()
	b.SetMACHeader()
	b.SetNetworkHeader(14)
	b.SetTransportHeader(34)
	b.Pull(14)
	if off, _ := b.NetworkOffset(); off != 0 {
		t.Fatalf("network offset after pull = %d", off)
	}
	if off, _ := b.MACOffset(); off != -14 {
		t.Fatalf("mac offset after pull = %d", off)
	}
	if b.MACLen() != 14 {
		t.Fatalf("MACLen = %d", b.MACLen())
	}
	if !bytes.HasPrefix(b.TransportHeader(), []byte("UUUU")) {
		t.Fatalf("transport header = %q", b.TransportHeader())
	}
	if !b.PushTo(b.MACStart()) || b.Bytes()[0] != 'E' {
		t.Fatal("PushTo MAC failed")
	}
}

func TestReserveMovesDataAndOffsets(t *testing.T) {
	packettest.CheckBalance(t)
	for _, tc := range []struct {
		name               string
		size, head, tail   int
		wantHead, wantTail int
	}{
		{"fits", 100, 16, 16, 16, 16},
		{"more headroom", 100, 200, 16, 200, 16},
		{"grow to large", 1900, 300, 100, 300, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := packet.New(8, tc.size)
			data := b.Put(tc.size)
			for i := range data {
				data[i] = byte(i)
			}
			b.SetNetworkHeader(4)
			if !b.Reserve(tc.head, tc.tail) {
				t.Fatal("Reserve failed")
			}
			if b.Headroom() < tc.wantHead || b.Tailroom() < tc.wantTail {
				t.Fatalf("headroom %d tailroom %d", b.Headroom(), b.Tailroom())
			}
			if b.Len() != tc.size || b.Bytes()[5] != 5 {
				t.Fatal("data not preserved")
			}
			if nh := b.NetworkHeader(); len(nh) == 0 || nh[0] != 4 {
				t.Fatal("network offset not moved with data")
			}
			b.Free()
		})
	}
	b, _ := packet.New(0, 100)
	defer b.Free()
	if b.Reserve(packet.MaxSize, 1) {
		t.Fatal("Reserve beyond MaxSize succeeded")
	}
}

func TestReserveKeepsPulledMACHeader(t *testing.T) {
	packettest.CheckBalance(t)
	b, _ := packet.New(16, 64)
	copy(b.Put(20), "MMMMMMMMMMMMMMIIIIII")
	b.SetMACHeader()
	b.Pull(14)
	b.SetNetworkHeader(0)
	if !b.Reserve(100, 0) {
		t.Fatal("Reserve failed")
	}
	if got := string(b.MACHeader()); got != "MMMMMMMMMMMMMMIIIIII" {
		t.Fatalf("MAC header after Reserve = %q", got)
	}
	b.Free()
}

func TestCloneIsIndependent(t *testing.T) {
	packettest.CheckBalance(t)
	b, _ := packet.FromBytes([]byte("hello"))
	b.Mark = 7
	b.Tunnel.Present = true
	b.SetNetworkHeader(1)
	c := b.Clone()
	c.Bytes()[0] = 'j'
	if string(b.Bytes()) != "hello" || string(c.Bytes()) != "jello" {
		t.Fatal("clone shares data")
	}
	if c.Mark != 7 || !c.Tunnel.Present || string(c.NetworkHeader()) != "ello" {
		t.Fatal("clone lost metadata")
	}
	b.Free()
	c.Free()
}

func TestDoubleFreePanics(t *testing.T) {
	b, _ := packet.New(0, 10)
	b.Free()
	defer func() {
		if recover() == nil {
			t.Fatal("double free did not panic")
		}
		// Balance the counter the second Free did not touch.
	}()
	b.Free()
}

func TestNewTooBig(t *testing.T) {
	if _, err := packet.New(0, packet.MaxSize+1); err == nil {
		t.Fatal("New accepted an oversize buffer")
	}
}

func TestSteadyStateAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	payload := make([]byte, 1400)
	n := testing.AllocsPerRun(1000, func() {
		b, _ := packet.FromBytes(payload)
		b.Push(20)
		c := b.Clone()
		c.Free()
		b.Free()
	})
	if n != 0 {
		t.Fatalf("allocs per packet = %v, want 0", n)
	}
}

func BenchmarkNewFree(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p, _ := packet.New(packet.DefaultHeadroom, 1400)
		p.Put(1400)
		p.Free()
	}
}

func TestPartialChecksumFollowsPushPull(t *testing.T) {
	packettest.CheckBalance(t)
	b, _ := packet.New(64, 100)
	defer b.Free()
	b.Put(40)
	b.SetNetworkHeader(0)
	b.Csum = packet.Csum{Mode: packet.CsumPartial, Start: 20, Offset: 6}
	b.Push(14)
	if b.Csum.Start != 34 {
		t.Fatalf("after Push(14): start %d, want 34", b.Csum.Start)
	}
	b.Pull(14)
	if b.Csum.Start != 20 {
		t.Fatalf("after Pull(14): start %d, want 20", b.Csum.Start)
	}
	b.Push(8)
	b.PushTo(b.NetworkStart())
	if b.Csum.Start != 20 {
		t.Fatalf("after PushTo: start %d, want 20", b.Csum.Start)
	}
	b.Pull(30)
	if b.Csum.Mode != packet.CsumNone {
		t.Fatal("pulling past the checksum start kept it partial")
	}
}
