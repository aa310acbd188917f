package frag

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

func TestReassembleIPv6Orders(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name string
		exts []uint8
	}{
		{"plain", nil},
		{"hop-by-hop", []uint8{header.IPProtoHopByHop}},
		{"hbh+routing+dstopts", []uint8{header.IPProtoHopByHop, header.IPProtoRouting, header.IPProtoDstOpts}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			packettest.CheckBalance(t)
			orig := datagram6(8000, tc.exts...)
			frags := split(t, orig, 1280)
			for _, order := range [][][]byte{frags, reverse(frags), shuffle(rng, frags)} {
				r, _ := testReasm(t, 6, nil)
				res := feed(t, r, order)
				hlen, nhoff, _ := UnfragmentableLen(orig)
				if !res.Reassembled || res.TransportOffset != hlen || res.NextHeaderOffset != nhoff || res.MaxFragSize != 1280 {
					t.Errorf("result %+v, want transport %d nhoff %d", res, hlen, nhoff)
				}
				if got := take(t, res); !bytes.Equal(got, orig) {
					t.Fatalf("reassembled packet differs:\n got %x\nwant %x", got[:80], orig[:80])
				}
				if r.Stats().ReasmOKs.Load() != 1 || r.Queues() != 0 || r.Mem() != 0 {
					t.Errorf("oks %d queues %d mem %d", r.Stats().ReasmOKs.Load(), r.Queues(), r.Mem())
				}
			}
		})
	}
}

func TestReassembleIPv6MACMoves(t *testing.T) {
	packettest.CheckBalance(t)
	r, _ := testReasm(t, 6, nil)
	frags := split(t, datagram6(3000), 1280)
	eth := build.Ethernet(header.MAC{2, 0, 0, 0, 0, 2}, header.MAC{2, 0, 0, 0, 0, 1}, 0x86dd, nil)
	var res Result
	for _, f := range frags {
		b := buf(t, append(append([]byte(nil), eth...), f...))
		b.SetMACHeader()
		b.Pull(len(eth))
		b.SetNetworkHeader(0)
		res = r.Add(b)
	}
	b := res.Packet
	if off, ok := b.MACOffset(); !ok || off != -14 || !bytes.Equal(b.MACHeader()[:14], eth) {
		t.Fatalf("mac header lost: %d %v", off, ok)
	}
	b.Free()
}

func TestReassembleIPv6Atomic(t *testing.T) {
	packettest.CheckBalance(t)
	r, _ := testReasm(t, 6, nil)
	p := frag6(dst6, 1, 0, false, build.UDP(1, 2, payload(10, 0)))
	res := r.Add(buf(t, p))
	if res.Reassembled || res.TransportOffset != 48 || res.NextHeader != header.IPProtoUDP || res.NextHeaderOffset != 40 {
		t.Fatalf("%+v", res)
	}
	if got := take(t, res); !bytes.Equal(got, p) {
		t.Fatal("atomic fragment changed")
	}
	if r.Stats().ReasmOKs.Load() != 1 || r.Queues() != 0 {
		t.Fatal("atomic fragment was queued")
	}
}

func TestReassembleIPv6ParamProblem(t *testing.T) {
	udp := build.UDP(1, 2, payload(32, 0))
	jumbo := frag6(dst6, 1, 8, true, payload(8, 0))
	header.IPv6(jumbo).SetPayloadLength(0)
	for _, tc := range []struct {
		name string
		pkt  []byte
		code uint8
		ptr  uint32
	}{
		{"not a multiple of 8", frag6(dst6, 1, 0, true, udp[:20]), ICMPv6ErroneousHeader, 4},
		{"past 65535", frag6(dst6, 1, 65528, false, payload(16, 0)), ICMPv6ErroneousHeader, 42},
		{"tiny first fragment", frag6(dst6, 1, 0, true, udp[:0]), ICMPv6HeaderIncomplete, 0},
		{"first fragment with half a UDP header", frag6(dst6, 1, 0, true, payload(4, 0)[:4]), ICMPv6HeaderIncomplete, 0},
		{"jumbo", jumbo, ICMPv6ErroneousHeader, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			packettest.CheckBalance(t)
			r, _ := testReasm(t, 6, nil)
			res := r.Add(buf(t, tc.pkt))
			if res.Status != ParamProblem || res.ICMPCode != tc.code || res.Pointer != tc.ptr || res.Packet == nil {
				t.Fatalf("%v code %d ptr %d, want code %d ptr %d", res.Status, res.ICMPCode, res.Pointer, tc.code, tc.ptr)
			}
			res.Packet.Free()
			if r.Queues() != 0 {
				t.Error("queue created")
			}
		})
	}
}

func TestReassembleIPv6Overlap(t *testing.T) {
	packettest.CheckBalance(t)
	r, _ := testReasm(t, 6, nil)
	udp := build.UDP(1, 2, payload(40, 0))
	if res := r.Add(buf(t, frag6(dst6, 7, 0, true, udp[:24]))); res.Status != Queued {
		t.Fatal(res.Status)
	}
	if res := r.Add(buf(t, frag6(dst6, 7, 0, true, udp[:24]))); res.Status != Dropped || res.Reason != DropDup {
		t.Fatal("duplicate not dropped", res.Status)
	}
	if res := r.Add(buf(t, frag6(dst6, 7, 16, false, udp[16:]))); res.Status != Dropped || res.Reason != DropOverlap {
		t.Fatal("overlap not dropped", res.Status)
	}
	st := r.Stats()
	if st.ReasmOverlaps.Load() != 1 || st.ReasmFails.Load() != 1 || r.Queues() != 0 {
		t.Fatalf("overlaps %d fails %d queues %d", st.ReasmOverlaps.Load(), st.ReasmFails.Load(), r.Queues())
	}
}

func TestReassembleIPv6LinkLocalKey(t *testing.T) {
	packettest.CheckBalance(t)
	r, _ := testReasm(t, 6, nil)
	udp := build.UDP(1, 2, payload(40, 0))
	add := func(dst, off int, more bool, iif int32) Result {
		d := dst6
		if dst == 1 {
			d = ll6
		}
		end := min(off+16, len(udp))
		b := buf(t, frag6(d, 5, off, more, udp[off:end]))
		b.InIfindex = iif
		return r.Add(b)
	}
	add(1, 0, true, 2)
	if res := add(1, 16, false, 3); res.Status != Queued {
		t.Fatal("link-local fragments from two devices met")
	}
	add(0, 0, true, 2)
	res := add(0, 16, true, 3)
	if res.Status != Queued || r.Queues() != 3 {
		t.Fatalf("queues %d", r.Queues())
	}
	if res = add(0, 32, false, 3); res.Status != Done {
		t.Fatal("global fragments from two devices did not meet", res.Status)
	}
	if res.Packet.InIfindex != 3 {
		t.Errorf("in ifindex %d", res.Packet.InIfindex)
	}
	res.Packet.Free()
}

func TestReassembleIPv6Timeout(t *testing.T) {
	packettest.CheckBalance(t)
	calls := 0
	r, loop := testReasm(t, 6, func(c *Config) {
		c.OnTimeout = func(first *packet.Buffer, iif int32) {
			calls++
			if header.IPv6Fragment(first.Bytes()[40:]).FragmentOffset() != 0 {
				t.Error("not the first fragment")
			}
		}
	})
	frags := split(t, datagram6(3000), 1280)
	feed(t, r, frags[:2])
	loop.RunFor(59 * time.Second)
	if r.Queues() != 1 {
		t.Fatal("expired before 60 s")
	}
	loop.RunFor(2 * time.Second)
	if r.Queues() != 0 || calls != 1 || r.Stats().ReasmTimeout.Load() != 1 {
		t.Fatalf("queues %d calls %d", r.Queues(), calls)
	}
}

func TestReassembleIPv6Oversize(t *testing.T) {
	packettest.CheckBalance(t)
	r, _ := testReasm(t, 6, nil)
	// A hop-by-hop header makes 65528+8 bytes of fragmentable data too
	// much for the 65535-byte payload length.
	hbh := func(off int, more bool, data []byte) []byte {
		return build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: header.IPProtoHopByHop},
			build.IPv6Options(header.IPProtoFragment, build.IPv6Fragment(header.IPProtoUDP, uint16(off), more, 9, data)))
	}
	big := payload(32768, 0)
	r.Add(buf(t, hbh(0, true, big)))
	res := r.Add(buf(t, hbh(32768, false, big[:65528-32768])))
	if res.Status != Dropped || r.Stats().ReasmFails.Load() != 1 || r.Queues() != 0 {
		t.Fatalf("%v fails %d", res.Status, r.Stats().ReasmFails.Load())
	}
}
