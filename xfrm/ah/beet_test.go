package ah

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
)

// TestBEETCrossFamily: AH in BEET mode with the inner family other than
// the SA's (and IPv4 options behind the pseudo header): AH follows the
// outer header directly, names the inner protocol (or 94), the ICV
// covers the outer header, and Input rebuilds the inner packet from the
// selector with the outer header's TOS and TTL.
func TestBEETCrossFamily(t *testing.T) {
	packettest.CheckBalance(t)
	opts := []byte{148, 4, 0, 0, 148, 4, 0, 0}
	for _, tc := range []struct {
		ifam, ofam int
		opts       []byte
	}{{4, 6, nil}, {4, 6, opts}, {6, 4, nil}, {4, 4, opts}} {
		t.Run(fmt.Sprintf("%din%d/opts=%d", tc.ifam, tc.ofam, len(tc.opts)), func(t *testing.T) {
			mk := func() *xfrm.State {
				x := mkState(t, "hmac(sha256)", 32, xfrm.ModeBEET, tc.ofam, 0)
				c := *x.Cfg()
				c.Selector = xfrm.Selector{Family: 6, Saddr: netip.MustParsePrefix("fd00::1/128"), Daddr: netip.MustParsePrefix("fd00::2/128")}
				if tc.ifam == 4 {
					c.Selector = xfrm.Selector{Family: 4, Saddr: netip.MustParsePrefix("203.0.113.1/32"), Daddr: netip.MustParsePrefix("203.0.113.2/32")}
				}
				y, err := xfrm.NewState(c, xfrm.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return y
			}
			out, in := mk(), mk()
			var pkt []byte
			if tc.ifam == 4 {
				pkt = build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("203.0.113.1"), Dst: netip.MustParseAddr("203.0.113.2"),
					Proto: 17, TTL: 9, TOS: 0x10, DF: true, Options: tc.opts}, build.UDP(1, 2, []byte("beet")))
			} else {
				pkt = build.IPv6(build.IPv6Opts{Src: netip.MustParseAddr("fd00::1"), Dst: netip.MustParseAddr("fd00::2"),
					NextHeader: 17, HopLimit: 9, TrafficClass: 0x10}, build.UDP(1, 2, []byte("beet")))
			}
			b, _ := packet.FromBytes(pkt)
			defer b.Free()
			if err := Output(out, b, nil); err != nil {
				t.Fatal(err)
			}
			w := b.Bytes()
			hlen, nh := 20, w[9]
			if tc.ofam == 6 {
				hlen, nh = 40, w[6]
			}
			if int(w[0]>>4) != tc.ofam || nh != 51 {
				t.Fatalf("outer header %x", w[:hlen])
			}
			wantNH := uint8(17)
			if tc.opts != nil {
				wantNH = 94
			}
			if ah := header.AH(w[hlen:]); ah.NextHeader() != wantNH || ah.HeaderLength() != HeaderLen(out, tc.ofam) {
				t.Fatalf("AH next header %d length %d", ah.NextHeader(), ah.HeaderLength())
			}
			if err := Input(in, b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), pkt) {
				t.Fatalf("rebuilt\n got %x\nwant %x", b.Bytes(), pkt)
			}
		})
	}
}
