package flower

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/packet"
)

// FuzzClassify feeds random frames (at ingress: data at the network
// header; at egress: data at the Ethernet header; with and without
// tunnel metadata) to a flower instance holding filters of every key
// kind. Classification must never panic and never read out of bounds.
func FuzzClassify(f *testing.F) {
	f.Add(udp4(v4a, v4b, 1, 53), true, false)
	f.Add(tcp4(0x12, 1, 80), false, true)
	f.Add(icmp6(128), true, true)
	f.Add(build.EthernetVLAN(macB, macA, 100, 3, 0x86DD, build.IPv6(build.IPv6Opts{Src: v6a, Dst: v6b, NextHeader: 44},
		build.IPv6Fragment(17, 0, true, 1, build.UDP(1, 2, nil)))), true, false)
	f.Add([]byte{1, 2, 3}, false, false)
	d := dummy(f)
	h := &head{}
	for _, sp := range fuzzSpecs() {
		if _, _, err := h.Change(nil, 0, sp, 0, nil); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, frame []byte, ingress, tunnel bool) {
		b, err := packet.FromBytes(frame)
		if err != nil {
			return
		}
		defer b.Free()
		if ingress && len(frame) >= 14 {
			b.SetMACHeader()
			b.Protocol = uint16(frame[12])<<8 | uint16(frame[13])
			b.Pull(14)
			b.SetNetworkHeader(0)
		} else {
			b.SetMACHeader()
		}
		if tunnel {
			b.Tunnel = packet.TunnelInfo{Present: true, Src: v4a, Dst: v6b, Key: uint64(len(frame))}
		}
		h.Classify(d, b)
		h.Classify(nil, b)
	})
}

func fuzzSpecs() []*Spec {
	var out []*Spec
	add := func(f func(*Spec)) {
		sp := &Spec{}
		f(sp)
		out = append(out, sp)
	}
	add(func(s *Spec) { s.Key.DstPort, s.Mask.DstPort = 53, 0xffff })
	add(func(s *Spec) { s.DstRange = PortRange{1, 100} })
	add(func(s *Spec) { s.SrcRange = PortRange{1000, 2000}; s.Key.IPProto, s.Mask.IPProto = 6, 0xff })
	add(func(s *Spec) { s.Key.TCPFlags, s.Mask.TCPFlags = 2, 0x12 })
	add(func(s *Spec) { s.Key.ICMPType, s.Mask.ICMPType = 128, 0xff })
	add(func(s *Spec) { s.Key.VlanID, s.Mask.VlanID = 100, 0xfff })
	add(func(s *Spec) {
		s.Key.Src, s.Mask.Src, s.Key.AddrType = prefix(netip.MustParseAddr("2001:db8::"), 32)
		s.Mask.AddrType = 0xff
	})
	add(func(s *Spec) { s.Key.EncKeyID, s.Mask.EncKeyID = 7, ^uint32(0) })
	add(func(*Spec) {})
	return out
}
