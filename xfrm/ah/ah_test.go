package ah

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
)

var (
	a4 = netip.MustParseAddr("192.0.2.1")
	b4 = netip.MustParseAddr("192.0.2.2")
	a6 = netip.MustParseAddr("2001:db8::1")
	b6 = netip.MustParseAddr("2001:db8::2")
)

func mkState(t testing.TB, alg string, keyLen int, mode xfrm.Mode, fam int, flags xfrm.Flags) *xfrm.State {
	t.Helper()
	c := xfrm.Config{ID: xfrm.ID{Daddr: b4, SPI: 0x2000, Proto: xfrm.ProtoAH}, Saddr: a4, Family: fam, Mode: mode,
		ReplayWindow: 64, Flags: flags, Auth: &xfrm.AuthSpec{Name: alg, Key: bytes.Repeat([]byte{7}, keyLen)}}
	if fam == 6 {
		c.ID.Daddr, c.Saddr = b6, a6
	}
	if flags&xfrm.FlagESN != 0 {
		c.Replay = xfrm.ReplayState{OSeq: 0xffffffff, Seq: 0xffffff00}
	}
	if mode == xfrm.ModeBEET {
		if fam == 4 {
			c.Selector = xfrm.Selector{Family: 4, Saddr: netip.MustParsePrefix("10.0.0.1/32"), Daddr: netip.MustParsePrefix("10.0.0.2/32")}
		} else {
			c.Selector = xfrm.Selector{Family: 6, Saddr: netip.MustParsePrefix("fd00::1/128"), Daddr: netip.MustParsePrefix("fd00::2/128")}
		}
	}
	x, err := xfrm.NewState(c, xfrm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func inner(fam int, n int, opts []byte) []byte {
	p := make([]byte, n)
	if fam == 4 {
		return build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), Proto: 17, TTL: 9, TOS: 0x10, Options: opts}, build.UDP(1, 2, p))
	}
	return build.IPv6(build.IPv6Opts{Src: netip.MustParseAddr("fd00::1"), Dst: netip.MustParseAddr("fd00::2"), NextHeader: 17}, build.UDP(1, 2, p))
}

func TestRoundTrip(t *testing.T) {
	packettest.CheckBalance(t)
	for _, alg := range []struct {
		name string
		key  int
	}{{"hmac(sha1)", 20}, {"hmac(sha256)", 32}, {"hmac(sha512)", 64}, {"xcbc(aes)", 16}, {"hmac(md5)", 16}} {
		for _, mode := range []xfrm.Mode{xfrm.ModeTransport, xfrm.ModeTunnel, xfrm.ModeBEET} {
			for _, fam := range []int{4, 6} {
				for _, flags := range []xfrm.Flags{0, xfrm.FlagESN | xfrm.FlagAlign4} {
					t.Run(fmt.Sprintf("%s/%s/%d/%d", alg.name, mode, fam, flags), func(t *testing.T) {
						out := mkState(t, alg.name, alg.key, mode, fam, flags)
						in := mkState(t, alg.name, alg.key, mode, fam, flags)
						for _, n := range []int{0, 1, 100, 1400} {
							pkt := inner(fam, n, nil)
							if fam == 4 && mode == xfrm.ModeTransport {
								pkt = inner(fam, n, []byte{148, 4, 0, 0, 7, 3, 4, 0}) // router alert + record route
							}
							b, _ := packet.FromBytes(pkt)
							if err := Output(out, b, nil); err != nil {
								t.Fatal(err)
							}
							// A router changes the mutable fields: still valid.
							if fam == 4 {
								w := b.Bytes()
								w[8]--
								w[1] = 0xff
							}
							if err := Input(in, b); err != nil {
								t.Fatalf("len %d: %v", n, err)
							}
							got := b.Bytes()
							if fam == 4 {
								got[8]++
								got[1] = 0x10
								// checksum now stale after our edits: compare without it
								got[10], got[11] = pkt[10], pkt[11]
								if mode == xfrm.ModeTransport {
									got[6], got[7] = pkt[6], pkt[7]
								}
							}
							if mode == xfrm.ModeTunnel && fam == 4 {
								got = b.Bytes()
								if !bytes.Equal(got[20:], pkt[20:]) {
									t.Fatalf("payload differs")
								}
							} else if !bytes.Equal(got, pkt) {
								t.Fatalf("round trip:\n got %x\nwant %x", got, pkt)
							}
							b.Free()
						}
					})
				}
			}
		}
	}
}

func TestTamper(t *testing.T) {
	packettest.CheckBalance(t)
	out := mkState(t, "hmac(sha256)", 32, xfrm.ModeTransport, 4, 0)
	in := mkState(t, "hmac(sha256)", 32, xfrm.ModeTransport, 4, 0)
	b, _ := packet.FromBytes(inner(4, 50, nil))
	defer b.Free()
	_ = Output(out, b, nil)
	b.Bytes()[12] ^= 1 // source address is immutable
	if err := Input(in, b); err != xfrm.DropFor(xfrm.InStateProtoError) {
		t.Fatalf("got %v", err)
	}
	if in.ReplaySnapshot().IntegrityFailed != 1 {
		t.Fatal("integrity_failed not counted")
	}
}

func TestAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	out := mkState(t, "hmac(sha256)", 32, xfrm.ModeTunnel, 4, xfrm.FlagESN)
	in := mkState(t, "hmac(sha256)", 32, xfrm.ModeTunnel, 4, xfrm.FlagESN)
	pkt := inner(4, 1000, nil)
	b, _ := packet.New(packet.DefaultHeadroom, 2000)
	defer b.Free()
	n := testing.AllocsPerRun(100, func() {
		b.Trim(0)
		b.Reserve(packet.DefaultHeadroom, 1600)
		copy(b.Put(len(pkt)), pkt)
		if err := Output(out, b, nil); err != nil {
			t.Fatal(err)
		}
		if err := Input(in, b); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

func FuzzInput(f *testing.F) {
	out := mkState(f, "hmac(sha256)", 32, xfrm.ModeTunnel, 4, 0)
	b, _ := packet.FromBytes(inner(4, 40, nil))
	_ = Output(out, b, nil)
	f.Add(append([]byte(nil), b.Bytes()...))
	b.Free()
	f.Add([]byte{0x45, 0, 0, 20})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := mkState(t, "hmac(sha256)", 32, xfrm.ModeTunnel, 4, 0)
		packettest.InputNoLeak(t, data, func(b *packet.Buffer) { _ = Input(in, b) })
	})
}
