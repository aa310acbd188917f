package esp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
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
	h4 = netip.MustParseAddr("10.0.0.1")
	k4 = netip.MustParseAddr("10.0.0.2")
	h6 = netip.MustParseAddr("fd00::1")
	k6 = netip.MustParseAddr("fd00::2")
)

func key(n int) []byte {
	k := make([]byte, n)
	for i := range k {
		k[i] = byte(i*7 + 1)
	}
	return k
}

type suite struct {
	name  string
	apply func(c *xfrm.Config)
}

var suites = []suite{
	{"gcm128", func(c *xfrm.Config) { c.AEAD = &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: key(20), ICVBits: 128} }},
	{"gcm256-96", func(c *xfrm.Config) { c.AEAD = &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: key(36), ICVBits: 96} }},
	{"gcm128-64", func(c *xfrm.Config) { c.AEAD = &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: key(20), ICVBits: 64} }},
	{"gmac", func(c *xfrm.Config) { c.AEAD = &xfrm.AEADSpec{Name: "rfc4543(gcm(aes))", Key: key(20), ICVBits: 128} }},
	{"ccm", func(c *xfrm.Config) { c.AEAD = &xfrm.AEADSpec{Name: "rfc4309(ccm(aes))", Key: key(19), ICVBits: 96} }},
	{"chacha", func(c *xfrm.Config) {
		c.AEAD = &xfrm.AEADSpec{Name: "rfc7539esp(chacha20,poly1305)", Key: key(36), ICVBits: 128}
	}},
	{"cbc-sha256", func(c *xfrm.Config) {
		c.Crypt = &xfrm.AlgSpec{Name: "cbc(aes)", Key: key(16)}
		c.Auth = &xfrm.AuthSpec{Name: "hmac(sha256)", Key: key(32), Trunc: true, TruncBits: 128}
	}},
	{"cbc-sha1-legacy", func(c *xfrm.Config) {
		c.Crypt = &xfrm.AlgSpec{Name: "aes", Key: key(32)}
		c.Auth = &xfrm.AuthSpec{Name: "sha1", Key: key(20)}
	}},
	{"ctr-xcbc", func(c *xfrm.Config) {
		c.Crypt = &xfrm.AlgSpec{Name: "rfc3686(ctr(aes))", Key: key(20)}
		c.Auth = &xfrm.AuthSpec{Name: "xcbc(aes)", Key: key(16)}
	}},
	{"3des-md5", func(c *xfrm.Config) {
		c.Crypt = &xfrm.AlgSpec{Name: "cbc(des3_ede)", Key: key(24)}
		c.Auth = &xfrm.AuthSpec{Name: "hmac(md5)", Key: key(16)}
	}},
	{"null-sha512", func(c *xfrm.Config) {
		c.Crypt = &xfrm.AlgSpec{Name: "cipher_null"}
		c.Auth = &xfrm.AuthSpec{Name: "hmac(sha512)", Key: key(64)}
	}},
	{"cbc-cmac", func(c *xfrm.Config) {
		c.Crypt = &xfrm.AlgSpec{Name: "cbc(aes)", Key: key(24)}
		c.Auth = &xfrm.AuthSpec{Name: "cmac(aes)", Key: key(16)}
	}},
}

type pair struct{ out, in *xfrm.State }

// mkPair builds matching output and input SAs.
func mkPair(t testing.TB, s suite, mode xfrm.Mode, fam int, mut func(c *xfrm.Config)) pair {
	t.Helper()
	c := xfrm.Config{Mode: mode, Family: fam, ReplayWindow: 32}
	c.ID = xfrm.ID{Daddr: b4, SPI: 0x1000, Proto: xfrm.ProtoESP}
	c.Saddr = a4
	if fam == 6 {
		c.ID.Daddr, c.Saddr = b6, a6
	}
	s.apply(&c)
	if mut != nil {
		mut(&c)
	}
	salt := uint64(0)
	out, err := xfrm.NewState(c, xfrm.Options{IVSalt: &salt})
	if err != nil {
		t.Fatalf("%s: out state: %v", s.name, err)
	}
	in, err := xfrm.NewState(c, xfrm.Options{IVSalt: &salt})
	if err != nil {
		t.Fatalf("in state: %v", err)
	}
	return pair{out, in}
}

func innerPacket(fam int, n int, tos uint8) []byte {
	payload := make([]byte, n)
	for i := range payload {
		payload[i] = byte(i)
	}
	if fam == 4 {
		return build.IPv4(build.IPv4Opts{Src: h4, Dst: k4, Proto: 17, TOS: tos, DF: true}, build.UDP(1000, 2000, payload))
	}
	return build.IPv6(build.IPv6Opts{Src: h6, Dst: k6, NextHeader: 17, TrafficClass: tos, FlowLabel: 0x12345}, build.UDP(1000, 2000, payload))
}

func roundTrip(t *testing.T, p pair, pkt []byte) []byte {
	t.Helper()
	b, err := packet.FromBytes(pkt)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free()
	if err := Output(p.out, b, nil); err != nil {
		t.Fatalf("Output: %v", err)
	}
	wire := append([]byte(nil), b.Bytes()...)
	if err := Input(p.in, b); err != nil {
		t.Fatalf("Input: %v (wire %x)", err, wire)
	}
	if !bytes.Equal(b.Bytes(), pkt) {
		t.Fatalf("round trip differs:\n got %x\nwant %x", b.Bytes(), pkt)
	}
	return wire
}

func TestRoundTrip(t *testing.T) {
	packettest.CheckBalance(t)
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range suites {
		for _, mode := range []xfrm.Mode{xfrm.ModeTunnel, xfrm.ModeTransport, xfrm.ModeBEET} {
			for _, fam := range []int{4, 6} {
				for _, ifam := range []int{4, 6} {
					if mode != xfrm.ModeTunnel && ifam != fam {
						continue
					}
					for _, esn := range []bool{false, true} {
						name := fmt.Sprintf("%s/%s/%d-in-%d/esn=%v", s.name, mode, ifam, fam, esn)
						t.Run(name, func(t *testing.T) {
							p := mkPair(t, s, mode, fam, func(c *xfrm.Config) {
								if esn {
									c.Flags |= xfrm.FlagESN
									c.Replay.OSeq = 0xfffffffe
									c.Replay.Seq = 0xfffffff0
								}
								if mode == xfrm.ModeBEET {
									if fam == 4 {
										c.Selector = xfrm.Selector{Family: 4, Saddr: netip.PrefixFrom(h4, 32), Daddr: netip.PrefixFrom(k4, 32)}
									} else {
										c.Selector = xfrm.Selector{Family: 6, Saddr: netip.PrefixFrom(h6, 128), Daddr: netip.PrefixFrom(k6, 128)}
									}
								}
							})
							for i := 0; i < 5; i++ {
								pkt := innerPacket(ifam, r.IntN(1400), 0)
								roundTrip(t, p, pkt)
							}
						})
					}
				}
			}
		}
	}
}

func TestReplayedDropped(t *testing.T) {
	packettest.CheckBalance(t)
	p := mkPair(t, suites[0], xfrm.ModeTunnel, 4, nil)
	pkt := innerPacket(4, 100, 0)
	b, _ := packet.FromBytes(pkt)
	defer b.Free()
	if err := Output(p.out, b, nil); err != nil {
		t.Fatal(err)
	}
	wire := append([]byte(nil), b.Bytes()...)
	if err := Input(p.in, b); err != nil {
		t.Fatal(err)
	}
	b2, _ := packet.FromBytes(wire)
	defer b2.Free()
	if err := Input(p.in, b2); err != xfrm.DropFor(xfrm.InStateSeqError) {
		t.Fatalf("replay: got %v", err)
	}
	if n := p.in.MIB().Get(xfrm.InStateSeqError); n != 1 {
		t.Fatalf("XfrmInStateSeqError = %d", n)
	}
	// Corrupt: integrity failure.
	b3, _ := packet.FromBytes(innerPacket(4, 100, 0))
	defer b3.Free()
	_ = Output(p.out, b3, nil)
	b3.Bytes()[len(b3.Bytes())-1] ^= 1
	if err := Input(p.in, b3); err != xfrm.DropFor(xfrm.InStateProtoError) {
		t.Fatalf("corrupt: got %v", err)
	}
	if r := p.in.ReplaySnapshot(); r.IntegrityFailed != 1 || r.ReplayErrs != 1 {
		t.Fatalf("stats %+v", r)
	}
}

func TestAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	for _, s := range suites {
		p := mkPair(t, s, xfrm.ModeTunnel, 4, func(c *xfrm.Config) { c.ReplayWindow = 0 })
		pkt := innerPacket(4, 1000, 0)
		b, _ := packet.New(packet.DefaultHeadroom, 2000)
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
		b.Free()
		if n != 0 {
			t.Errorf("%s: %v allocs per seal+open", s.name, n)
		}
	}
}
