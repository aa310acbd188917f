package macvtap_test

import (
	"encoding/binary"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
)

// tcpGSOFrame is a guest's TSO frame: Ethernet/IPv4/TCP with payload
// bytes of data, the TCP checksum holding the pseudo-header sum
// (CHECKSUM_PARTIAL), and its virtio-net header.
func tcpGSOFrame(payload, mss int, ecn bool) []byte {
	data := make([]byte, payload)
	for i := range data {
		data[i] = byte(i)
	}
	tcp := build.TCP(build.TCPOpts{SrcPort: 40000, DstPort: 80, Seq: 1000, Flags: header.TCPFlagACK | header.TCPFlagPSH | 0x80, Window: 512}, data)
	ip := build.IPv4(build.IPv4Opts{Src: ip0, Dst: ip1, Proto: header.IPProtoTCP, ID: 7, NoL4Checksum: true}, tcp)
	ph := header.PseudoHeaderChecksum(header.IPProtoTCP, ip[12:16], ip[16:20], uint16(len(tcp)))
	binary.BigEndian.PutUint16(ip[20+16:], ph)
	frame := build.Ethernet(mac1, mac0, header.EtherTypeIPv4, ip)
	gt := header.VirtioNetHdrGSOTCPv4
	if ecn {
		gt |= header.VirtioNetHdrGSOECN
	}
	return withHdr(header.VirtioNetHdrFields{
		Flags: header.VirtioNetHdrFNeedsCsum, GSOType: gt, HdrLen: 54, GSOSize: uint16(mss),
		CsumStart: 34, CsumOffset: 16,
	}, frame)
}

func TestGSOToReaders(t *testing.T) {
	const payload, mss = 60000, 1448
	tests := []struct {
		name    string
		iff     uint16
		offload uint32
		frames  int
	}{
		{"vnet_hdr with TSO", macvtap.IffTAP | macvtap.IffNoPI | macvtap.IffVnetHdr, macvtap.TunFCsum | macvtap.TunFTSO4 | macvtap.TunFTSOECN, 1},
		{"vnet_hdr without TSO", macvtap.IffTAP | macvtap.IffNoPI | macvtap.IffVnetHdr, macvtap.TunFCsum, (payload + mss - 1) / mss},
		{"no vnet_hdr", macvtap.IffTAP | macvtap.IffNoPI, macvtap.TunFCsum | macvtap.TunFTSO4, (payload + mss - 1) / mss},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			q0 := open(t, e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0))
			q1 := open(t, e.macvtap(t, "macvtap1", macvlan.ModeBridge, mac1))
			q1.SetNonblock(true)
			if err := q1.SetIff("", tt.iff); err != nil {
				t.Fatal(err)
			}
			if err := q1.SetOffload(tt.offload); err != nil {
				t.Fatal(err)
			}
			in := tcpGSOFrame(payload, mss, true)
			if n, err := q0.Write(in); err != nil || n != len(in) {
				t.Fatalf("write %d %v", n, err)
			}
			e.run()
			if q1.Len() != tt.frames {
				t.Fatalf("%d frames queued, want %d", q1.Len(), tt.frames)
			}
			buf := make([]byte, 70000)
			total := 0
			hlen := 0
			if tt.iff&macvtap.IffVnetHdr != 0 {
				hlen = 10
			}
			for i := range tt.frames {
				n, err := q1.Read(buf)
				if err != nil {
					t.Fatal(err)
				}
				h := header.VirtioNetHdr(buf).Decode(false)
				ip := header.IPv4(buf[hlen+14 : n])
				tcp := header.TCP(ip.Payload())
				if tt.frames == 1 {
					if h.GSOType != header.VirtioNetHdrGSOTCPv4|header.VirtioNetHdrGSOECN || h.GSOSize != mss ||
						h.Flags != header.VirtioNetHdrFNeedsCsum || h.CsumStart != 34 || h.CsumOffset != 16 || h.HdrLen != 54 {
						t.Fatalf("vnet header %+v", h)
					}
				} else {
					if hlen > 0 && (h.GSOType != 0 || h.Flags&header.VirtioNetHdrFNeedsCsum != 0) {
						t.Fatalf("segment %d header %+v", i, h)
					}
					if !ip.IsChecksumValid() || !tcp.IsChecksumValid(ip.SourceSlice(), ip.DestinationSlice()) {
						t.Fatalf("segment %d: bad checksum", i)
					}
					if got, want := tcp.Seq(), uint32(1000+i*mss); got != want {
						t.Fatalf("segment %d seq %d, want %d", i, got, want)
					}
					last := i == tt.frames-1
					if (tcp.Flags()&header.TCPFlagPSH != 0) != last || (tcp.Flags()&0x80 != 0) != (i == 0) {
						t.Fatalf("segment %d flags %#x", i, tcp.Flags())
					}
					if ip.ID() != uint16(7+i) {
						t.Fatalf("segment %d id %d", i, ip.ID())
					}
				}
				total += len(tcp.Payload())
			}
			if total != payload {
				t.Fatalf("payload %d, want %d", total, payload)
			}
		})
	}
}

func TestPartialChecksumCompletedForReaderWithoutCsum(t *testing.T) {
	e := newEnv(t)
	q0 := open(t, e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0))
	q1 := open(t, e.macvtap(t, "macvtap1", macvlan.ModeBridge, mac1))
	q1.SetNonblock(true)
	q1.SetOffload(0)
	in := tcpGSOFrame(100, 1448, false)
	if _, err := q0.Write(in); err != nil {
		t.Fatal(err)
	}
	e.run()
	buf := make([]byte, 2000)
	n, err := q1.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if h := header.VirtioNetHdr(buf).Decode(false); h.Flags != 0 || h.GSOType != 0 {
		t.Fatalf("header %+v", h)
	}
	ip := header.IPv4(buf[24:n])
	if !header.TCP(ip.Payload()).IsChecksumValid(ip.SourceSlice(), ip.DestinationSlice()) {
		t.Fatal("checksum not completed")
	}
}
