package esp

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/internal/mode"
)

// TestPushOuter4MatchesMode: the SA's precomputed IPv4 outer header is
// byte for byte mode.PushOuter's, for every combination of inner TOS/DF
// and the noecn, nopmtudisc and dont-encap-dscp flags.
func TestPushOuter4MatchesMode(t *testing.T) {
	packettest.CheckBalance(t)
	type flags struct {
		noecn, nopmtu, nodscp bool
		encap                 bool
	}
	for _, f := range []flags{{}, {noecn: true}, {nopmtu: true}, {nodscp: true}, {true, true, true, false}, {encap: true}} {
		for _, tos := range []uint8{0, 1, 2, 3, 0xb8, 0xbb, 0xfd} {
			for _, df := range []bool{false, true} {
				t.Run(fmt.Sprintf("%+v/tos%#x/df%v", f, tos, df), func(t *testing.T) {
					p := mkPair(t, suites[0], xfrm.ModeTunnel, 4, func(c *xfrm.Config) {
						if f.noecn {
							c.Flags |= xfrm.FlagNoECN
						}
						if f.nopmtu {
							c.Flags |= xfrm.FlagNoPMTUDisc
						}
						if f.nodscp {
							c.ExtraFlags |= xfrm.ExtraDontEncapDSCP
						}
						if f.encap {
							c.Encap = &xfrm.Encap{Type: xfrm.EncapESPInUDP, Sport: 4500, Dport: 4500}
						}
					})
					sa := saOf(p.out)
					in := mode.Inner{TOS: tos, DF: df, Proto: mode.ProtoIPIP}
					a, _ := packet.New(64, 100)
					b, _ := packet.New(64, 100)
					defer a.Free()
					defer b.Free()
					a.Put(100)
					b.Put(100)
					sa.pushOuter4(p.out, a, in, 33)
					mode.PushOuter(p.out, b, in, sa.proto, 33)
					ga, gb := a.Bytes()[:20], b.Bytes()[:20]
					if !df || f.nopmtu { // IDs come from one counter: a got n, b got n+1
						gb[4], gb[5] = ga[4], ga[5]
						gb[10], gb[11] = 0, 0
						ga2 := append([]byte(nil), ga...)
						ga2[10], ga2[11] = 0, 0
						if !bytes.Equal(ga2, gb) {
							t.Fatalf("pushOuter4 %x\nmode       %x", ga, gb)
						}
						return
					}
					if !bytes.Equal(ga, gb) {
						t.Fatalf("pushOuter4 %x\nmode       %x", ga, gb)
					}
				})
			}
		}
	}
}

// TestPrepareSealOutOfOrder: packets prepared in order and sealed in the
// reverse order (as a crypto engine's workers may) are the packets Output
// makes, for every algorithm, tunnel and transport, with and without ESN
// and NAT-T, over IPv4 and IPv6; and they open in order on the peer.
func TestPrepareSealOutOfOrder(t *testing.T) {
	packettest.CheckBalance(t)
	for _, s := range suites {
		for _, m := range []xfrm.Mode{xfrm.ModeTunnel, xfrm.ModeTransport} {
			for _, fam := range []int{4, 6} {
				for _, variant := range []string{"plain", "esn", "natt"} {
					t.Run(fmt.Sprintf("%s/%v/v%d/%s", s.name, m, fam, variant), func(t *testing.T) {
						mut := func(c *xfrm.Config) {
							switch variant {
							case "esn":
								c.Flags |= xfrm.FlagESN
								c.Replay.OSeq, c.Replay.OSeqHi = 0xfffffffe, 4
								c.Replay.Seq, c.Replay.SeqHi = 0xfffffff0, 4
							case "natt":
								c.Encap = &xfrm.Encap{Type: xfrm.EncapESPInUDP, Sport: 4500, Dport: 4500}
							}
						}
						ref := mkPair(t, s, m, fam, mut)
						split := mkPair(t, s, m, fam, mut)
						const n = 4
						var bufs [n]*packet.Buffer
						var seals [n]Sealing
						for i := range n {
							pkt := innerPacket(fam, 40+i*17, 0)
							var err error
							bufs[i], err = packet.FromBytes(pkt)
							if err != nil {
								t.Fatal(err)
							}
							if seals[i], err = Prepare(split.out, bufs[i], nil); err != nil {
								t.Fatal(err)
							}
						}
						for i := n - 1; i >= 0; i-- {
							Seal(split.out, bufs[i], seals[i])
						}
						for i := range n {
							want, _ := packet.FromBytes(innerPacket(fam, 40+i*17, 0))
							if err := Output(ref.out, want, nil); err != nil {
								t.Fatal(err)
							}
							if !bytes.Equal(bufs[i].Bytes(), want.Bytes()) {
								t.Fatalf("packet %d (seq %d): split\n%x\nOutput\n%x", i, seals[i].Seq, bufs[i].Bytes(), want.Bytes())
							}
							want.Free()
							if err := Input(split.in, bufs[i]); err != nil {
								t.Fatalf("packet %d does not open: %v", i, err)
							}
							bufs[i].Free()
						}
					})
				}
			}
		}
	}
}

// TestPrepareSealAllocs: the two halves allocate nothing.
func TestPrepareSealAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	p := mkPair(t, suites[0], xfrm.ModeTunnel, 4, func(c *xfrm.Config) { c.ExtraFlags = xfrm.ExtraOSeqMayWrap })
	pkt := innerPacket(4, 1372, 0)
	buf, _ := packet.New(packet.DefaultHeadroom, 2048)
	defer buf.Free()
	n := testing.AllocsPerRun(100, func() {
		buf.Trim(0)
		buf.Reserve(packet.DefaultHeadroom, 1700)
		copy(buf.Put(len(pkt)), pkt)
		s, err := Prepare(p.out, buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		Seal(p.out, buf, s)
	})
	if n != 0 {
		t.Fatalf("%.1f allocs per packet", n)
	}
}
