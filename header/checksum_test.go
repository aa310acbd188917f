package header

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// naiveChecksum is the textbook RFC 1071 loop, the reference for Checksum.
func naiveChecksum(b []byte, initial uint16) uint16 {
	s := uint32(initial)
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

func TestChecksumRFC1071Example(t *testing.T) {
	// RFC 1071 section 3: the sum of these bytes is ddf2.
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := Checksum(b, 0); got != 0xddf2 {
		t.Fatalf("Checksum = %#04x, want 0xddf2", got)
	}
}

func TestChecksumMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	for i := range 5000 {
		off := r.IntN(16)
		n := r.IntN(len(buf) - off)
		if i < 200 {
			n = i // every short length
		}
		init := uint16(r.Uint32())
		b := buf[off : off+n]
		if got, want := Checksum(b, init), naiveChecksum(b, init); got != want {
			t.Fatalf("len %d off %d init %#x: got %#04x want %#04x", n, off, init, got, want)
		}
	}
	all := make([]byte, 1500)
	for i := range all {
		all[i] = 0xff
	}
	if got, want := Checksum(all, 0xffff), naiveChecksum(all, 0xffff); got != want {
		t.Fatalf("all ones: got %#x want %#x", got, want)
	}
}

func TestChecksumCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		a := make([]byte, 2*r.IntN(50))
		b := make([]byte, r.IntN(50))
		for i := range a {
			a[i] = byte(r.Uint32())
		}
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		whole := append(append([]byte{}, a...), b...)
		if got, want := ChecksumCombine(Checksum(a, 0), Checksum(b, 0)), Checksum(whole, 0); !sameOnesComplement(got, want) {
			t.Fatalf("combine %#x != whole %#x", got, want)
		}
	}
}

// sameOnesComplement treats 0x0000 and 0xffff (the two zeros) as equal.
func sameOnesComplement(a, b uint16) bool {
	return a == b || (a == 0 || a == 0xffff) && (b == 0 || b == 0xffff)
}

func TestPseudoHeaderChecksum(t *testing.T) {
	src4, dst4 := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.7")
	s, d := src4.As4(), dst4.As4()
	ref := append(append(append([]byte{}, s[:]...), d[:]...), 0, IPProtoUDP, 0x01, 0x23)
	if got, want := PseudoHeaderChecksum(IPProtoUDP, s[:], d[:], 0x123), naiveChecksum(ref, 0); got != want {
		t.Errorf("IPv4 pseudo = %#x, want %#x", got, want)
	}
	if got := PseudoHeaderChecksumAddr(IPProtoUDP, src4, dst4, 0x123); got != naiveChecksum(ref, 0) {
		t.Errorf("Addr variant = %#x", got)
	}
	src6, dst6 := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("fe80::2")
	s6, d6 := src6.As16(), dst6.As16()
	ref6 := append(append(append([]byte{}, s6[:]...), d6[:]...), 0, 0, 0x01, 0x23, 0, 0, 0, IPProtoICMPv6)
	if got, want := PseudoHeaderChecksumAddr(IPProtoICMPv6, src6, dst6, 0x123), naiveChecksum(ref6, 0); got != want {
		t.Errorf("IPv6 pseudo = %#x, want %#x", got, want)
	}
	// Mixed or zero addresses must not panic.
	_ = PseudoHeaderChecksumAddr(IPProtoUDP, src4, dst6, 1)
	_ = PseudoHeaderChecksumAddr(IPProtoUDP, netip.Addr{}, netip.Addr{}, 1)
}

// randomIPv4 returns a valid IPv4 header with random fields and options.
func randomIPv4(r *rand.Rand) IPv4 {
	opts := make([]byte, 4*r.IntN(11))
	for i := range opts {
		opts[i] = byte(r.Uint32())
	}
	var a, b [4]byte
	binary.BigEndian.PutUint32(a[:], r.Uint32())
	binary.BigEndian.PutUint32(b[:], r.Uint32())
	f := IPv4Fields{
		TOS: uint8(r.Uint32()), TotalLength: uint16(r.Uint32()), ID: uint16(r.Uint32()),
		Flags: uint16(r.Uint32()) & 0xe000, FragmentOffset: uint16(r.Uint32()) &^ 7,
		TTL: uint8(r.Uint32()), Protocol: uint8(r.Uint32()),
		Src: netip.AddrFrom4(a), Dst: netip.AddrFrom4(b), Options: opts,
	}
	ip := IPv4(make([]byte, IPv4EncodedLength(&f)))
	ip.Encode(&f)
	ip.UpdateChecksum()
	return ip
}

// TestIncrementalEqualsRecompute is the RFC 1624 property: updating the
// checksum incrementally gives the same result as recomputing it.
func TestIncrementalEqualsRecompute(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 20000 {
		ip := randomIPv4(r)
		check := ip.Checksum()
		switch i % 5 {
		case 0: // a 16-bit word other than the checksum
			off := 2 * r.IntN(len(ip)/2)
			if off == 10 || off == 0 { // checksum, or version/IHL which resizes the header
				continue
			}
			old := binary.BigEndian.Uint16(ip[off:])
			nv := uint16(r.Uint32())
			binary.BigEndian.PutUint16(ip[off:], nv)
			ip.SetChecksum(ChecksumUpdate16(check, old, nv))
		case 1: // an address (32 bits)
			old := binary.BigEndian.Uint32(ip[12:])
			nv := r.Uint32()
			binary.BigEndian.PutUint32(ip[12:], nv)
			ip.SetChecksum(ChecksumUpdate32(check, old, nv))
		case 2: // both addresses as bytes
			old := append([]byte{}, ip[12:20]...)
			for j := 12; j < 20; j++ {
				ip[j] = byte(r.Uint32())
			}
			ip.SetChecksum(ChecksumUpdateBytes(check, old, ip[12:20]))
		case 3:
			if ip.TTL() == 0 {
				continue
			}
			ip.DecTTL()
		case 4:
			ip.SetTOSUpdateChecksum(uint8(r.Uint32()))
		}
		if !ip.IsChecksumValid() {
			t.Fatalf("case %d: incremental checksum %#x invalid for % x", i%5, ip.Checksum(), []byte(ip))
		}
		if got, want := ip.Checksum(), ip.CalculateChecksum(); !sameOnesComplement(got, want) {
			t.Fatalf("case %d: incremental %#x, recomputed %#x", i%5, got, want)
		}
	}
}

func TestDecTTL(t *testing.T) {
	ip := randomIPv4(rand.New(rand.NewPCG(7, 8)))
	ip.SetTTL(64)
	ip.UpdateChecksum()
	ip.DecTTL()
	if ip.TTL() != 63 || !ip.IsChecksumValid() {
		t.Fatalf("TTL %d, checksum valid %v", ip.TTL(), ip.IsChecksumValid())
	}
	ip.SetTTLUpdateChecksum(1)
	if ip.TTL() != 1 || !ip.IsChecksumValid() {
		t.Fatal("SetTTLUpdateChecksum broke the checksum")
	}
}

func TestChecksumAllocs(t *testing.T) {
	b := make([]byte, 1500)
	ip := randomIPv4(rand.New(rand.NewPCG(9, 10)))
	src, dst := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	n := testing.AllocsPerRun(100, func() {
		_ = Checksum(b, 0)
		_ = PseudoHeaderChecksumAddr(IPProtoTCP, src, dst, 1500)
		_ = ChecksumUpdate16(1, 2, 3)
		_ = ChecksumUpdateBytes(1, b[:16], b[16:32])
		ip.DecTTL()
		ip.UpdateChecksum()
		_ = ip.IsChecksumValid()
	})
	if n != 0 {
		t.Fatalf("%v allocs per run, want 0", n)
	}
}

func benchmarkChecksum(b *testing.B, n int) {
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		_ = Checksum(buf, 0)
	}
}

func BenchmarkChecksum64(b *testing.B)   { benchmarkChecksum(b, 64) }
func BenchmarkChecksum1500(b *testing.B) { benchmarkChecksum(b, 1500) }

func BenchmarkChecksumNaive1500(b *testing.B) {
	buf := make([]byte, 1500)
	b.ReportAllocs()
	b.SetBytes(1500)
	for b.Loop() {
		_ = naiveChecksum(buf, 0)
	}
}

func BenchmarkIPv4DecTTL(b *testing.B) {
	ip := randomIPv4(rand.New(rand.NewPCG(11, 12)))
	b.ReportAllocs()
	for b.Loop() {
		ip.DecTTL()
	}
}
