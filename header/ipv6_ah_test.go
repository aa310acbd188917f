package header_test

import (
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
)

// ahHdr returns an AH header of 24 bytes (payload length 4: a 12-byte
// ICV) naming next, followed by payload.
func ahHdr(next uint8, payload []byte) []byte {
	b := append([]byte{next, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, make([]byte, 12)...)
	return append(b, payload...)
}

// TestWalkIPv6AHChains: header chains with AH walked both ways. The
// default walk (ipv6_skip_exthdr) steps over AH to the protocol it
// protects; IPv6WalkStopAtAH (ip6_protocol_deliver_rcu, _decode_session6)
// ends at AH, after the extension headers in front of it.
func TestWalkIPv6AHChains(t *testing.T) {
	tcp := build.TCP(build.TCPOpts{SrcPort: 1, DstPort: 2, Flags: header.TCPFlagSYN}, nil)
	udp := build.UDP(1, 2, []byte("x"))
	inner := build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: header.IPProtoUDP}, udp)
	frag := func(next uint8, off uint16, p []byte) []byte { return build.IPv6Fragment(next, off, true, 7, p) }
	type walk struct {
		status       header.IPv6ExtStatus
		proto        uint8
		off, nhOff   int
		count        int
		frag, nonFst bool
	}
	ok := header.IPv6ExtOK
	tests := []struct {
		name string
		pkt  []byte
		skip walk // WalkIPv6
		stop walk // WalkIPv6Flags(IPv6WalkStopAtAH)
	}{
		{"ah tcp", v6(header.IPProtoAH, ahHdr(header.IPProtoTCP, tcp)),
			walk{ok, header.IPProtoTCP, 64, 40, 1, false, false}, walk{ok, header.IPProtoAH, 40, 6, 0, false, false}},
		{"hbh ah tcp", v6(header.IPProtoHopByHop, build.IPv6Options(header.IPProtoAH, ahHdr(header.IPProtoTCP, tcp))),
			walk{ok, header.IPProtoTCP, 72, 48, 2, false, false}, walk{ok, header.IPProtoAH, 48, 40, 1, false, false}},
		{"hbh routing ah dstopts udp", v6(header.IPProtoHopByHop, build.IPv6Options(header.IPProtoRouting,
			build.IPv6Options(header.IPProtoAH, ahHdr(header.IPProtoDstOpts, build.IPv6Options(header.IPProtoUDP, udp))))),
			walk{ok, header.IPProtoUDP, 88, 80, 4, false, false}, walk{ok, header.IPProtoAH, 56, 48, 2, false, false}},
		{"first fragment ah tcp", v6(header.IPProtoFragment, frag(header.IPProtoAH, 0, ahHdr(header.IPProtoTCP, tcp))),
			walk{ok, header.IPProtoTCP, 72, 48, 2, true, false}, walk{ok, header.IPProtoAH, 48, 40, 1, true, false}},
		{"later fragment of ah", v6(header.IPProtoFragment, frag(header.IPProtoAH, 8, make([]byte, 16))),
			walk{ok, header.IPProtoAH, 48, 40, 1, true, true}, walk{ok, header.IPProtoAH, 48, 40, 1, true, true}},
		{"ah ah tcp", v6(header.IPProtoAH, ahHdr(header.IPProtoAH, ahHdr(header.IPProtoTCP, tcp))),
			walk{ok, header.IPProtoTCP, 88, 64, 2, false, false}, walk{ok, header.IPProtoAH, 40, 6, 0, false, false}},
		{"ah tunnel ipv6", v6(header.IPProtoAH, ahHdr(header.IPProtoIPv6, inner)),
			walk{ok, header.IPProtoIPv6, 64, 40, 1, false, false}, walk{ok, header.IPProtoAH, 40, 6, 0, false, false}},
		{"ah ipv4 beet", v6(header.IPProtoAH, ahHdr(header.IPProtoIPIP, udp)),
			walk{ok, header.IPProtoIPIP, 64, 40, 1, false, false}, walk{ok, header.IPProtoAH, 40, 6, 0, false, false}},
		{"ah esp", v6(header.IPProtoAH, ahHdr(header.IPProtoESP, make([]byte, 16))),
			walk{ok, header.IPProtoESP, 64, 40, 1, false, false}, walk{ok, header.IPProtoAH, 40, 6, 0, false, false}},
		{"ah no next", v6(header.IPProtoAH, ahHdr(header.IPProtoNoNext, nil)),
			walk{ok, header.IPProtoNoNext, 64, 40, 1, false, false}, walk{ok, header.IPProtoAH, 40, 6, 0, false, false}},
		// AH's own length is the AH handler's business when the walk stops there.
		{"ah longer than packet", v6(header.IPProtoAH, []byte{6, 9, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1}),
			walk{header.IPv6ExtTruncated, header.IPProtoAH, 40, 6, 0, false, false}, walk{ok, header.IPProtoAH, 40, 6, 0, false, false}},
		{"ah truncated", v6(header.IPProtoAH, []byte{6, 1, 0, 0}),
			walk{header.IPv6ExtTruncated, header.IPProtoAH, 40, 6, 0, false, false}, walk{ok, header.IPProtoAH, 40, 6, 0, false, false}},
		{"ah hbh", v6(header.IPProtoAH, ahHdr(header.IPProtoHopByHop, build.IPv6Options(header.IPProtoTCP, tcp))),
			walk{header.IPv6ExtHopByHopNotFirst, header.IPProtoHopByHop, 64, 40, 1, false, false}, walk{ok, header.IPProtoAH, 40, 6, 0, false, false}},
		{"no ah", v6(header.IPProtoDstOpts, build.IPv6Options(header.IPProtoTCP, tcp)),
			walk{ok, header.IPProtoTCP, 48, 40, 1, false, false}, walk{ok, header.IPProtoTCP, 48, 40, 1, false, false}},
	}
	check := func(t *testing.T, mode string, info header.IPv6ExtInfo, w walk) {
		t.Helper()
		if info.Status != w.status || info.Protocol != w.proto || info.Offset != w.off || info.NextHeaderOffset != w.nhOff ||
			info.Count != w.count || (info.Fragment != nil) != w.frag || info.IsNonFirstFragment() != w.nonFst {
			t.Errorf("%s: got %+v, want %+v", mode, info, w)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, "WalkIPv6", header.WalkIPv6(tt.pkt), tt.skip)
			check(t, "WalkIPv6Flags(0)", header.WalkIPv6Flags(tt.pkt, 0), tt.skip)
			check(t, "StopAtAH", header.WalkIPv6Flags(tt.pkt, header.IPv6WalkStopAtAH), tt.stop)
			ip := header.IPv6(tt.pkt)
			ext := header.WalkIPv6ExtFlags(tt.pkt, ip.NextHeader(), header.IPv6MinimumSize, 6, header.IPv6WalkStopAtAH)
			check(t, "WalkIPv6ExtFlags", ext, tt.stop)
		})
	}
}

func TestWalkIPv6StopAtAHAllocs(t *testing.T) {
	p := v6(header.IPProtoHopByHop, build.IPv6Options(header.IPProtoAH, ahHdr(header.IPProtoUDP, build.UDP(1, 2, nil))))
	n := testing.AllocsPerRun(100, func() {
		if header.WalkIPv6Flags(p, header.IPv6WalkStopAtAH).Protocol != header.IPProtoAH {
			t.Fatal("walk did not stop at AH")
		}
	})
	if n != 0 {
		t.Fatalf("%v allocs per run, want 0", n)
	}
}

func BenchmarkWalkIPv6StopAtAH(b *testing.B) {
	p := v6(header.IPProtoHopByHop, build.IPv6Options(header.IPProtoAH, ahHdr(header.IPProtoUDP, build.UDP(1, 2, nil))))
	b.ReportAllocs()
	for b.Loop() {
		if header.WalkIPv6Flags(p, header.IPv6WalkStopAtAH).Protocol != header.IPProtoAH {
			b.Fatal("bad")
		}
	}
}
