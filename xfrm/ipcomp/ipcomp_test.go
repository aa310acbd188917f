package ipcomp

import (
	"bytes"
	"fmt"
	"net/netip"
	"syscall"
	"testing"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
)

func mkState(t testing.TB, mode xfrm.Mode, fam int) *xfrm.State {
	t.Helper()
	c := xfrm.Config{ID: xfrm.ID{Daddr: netip.MustParseAddr("192.0.2.2"), SPI: 0x4242, Proto: xfrm.ProtoComp},
		Saddr: netip.MustParseAddr("192.0.2.1"), Family: fam, Mode: mode, Comp: &xfrm.AlgSpec{Name: "deflate"}}
	if fam == 6 {
		c.ID.Daddr, c.Saddr = netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("2001:db8::1")
	}
	x, err := xfrm.NewState(c, xfrm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func inner(fam, n int, compressible bool) []byte {
	p := make([]byte, n)
	for i := range p {
		if compressible {
			p[i] = byte(i % 7)
		} else {
			p[i] = byte(i*131 + i*i*17 + i>>3)
		}
	}
	if fam == 4 {
		return build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("203.0.113.1"), Dst: netip.MustParseAddr("203.0.113.2"), Proto: 17}, build.UDP(1, 2, p))
	}
	return build.IPv6(build.IPv6Opts{Src: netip.MustParseAddr("fd00::1"), Dst: netip.MustParseAddr("fd00::2"), NextHeader: 17}, build.UDP(1, 2, p))
}

func TestRoundTrip(t *testing.T) {
	packettest.CheckBalance(t)
	for _, mode := range []xfrm.Mode{xfrm.ModeTransport, xfrm.ModeTunnel} {
		for _, fam := range []int{4, 6} {
			t.Run(fmt.Sprintf("%s/%d", mode, fam), func(t *testing.T) {
				out, in := mkState(t, mode, fam), mkState(t, mode, fam)
				for _, n := range []int{200, 1000, 8000} {
					pkt := inner(fam, n, true)
					b, _ := packet.FromBytes(pkt)
					if err := Output(out, b, nil); err != nil {
						t.Fatal(err)
					}
					olen := 0
					if mode == xfrm.ModeTunnel {
						olen = 20
						if fam == 6 {
							olen = 40
						}
					}
					if b.Len() >= len(pkt)+olen {
						t.Fatalf("not compressed: %d >= %d", b.Len(), len(pkt))
					}
					if err := Input(in, b); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(b.Bytes(), pkt) {
						t.Fatalf("round trip differs")
					}
					b.Free()
				}
			})
		}
	}
}

func TestThresholdAndIncompressible(t *testing.T) {
	packettest.CheckBalance(t)
	out := mkState(t, xfrm.ModeTransport, 4)
	// Under 90 bytes of payload: sent as is.
	small := inner(4, 40, true) // 48-byte payload
	b, _ := packet.FromBytes(small)
	_ = Output(out, b, nil)
	if !bytes.Equal(b.Bytes(), small) {
		t.Fatal("small packet changed")
	}
	b.Free()
	rnd := inner(4, 500, false)
	b, _ = packet.FromBytes(rnd)
	_ = Output(out, b, nil)
	if b.Bytes()[9] != 17 {
		t.Fatalf("incompressible packet was compressed (proto %d)", b.Bytes()[9])
	}
	b.Free()
}

func TestAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	out, in := mkState(t, xfrm.ModeTunnel, 4), mkState(t, xfrm.ModeTunnel, 4)
	pkt := inner(4, 1000, true)
	b, _ := packet.New(packet.DefaultHeadroom, 2000)
	defer b.Free()
	run := func() {
		b.Trim(0)
		b.Reserve(packet.DefaultHeadroom, 1600)
		copy(b.Put(len(pkt)), pkt)
		if err := Output(out, b, nil); err != nil {
			t.Fatal(err)
		}
		if err := Input(in, b); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if n := testing.AllocsPerRun(50, run); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

func FuzzInput(f *testing.F) {
	out := mkState(f, xfrm.ModeTunnel, 4)
	b, _ := packet.FromBytes(inner(4, 300, true))
	_ = Output(out, b, nil)
	f.Add(append([]byte(nil), b.Bytes()...))
	b.Free()
	f.Add([]byte{0x45, 0, 0, 24, 0, 0, 0, 0, 64, 108, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2, 4, 0, 0x42, 0x42})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := mkState(t, xfrm.ModeTunnel, 4)
		packettest.InputNoLeak(t, data, func(b *packet.Buffer) { _ = Input(in, b) })
	})
}

// TestBEETUnsupported: Linux's ipcomp4_init_state and ipcomp6_init_state
// accept transport and tunnel mode only, so an IPComp SA in BEET mode is
// refused (and no IPComp packet ever takes BEET's header shuffle).
func TestBEETUnsupported(t *testing.T) {
	for _, fam := range []int{4, 6} {
		c := xfrm.Config{ID: xfrm.ID{Daddr: netip.MustParseAddr("192.0.2.2"), SPI: 0x4242, Proto: xfrm.ProtoComp},
			Saddr: netip.MustParseAddr("192.0.2.1"), Family: fam, Mode: xfrm.ModeBEET, Comp: &xfrm.AlgSpec{Name: "deflate"},
			Selector: xfrm.Selector{Family: 4, Saddr: netip.MustParsePrefix("203.0.113.1/32"), Daddr: netip.MustParsePrefix("203.0.113.2/32")}}
		if fam == 6 {
			c.ID.Daddr, c.Saddr = netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("2001:db8::1")
		}
		_, err := xfrm.NewState(c, xfrm.Options{})
		if extack.ErrnoOf(err) != syscall.EINVAL || extack.MessageOf(err) != "Unsupported XFRM mode for IPcomp" {
			t.Errorf("family %d: %v, want EINVAL \"Unsupported XFRM mode for IPcomp\"", fam, err)
		}
	}
}
