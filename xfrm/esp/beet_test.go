package esp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
)

// beetSelector is the BEET SA selector for inner family ifam.
func beetSelector(ifam int) xfrm.Selector {
	if ifam == 4 {
		return xfrm.Selector{Family: 4, Saddr: netip.PrefixFrom(h4, 32), Daddr: netip.PrefixFrom(k4, 32)}
	}
	return xfrm.Selector{Family: 6, Saddr: netip.PrefixFrom(h6, 128), Daddr: netip.PrefixFrom(k6, 128)}
}

// ipOptions returns n bytes of IPv4 options: record-route style filler
// the BEET pseudo header must carry unchanged (n a multiple of 4).
func ipOptions(n int) []byte {
	o := make([]byte, n)
	for i := 0; i+4 <= n; i += 4 {
		copy(o[i:], []byte{0x94, 0x04, 0, byte(i)}) // router alert
	}
	return o
}

// TestBEETWire: BEET output for every inner/outer family pair, with and
// without IPv4 options, checked on the wire with cipher_null (Linux's
// layout: the SA's outer header carrying the inner TOS and TTL, ESP right
// behind it, then the pseudo header {nexthdr, optlen/8, padlen, 0}, NOP
// padding and the options) and back through Input, which rebuilds the
// inner header from the selector and the outer header's fields.
func TestBEETWire(t *testing.T) {
	packettest.CheckBalance(t)
	null := suite{"null", func(c *xfrm.Config) {
		c.Crypt = &xfrm.AlgSpec{Name: "cipher_null"}
		c.Auth = &xfrm.AuthSpec{Name: "hmac(sha256)", Key: key(32), Trunc: true, TruncBits: 128}
	}}
	for _, tc := range []struct{ ifam, ofam, optlen int }{
		{4, 4, 0}, {4, 4, 4}, {4, 4, 8}, {4, 4, 12}, {4, 4, 40},
		{4, 6, 0}, {4, 6, 4}, {4, 6, 8},
		{6, 4, 0}, {6, 6, 0},
	} {
		t.Run(fmt.Sprintf("%din%d/opts=%d", tc.ifam, tc.ofam, tc.optlen), func(t *testing.T) {
			p := mkPair(t, null, xfrm.ModeBEET, tc.ofam, func(c *xfrm.Config) { c.Selector = beetSelector(tc.ifam) })
			payload := build.UDP(1000, 2000, []byte("beet payload"))
			var pkt []byte
			if tc.ifam == 4 {
				pkt = build.IPv4(build.IPv4Opts{Src: h4, Dst: k4, Proto: 17, TOS: 0x28, TTL: 9, ID: 0x4242, Options: ipOptions(tc.optlen)}, payload)
			} else {
				pkt = build.IPv6(build.IPv6Opts{Src: h6, Dst: k6, NextHeader: 17, TrafficClass: 0x28, HopLimit: 9, FlowLabel: 0x12345}, payload)
			}
			l4 := append([]byte(nil), pkt[len(pkt)-len(payload):]...) // with its checksum
			b, err := packet.FromBytes(pkt)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Free()
			if err := Output(p.out, b, nil); err != nil {
				t.Fatal(err)
			}
			w := b.Bytes()
			checkBEETOuter(t, w, tc.ofam, tc.ifam)
			hlen := 20
			if tc.ofam == 6 {
				hlen = 40
			}
			esp := w[hlen+8:] // cipher_null: no IV, plaintext payload
			if tc.optlen > 0 {
				phlen := 8 - tc.optlen&4
				want := []byte{17, byte(tc.optlen / 8), byte(phlen - 4), 0}
				if !bytes.Equal(esp[:4], want) {
					t.Fatalf("pseudo header %x, want %x", esp[:4], want)
				}
				for _, c := range esp[4:phlen] {
					if c != 1 {
						t.Fatalf("pseudo header padding %x", esp[4:phlen])
					}
				}
				if !bytes.Equal(esp[phlen:phlen+tc.optlen], ipOptions(tc.optlen)) {
					t.Fatalf("options %x", esp[phlen:phlen+tc.optlen])
				}
				esp = esp[phlen+tc.optlen:]
			}
			if !bytes.Equal(esp[:len(l4)], l4) {
				t.Fatalf("payload %x, want %x", esp[:len(l4)], l4)
			}
			if err := Input(p.in, b); err != nil {
				t.Fatalf("Input: %v", err)
			}
			want := append([]byte(nil), pkt...)
			switch {
			case tc.ifam == 4 && tc.ofam == 6:
				// An IPv6 outer header has no ID and means DF.
				want = build.IPv4(build.IPv4Opts{Src: h4, Dst: k4, Proto: 17, TOS: 0x28, TTL: 9, DF: true, Options: ipOptions(tc.optlen)}, payload)
			case tc.ifam == 6 && tc.ofam == 4:
				// An IPv4 outer header has no flow label.
				want = build.IPv6(build.IPv6Opts{Src: h6, Dst: k6, NextHeader: 17, TrafficClass: 0x28, HopLimit: 9}, payload)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Fatalf("rebuilt\n got %x\nwant %x", b.Bytes(), want)
			}
			if b.Protocol != map[int]uint16{4: 0x0800, 6: 0x86DD}[tc.ifam] {
				t.Errorf("Protocol %#x", b.Protocol)
			}
		})
	}
}

// checkBEETOuter checks BEET's outer header: the SA's family and
// addresses, ESP as protocol, the inner TOS and TTL.
func checkBEETOuter(t *testing.T, w []byte, ofam, ifam int) {
	t.Helper()
	if int(w[0]>>4) != ofam {
		t.Fatalf("outer version %d", w[0]>>4)
	}
	if ofam == 4 {
		ip := header.IPv4(w)
		if ip.HeaderLength() != 20 || ip.Protocol() != 50 || ip.Source() != a4 || ip.Destination() != b4 ||
			ip.TOS() != 0x28 || ip.TTL() != 9 || int(ip.TotalLength()) != len(w) || !ip.IsChecksumValid() {
			t.Fatalf("outer IPv4 header %x", w[:20])
		}
		wantID, wantFrag := uint16(0x4242), uint16(0)
		if ifam == 6 {
			wantID, wantFrag = 0, header.IPv4FlagDF
		}
		if ip.ID() != wantID || ip.FlagsFragOff() != wantFrag {
			t.Errorf("outer ID %#x frag %#x, want %#x %#x", ip.ID(), ip.FlagsFragOff(), wantID, wantFrag)
		}
		return
	}
	ip := header.IPv6(w)
	if ip.NextHeader() != 50 || ip.Source() != a6 || ip.Destination() != b6 || ip.TrafficClass() != 0x28 ||
		ip.HopLimit() != 9 || int(ip.PayloadLength())+40 != len(w) {
		t.Fatalf("outer IPv6 header %x", w[:40])
	}
	wantFL := uint32(0)
	if ifam == 6 {
		wantFL = 0x12345
	}
	if ip.FlowLabel() != wantFL || binary.BigEndian.Uint32(w)>>28 != 6 {
		t.Errorf("outer flow label %#x, want %#x", ip.FlowLabel(), wantFL)
	}
}

// TestBEETRoundTripCrossFamily runs every cipher suite through
// cross-family BEET.
func TestBEETRoundTripCrossFamily(t *testing.T) {
	packettest.CheckBalance(t)
	for _, s := range suites {
		for _, fams := range [][2]int{{4, 6}, {6, 4}} {
			t.Run(fmt.Sprintf("%s/%din%d", s.name, fams[0], fams[1]), func(t *testing.T) {
				p := mkPair(t, s, xfrm.ModeBEET, fams[1], func(c *xfrm.Config) { c.Selector = beetSelector(fams[0]) })
				pkt := innerPacket(fams[0], 333, 0)
				if fams[0] == 6 {
					// The flow label does not cross an IPv4 outer header.
					pkt = build.IPv6(build.IPv6Opts{Src: h6, Dst: k6, NextHeader: 17}, build.UDP(1000, 2000, make([]byte, 333)))
				}
				roundTrip(t, p, pkt)
			})
		}
	}
}

// TestBEETWrongFamily: a packet of another family than the SA's selector
// is XfrmOutStateModeError.
func TestBEETWrongFamily(t *testing.T) {
	packettest.CheckBalance(t)
	p := mkPair(t, suites[0], xfrm.ModeBEET, 6, func(c *xfrm.Config) { c.Selector = beetSelector(4) })
	b, _ := packet.FromBytes(build.IPv6(build.IPv6Opts{Src: h6, Dst: k6, NextHeader: 17}, build.UDP(1, 2, nil)))
	defer b.Free()
	if err := Output(p.out, b, nil); err != xfrm.DropFor(xfrm.OutStateModeError) {
		t.Fatalf("IPv6 packet on an IPv4-selector SA: %v", err)
	}
	if n := p.out.MIB().Get(xfrm.OutStateModeError); n != 1 {
		t.Errorf("XfrmOutStateModeError = %d", n)
	}
}

// TestBEETAllocs: cross-family BEET seal and open, with IPv4 options
// behind the pseudo header, allocate nothing.
func TestBEETAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	p := mkPair(t, suites[0], xfrm.ModeBEET, 6, func(c *xfrm.Config) {
		c.ReplayWindow = 0
		c.Selector = beetSelector(4)
	})
	pkt := build.IPv4(build.IPv4Opts{Src: h4, Dst: k4, Proto: 17, DF: true, Options: ipOptions(8)}, build.UDP(1, 2, make([]byte, 1000)))
	b, _ := packet.New(packet.DefaultHeadroom, 2000)
	defer b.Free()
	n := testing.AllocsPerRun(100, func() {
		b.Trim(0)
		b.Reserve(packet.DefaultHeadroom, 1600)
		copy(b.Put(len(pkt)), pkt)
		if err := Output(p.out, b, nil); err != nil {
			t.Fatal(err)
		}
		if err := Input(p.in, b); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("%v allocs per seal+open", n)
	}
}
