package header_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
)

func TestICMPv4(t *testing.T) {
	echo := header.ICMPv4(build.ICMPEcho(0x1234, 7, []byte("abc")))
	if !echo.IsValid() || !echo.IsChecksumValid() || echo.Type() != header.ICMPv4Echo || echo.Ident() != 0x1234 || echo.Sequence() != 7 || string(echo.Payload()) != "abc" {
		t.Fatalf("echo %+v", echo.Fields())
	}
	fn := header.ICMPv4(build.ICMPFragNeeded(1400, make([]byte, 28)))
	if fn.Code() != header.ICMPv4FragNeeded || fn.MTU() != 1400 || !fn.IsChecksumValid() {
		t.Fatalf("frag needed %+v", fn.Fields())
	}
	m := header.ICMPv4(make([]byte, 8))
	m.SetPointer(21)
	if m.Pointer() != 21 || m.Rest() != 21<<24 {
		t.Fatal("pointer")
	}
	gw := netip.MustParseAddr("198.51.100.3")
	m.SetGateway(gw)
	if m.Gateway() != gw {
		t.Fatal("gateway")
	}
	for typ := range 256 {
		want := typ == 3 || typ == 4 || typ == 5 || typ == 11 || typ == 12
		if header.IsICMPError(uint8(typ)) != want {
			t.Errorf("IsICMPError(%d) != %v", typ, want)
		}
		if header.IsICMPv6Error(uint8(typ)) != (typ < 128) {
			t.Errorf("IsICMPv6Error(%d)", typ)
		}
	}
}

func TestICMPv6AndNDP(t *testing.T) {
	mac := header.MAC{2, 0, 0, 0, 0, 9}
	target := netip.MustParseAddr("2001:db8::2")
	snm := header.SolicitedNodeAddr(target)
	pkt := header.IPv6(build.IPv6(build.IPv6Opts{Src: src6, Dst: snm, HopLimit: 255, NextHeader: header.IPProtoICMPv6},
		build.NeighborSolicit(target, mac)))
	ns := header.ICMPv6(pkt.Payload())
	if !ns.IsChecksumValid(pkt.SourceSlice(), pkt.DestinationSlice()) || !ns.IsNDPValid() || ns.NDPTarget() != target {
		t.Fatalf("NS %+v", ns.Fields())
	}
	it := header.NewNDPOptionIterator(ns.NDPOptions())
	opt, ok := it.Next()
	if ll, llok := opt.LinkLayerAddress(); !ok || !llok || ll != mac || opt.Type != header.NDPOptionSourceLinkAddr {
		t.Fatalf("option %+v", opt)
	}
	if _, ok := it.Next(); ok || it.Malformed() {
		t.Fatal("extra option")
	}

	na := header.ICMPv6(build.NeighborAdvert(target, header.NDPNAFlagSolicited|header.NDPNAFlagOverride, mac))
	if na.NARouter() || !na.NASolicited() || !na.NAOverride() || na.NDPTarget() != target {
		t.Fatal("NA flags")
	}
	ptb := header.ICMPv6(build.ICMPv6PacketTooBig(1280, nil))
	if ptb.MTU() != 1280 || ptb.Type() != header.ICMPv6PacketTooBig {
		t.Fatal("PTB")
	}
	if header.ICMPv6(make([]byte, 23)).IsNDPValid() {
		t.Fatal("short NS accepted")
	}
	echo := header.ICMPv6(build.ICMPv6WithChecksum(src6, dst6, build.ICMPv6Echo(1, 2, nil)))
	s, d := src6.As16(), dst6.As16()
	if !echo.IsChecksumValid(s[:], d[:]) || echo.IsNDPValid() || echo.NDPOptions() != nil {
		t.Fatal("echo")
	}
}

func TestNDPOptionIterator(t *testing.T) {
	opts := make([]byte, 8+8+32)
	header.PutNDPLinkLayerOption(opts, header.NDPOptionTargetLinkAddr, header.MAC{1, 2, 3, 4, 5, 6})
	header.PutNDPMTUOption(opts[8:], 1500)
	pfx := netip.MustParsePrefix("2001:db8:1::/64")
	header.PutNDPPrefixInfoOption(opts[16:], pfx, header.NDPPrefixFlagOnLink|header.NDPPrefixFlagAutonomous, 3600, 1800)
	it := header.NewNDPOptionIterator(opts)
	var types []uint8
	for o, ok := it.Next(); ok; o, ok = it.Next() {
		types = append(types, o.Type)
		switch o.Type {
		case header.NDPOptionMTU:
			if mtu, ok := o.MTU(); !ok || mtu != 1500 {
				t.Errorf("MTU %d", mtu)
			}
		case header.NDPOptionPrefixInfo:
			pi, ok := o.PrefixInfo()
			if !ok || pi.Prefix() != pfx || !pi.OnLink() || !pi.Autonomous() || pi.ValidLifetime() != 3600 || pi.PreferredLifetime() != 1800 {
				t.Errorf("prefix info % x", o.Bytes)
			}
		}
	}
	if len(types) != 3 || it.Malformed() {
		t.Fatalf("types %v malformed %v", types, it.Malformed())
	}
	for _, bad := range [][]byte{{1, 0, 0, 0, 0, 0, 0, 0}, {1, 2, 0, 0, 0, 0, 0, 0}, {1}} {
		it := header.NewNDPOptionIterator(bad)
		if _, ok := it.Next(); ok || !it.Malformed() {
			t.Errorf("% x not malformed", bad)
		}
	}
}
