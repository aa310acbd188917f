package mode_test

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
	_ "github.com/softnet/softnet/xfrm/esp" // the ESP type, for NewState
	"github.com/softnet/softnet/xfrm/internal/mode"
)

// beetState is an IPv4-in-IPv6 BEET SA for 203.0.113.1 -> 203.0.113.2.
func beetState(t testing.TB) *xfrm.State {
	t.Helper()
	c := xfrm.Config{ID: xfrm.ID{Daddr: netip.MustParseAddr("2001:db8::2"), SPI: 0x100, Proto: xfrm.ProtoESP},
		Saddr: netip.MustParseAddr("2001:db8::1"), Family: 6, Mode: xfrm.ModeBEET,
		Selector: xfrm.Selector{Family: 4, Saddr: netip.MustParsePrefix("203.0.113.1/32"), Daddr: netip.MustParsePrefix("203.0.113.2/32")},
		Crypt:    &xfrm.AlgSpec{Name: "cipher_null"},
		Auth:     &xfrm.AuthSpec{Name: "hmac(sha1)", Key: make([]byte, 20)}}
	x, err := xfrm.NewState(c, xfrm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// outerWith is an IPv6 outer header (traffic class 0x28, hop limit 7),
// 8 bytes standing for ESP, then body; it returns the packet and where
// body starts.
func outerWith(body []byte) ([]byte, int) {
	pkt := build.IPv6(build.IPv6Opts{Src: netip.MustParseAddr("2001:db8::1"), Dst: netip.MustParseAddr("2001:db8::2"),
		NextHeader: 50, TrafficClass: 0x28, HopLimit: 7}, append(make([]byte, 8), body...))
	return pkt, header.IPv6MinimumSize + 8
}

// TestBEETDecapPseudoHeader: xfrm4_remove_beet_encap's checks on the
// pseudo header {nexthdr, hdrlen, padlen, reserved}: the options length
// hdrlen*8 + 8 - (4 + padlen) must be a non-negative multiple of 4 that
// fits (at most 40 bytes, the most an IPv4 header holds).
func TestBEETDecapPseudoHeader(t *testing.T) {
	packettest.CheckBalance(t)
	udp := build.UDP(1, 2, []byte("x"))
	opts4 := []byte{0x94, 4, 0, 0}
	opts8 := []byte{0x94, 4, 0, 0, 0x94, 4, 0, 0}
	for _, tc := range []struct {
		name string
		body []byte
		opts []byte // the options the rebuilt header must carry; nil: dropped
	}{
		{"options 4", cat([]byte{17, 0, 0, 0}, opts4, udp), opts4},
		{"options 8", cat([]byte{17, 1, 4, 0, 1, 1, 1, 1}, opts8, udp), opts8},
		{"odd length", cat([]byte{17, 1, 3, 0, 1, 1, 1}, opts8, udp), nil},
		{"too long", cat([]byte{17, 6, 4, 0, 1, 1, 1, 1}, make([]byte, 48), udp), nil},
		{"negative", cat([]byte{17, 0, 200, 0}, udp), nil},
		{"past the end", []byte{17, 3, 4, 0, 1, 1, 1, 1, 0x94, 4, 0, 0}, nil},
		{"truncated", []byte{17, 0}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := beetState(t)
			pkt, ps := outerWith(tc.body)
			b, err := packet.FromBytes(pkt)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Free()
			d := mode.BEETDecap(x, b, mode.ProtoBEETPH, ps, len(pkt))
			if tc.opts == nil {
				if d != xfrm.DropFor(xfrm.InStateModeError) {
					t.Fatalf("got %v, want XfrmInStateModeError", d)
				}
				return
			}
			if d != nil {
				t.Fatal(d)
			}
			want := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("203.0.113.1"), Dst: netip.MustParseAddr("203.0.113.2"),
				Proto: 17, TOS: 0x28, TTL: 7, DF: true, Options: tc.opts, NoL4Checksum: true}, udp)
			if !bytes.Equal(b.Bytes(), want) {
				t.Fatalf("rebuilt\n got %x\nwant %x", b.Bytes(), want)
			}
		})
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// FuzzBEETDecap: any payload and next header rebuild into a packet whose
// header is consistent (version, IHL within the packet, length fields) or
// are dropped with a counter; never a panic.
func FuzzBEETDecap(f *testing.F) {
	f.Add(uint8(94), []byte{17, 0, 0, 0, 0x94, 4, 0, 0, 1, 2, 3, 4})
	f.Add(uint8(94), []byte{17, 1, 4, 0, 1, 1, 1, 1, 0x94, 4, 0, 0, 0x94, 4, 0, 0})
	f.Add(uint8(17), []byte{0, 1, 0, 2, 0, 8, 0, 0})
	f.Add(uint8(94), []byte{17, 255, 0, 0})
	x := beetState(f)
	f.Fuzz(func(t *testing.T, nh uint8, body []byte) {
		pkt, ps := outerWith(body)
		b, err := packet.FromBytes(pkt)
		if err != nil {
			return
		}
		defer b.Free()
		if mode.BEETDecap(x, b, nh, ps, len(pkt)) != nil {
			return
		}
		out := b.Bytes()
		ip := header.IPv4(out)
		if len(out) < 20 || out[0]>>4 != 4 || ip.HeaderLength() > len(out) || int(ip.TotalLength()) != len(out) || !ip.IsChecksumValid() {
			t.Fatalf("inconsistent rebuilt header %x", out)
		}
	})
}
