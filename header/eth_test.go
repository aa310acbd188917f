package header

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMACStringParse(t *testing.T) {
	tests := []struct {
		in   string
		want MAC
		ok   bool
	}{
		{"02:00:00:00:01:01", MAC{2, 0, 0, 0, 1, 1}, true},
		{"FF:ff:Ff:fF:ff:ff", BroadcastMAC, true},
		{"2-0-0-0-1-a", MAC{2, 0, 0, 0, 1, 0xa}, true},
		{"02:00:00:00:01", MAC{}, false},
		{"02:00:00:00:01:01:", MAC{}, false},
		{"02:00:00:00:01:011", MAC{}, false},
		{"02:00:00:00:01:0g", MAC{}, false},
		{"", MAC{}, false},
		{"02::00:00:01:01", MAC{}, false},
		{"020000000101", MAC{}, false},
	}
	for _, tt := range tests {
		got, err := ParseMAC(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseMAC(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if s := (MAC{2, 0, 0, 0xab, 1, 1}).String(); s != "02:00:00:ab:01:01" {
		t.Errorf("String = %q", s)
	}
}

func TestMACPredicates(t *testing.T) {
	tests := []struct {
		m                         MAC
		bcast, mcast, zero, ucast bool
	}{
		{BroadcastMAC, true, true, false, false},
		{MAC{0x01, 0x00, 0x5e, 0, 0, 1}, false, true, false, false},
		{MAC{}, false, false, true, false},
		{MAC{2, 0, 0, 0, 1, 1}, false, false, false, true},
	}
	for _, tt := range tests {
		if tt.m.IsBroadcast() != tt.bcast || tt.m.IsMulticast() != tt.mcast || tt.m.IsZero() != tt.zero || tt.m.IsUnicast() != tt.ucast {
			t.Errorf("%v: predicates wrong", tt.m)
		}
	}
	if !(MAC{2}).IsLocallyAdministered() || (MAC{4}).IsLocallyAdministered() {
		t.Error("IsLocallyAdministered wrong")
	}
}

func TestEthernetAndTags(t *testing.T) {
	frame := make([]byte, 14+4+4+20)
	e := Ethernet(frame)
	e.Encode(&EthernetFields{Dst: BroadcastMAC, Src: MAC{2, 0, 0, 0, 0, 1}, Type: EtherTypeQinQ})
	VLAN(frame[14:]).Encode(&VLANFields{PCP: 5, DEI: true, VID: 100, Type: EtherTypeVLAN})
	VLAN(frame[18:]).Encode(&VLANFields{VID: 4095, Type: EtherTypeIPv4})
	if e.Fields() != (EthernetFields{Dst: BroadcastMAC, Src: MAC{2, 0, 0, 0, 0, 1}, Type: EtherTypeQinQ}) {
		t.Fatalf("Fields = %+v", e.Fields())
	}
	v := VLAN(frame[14:])
	if v.PCP() != 5 || !v.DEI() || v.VID() != 100 || v.Type() != EtherTypeVLAN {
		t.Fatalf("tag %+v", v.Fields())
	}
	tags, ok := ParseEthernetTags(frame)
	if !ok || tags.N != 2 || tags.Type != EtherTypeIPv4 || tags.Offset != 22 ||
		tags.TPID != [2]uint16{EtherTypeQinQ, EtherTypeVLAN} || tags.TCI[1]&VLANVIDMask != 4095 {
		t.Fatalf("tags %+v ok %v", tags, ok)
	}
	if _, ok := ParseEthernetTags(frame[:20]); ok {
		t.Fatal("truncated second tag accepted")
	}
	VLAN(frame[18:]).SetType(EtherTypeVLAN)
	if _, ok := ParseEthernetTags(frame); ok {
		t.Fatal("three tags accepted")
	}
	if _, ok := ParseEthernetTags(frame[:13]); ok {
		t.Fatal("short frame accepted")
	}
	if MakeTCI(9, false, 0x1fff) != 0x2fff {
		t.Fatalf("MakeTCI masks: %#x", MakeTCI(9, false, 0x1fff))
	}
}

func TestARP(t *testing.T) {
	f := ARPFields{
		Op: ARPReply, SenderMAC: MAC{2, 0, 0, 0, 0, 1}, TargetMAC: MAC{2, 0, 0, 0, 0, 2},
		SenderIP: netip.MustParseAddr("192.0.2.1"), TargetIP: netip.MustParseAddr("192.0.2.2"),
	}
	a := ARP(make([]byte, ARPSize))
	a.Encode(&f)
	if !a.IsValid() || a.Fields() != f || a.HardwareAddressSize() != 6 || a.ProtocolAddressSize() != 4 {
		t.Fatalf("ARP round trip: %+v", a.Fields())
	}
	if string(a.TargetIPSlice()) != "\xc0\x00\x02\x02" || string(a.SenderMACSlice()) != "\x02\x00\x00\x00\x00\x01" {
		t.Fatal("slices wrong")
	}
	a[5] = 16
	if a.IsValid() || ARP(a[:27]).IsValid() {
		t.Fatal("invalid ARP accepted")
	}
}

func TestMPLS(t *testing.T) {
	f := MPLSFields{Label: 0xfedcb, TC: 5, BottomOfStack: true, TTL: 9}
	m := MPLS(make([]byte, 4))
	m.Encode(&f)
	if m.Fields() != f || m.Entry() != 0xfedcbb09 {
		t.Fatalf("MPLS %+v %#x", m.Fields(), m.Entry())
	}
	stack := []byte{0, 0x10, 0, 64, 0, 0x20, 0, 64, 0, 0x30, 0x01, 64, 0x45}
	tests := []struct {
		b      []byte
		max, n int
		ok     bool
	}{
		{stack, 8, 3, true},
		{stack, 3, 3, true},
		{stack, 2, 2, false},
		{stack[:11], 8, 2, false},
		{nil, 8, 0, false},
		{make([]byte, 4*100), 1000, MPLSMaxDepth, false},
	}
	for i, tt := range tests {
		if n, ok := MPLSStackDepth(tt.b, tt.max); n != tt.n || ok != tt.ok {
			t.Errorf("%d: MPLSStackDepth = %d, %v; want %d, %v", i, n, ok, tt.n, tt.ok)
		}
	}
}

func TestUDPTCP(t *testing.T) {
	src, dst := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	s, d := src.As4(), dst.As4()
	u := UDP(make([]byte, 12))
	u.Encode(&UDPFields{SrcPort: 1, DstPort: 2, Length: 12})
	u.UpdateChecksum(s[:], d[:])
	if !u.IsValid() || !u.IsChecksumValid(s[:], d[:]) || len(u.Payload()) != 4 || u.CalculateChecksumAddr(src, dst) != u.Checksum() {
		t.Fatal("UDP checksum")
	}
	for _, bad := range []UDP{u[:7], {0, 1, 0, 2, 0, 7, 0, 0}, {0, 1, 0, 2, 0, 13, 0, 0, 0, 0, 0, 0}} {
		if bad.IsValid() {
			t.Errorf("invalid UDP % x accepted", []byte(bad))
		}
	}
	f := TCPFields{SrcPort: 80, DstPort: 1024, Seq: 1, Ack: 2, Flags: TCPFlagSYN | TCPFlagACK, Window: 100, Urgent: 3, Options: []byte{2, 4, 5, 0xb4}}
	tc := TCP(make([]byte, TCPEncodedLength(&f)+5))
	tc.Encode(&f)
	tc.UpdateChecksum(s[:], d[:])
	f.Checksum = tc.Checksum()
	got := tc.Fields()
	if !tc.IsValid() || tc.DataOffset() != 24 || string(got.Options) != string(f.Options) || len(tc.Payload()) != 5 {
		t.Fatalf("TCP %+v", got)
	}
	got.Options, f.Options = nil, nil
	if !cmp.Equal(got, f) || !tc.IsChecksumValid(s[:], d[:]) {
		t.Fatalf("TCP fields %+v want %+v", got, f)
	}
	tc[12] = 0x40
	if tc.IsValid() || TCP(tc[:19]).IsValid() {
		t.Fatal("invalid TCP accepted")
	}
}
