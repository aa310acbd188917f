package gso_test

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/softnet/softnet/gso"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

var (
	s4, d4 = netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	s6, d6 = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	m      = header.MAC{2, 0, 0, 0, 0, 1}
)

func payload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i * 7)
	}
	return p
}

func superPacket(t testing.TB, v6, udp bool, n int, mss uint16) *packet.Buffer {
	var l4 []byte
	var proto uint8
	if udp {
		l4, proto = build.UDP(40000, 40001, payload(n)), header.IPProtoUDP
	} else {
		l4, proto = build.TCP(build.TCPOpts{SrcPort: 1000, DstPort: 2000, Seq: 42, Flags: header.TCPFlagACK | header.TCPFlagFIN}, payload(n)), header.IPProtoTCP
	}
	var ip []byte
	et := header.EtherTypeIPv4
	if v6 {
		ip, et = build.IPv6(build.IPv6Opts{Src: s6, Dst: d6, NextHeader: proto}, l4), header.EtherTypeIPv6
	} else {
		ip = build.IPv4(build.IPv4Opts{Src: s4, Dst: d4, Proto: proto, ID: 100}, l4)
	}
	b, err := packet.FromBytes(build.Ethernet(m, m, et, ip))
	if err != nil {
		t.Fatal(err)
	}
	b.SetMACHeader()
	b.SetNetworkHeader(14)
	typ := packet.GSOTCPv4
	switch {
	case udp:
		typ = packet.GSOUDPL4
	case v6:
		typ = packet.GSOTCPv6
	}
	b.GSO = packet.GSO{Type: typ, Size: mss}
	return b
}

func TestSegment(t *testing.T) {
	tests := []struct {
		name    string
		v6, udp bool
		n       int
		mss     uint16
		segs    int
	}{
		{"tcp4", false, false, 10000, 1448, 7},
		{"tcp6", true, false, 10000, 1428, 8},
		{"udp4", false, true, 3000, 1000, 3},
		{"udp6", true, true, 2500, 1000, 3},
		{"exact multiple", false, false, 2896, 1448, 2},
		{"one segment", false, false, 100, 1448, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			packettest.CheckBalance(t)
			var got [][]byte
			err := gso.Segment(superPacket(t, tt.v6, tt.udp, tt.n, tt.mss), func(s *packet.Buffer) {
				got = append(got, append([]byte(nil), s.Bytes()...))
				s.Free()
			})
			if err != nil || len(got) != tt.segs {
				t.Fatalf("%d segments, %v; want %d", len(got), err, tt.segs)
			}
			var all []byte
			for i, f := range got {
				p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
				if el := p.ErrorLayer(); el != nil {
					t.Fatalf("segment %d: %v", i, el.Error())
				}
				var pl []byte
				if tcp, ok := p.TransportLayer().(*layers.TCP); ok {
					tcp.SetNetworkLayerForChecksum(p.NetworkLayer())
					if tcp.Seq != uint32(42+i*int(tt.mss)) || tcp.FIN != (i == len(got)-1) {
						t.Fatalf("segment %d seq %d fin %v", i, tcp.Seq, tcp.FIN)
					}
					pl = tcp.Payload
				} else {
					udp := p.TransportLayer().(*layers.UDP)
					if int(udp.Length) != 8+len(udp.Payload) {
						t.Fatalf("segment %d udp length %d", i, udp.Length)
					}
					pl = udp.Payload
				}
				if !checksumsValid(f, tt.v6) {
					t.Fatalf("segment %d: bad checksum", i)
				}
				if ip4, ok := p.NetworkLayer().(*layers.IPv4); ok && ip4.Id != uint16(100+i) {
					t.Fatalf("segment %d id %d", i, ip4.Id)
				}
				all = append(all, pl...)
			}
			if string(all) != string(payload(tt.n)) {
				t.Fatal("payload differs after segmentation")
			}
		})
	}
}

func checksumsValid(f []byte, v6 bool) bool {
	if v6 {
		ip := header.IPv6(f[14:])
		l4 := f[54:]
		c := header.PseudoHeaderChecksum(ip.NextHeader(), ip[8:24], ip[24:40], uint16(len(l4)))
		return header.Checksum(l4, c) == 0xffff
	}
	ip := header.IPv4(f[14:])
	l4 := ip.Payload()
	c := header.PseudoHeaderChecksum(ip.Protocol(), ip.SourceSlice(), ip.DestinationSlice(), uint16(len(l4)))
	return ip.IsChecksumValid() && header.Checksum(l4, c) == 0xffff
}

func TestSegmentErrors(t *testing.T) {
	packettest.CheckBalance(t)
	b := superPacket(t, false, false, 3000, 1000)
	b.GSO.Type = packet.GSOTCPv6
	if err := gso.Segment(b, func(s *packet.Buffer) { s.Free() }); !errors.Is(err, gso.ErrMalformed) {
		t.Fatalf("v6 type on v4: %v", err)
	}
	b = superPacket(t, false, false, 3000, 1000)
	b.GSO.Type = packet.GSOESP
	if err := gso.Segment(b, func(s *packet.Buffer) { s.Free() }); !errors.Is(err, gso.ErrUnsupported) {
		t.Fatalf("esp: %v", err)
	}
	b = superPacket(t, false, false, 3000, 1000)
	b.Trim(30)
	if err := gso.Segment(b, func(s *packet.Buffer) { s.Free() }); !errors.Is(err, gso.ErrMalformed) {
		t.Fatalf("truncated: %v", err)
	}
}

func TestChecksum(t *testing.T) {
	packettest.CheckBalance(t)
	b := superPacket(t, false, true, 500, 0)
	b.GSO = packet.GSO{}
	d := b.Bytes()
	ip := header.IPv4(d[14:])
	ph := header.PseudoHeaderChecksum(header.IPProtoUDP, ip.SourceSlice(), ip.DestinationSlice(), uint16(len(ip.Payload())))
	binary.BigEndian.PutUint16(d[14+20+6:], ph)
	b.Csum = packet.Csum{Mode: packet.CsumPartial, Start: 34, Offset: 6}
	if err := gso.Checksum(b); err != nil || b.Csum.Mode != packet.CsumNone || !checksumsValid(b.Bytes(), false) {
		t.Fatalf("checksum: %v %+v", err, b.Csum)
	}
	b.Csum = packet.Csum{Mode: packet.CsumPartial, Start: 600, Offset: 6}
	if err := gso.Checksum(b); err == nil {
		t.Fatal("offset beyond the packet accepted")
	}
	b.Free()
}

func TestChecksumAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("pool under -race")
	}
	b := superPacket(t, false, true, 500, 0)
	defer b.Free()
	if n := testing.AllocsPerRun(100, func() {
		b.Csum = packet.Csum{Mode: packet.CsumPartial, Start: 34, Offset: 6}
		gso.Checksum(b)
	}); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

func FuzzSegment(f *testing.F) {
	f.Add(superPacket(f, false, false, 3000, 1000).Bytes(), uint16(1000), uint8(0), uint8(14))
	f.Add(superPacket(f, true, true, 3000, 700).Bytes(), uint16(700), uint8(2), uint8(14))
	f.Add([]byte{0x45}, uint16(1), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, mss uint16, typ uint8, nh uint8) {
		b, err := packet.FromBytes(data)
		if err != nil {
			return
		}
		b.SetNetworkHeader(int(nh))
		b.GSO = packet.GSO{Type: packet.GSOType(1) << (typ % 8), Size: mss}
		gso.Segment(b, func(s *packet.Buffer) {
			if s.Len() > len(data)+60 {
				t.Fatalf("segment larger than the input")
			}
			s.Free()
		})
	})
}

func BenchmarkSegmentTCP64K(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(65000)
	for b.Loop() {
		gso.Segment(superPacket(b, false, false, 65000, 1448), func(s *packet.Buffer) { s.Free() })
	}
}
