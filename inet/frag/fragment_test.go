package frag

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

func TestFragmentIPv4Shape(t *testing.T) {
	packettest.CheckBalance(t)
	var st Stats
	orig := datagram4(8000, 0x1234, nil)
	header.IPv4(orig).SetDontFragment(true)
	header.IPv4(orig).UpdateChecksum()
	for _, keepDF := range []bool{false, true} {
		var frags [][]byte
		err := FragmentIPv4(buf(t, orig), 1500, keepDF, &st, func(b *packet.Buffer) error {
			if off, _ := b.NetworkOffset(); off != 0 {
				t.Errorf("network offset %d", off)
			}
			frags = append(frags, bytes.Clone(b.Bytes()))
			b.Free()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		payloadLen := len(orig) - 20
		wantN := (payloadLen + 1479) / 1480
		if len(frags) != wantN {
			t.Fatalf("%d fragments, want %d", len(frags), wantN)
		}
		for i, f := range frags {
			ip := header.IPv4(f)
			last := i == len(frags)-1
			wantLen := 1500
			if last {
				wantLen = 20 + payloadLen - 1480*i
			}
			if len(f) != wantLen || int(ip.TotalLength()) != wantLen || ip.ID() != 0x1234 ||
				int(ip.FragmentOffset()) != 1480*i || ip.MoreFragments() == last ||
				ip.DontFragment() != keepDF || !ip.IsChecksumValid() {
				t.Errorf("fragment %d: len %d tot %d id %#x off %d mf %v df %v", i, len(f), ip.TotalLength(), ip.ID(),
					ip.FragmentOffset(), ip.MoreFragments(), ip.DontFragment())
			}
			if !bytes.Equal(f[20:], orig[20+1480*i:20+1480*i+len(f)-20]) {
				t.Errorf("fragment %d payload differs", i)
			}
		}
	}
	if st.FragOKs.Load() != 2 || st.FragCreates.Load() != 12 || st.FragFails.Load() != 0 {
		t.Errorf("oks %d creates %d fails %d", st.FragOKs.Load(), st.FragCreates.Load(), st.FragFails.Load())
	}
}

func TestFragmentIPv4Options(t *testing.T) {
	packettest.CheckBalance(t)
	// Record route (not copied) then loose source route (copied).
	rr := []byte{header.IPv4OptionRR, 7, 4, 0, 0, 0, 0}
	lsrr := []byte{header.IPv4OptionLSRR, 7, 4, 198, 51, 100, 1}
	opts := append(append([]byte(nil), rr...), lsrr...)
	orig := datagram4(3000, 1, opts)
	frags := split(t, orig, 1000)
	hlen := header.IPv4(orig).HeaderLength()
	for i, f := range frags {
		ip := header.IPv4(f)
		if ip.HeaderLength() != hlen {
			t.Fatalf("fragment %d header length %d", i, ip.HeaderLength())
		}
		o := ip.Options()
		wantRR := rr
		if i > 0 {
			wantRR = bytes.Repeat([]byte{header.IPv4OptionNOP}, len(rr))
		}
		if !bytes.Equal(o[:7], wantRR) || !bytes.Equal(o[7:14], lsrr) {
			t.Errorf("fragment %d options %x", i, o)
		}
		if (len(f)-hlen)%8 != 0 && i != len(frags)-1 {
			t.Errorf("fragment %d payload %d not a multiple of 8", i, len(f)-hlen)
		}
	}
	// The reassembled datagram has the first fragment's header: the original.
	r, _ := testReasm(t, 4, nil)
	if got := take(t, feed(t, r, reverse(frags))); !bytes.Equal(got, orig) {
		t.Fatal("round trip with options differs")
	}
}

func TestFragmentIPv4OfFragment(t *testing.T) {
	packettest.CheckBalance(t)
	// A middle fragment (offset 800, MF) refragmented keeps MF throughout.
	f := frag4(3, 800, true, payload(2000, 0))
	got := split(t, f, 576)
	off := 800
	for i, g := range got {
		ip := header.IPv4(g)
		if !ip.MoreFragments() || int(ip.FragmentOffset()) != off {
			t.Fatalf("piece %d: mf %v off %d want %d", i, ip.MoreFragments(), ip.FragmentOffset(), off)
		}
		off += len(g) - 20
	}
}

func TestFragmentErrors(t *testing.T) {
	packettest.CheckBalance(t)
	var st Stats
	emitFree := func(b *packet.Buffer) error { b.Free(); return nil }
	if err := FragmentIPv4(buf(t, datagram4(100, 1, nil)), 27, false, &st, emitFree); !errors.Is(err, ErrMTU) {
		t.Errorf("tiny mtu: %v", err)
	}
	if err := FragmentIPv4(buf(t, []byte{0x45, 0}), 1500, false, &st, emitFree); !errors.Is(err, ErrMalformed) {
		t.Errorf("malformed: %v", err)
	}
	if err := FragmentIPv6(buf(t, datagram6(2000)), 1280-1232, 1, &st, emitFree); !errors.Is(err, ErrMTU) {
		t.Errorf("v6 tiny mtu: %v", err)
	}
	if err := FragmentIPv6(buf(t, []byte{0x60, 1, 2}), 1280, 1, &st, emitFree); !errors.Is(err, ErrMalformed) {
		t.Errorf("v6 malformed: %v", err)
	}
	boom := errors.New("boom")
	for _, v6 := range []bool{false, true} {
		for stopAt := range 3 {
			n := 0
			emit := func(b *packet.Buffer) error {
				b.Free()
				if n++; n > stopAt {
					return boom
				}
				return nil
			}
			var err error
			if v6 {
				err = FragmentIPv6(buf(t, datagram6(3000)), 1280, 1, &st, emit)
			} else {
				err = FragmentIPv4(buf(t, datagram4(3000, 1, nil)), 1500, false, &st, emit)
			}
			if err != boom || n != stopAt+1 {
				t.Errorf("v6 %v stop %d: err %v after %d", v6, stopAt, err, n)
			}
		}
	}
	if st.FragFails.Load() != 10 || st.FragOKs.Load() != 0 {
		t.Errorf("fails %d oks %d", st.FragFails.Load(), st.FragOKs.Load())
	}
}

func TestFragmentChecksumPartial(t *testing.T) {
	packettest.CheckBalance(t)
	orig := datagram4(3000, 1, nil)
	b := buf(t, orig)
	// Leave the pseudo-header sum in the UDP checksum field, as a
	// CHECKSUM_PARTIAL sender does.
	udp := b.Bytes()[20:]
	pseudo := header.PseudoHeaderChecksum(header.IPProtoUDP, orig[12:16], orig[16:20], uint16(len(udp)))
	binary.BigEndian.PutUint16(udp[6:], pseudo)
	b.Csum = packet.Csum{Mode: packet.CsumPartial, Start: 20, Offset: 6}
	var frags [][]byte
	if err := FragmentIPv4(b, 1500, false, nil, func(f *packet.Buffer) error {
		frags = append(frags, bytes.Clone(f.Bytes()))
		f.Free()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r, _ := testReasm(t, 4, nil)
	if got := take(t, feed(t, r, frags)); !bytes.Equal(got, orig) {
		t.Fatalf("checksum not completed: %x vs %x", got[26:28], orig[26:28])
	}
}

func TestUnfragmentableLen(t *testing.T) {
	const (
		hbh = header.IPProtoHopByHop
		rt  = header.IPProtoRouting
		dst = header.IPProtoDstOpts
	)
	for _, tc := range []struct {
		name      string
		exts      []uint8
		hlen, nho int
	}{
		{"none", nil, 40, 6},
		{"hbh", []uint8{hbh}, 48, 40},
		{"hbh dst", []uint8{hbh, dst}, 56, 48},
		{"hbh rt dst", []uint8{hbh, rt, dst}, 56, 48},
		{"dst rt dst", []uint8{dst, rt, dst}, 56, 48},
		{"rt", []uint8{rt}, 48, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hlen, nhoff, ok := UnfragmentableLen(datagram6(10, tc.exts...))
			if !ok || hlen != tc.hlen || nhoff != tc.nho {
				t.Fatalf("hlen %d nhoff %d ok %v, want %d %d", hlen, nhoff, ok, tc.hlen, tc.nho)
			}
		})
	}
	if _, _, ok := UnfragmentableLen(datagram6(10, hbh)[:41]); ok {
		t.Error("truncated chain accepted")
	}
}

func TestFragmentIPv6Shape(t *testing.T) {
	packettest.CheckBalance(t)
	orig := datagram6(8000, header.IPProtoHopByHop, header.IPProtoRouting)
	frags := split(t, orig, 1280)
	const hlen = 56
	data := len(orig) - hlen
	per := (1280 - hlen - 8) &^ 7
	if len(frags) != (data+per-1)/per {
		t.Fatalf("%d fragments", len(frags))
	}
	for i, f := range frags {
		if len(f) > 1280 || (i < len(frags)-1 && len(f) != hlen+8+per) {
			t.Errorf("fragment %d length %d", i, len(f))
		}
		if f[48] != header.IPProtoFragment || !bytes.Equal(f[8:48], orig[8:48]) {
			t.Errorf("fragment %d unfragmentable part wrong", i)
		}
		fh := header.IPv6Fragment(f[hlen:])
		if fh.NextHeader() != header.IPProtoUDP || fh.ID() != 0x01020304 || int(fh.FragmentOffset()) != per*i ||
			fh.More() == (i == len(frags)-1) || int(header.IPv6(f).PayloadLength()) != len(f)-40 {
			t.Errorf("fragment %d header %+v", i, fh.Fields())
		}
	}
}

// TestRoundTrip fragments random datagrams at random MTUs and reassembles
// the fragments in random order.
func TestRoundTrip(t *testing.T) {
	packettest.CheckBalance(t)
	rng := rand.New(rand.NewPCG(5, 6))
	r4, _ := testReasm(t, 4, nil)
	r6, _ := testReasm(t, 6, nil)
	allExts := []uint8{header.IPProtoHopByHop, header.IPProtoRouting, header.IPProtoDstOpts}
	for i := range 300 {
		var orig []byte
		var r *Reassembler
		var mtu int
		if i%2 == 0 {
			var opts []byte
			if rng.IntN(2) == 0 {
				opts = []byte{header.IPv4OptionRR, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, header.IPv4OptionLSRR, 7, 4, 203, 0, 113, 4}
			}
			orig = datagram4(rng.IntN(20000), uint16(i), opts)
			mtu = 68 + rng.IntN(9000)
			r = r4
		} else {
			orig = datagram6(rng.IntN(20000), allExts[:rng.IntN(4)]...)
			mtu = 1280 + rng.IntN(8000)
			r = r6
		}
		frags := split(t, orig, mtu)
		for _, f := range frags {
			if len(f) > mtu {
				t.Fatalf("case %d: fragment of %d bytes at mtu %d", i, len(f), mtu)
			}
		}
		if len(frags) == 1 {
			// IPv4: the datagram itself; IPv6: an atomic fragment.
			if res := r.Add(buf(t, frags[0])); res.Status != Done || res.Reassembled {
				t.Fatalf("case %d: single fragment: %v", i, res.Status)
			} else {
				res.Packet.Free()
			}
			continue
		}
		res := feed(t, r, shuffle(rng, frags))
		if got := take(t, res); !bytes.Equal(got, orig) {
			t.Fatalf("case %d (len %d mtu %d): round trip differs", i, len(orig), mtu)
		}
	}
	if r4.Queues()+r6.Queues() != 0 {
		t.Fatal("queues left")
	}
}

func TestFragmentSingleIPv6(t *testing.T) {
	packettest.CheckBalance(t)
	orig := datagram6(100)
	frags := split(t, orig, 1500)
	if len(frags) != 1 || len(frags[0]) != len(orig)+8 {
		t.Fatalf("%d fragments", len(frags))
	}
	r, _ := testReasm(t, 6, nil)
	res := r.Add(buf(t, frags[0]))
	p := take(t, res)
	if !bytes.Equal(p[48:], orig[40:]) {
		t.Fatal("atomic fragment payload differs")
	}
	_ = build.UDP
}
