package esp

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
)

func TestNATTAndReceive(t *testing.T) {
	packettest.CheckBalance(t)
	for _, typ := range []xfrm.EncapType{xfrm.EncapESPInUDP, xfrm.EncapESPInUDPNonIKE} {
		for _, fam := range []int{4, 6} {
			p := mkPair(t, suites[0], xfrm.ModeTransport, fam, func(c *xfrm.Config) {
				c.Encap = &xfrm.Encap{Type: typ, Sport: 4500, Dport: 4500}
				c.ID.Daddr, c.Saddr = k4, h4 // transport: the packet's own addresses
				if fam == 6 {
					c.ID.Daddr, c.Saddr = k6, h6
				}
			})
			sad := xfrm.NewSAD(nil, nil, nil)
			if err := sad.Add(p.in); err != nil {
				t.Fatal(err)
			}
			pkt := innerPacket(fam, 100, 0)
			b, _ := packet.FromBytes(pkt)
			if err := Output(p.out, b, nil); err != nil {
				t.Fatal(err)
			}
			w := b.Bytes()
			hl := 20
			if fam == 6 {
				hl = 40
			}
			u := header.UDP(w[hl:])
			if u.DestinationPort() != 4500 || int(u.Length()) != len(w)-hl {
				t.Fatalf("udp %x", w[hl:hl+8])
			}
			if fam == 4 && u.Checksum() != 0 {
				t.Fatal("IPv4 NAT-T checksum must be zero")
			}
			if fam == 6 && !u.IsChecksumValid(w[8:24], w[24:40]) {
				t.Fatal("IPv6 NAT-T checksum invalid")
			}
			if typ == xfrm.EncapESPInUDPNonIKE && binary.BigEndian.Uint64(w[hl+8:]) != 0 {
				t.Fatal("non-IKE marker missing")
			}
			x, err := Receive(sad, b)
			if err != nil || x != p.in {
				t.Fatalf("receive %v/%d: %v (%x)", typ, fam, err, b.Bytes()[:60])
			}
			if !bytes.Equal(b.Bytes(), pkt) {
				t.Fatalf("differs")
			}
			b.Free()
		}
	}
}

func TestEncapMismatchAndNoState(t *testing.T) {
	packettest.CheckBalance(t)
	p := mkPair(t, suites[0], xfrm.ModeTunnel, 4, nil)
	withEncap := mkPair(t, suites[0], xfrm.ModeTunnel, 4, func(c *xfrm.Config) {
		c.Encap = &xfrm.Encap{Type: xfrm.EncapESPInUDP, Sport: 4500, Dport: 4500}
	})
	b, _ := packet.FromBytes(innerPacket(4, 60, 0))
	defer b.Free()
	_ = Output(p.out, b, nil)
	wire := append([]byte(nil), b.Bytes()...)
	if err := Input(withEncap.in, b); err != xfrm.DropFor(xfrm.InStateMismatch) {
		t.Fatalf("got %v", err)
	}
	sad := xfrm.NewSAD(nil, nil, nil)
	b2, _ := packet.FromBytes(wire)
	defer b2.Free()
	if _, err := Receive(sad, b2); err != xfrm.DropFor(xfrm.InNoStates) || sad.MIB().Get(xfrm.InNoStates) != 1 {
		t.Fatalf("got %v", err)
	}
}

func TestOuterHeaderRules(t *testing.T) {
	packettest.CheckBalance(t)
	for _, tc := range []struct {
		name     string
		flags    xfrm.Flags
		extra    xfrm.ExtraFlags
		innerTOS uint8
		wantTOS  uint8
		wantDF   bool
	}{
		{"copy dscp ecn", 0, 0, 0xb9, 0xb9, true}, // ECT(1) copied
		{"ce becomes ect0", 0, 0, 0xbb, 0xba, true},
		{"noecn", xfrm.FlagNoECN, 0, 0xbb, 0xb8, true},
		{"dont-encap-dscp", 0, xfrm.ExtraDontEncapDSCP, 0xba, 0x02, true},
		{"nopmtudisc", xfrm.FlagNoPMTUDisc, 0, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mkPair(t, suites[0], xfrm.ModeTunnel, 4, func(c *xfrm.Config) { c.Flags |= tc.flags; c.ExtraFlags = tc.extra })
			b, _ := packet.FromBytes(innerPacket(4, 10, tc.innerTOS))
			defer b.Free()
			if err := Output(p.out, b, &Params{TTL: 17}); err != nil {
				t.Fatal(err)
			}
			ip := header.IPv4(b.Bytes())
			if ip.TOS() != tc.wantTOS || (ip.FlagsFragOff()&header.IPv4FlagDF != 0) != tc.wantDF || ip.TTL() != 17 || !ip.IsChecksumValid() {
				t.Fatalf("outer tos %#x flags %#x ttl %d", ip.TOS(), ip.FlagsFragOff(), ip.TTL())
			}
		})
	}
}

func TestDecapECN(t *testing.T) {
	packettest.CheckBalance(t)
	for _, tc := range []struct {
		name      string
		flags     xfrm.Flags
		outer, in uint8
		wantInner uint8
	}{
		{"ce to ect0", 0, 0x03, 0x02, 0x03},
		{"ce to notect stays", 0, 0x03, 0x00, 0x00},
		{"noecn", xfrm.FlagNoECN, 0x03, 0x02, 0x02},
		{"decap-dscp", xfrm.FlagDecapDSCP, 0xa0, 0x02, 0xa2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mkPair(t, suites[0], xfrm.ModeTunnel, 4, func(c *xfrm.Config) { c.Flags |= tc.flags })
			b, _ := packet.FromBytes(innerPacket(4, 10, tc.in))
			defer b.Free()
			_ = Output(p.out, b, nil)
			header.IPv4(b.Bytes()).SetTOSUpdateChecksum(tc.outer)
			if err := Input(p.in, b); err != nil {
				t.Fatal(err)
			}
			ip := header.IPv4(b.Bytes())
			if ip.TOS() != tc.wantInner || !ip.IsChecksumValid() {
				t.Fatalf("inner tos %#x", ip.TOS())
			}
		})
	}
}

func TestTFCPadding(t *testing.T) {
	packettest.CheckBalance(t)
	p := mkPair(t, suites[0], xfrm.ModeTunnel, 4, func(c *xfrm.Config) { c.TFCPad = 500 })
	pkt := innerPacket(4, 10, 0)
	b, _ := packet.FromBytes(pkt)
	defer b.Free()
	_ = Output(p.out, b, nil)
	// 20 outer + 8 ESP + 8 IV + 500 (padded inner, rounded to 4 with trailer) + 16 ICV
	if b.Len() != 20+8+8+504+16 {
		t.Fatalf("len %d", b.Len())
	}
	if err := Input(p.in, b); err != nil || !bytes.Equal(b.Bytes(), pkt) {
		t.Fatalf("%v", err)
	}
}

func TestSeqOverflow(t *testing.T) {
	packettest.CheckBalance(t)
	p := mkPair(t, suites[0], xfrm.ModeTunnel, 4, func(c *xfrm.Config) { c.Replay.OSeq = 0xffffffff })
	b, _ := packet.FromBytes(innerPacket(4, 10, 0))
	defer b.Free()
	if err := Output(p.out, b, nil); err != xfrm.DropFor(xfrm.OutStateSeqError) || p.out.MIB().Get(xfrm.OutStateSeqError) != 1 {
		t.Fatalf("got %v", err)
	}
}

func FuzzInput(f *testing.F) {
	for _, s := range []suite{suites[0], suites[6]} {
		p := mkPair(f, s, xfrm.ModeTunnel, 4, nil)
		b, _ := packet.FromBytes(innerPacket(4, 64, 0))
		_ = Output(p.out, b, nil)
		f.Add(uint8(0), append([]byte(nil), b.Bytes()...))
		b.Free()
	}
	f.Add(uint8(1), []byte{0x45, 0, 0, 28, 0, 0, 0, 0, 64, 50, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2, 0, 0, 0x10, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		s := suites[int(which)%len(suites)]
		p := mkPair(t, s, xfrm.Mode(which>>4%2), 4, func(c *xfrm.Config) {
			if which&8 != 0 {
				c.Flags |= xfrm.FlagESN
			}
		})
		packettest.InputNoLeak(t, data, func(b *packet.Buffer) { _ = Input(p.in, b) })
	})
}
