package build_test

import (
	"bytes"
	"net"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
)

// These tests decode what the builders produce with gopacket/layers, an
// independent implementation, and compare fields and checksums.

var (
	mac1   = header.MAC{0x02, 0, 0, 0, 1, 1}
	mac2   = header.MAC{0x02, 0, 0, 0, 2, 2}
	src4   = netip.MustParseAddr("192.0.2.1")
	dst4   = netip.MustParseAddr("198.51.100.2")
	src6   = netip.MustParseAddr("2001:db8::1")
	dst6   = netip.MustParseAddr("2001:db8::2")
	bytes4 = []byte("payload!")
)

type verifier interface {
	VerifyChecksum() (error, gopacket.ChecksumVerificationResult)
}

func checkSum(t *testing.T, name string, l verifier) {
	t.Helper()
	err, r := l.VerifyChecksum()
	if err != nil || !r.Valid || r.Correct != r.Actual {
		t.Errorf("%s checksum: err %v result %+v", name, err, r)
	}
}

func decode(t *testing.T, frame []byte) gopacket.Packet {
	t.Helper()
	p := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	if el := p.ErrorLayer(); el != nil {
		t.Fatalf("gopacket: %v", el.Error())
	}
	return p
}

func ip(a netip.Addr) net.IP { return net.IP(a.AsSlice()) }

func TestGopacketIPv4ICMP(t *testing.T) {
	frame := build.Ethernet(mac2, mac1, header.EtherTypeIPv4,
		build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, TTL: 7, Proto: header.IPProtoICMP, ID: 0x4242, DF: true, TOS: 0xb8,
			Options: []byte{header.IPv4OptionRA, 4, 0, 0}},
			build.ICMPEcho(0x1234, 9, bytes4)))
	p := decode(t, frame)
	eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if !bytes.Equal(eth.SrcMAC, mac1[:]) || !bytes.Equal(eth.DstMAC, mac2[:]) || eth.EthernetType != layers.EthernetTypeIPv4 {
		t.Fatalf("ethernet %+v", eth)
	}
	v4 := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if v4.TTL != 7 || v4.Id != 0x4242 || v4.Flags != layers.IPv4DontFragment || v4.TOS != 0xb8 || v4.IHL != 6 ||
		!v4.SrcIP.Equal(ip(src4)) || !v4.DstIP.Equal(ip(dst4)) || v4.Protocol != layers.IPProtocolICMPv4 ||
		int(v4.Length) != len(frame)-14 || len(v4.Options) != 1 || v4.Options[0].OptionType != header.IPv4OptionRA {
		t.Fatalf("ipv4 %+v", v4)
	}
	checkSum(t, "ipv4", v4)
	ic := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
	if ic.TypeCode.Type() != layers.ICMPv4TypeEchoRequest || ic.Id != 0x1234 || ic.Seq != 9 || !bytes.Equal(ic.Payload, bytes4) {
		t.Fatalf("icmp %+v", ic)
	}
	checkSum(t, "icmpv4", ic)
}

func TestGopacketIPv4Fragment(t *testing.T) {
	frame := build.Ethernet(mac2, mac1, header.EtherTypeIPv4,
		build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, Proto: header.IPProtoUDP, MF: true, FragOff: 1480}, make([]byte, 16)))
	p := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	v4 := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if v4.Flags != layers.IPv4MoreFragments || v4.FragOffset != 1480/8 || v4.TTL != 64 {
		t.Fatalf("ipv4 %+v", v4)
	}
	checkSum(t, "ipv4", v4)
}

func TestGopacketUDPTCP(t *testing.T) {
	tcpOpts := build.TCPOpts{SrcPort: 443, DstPort: 50000, Seq: 1000, Ack: 2000, Flags: header.TCPFlagACK | header.TCPFlagPSH,
		Window: 512, Options: []byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}}
	for _, tc := range []struct {
		name string
		v6   bool
		tcp  bool
	}{{"udp4", false, false}, {"udp6", true, false}, {"tcp4", false, true}, {"tcp6", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			var l4 []byte
			proto := header.IPProtoUDP
			if tc.tcp {
				l4, proto = build.TCP(tcpOpts, bytes4), header.IPProtoTCP
			} else {
				l4 = build.UDP(5000, 7000, bytes4)
			}
			var frame []byte
			if tc.v6 {
				frame = build.Ethernet(mac2, mac1, header.EtherTypeIPv6, build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: proto}, l4))
			} else {
				frame = build.Ethernet(mac2, mac1, header.EtherTypeIPv4, build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, Proto: proto}, l4))
			}
			p := decode(t, frame)
			nl := p.NetworkLayer()
			if tc.tcp {
				tl := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
				if err := tl.SetNetworkLayerForChecksum(nl); err != nil {
					t.Fatal(err)
				}
				if tl.SrcPort != 443 || tl.DstPort != 50000 || tl.Seq != 1000 || tl.Ack != 2000 || !tl.ACK || !tl.PSH || tl.SYN ||
					tl.Window != 512 || tl.DataOffset != 8 || !bytes.Equal(tl.Payload, bytes4) {
					t.Fatalf("tcp %+v", tl)
				}
				checkSum(t, "tcp", tl)
			} else {
				ul := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
				if err := ul.SetNetworkLayerForChecksum(nl); err != nil {
					t.Fatal(err)
				}
				if ul.SrcPort != 5000 || ul.DstPort != 7000 || int(ul.Length) != len(l4) || !bytes.Equal(ul.Payload, bytes4) {
					t.Fatalf("udp %+v", ul)
				}
				checkSum(t, "udp", ul)
			}
		})
	}
}

func TestGopacketIPv6ICMPv6(t *testing.T) {
	frame := build.Ethernet(mac2, mac1, header.EtherTypeIPv6,
		build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, HopLimit: 3, NextHeader: header.IPProtoICMPv6, TrafficClass: 0x2e, FlowLabel: 0xabcde},
			build.ICMPv6Echo(77, 88, bytes4)))
	p := decode(t, frame)
	v6 := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
	if v6.HopLimit != 3 || v6.TrafficClass != 0x2e || v6.FlowLabel != 0xabcde || !v6.SrcIP.Equal(ip(src6)) || !v6.DstIP.Equal(ip(dst6)) ||
		v6.NextHeader != layers.IPProtocolICMPv6 || int(v6.Length) != 8+len(bytes4) {
		t.Fatalf("ipv6 %+v", v6)
	}
	ic := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
	_ = ic.SetNetworkLayerForChecksum(v6)
	checkSum(t, "icmpv6", ic)
	echo := p.Layer(layers.LayerTypeICMPv6Echo).(*layers.ICMPv6Echo)
	if ic.TypeCode.Type() != layers.ICMPv6TypeEchoRequest || echo.Identifier != 77 || echo.SeqNumber != 88 {
		t.Fatalf("echo %+v %+v", ic, echo)
	}
}

func TestGopacketNDP(t *testing.T) {
	snm := header.SolicitedNodeAddr(dst6)
	frame := build.Ethernet(header.IPv6MulticastMAC(snm), mac1, header.EtherTypeIPv6,
		build.IPv6(build.IPv6Opts{Src: src6, Dst: snm, HopLimit: 255, NextHeader: header.IPProtoICMPv6},
			build.NeighborSolicit(dst6, mac1)))
	p := decode(t, frame)
	ic := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
	_ = ic.SetNetworkLayerForChecksum(p.NetworkLayer())
	checkSum(t, "ns", ic)
	ns := p.Layer(layers.LayerTypeICMPv6NeighborSolicitation).(*layers.ICMPv6NeighborSolicitation)
	if !ns.TargetAddress.Equal(ip(dst6)) || len(ns.Options) != 1 || ns.Options[0].Type != layers.ICMPv6OptSourceAddress ||
		!bytes.Equal(ns.Options[0].Data, mac1[:]) {
		t.Fatalf("ns %+v", ns)
	}

	frame = build.Ethernet(mac1, mac2, header.EtherTypeIPv6,
		build.IPv6(build.IPv6Opts{Src: dst6, Dst: src6, HopLimit: 255, NextHeader: header.IPProtoICMPv6},
			build.NeighborAdvert(dst6, header.NDPNAFlagSolicited|header.NDPNAFlagOverride, mac2)))
	p = decode(t, frame)
	ic = p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
	_ = ic.SetNetworkLayerForChecksum(p.NetworkLayer())
	checkSum(t, "na", ic)
	na := p.Layer(layers.LayerTypeICMPv6NeighborAdvertisement).(*layers.ICMPv6NeighborAdvertisement)
	if na.Router() || !na.Solicited() || !na.Override() || !na.TargetAddress.Equal(ip(dst6)) ||
		len(na.Options) != 1 || !bytes.Equal(na.Options[0].Data, mac2[:]) {
		t.Fatalf("na %+v", na)
	}
}

func TestGopacketIPv6ExtHeaders(t *testing.T) {
	frame := build.Ethernet(mac2, mac1, header.EtherTypeIPv6,
		build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: header.IPProtoHopByHop},
			build.IPv6Options(header.IPProtoDstOpts, build.IPv6Options(header.IPProtoUDP, build.UDP(1, 2, bytes4)))))
	p := decode(t, frame)
	if p.Layer(layers.LayerTypeIPv6HopByHop) == nil || p.Layer(layers.LayerTypeIPv6Destination) == nil {
		t.Fatalf("extension headers not found: %v", p)
	}
	ul := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	_ = ul.SetNetworkLayerForChecksum(p.NetworkLayer())
	checkSum(t, "udp after ext headers", ul)

	frame = build.Ethernet(mac2, mac1, header.EtherTypeIPv6,
		build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: header.IPProtoFragment},
			build.IPv6Fragment(header.IPProtoUDP, 1232, true, 0xcafe, make([]byte, 8))))
	p = gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	fr, _ := p.Layer(layers.LayerTypeIPv6Fragment).(*layers.IPv6Fragment)
	if fr == nil || fr.FragmentOffset != 1232/8 || !fr.MoreFragments || fr.Identification != 0xcafe || fr.NextHeader != layers.IPProtocolUDP {
		t.Fatalf("fragment %+v", fr)
	}
}

func TestGopacketARPVLANMPLS(t *testing.T) {
	frame := build.EthernetVLAN(header.BroadcastMAC, mac1, 100, 5, header.EtherTypeARP, build.ARPRequest(mac1, src4, dst4))
	p := decode(t, frame)
	q := p.Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q)
	if q.VLANIdentifier != 100 || q.Priority != 5 || q.Type != layers.EthernetTypeARP {
		t.Fatalf("dot1q %+v", q)
	}
	a := p.Layer(layers.LayerTypeARP).(*layers.ARP)
	if a.Operation != layers.ARPRequest || a.AddrType != layers.LinkTypeEthernet || a.Protocol != layers.EthernetTypeIPv4 ||
		!bytes.Equal(a.SourceHwAddress, mac1[:]) || !bytes.Equal(a.SourceProtAddress, src4.AsSlice()) ||
		!bytes.Equal(a.DstProtAddress, dst4.AsSlice()) || !bytes.Equal(a.DstHwAddress, make([]byte, 6)) {
		t.Fatalf("arp %+v", a)
	}

	inner := build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, Proto: header.IPProtoICMP}, build.ICMPEcho(1, 1, nil))
	frame = build.Ethernet(mac2, mac1, header.EtherTypeMPLSUnicast,
		build.MPLS([]header.MPLSFields{{Label: 100, TC: 1, TTL: 64}, {Label: 0xfffff, TC: 7, TTL: 1}}, inner))
	p = gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	var got []layers.MPLS
	for _, l := range p.Layers() {
		if m, ok := l.(*layers.MPLS); ok {
			got = append(got, *m)
		}
	}
	if len(got) != 2 || got[0].Label != 100 || got[0].TrafficClass != 1 || got[0].StackBottom || got[0].TTL != 64 ||
		got[1].Label != 0xfffff || got[1].TrafficClass != 7 || !got[1].StackBottom || got[1].TTL != 1 {
		t.Fatalf("mpls %+v", got)
	}
}

func TestFixChecksums(t *testing.T) {
	pkt := build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, Proto: header.IPProtoTCP}, build.TCP(build.TCPOpts{SrcPort: 1, DstPort: 2}, bytes4))
	v4 := header.IPv4(pkt)
	v4.SetSource(netip.MustParseAddr("203.0.113.9"))
	tc := header.TCP(v4.Payload())
	if v4.IsChecksumValid() || tc.IsChecksumValid(v4.SourceSlice(), v4.DestinationSlice()) {
		t.Fatal("checksums unexpectedly valid after rewrite")
	}
	build.FixChecksums(pkt)
	if !v4.IsChecksumValid() || !tc.IsChecksumValid(v4.SourceSlice(), v4.DestinationSlice()) {
		t.Fatal("FixChecksums did not fix")
	}
	p6 := build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: header.IPProtoICMPv6}, build.ICMPv6Echo(1, 2, nil))
	header.IPv6(p6).SetHopLimit(1)
	header.IPv6(p6).SetDestination(src6)
	build.FixChecksums(p6)
	s, d := src6.As16(), src6.As16()
	if !header.ICMPv6(p6[40:]).IsChecksumValid(s[:], d[:]) {
		t.Fatal("ICMPv6 checksum not fixed")
	}
	for _, junk := range [][]byte{nil, {0x45}, {0x60, 0, 0}, make([]byte, 41)} {
		build.FixChecksums(junk)
	}
	if len(build.Pad(build.Ethernet(mac1, mac2, 0x88b5, nil))) != 60 {
		t.Fatal("Pad")
	}
}
