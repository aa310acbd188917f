package hostlink

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

func tcpFrame(payload int) []byte {
	ip := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2"),
		Proto: header.IPProtoTCP}, build.TCP(build.TCPOpts{SrcPort: 1, DstPort: 2, Flags: 0x18, Window: 100}, make([]byte, payload)))
	return build.Ethernet(header.MAC{2, 0, 0, 0, 0, 2}, header.MAC{2, 0, 0, 0, 0, 1}, 0x0800, ip)
}

func vnetHdr(f header.VirtioNetHdrFields) header.VirtioNetHdr {
	h := make(header.VirtioNetHdr, header.VirtioNetHdrSize)
	h.Encode(&f, vnetLE)
	return h
}

func TestFromVnet(t *testing.T) {
	tso := header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFNeedsCsum, GSOType: header.VirtioNetHdrGSOTCPv4,
		HdrLen: 54, GSOSize: 1448, CsumStart: 34, CsumOffset: 16}
	tests := []struct {
		name    string
		f       header.VirtioNetHdrFields
		payload int
		ok      bool
		csum    packet.Csum
		gso     packet.GSO
	}{
		{"none", header.VirtioNetHdrFields{}, 100, true, packet.Csum{}, packet.GSO{}},
		{"data valid", header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFDataValid}, 100, true,
			packet.Csum{Mode: packet.CsumUnnecessary}, packet.GSO{}},
		{"partial", header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFNeedsCsum, CsumStart: 34, CsumOffset: 16}, 100, true,
			packet.Csum{Mode: packet.CsumPartial, Start: 20, Offset: 16}, packet.GSO{}},
		{"tso", tso, 3000, true, packet.Csum{Mode: packet.CsumPartial, Start: 20, Offset: 16},
			packet.GSO{Type: packet.GSOTCPv4 | packet.GSODodgy, Size: 1448, Segs: 3}},
		{"tso ecn", func() header.VirtioNetHdrFields { f := tso; f.GSOType |= header.VirtioNetHdrGSOECN; return f }(), 1449, true,
			packet.Csum{Mode: packet.CsumPartial, Start: 20, Offset: 16},
			packet.GSO{Type: packet.GSOTCPv4 | packet.GSOTCPECN | packet.GSODodgy, Size: 1448, Segs: 2}},
		{"csum beyond frame", header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFNeedsCsum, CsumStart: 2000, CsumOffset: 16}, 100, false,
			packet.Csum{}, packet.GSO{}},
		{"gso without csum", func() header.VirtioNetHdrFields { f := tso; f.Flags = 0; return f }(), 3000, false, packet.Csum{}, packet.GSO{}},
		{"gso size zero", func() header.VirtioNetHdrFields { f := tso; f.GSOSize = 0; return f }(), 3000, false, packet.Csum{}, packet.GSO{}},
		{"ufo refused", func() header.VirtioNetHdrFields { f := tso; f.GSOType = header.VirtioNetHdrGSOUDP; return f }(), 3000, false,
			packet.Csum{}, packet.GSO{}},
		{"tso of udp", func() header.VirtioNetHdrFields { f := tso; f.GSOType = header.VirtioNetHdrGSOUDPL4; return f }(), 3000, true,
			packet.Csum{Mode: packet.CsumPartial, Start: 20, Offset: 16}, packet.GSO{Type: packet.GSOUDPL4 | packet.GSODodgy, Size: 1448, Segs: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			packettest.CheckBalance(t)
			b, _ := packet.FromBytes(tcpFrame(tt.payload))
			defer b.Free()
			ok := fromVnet(vnetHdr(tt.f), b, 14)
			if ok != tt.ok {
				t.Fatalf("ok = %v", ok)
			}
			if ok && (b.Csum != tt.csum || b.GSO != tt.gso) {
				t.Errorf("csum %+v gso %+v, want %+v %+v", b.Csum, b.GSO, tt.csum, tt.gso)
			}
		})
	}
}

func TestVnetFields(t *testing.T) {
	tests := []struct {
		name string
		csum packet.Csum
		gso  packet.GSO
		ok   bool
		want header.VirtioNetHdrFields
	}{
		{"plain", packet.Csum{}, packet.GSO{}, true, header.VirtioNetHdrFields{}},
		{"verified", packet.Csum{Mode: packet.CsumUnnecessary}, packet.GSO{}, true,
			header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFDataValid}},
		{"partial", packet.Csum{Mode: packet.CsumPartial, Start: 20, Offset: 16}, packet.GSO{}, true,
			header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFNeedsCsum, CsumStart: 34, CsumOffset: 16}},
		{"tso", packet.Csum{Mode: packet.CsumPartial}, packet.GSO{Type: packet.GSOTCPv4 | packet.GSODodgy, Size: 1000}, true,
			header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFNeedsCsum, GSOType: header.VirtioNetHdrGSOTCPv4,
				HdrLen: 54, GSOSize: 1000, CsumStart: 34, CsumOffset: 16}},
		{"tunnel gso", packet.Csum{Mode: packet.CsumPartial}, packet.GSO{Type: packet.GSOTCPv4 | packet.GSOIPIP, Size: 1000}, false,
			header.VirtioNetHdrFields{}},
		{"v6 gso on v4", packet.Csum{Mode: packet.CsumPartial}, packet.GSO{Type: packet.GSOTCPv6, Size: 1000}, false,
			header.VirtioNetHdrFields{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			packettest.CheckBalance(t)
			b, _ := packet.FromBytes(tcpFrame(3000))
			defer b.Free()
			b.Csum, b.GSO = tt.csum, tt.gso
			f, ok := vnetFields(b, 14)
			if ok != tt.ok || (ok && f != tt.want) {
				t.Errorf("got %+v %v, want %+v %v", f, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestVnetRoundTrip: what the transmit side writes, the receive side reads
// back as the same metadata.
func TestVnetRoundTrip(t *testing.T) {
	packettest.CheckBalance(t)
	b, _ := packet.FromBytes(tcpFrame(5000))
	defer b.Free()
	b.Csum = packet.Csum{Mode: packet.CsumPartial, Start: 20, Offset: 16}
	b.GSO = packet.GSO{Type: packet.GSOTCPv4, Size: 1448}
	f, ok := vnetFields(b, 14)
	if !ok {
		t.Fatal("not expressible")
	}
	c, _ := packet.FromBytes(b.Bytes())
	defer c.Free()
	if !fromVnet(vnetHdr(f), c, 14) {
		t.Fatal("refused")
	}
	if c.Csum != b.Csum || c.GSO.Size != 1448 || c.GSO.Type&packet.GSOTCPv4 == 0 || c.GSO.Segs != 4 {
		t.Errorf("csum %+v gso %+v", c.Csum, c.GSO)
	}
}

func TestVnetZeroAlloc(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	b, _ := packet.FromBytes(tcpFrame(3000))
	defer b.Free()
	h := vnetHdr(header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFNeedsCsum, GSOType: header.VirtioNetHdrGSOTCPv4,
		HdrLen: 54, GSOSize: 1448, CsumStart: 34, CsumOffset: 16})
	n := testing.AllocsPerRun(100, func() {
		fromVnet(h, b, 14)
		vnetFields(b, 14)
	})
	if n != 0 {
		t.Errorf("%v allocations per packet", n)
	}
}

// FuzzFromVnet: a host-supplied header and frame never panic, and accepted
// GSO metadata is consistent.
func FuzzFromVnet(f *testing.F) {
	f.Add(make([]byte, 10), tcpFrame(100), true)
	f.Add([]byte(vnetHdr(header.VirtioNetHdrFields{Flags: 1, GSOType: 1, HdrLen: 54, GSOSize: 1448, CsumStart: 34, CsumOffset: 16})),
		tcpFrame(3000), true)
	f.Add([]byte{1, 4, 0, 0, 0, 1, 40, 0, 6, 0}, []byte{0x60, 0, 0, 0, 0, 8, 17, 64}, false)
	f.Fuzz(func(t *testing.T, hdr, frame []byte, tap bool) {
		if len(hdr) < header.VirtioNetHdrSize || len(frame) > 65000 {
			return
		}
		b, err := packet.FromBytes(frame)
		if err != nil {
			return
		}
		defer b.Free()
		nh := 0
		if tap {
			nh = 14
		}
		if fromVnet(header.VirtioNetHdr(hdr), b, nh) && b.GSO.Size != 0 && b.GSO.Segs == 0 {
			t.Fatalf("gso %+v without segments", b.GSO)
		}
		vnetFields(b, nh)
	})
}
