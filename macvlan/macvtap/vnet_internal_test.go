package macvtap

import (
	"syscall"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/packet"
	"net/netip"
)

func frameBuf(t *testing.T, f []byte) *packet.Buffer {
	b, err := packet.FromBytes(f)
	if err != nil {
		t.Fatal(err)
	}
	b.SetMACHeader()
	b.SetNetworkHeader(ethHLen)
	return b
}

func TestApplyVnetHdr(t *testing.T) {
	s, d := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	s6, d6 := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	m := header.MAC{2, 0, 0, 0, 0, 1}
	tcp4 := build.Ethernet(m, m, header.EtherTypeIPv4, build.IPv4(build.IPv4Opts{Src: s, Dst: d, Proto: header.IPProtoTCP},
		build.TCP(build.TCPOpts{SrcPort: 1, DstPort: 2}, make([]byte, 3000))))
	tcp6 := build.Ethernet(m, m, header.EtherTypeIPv6, build.IPv6(build.IPv6Opts{Src: s6, Dst: d6, NextHeader: header.IPProtoTCP},
		build.TCP(build.TCPOpts{SrcPort: 1, DstPort: 2}, make([]byte, 3000))))
	udp4 := build.Ethernet(m, m, header.EtherTypeIPv4, build.IPv4(build.IPv4Opts{Src: s, Dst: d, Proto: header.IPProtoUDP},
		build.UDP(1, 2, make([]byte, 3000))))
	const nc = header.VirtioNetHdrFNeedsCsum
	tests := []struct {
		name    string
		frame   []byte
		h       header.VirtioNetHdrFields
		want    error
		gso     packet.GSOType
		partial bool
	}{
		{"plain", tcp4, header.VirtioNetHdrFields{}, nil, 0, false},
		{"data valid is ignored on write", tcp4, header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFDataValid}, nil, 0, false},
		{"needs csum", tcp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 34, CsumOffset: 16}, nil, 0, true},
		{"csum beyond frame", tcp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 4000, CsumOffset: 16}, syscall.EINVAL, 0, false},
		{"csum start below an IPv4 header", tcp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 10, CsumOffset: 16}, syscall.EINVAL, 0, false},
		{"tso4", tcp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 34, CsumOffset: 16, GSOType: 1, GSOSize: 1448}, nil, packet.GSOTCPv4 | packet.GSODodgy, true},
		{"tso4 ecn", tcp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 34, CsumOffset: 16, GSOType: 0x81, GSOSize: 1448}, nil, packet.GSOTCPv4 | packet.GSOTCPECN | packet.GSODodgy, true},
		{"tso4 without csum (dissected)", tcp4, header.VirtioNetHdrFields{GSOType: 1, GSOSize: 1448}, nil, packet.GSOTCPv4 | packet.GSODodgy, false},
		{"tso4 wrong csum offset", tcp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 34, CsumOffset: 6, GSOType: 1, GSOSize: 1448}, syscall.EINVAL, 0, false},
		{"tso4 gso_size 0", tcp4, header.VirtioNetHdrFields{GSOType: 1}, syscall.EINVAL, 0, false},
		{"tso4 on an IPv6 frame (Linux checks only the transport protocol)", tcp6, header.VirtioNetHdrFields{GSOType: 1, GSOSize: 1000}, nil, packet.GSOTCPv4 | packet.GSODodgy, false},
		{"tso6", tcp6, header.VirtioNetHdrFields{Flags: nc, CsumStart: 54, CsumOffset: 16, GSOType: 4, GSOSize: 1428}, nil, packet.GSOTCPv6 | packet.GSODodgy, true},
		{"tso on udp", udp4, header.VirtioNetHdrFields{GSOType: 1, GSOSize: 1000}, syscall.EINVAL, 0, false},
		{"uso", udp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 34, CsumOffset: 6, GSOType: 5, GSOSize: 1000}, nil, packet.GSOUDPL4 | packet.GSODodgy, true},
		{"uso without csum", udp4, header.VirtioNetHdrFields{GSOType: 5, GSOSize: 1000}, syscall.EINVAL, 0, false},
		{"uso with ecn", udp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 34, CsumOffset: 6, GSOType: 0x85, GSOSize: 1000}, syscall.EINVAL, 0, false},
		{"uso too many segments", udp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 34, CsumOffset: 6, GSOType: 5, GSOSize: 10}, syscall.EINVAL, 0, false},
		{"ufo small", udp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 34, CsumOffset: 6, GSOType: 3, GSOSize: 4000}, nil, 0, true},
		{"ufo large is fragmented by the caller", udp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 34, CsumOffset: 6, GSOType: 3, GSOSize: 1000}, errUFO{1000}, 0, false},
		{"gso by frags", tcp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 34, CsumOffset: 16, GSOType: 1, GSOSize: 0xffff}, syscall.EINVAL, 0, false},
		{"small tso is not gso", tcp4, header.VirtioNetHdrFields{Flags: nc, CsumStart: 34, CsumOffset: 16, GSOType: 1, GSOSize: 9000}, nil, 0, true},
		{"unknown gso type", tcp4, header.VirtioNetHdrFields{GSOType: 2, GSOSize: 1000}, syscall.EINVAL, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := frameBuf(t, tt.frame)
			defer b.Free()
			err := applyVnetHdr(b, tt.h)
			if err != tt.want && !(err != nil && tt.want != nil && err.Error() == tt.want.Error()) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			if b.GSO.Type != tt.gso || (b.GSO.Size != 0) != (tt.gso != 0) {
				t.Fatalf("gso %+v, want type %#x", b.GSO, tt.gso)
			}
			if (b.Csum.Mode == packet.CsumPartial) != tt.partial {
				t.Fatalf("csum %+v", b.Csum)
			}
			// The header read back describes the same offload state.
			back := vnetHdrOf(b)
			if tt.partial && (back.CsumStart != tt.h.CsumStart || back.CsumOffset != tt.h.CsumOffset) {
				t.Fatalf("read back %+v", back)
			}
			if tt.gso != 0 && (back.GSOSize != tt.h.GSOSize || back.GSOType != tt.h.GSOType) {
				t.Fatalf("read back %+v", back)
			}
		})
	}
}

func TestFixHdrLen(t *testing.T) {
	h := header.VirtioNetHdrFields{Flags: header.VirtioNetHdrFNeedsCsum, CsumStart: 34, CsumOffset: 16, HdrLen: 10}
	fixHdrLen(&h)
	if h.HdrLen != 52 {
		t.Fatalf("hdr_len %d, want 52", h.HdrLen)
	}
	h = header.VirtioNetHdrFields{CsumStart: 34, CsumOffset: 16, HdrLen: 10}
	fixHdrLen(&h)
	if h.HdrLen != 10 {
		t.Fatal("hdr_len changed without NEEDS_CSUM")
	}
}
