package header_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
)

var (
	src6 = netip.MustParseAddr("2001:db8::1")
	dst6 = netip.MustParseAddr("2001:db8::2")
)

func v6(next uint8, payload []byte) []byte {
	return build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: next, TrafficClass: 0xb8, FlowLabel: 0x12345}, payload)
}

func TestIPv6Fixed(t *testing.T) {
	p := header.IPv6(v6(header.IPProtoUDP, build.UDP(1, 2, []byte("hi"))))
	if !p.IsValid(len(p)) || p.TrafficClass() != 0xb8 || p.FlowLabel() != 0x12345 || p.PayloadLength() != 10 ||
		p.HopLimit() != 64 || p.Source() != src6 || p.Destination() != dst6 || len(p.Payload()) != 10 {
		t.Fatalf("fields %+v", p.Fields())
	}
	p.SetTrafficClass(0x03)
	p.SetFlowLabel(0xfffff)
	if p.Version() != 6 || p.TrafficClass() != 3 || p.ECN() != header.ECNCE || p.FlowLabel() != 0xfffff {
		t.Fatal("setters disturbed neighbours")
	}
	if p.IsValid(len(p)-1) || header.IPv6(p[:39]).IsValid(39) {
		t.Fatal("short packet accepted")
	}
	u := header.UDP(p[40:])
	if !u.IsChecksumValid(p.SourceSlice(), p.DestinationSlice()) {
		t.Fatal("UDP checksum not filled")
	}
}

func TestWalkIPv6(t *testing.T) {
	tcp := build.TCP(build.TCPOpts{SrcPort: 1, DstPort: 2, Flags: header.TCPFlagSYN}, nil)
	frag := func(next uint8, off uint16, more bool, p []byte) []byte {
		return build.IPv6Fragment(next, off, more, 0xdeadbeef, p)
	}
	ah := append([]byte{header.IPProtoTCP, 4, 0, 0}, make([]byte, 20)...) // (4+2)*4 = 24 bytes
	ah = append(ah, tcp...)
	tests := []struct {
		name     string
		pkt      []byte
		status   header.IPv6ExtStatus
		proto    uint8
		off      int
		count    int
		frag     bool
		nonFirst bool
	}{
		{"tcp", v6(header.IPProtoTCP, tcp), header.IPv6ExtOK, header.IPProtoTCP, 40, 0, false, false},
		{"hbh dst tcp", v6(header.IPProtoHopByHop, build.IPv6Options(header.IPProtoDstOpts, build.IPv6Options(header.IPProtoTCP, tcp))),
			header.IPv6ExtOK, header.IPProtoTCP, 56, 2, false, false},
		{"first fragment", v6(header.IPProtoFragment, frag(header.IPProtoTCP, 0, true, tcp)), header.IPv6ExtOK, header.IPProtoTCP, 48, 1, true, false},
		{"later fragment", v6(header.IPProtoFragment, frag(header.IPProtoDstOpts, 8, false, make([]byte, 8))), header.IPv6ExtOK, header.IPProtoDstOpts, 48, 1, true, true},
		{"ah", v6(header.IPProtoAH, ah), header.IPv6ExtOK, header.IPProtoTCP, 64, 1, false, false},
		{"esp stops", v6(header.IPProtoESP, make([]byte, 16)), header.IPv6ExtOK, header.IPProtoESP, 40, 0, false, false},
		{"no next", v6(header.IPProtoDstOpts, build.IPv6Options(header.IPProtoNoNext, nil)), header.IPv6ExtOK, header.IPProtoNoNext, 48, 1, false, false},
		{"truncated ext", v6(header.IPProtoDstOpts, make([]byte, 7)), header.IPv6ExtTruncated, header.IPProtoDstOpts, 40, 0, false, false},
		{"ext longer than packet", v6(header.IPProtoDstOpts, []byte{6, 1, 0, 0, 0, 0, 0, 0}), header.IPv6ExtTruncated, header.IPProtoDstOpts, 40, 0, false, false},
		{"hbh not first", v6(header.IPProtoDstOpts, build.IPv6Options(header.IPProtoHopByHop, build.IPv6Options(6, nil))), header.IPv6ExtHopByHopNotFirst, header.IPProtoHopByHop, 48, 1, false, false},
		{"short", make([]byte, 39), header.IPv6ExtTruncated, 0, 0, 0, false, false},
	}
	loop := []byte{}
	for range 20 {
		loop = build.IPv6Options(header.IPProtoDstOpts, loop)
	}
	tests = append(tests, struct {
		name     string
		pkt      []byte
		status   header.IPv6ExtStatus
		proto    uint8
		off      int
		count    int
		frag     bool
		nonFirst bool
	}{"too many", v6(header.IPProtoDstOpts, loop), header.IPv6ExtTooMany, header.IPProtoDstOpts, 40 + 8*16, 16, false, false})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := header.WalkIPv6(tt.pkt)
			if info.Status != tt.status || info.Protocol != tt.proto || info.Offset != tt.off || info.Count != tt.count ||
				(info.Fragment != nil) != tt.frag || info.IsNonFirstFragment() != tt.nonFirst {
				t.Fatalf("got %+v", info)
			}
			if tt.frag && (info.Fragment.ID() != 0xdeadbeef || info.FragmentHeaderOffset != 40) {
				t.Fatalf("fragment %+v", info.Fragment.Fields())
			}
		})
	}
}

func TestIPv6FragmentHeader(t *testing.T) {
	f := header.IPv6FragmentFields{NextHeader: header.IPProtoUDP, FragmentOffset: 1448, More: true, ID: 7}
	b := header.IPv6Fragment(make([]byte, 8))
	b.Encode(&f)
	if b.Fields() != f || !b.IsValid() {
		t.Fatalf("round trip %+v", b.Fields())
	}
}

func TestMulticastMapping(t *testing.T) {
	tests := []struct {
		in, snm string
		mac     header.MAC
	}{
		{"2001:db8::1234:5678", "ff02::1:ff34:5678", header.MAC{0x33, 0x33, 0xff, 0x34, 0x56, 0x78}},
		{"fe80::aabb:ccdd:ee00:1", "ff02::1:ff00:1", header.MAC{0x33, 0x33, 0xff, 0x00, 0x00, 0x01}},
	}
	for _, tt := range tests {
		snm := header.SolicitedNodeAddr(netip.MustParseAddr(tt.in))
		if snm.String() != tt.snm || !header.IsSolicitedNodeAddr(snm) {
			t.Errorf("SolicitedNodeAddr(%s) = %s", tt.in, snm)
		}
		if m := header.IPv6MulticastMAC(snm); m != tt.mac {
			t.Errorf("IPv6MulticastMAC(%s) = %s", snm, m)
		}
	}
	if m := header.IPv6MulticastMAC(header.IPv6AllNodes); m.String() != "33:33:00:00:00:01" {
		t.Errorf("all-nodes MAC %s", m)
	}
	if m := header.IPv4MulticastMAC(netip.MustParseAddr("239.255.1.2")); m.String() != "01:00:5e:7f:01:02" {
		t.Errorf("IPv4MulticastMAC = %s", m)
	}
	if header.IsSolicitedNodeAddr(header.IPv6AllNodes) || header.IsSolicitedNodeAddr(netip.Addr{}) {
		t.Error("IsSolicitedNodeAddr false positive")
	}
	// Wrong families never panic.
	_ = header.IPv4MulticastMAC(src6)
	_ = header.IPv6MulticastMAC(netip.Addr{})
	_ = header.SolicitedNodeAddr(netip.Addr{})
}
