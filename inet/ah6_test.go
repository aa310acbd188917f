package inet_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

// ahRecorder takes AH packets and records where their transport header is.
type ahRecorder struct {
	seen    int
	thoff   []int   // transport offset from the network header
	nextHdr []uint8 // AH's next header field
}

func (r *ahRecorder) Receive(_ *netdev.Namespace, _ *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	r.seen++
	r.thoff = append(r.thoff, len(b.NetworkHeader())-b.Len())
	if d := b.Bytes(); len(d) > 0 {
		r.nextHdr = append(r.nextHdr, d[0])
	}
	b.Free()
	return inet.Handled
}
func (r *ahRecorder) Err(*netdev.Namespace, inet.ICMPErr) bool { return false }

// ah6 returns a 24-byte AH header naming next, followed by payload.
func ah6(next uint8, payload []byte) []byte {
	b := append([]byte{next, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, make([]byte, 12)...)
	return append(b, payload...)
}

// TestLocalDeliverAH6: IPv6 local delivery hands AH (next header 51) to
// the AH protocol handler, after hop-by-hop, destination options,
// routing and fragment headers, with the transport header at AH
// (ip6_protocol_deliver_rcu), instead of stepping over it.
func TestLocalDeliverAH6(t *testing.T) {
	packettest.CheckBalance(t)
	src, dst := netip.MustParseAddr("2001:db8:1::1"), netip.MustParseAddr("2001:db8:2::2")
	echo := build.ICMPv6Echo(1, 1, make([]byte, 8))
	big := ah6(header.IPProtoICMPv6, build.ICMPv6Echo(1, 2, make([]byte, 64)))
	frag := func(off uint16, more bool, p []byte) []byte {
		return build.IPv6Fragment(header.IPProtoAH, off, more, 99, p)
	}
	o := func(next uint8) build.IPv6Opts {
		return build.IPv6Opts{Src: src, Dst: dst, NextHeader: next, NoL4Checksum: true}
	}
	tests := []struct {
		name  string
		pkts  [][]byte
		thoff int
	}{
		{"ah", [][]byte{build.IPv6(o(header.IPProtoAH), ah6(header.IPProtoICMPv6, echo))}, 40},
		{"hbh dstopts ah", [][]byte{build.IPv6(o(header.IPProtoHopByHop),
			build.IPv6Options(header.IPProtoDstOpts, build.IPv6Options(header.IPProtoAH, ah6(header.IPProtoICMPv6, echo))))}, 56},
		{"ah tunnel", [][]byte{build.IPv6(o(header.IPProtoAH), ah6(header.IPProtoIPv6,
			build.IPv6(build.IPv6Opts{Src: src, Dst: dst, NextHeader: header.IPProtoICMPv6}, echo)))}, 40},
		{"fragments", [][]byte{build.IPv6(o(header.IPProtoFragment), frag(0, true, big[:48])),
			build.IPv6(o(header.IPProtoFragment), frag(48, false, big[48:]))}, 40},
		{"atomic fragment", [][]byte{build.IPv6(o(header.IPProtoFragment), frag(0, false, big))}, 48},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := threeHosts(t)
			rec := &ahRecorder{}
			inet.AddProtocol(inet.FamilyV6, header.IPProtoAH, 1000, rec)
			defer inet.RemoveProtocol(inet.FamilyV6, header.IPProtoAH, rec)
			rt, err := inet.OutputLookup(tp.NS("a"), inet.Flow{Dst: dst})
			if err != nil {
				t.Fatal(err)
			}
			tp.Ping("a", dst.String(), inet.EchoOpts{}) // resolve the neighbours first
			m := &inet.Stats(tp.NS("b")).Ip6
			delivers := m.InDelivers.Load()
			echos := inet.Stats(tp.NS("b")).Icmp6.InType[header.ICMPv6EchoRequest].Load()
			for _, p := range tt.pkts {
				b, _ := packet.New(packet.DefaultHeadroom, len(p))
				copy(b.Put(len(p)), p)
				if err := inet.LocalOut(tp.NS("a"), b, rt); err != nil {
					t.Fatal(err)
				}
			}
			tp.Run()
			if rec.seen != 1 || rec.thoff[0] != tt.thoff || rec.nextHdr[0] == header.IPProtoAH {
				t.Errorf("AH handler saw %d packets, transport offsets %v, next headers %v; want 1 at %d",
					rec.seen, rec.thoff, rec.nextHdr, tt.thoff)
			}
			if m.InDelivers.Load()-delivers != 1 || m.InUnknownProtos.Load() != 0 || m.InHdrErrors.Load() != 0 {
				t.Errorf("b: InDelivers %d, InUnknownProtos %d, InHdrErrors %d; want 1, 0, 0",
					m.InDelivers.Load()-delivers, m.InUnknownProtos.Load(), m.InHdrErrors.Load())
			}
			if n := inet.Stats(tp.NS("b")).Icmp6.InType[header.ICMPv6EchoRequest].Load() - echos; n != 0 {
				t.Errorf("b answered %d echo requests hidden behind AH", n)
			}
		})
	}
}
