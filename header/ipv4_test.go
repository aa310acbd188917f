package header

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ipv4Hdr(mod func(b []byte)) IPv4 {
	b := make([]byte, 28)
	IPv4(b).Encode(&IPv4Fields{
		TotalLength: 28, TTL: 64, Protocol: IPProtoUDP,
		Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2"),
	})
	if mod != nil {
		mod(b)
	}
	return b
}

func TestIPv4Check(t *testing.T) {
	tests := []struct {
		name   string
		b      []byte
		pktLen int
		want   IPv4Error
	}{
		{"ok", ipv4Hdr(nil), 28, IPv4OK},
		{"pktLen larger than slice clamps", ipv4Hdr(nil), 100, IPv4OK},
		{"empty", nil, 0, IPv4ErrTooShort},
		{"19 bytes", ipv4Hdr(nil)[:19], 19, IPv4ErrTooShort},
		{"version 6", ipv4Hdr(func(b []byte) { b[0] = 0x65 }), 28, IPv4ErrVersion},
		{"IHL 4", ipv4Hdr(func(b []byte) { b[0] = 0x44 }), 28, IPv4ErrIHL},
		{"IHL beyond packet", ipv4Hdr(func(b []byte) { b[0] = 0x48 }), 28, IPv4ErrTooShort},
		{"total length < header", ipv4Hdr(func(b []byte) { b[2], b[3] = 0, 19 }), 28, IPv4ErrTotalLength},
		{"total length > packet", ipv4Hdr(func(b []byte) { b[2], b[3] = 0, 29 }), 28, IPv4ErrTruncated},
		{"pktLen shorter", ipv4Hdr(nil), 27, IPv4ErrTruncated},
		{"trailing bytes ok", append(ipv4Hdr(nil), 0, 0), 30, IPv4OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip := IPv4(tt.b)
			if got := ip.Check(tt.pktLen); got != tt.want {
				t.Fatalf("Check = %v, want %v", got, tt.want)
			}
			if ip.IsValid(tt.pktLen) != (tt.want == IPv4OK) {
				t.Fatal("IsValid disagrees with Check")
			}
			if tt.want == IPv4OK && len(ip.Payload()) != 8 {
				t.Fatalf("payload len %d", len(ip.Payload()))
			}
		})
	}
}

func TestIPv4Fields(t *testing.T) {
	f := IPv4Fields{
		TOS: 0xb9, TotalLength: 40, ID: 0xbeef, Flags: IPv4FlagDF, FragmentOffset: 0,
		TTL: 3, Protocol: IPProtoTCP, Src: netip.MustParseAddr("192.0.2.1"),
		Dst: netip.MustParseAddr("192.0.2.255"), Options: []byte{IPv4OptionNOP, IPv4OptionNOP, IPv4OptionNOP, IPv4OptionEOL},
	}
	ip := IPv4(make([]byte, 40))
	ip.Encode(&f)
	ip.UpdateChecksum()
	f.Checksum = ip.Checksum()
	if diff := cmp.Diff(f, ip.Fields(), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Fatalf("Fields mismatch (-want +got):\n%s", diff)
	}
	if ip.HeaderLength() != 24 || ip.IHL() != 6 || ip.DSCP() != 0xb9>>2 || ip.ECN() != ECNECT1 {
		t.Fatalf("hlen %d ihl %d dscp %#x ecn %d", ip.HeaderLength(), ip.IHL(), ip.DSCP(), ip.ECN())
	}
	if string(ip.SourceSlice()) != string([]byte{192, 0, 2, 1}) || !ip.DontFragment() || ip.MoreFragments() || ip.IsFragment() {
		t.Fatal("flags or source slice wrong")
	}
	if !ip.IsChecksumValid() {
		t.Fatal("checksum invalid")
	}
}

func TestIPv4Fragments(t *testing.T) {
	tests := []struct {
		name            string
		raw             uint16
		frag, first, mf bool
		off             uint16
	}{
		{"unfragmented DF", IPv4FlagDF, false, false, false, 0},
		{"first", IPv4FlagMF, true, true, true, 0},
		{"middle", IPv4FlagMF | 185, true, false, true, 1480},
		{"last", 370, true, false, false, 2960},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip := ipv4Hdr(nil)
			ip.SetFlagsFragOff(tt.raw)
			if ip.IsFragment() != tt.frag || ip.IsFirstFragment() != tt.first || ip.MoreFragments() != tt.mf || ip.FragmentOffset() != tt.off {
				t.Fatalf("frag %v first %v mf %v off %d", ip.IsFragment(), ip.IsFirstFragment(), ip.MoreFragments(), ip.FragmentOffset())
			}
			ip.SetFragment(tt.mf, tt.off)
			ip.SetDontFragment(tt.raw&IPv4FlagDF != 0)
			if ip.FlagsFragOff() != tt.raw {
				t.Fatalf("re-set %#x, want %#x", ip.FlagsFragOff(), tt.raw)
			}
		})
	}
}

type optResult struct {
	Type   uint8
	Offset int
	Data   string
}

func TestIPv4OptionIterator(t *testing.T) {
	tests := []struct {
		name      string
		opts      []byte
		want      []optResult
		malformed bool
		errOff    int
	}{
		{"empty", nil, nil, false, 0},
		{"nop nop eol", []byte{1, 1, 0, 0}, []optResult{{1, 0, ""}, {1, 1, ""}}, false, 0},
		{"eol stops", []byte{0, 7, 3, 4}, nil, false, 0},
		{"router alert", []byte{148, 4, 0, 0}, []optResult{{148, 0, "\x00\x00"}}, false, 0},
		{"record route", []byte{1, 7, 7, 4, 1, 2, 3, 4}, []optResult{{1, 0, ""}, {7, 1, "\x04\x01\x02\x03\x04"}}, false, 0},
		{"missing length", []byte{1, 1, 1, 148}, []optResult{{1, 0, ""}, {1, 1, ""}, {1, 2, ""}}, true, 3},
		{"length 1", []byte{148, 1, 0, 0}, nil, true, 1},
		{"length 0", []byte{148, 0, 0, 0}, nil, true, 1},
		{"overflow", []byte{1, 148, 4, 0}, []optResult{{1, 0, ""}}, true, 2},
		{"exact end", []byte{131, 3, 9, 0}, []optResult{{131, 0, "\x09"}}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := NewIPv4OptionIterator(tt.opts)
			var got []optResult
			for o, ok := it.Next(); ok; o, ok = it.Next() {
				got = append(got, optResult{o.Type, o.Offset, string(o.Data)})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("options (-want +got):\n%s", diff)
			}
			if it.Malformed() != tt.malformed || (tt.malformed && it.ErrorOffset() != tt.errOff) {
				t.Fatalf("malformed %v at %d, want %v at %d", it.Malformed(), it.ErrorOffset(), tt.malformed, tt.errOff)
			}
			if _, ok := it.Next(); ok {
				t.Fatal("Next after end returned an option")
			}
		})
	}
}

func TestIPv4ECN(t *testing.T) {
	ip := ipv4Hdr(nil)
	ip.UpdateChecksum()
	if ip.SetECNCE() {
		t.Fatal("Not-ECT packet marked CE")
	}
	ip.SetTOSUpdateChecksum(0x20 | ECNECT0)
	if !ip.SetECNCE() || ip.ECN() != ECNCE || ip.DSCP() != 0x08 || !ip.IsChecksumValid() {
		t.Fatalf("ECN %d DSCP %#x checksum ok %v", ip.ECN(), ip.DSCP(), ip.IsChecksumValid())
	}
}

func TestECNDecapsulate(t *testing.T) {
	tests := []struct {
		outer, inner uint8
		ce           bool
		v            ECNDecapVerdict
	}{
		{ECNNotECT, ECNNotECT, false, ECNDecapOK},
		{ECNECT0, ECNNotECT, false, ECNDecapLog},
		{ECNECT1, ECNNotECT, false, ECNDecapLog},
		{ECNCE, ECNNotECT, false, ECNDecapDrop},
		{ECNCE, ECNECT0, true, ECNDecapOK},
		{ECNCE, ECNECT1, true, ECNDecapOK},
		{ECNECT0, ECNECT1, false, ECNDecapOK},
		{ECNNotECT, ECNCE, false, ECNDecapOK},
		{0xfc | ECNCE, 0xa8 | ECNECT0, true, ECNDecapOK},
	}
	for _, tt := range tests {
		ce, v := ECNDecapsulate(tt.outer, tt.inner)
		if ce != tt.ce || v != tt.v {
			t.Errorf("ECNDecapsulate(%#x, %#x) = %v, %v; want %v, %v", tt.outer, tt.inner, ce, v, tt.ce, tt.v)
		}
	}
	for in, want := range []uint8{ECNNotECT, ECNECT1, ECNECT0, ECNECT0} {
		if got := ECNEncapsulate(uint8(in)); got != want {
			t.Errorf("ECNEncapsulate(%d) = %d, want %d", in, got, want)
		}
	}
}
