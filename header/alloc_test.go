package header_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
)

var (
	src4 = netip.MustParseAddr("192.0.2.1")
	dst4 = netip.MustParseAddr("198.51.100.2")
)

// TestHotPathAllocs asserts that views, walkers and iterators never allocate.
func TestHotPathAllocs(t *testing.T) {
	p4 := build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, Proto: header.IPProtoUDP, Options: []byte{1, 148, 4, 0, 0}},
		build.UDP(1, 2, make([]byte, 100)))
	p6 := build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: header.IPProtoHopByHop},
		build.IPv6Options(header.IPProtoTCP, build.TCP(build.TCPOpts{SrcPort: 1, DstPort: 2}, nil)))
	frame := build.EthernetVLAN(header.BroadcastMAC, header.MAC{2}, 10, 0, header.EtherTypeIPv4, p4)
	ns := build.NeighborSolicit(dst6, header.MAC{2})
	var sink int
	n := testing.AllocsPerRun(100, func() {
		ip := header.IPv4(p4)
		if !ip.IsValid(len(p4)) || !ip.IsChecksumValid() {
			t.Fatal("bad p4")
		}
		_, _ = ip.Source(), ip.Destination()
		it := header.NewIPv4OptionIterator(ip.Options())
		for o, ok := it.Next(); ok; o, ok = it.Next() {
			sink += len(o.Data)
		}
		u := header.UDP(ip.Payload())
		sink += int(u.CalculateChecksumAddr(ip.Source(), ip.Destination()))
		ip.DecTTL()
		info := header.WalkIPv6(p6)
		sink += info.Offset
		i6 := header.IPv6(p6)
		_, _ = i6.Source(), i6.Destination()
		tags, _ := header.ParseEthernetTags(frame)
		sink += tags.Offset
		nit := header.NewNDPOptionIterator(header.ICMPv6(ns).NDPOptions())
		for o, ok := nit.Next(); ok; o, ok = nit.Next() {
			m, _ := o.LinkLayerAddress()
			sink += int(m[0])
		}
		_ = header.SolicitedNodeAddr(dst6)
		_ = header.IPv6MulticastMAC(dst6)
		d, _ := header.MPLSStackDepth([]byte{0, 0, 1, 0}, 4)
		sink += d
	})
	if n != 0 {
		t.Fatalf("%v allocs per run, want 0", n)
	}
	_ = sink
}

func BenchmarkIPv4Parse(b *testing.B) {
	p4 := build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, Proto: header.IPProtoUDP}, build.UDP(1, 2, make([]byte, 1400)))
	b.ReportAllocs()
	b.SetBytes(int64(len(p4)))
	for b.Loop() {
		ip := header.IPv4(p4)
		if !ip.IsValid(len(p4)) || !ip.IsChecksumValid() || ip.Protocol() != header.IPProtoUDP {
			b.Fatal("bad")
		}
	}
}

func BenchmarkWalkIPv6(b *testing.B) {
	p6 := build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: header.IPProtoHopByHop},
		build.IPv6Options(header.IPProtoFragment, build.IPv6Fragment(header.IPProtoUDP, 0, true, 1, build.UDP(1, 2, nil))))
	b.ReportAllocs()
	for b.Loop() {
		if header.WalkIPv6(p6).Protocol != header.IPProtoUDP {
			b.Fatal("bad")
		}
	}
}
