package header_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
)

var addrCmp = cmp.Comparer(func(a, b interface{ String() string }) bool { return a.String() == b.String() })

func seedIPv4(f *testing.F) {
	f.Add(build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, Proto: header.IPProtoICMP}, build.ICMPEcho(1, 2, []byte("x"))))
	f.Add(build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, Proto: header.IPProtoUDP, Options: []byte{148, 4, 0, 0, 1, 7, 7, 4, 0, 0, 0, 0}}, build.UDP(1, 2, nil)))
	f.Add(build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, Proto: header.IPProtoTCP, MF: true, FragOff: 1480}, make([]byte, 8)))
	f.Add([]byte{0x4f, 0, 0, 20})
	f.Add([]byte{})
}

func FuzzIPv4(f *testing.F) {
	seedIPv4(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ip := header.IPv4(data)
		if ip.Check(len(data)) != header.IPv4OK {
			return
		}
		it := header.NewIPv4OptionIterator(ip.Options())
		for o, ok := it.Next(); ok; o, ok = it.Next() {
			_ = o.Len()
		}
		_, _, _ = ip.Payload(), ip.IsFragment(), ip.IsChecksumValid()
		// Round trip: Fields -> Encode -> Fields.
		want := ip.Fields()
		out := header.IPv4(make([]byte, header.IPv4EncodedLength(&want)))
		out.Encode(&want)
		if got := out.Fields(); !cmp.Equal(want, got, addrCmp) {
			t.Fatalf("round trip:\n%s", cmp.Diff(want, got, addrCmp))
		}
		if !bytes.Equal(out, ip.Header()) {
			t.Fatalf("re-encoded header % x != % x", []byte(out), ip.Header())
		}
		out.UpdateChecksum()
		if !out.IsChecksumValid() {
			t.Fatal("UpdateChecksum did not make the checksum valid")
		}
	})
}

func FuzzIPv4Options(f *testing.F) {
	f.Add([]byte{1, 1, 0, 0})
	f.Add([]byte{148, 4, 0, 0, 131, 7, 4, 192, 0, 2, 1})
	f.Add([]byte{1, 148})
	f.Add([]byte{7, 255, 1})
	f.Fuzz(func(t *testing.T, opts []byte) {
		it := header.NewIPv4OptionIterator(opts)
		var re []byte
		last := -1
		for o, ok := it.Next(); ok; o, ok = it.Next() {
			if o.Offset <= last || o.Offset+o.Len() > len(opts) {
				t.Fatalf("option at %d len %d out of order or bounds (%d)", o.Offset, o.Len(), len(opts))
			}
			last = o.Offset
			re = append(re, o.Type)
			if o.Type != header.IPv4OptionNOP {
				re = append(re, byte(len(o.Data)+2))
				re = append(re, o.Data...)
			}
		}
		if it.Malformed() {
			if off := it.ErrorOffset(); off < 0 || off >= len(opts) {
				t.Fatalf("error offset %d outside %d bytes", off, len(opts))
			}
			return
		}
		if !bytes.Equal(re, opts[:len(re)]) {
			t.Fatalf("re-encoded options % x != % x", re, opts[:len(re)])
		}
		if len(re) < len(opts) && opts[len(re)] != header.IPv4OptionEOL {
			t.Fatalf("iteration stopped at %d without EOL", len(re))
		}
	})
}

func FuzzIPv6Ext(f *testing.F) {
	tcp := build.TCP(build.TCPOpts{SrcPort: 1, DstPort: 2}, nil)
	f.Add(build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: header.IPProtoHopByHop},
		build.IPv6Options(header.IPProtoFragment, build.IPv6Fragment(header.IPProtoTCP, 0, true, 9, tcp))))
	f.Add(build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: header.IPProtoAH}, []byte{6, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
	f.Add(build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: header.IPProtoFragment}, build.IPv6Fragment(header.IPProtoUDP, 64, false, 1, nil)))
	f.Add(build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: header.IPProtoHopByHop},
		build.IPv6Options(header.IPProtoAH, []byte{header.IPProtoTCP, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1})))
	f.Add(make([]byte, 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		info := header.WalkIPv6(data)
		if info.Offset < 0 || info.Offset > len(data) || info.Count > header.IPv6MaxExtHeaders {
			t.Fatalf("info %+v outside %d bytes", info, len(data))
		}
		if info.Status == header.IPv6ExtOK && info.Count > 0 && data[info.NextHeaderOffset] != info.Protocol {
			t.Fatalf("next-header byte at %d is %d, protocol %d", info.NextHeaderOffset, data[info.NextHeaderOffset], info.Protocol)
		}
		if info.Fragment != nil {
			_ = info.Fragment.Fields()
		}
		stop := header.WalkIPv6Flags(data, header.IPv6WalkStopAtAH)
		if stop.Offset < 0 || stop.Offset > len(data) || stop.Count > info.Count {
			t.Fatalf("stop-at-AH walk %+v beyond the full walk %+v", stop, info)
		}
		if stop.Protocol != header.IPProtoAH && (stop.Status != info.Status || stop.Protocol != info.Protocol ||
			stop.Offset != info.Offset || stop.NextHeaderOffset != info.NextHeaderOffset || stop.Count != info.Count) {
			t.Fatalf("walks without AH differ: %+v and %+v", stop, info)
		}
		ip := header.IPv6(data)
		if !ip.IsValid(len(data)) {
			return
		}
		want := ip.Fields()
		out := header.IPv6(make([]byte, header.IPv6MinimumSize))
		out.Encode(&want)
		if !bytes.Equal(out, data[:header.IPv6MinimumSize]) || !cmp.Equal(want, out.Fields(), addrCmp) {
			t.Fatalf("IPv6 round trip % x != % x", []byte(out), data[:40])
		}
	})
}

func FuzzICMPv4(f *testing.F) {
	f.Add(build.ICMPEcho(1, 2, []byte("ping")))
	f.Add(build.ICMPFragNeeded(1400, make([]byte, 28)))
	f.Add([]byte{3, 3, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		m := header.ICMPv4(data)
		if !m.IsValid() {
			return
		}
		_, _, _, _ = m.MTU(), m.Pointer(), m.Gateway(), m.Payload()
		want := m.Fields()
		out := header.ICMPv4(append([]byte{}, data...))
		clear(out[:8])
		out.Encode(&want)
		if !bytes.Equal(out, data) || out.Fields() != want {
			t.Fatal("ICMPv4 round trip")
		}
		out.UpdateChecksum()
		if !out.IsChecksumValid() {
			t.Fatal("checksum")
		}
	})
}

func FuzzICMPv6NDP(f *testing.F) {
	f.Add(build.NeighborSolicit(dst6, header.MAC{2, 0, 0, 0, 0, 1}))
	f.Add(build.NeighborAdvert(dst6, header.NDPNAFlagRouter, header.MAC{2}))
	f.Add(build.RouterSolicit(header.MAC{2}))
	f.Add(build.ICMPv6Echo(1, 1, nil))
	f.Add(append(build.ICMPv6(header.ICMPv6RouterAdvert, 0, 0, make([]byte, 8)), 3, 4, 64))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := header.ICMPv6(data)
		if !m.IsValid() {
			return
		}
		want := m.Fields()
		out := header.ICMPv6(append([]byte{}, data...))
		clear(out[:8])
		out.Encode(&want)
		if !bytes.Equal(out, data) || out.Fields() != want {
			t.Fatal("ICMPv6 round trip")
		}
		s, d := src6.As16(), dst6.As16()
		out.UpdateChecksum(s[:], d[:])
		if !out.IsChecksumValid(s[:], d[:]) {
			t.Fatal("checksum")
		}
		if !m.IsNDPValid() {
			if m.NDPOptions() != nil {
				t.Fatal("options of a non-NDP message")
			}
			return
		}
		if m.Type() != header.ICMPv6RouterSolicit && m.Type() != header.ICMPv6RouterAdvert {
			_ = m.NDPTarget()
		}
		opts := m.NDPOptions()
		it := header.NewNDPOptionIterator(opts)
		end := 0
		for o, ok := it.Next(); ok; o, ok = it.Next() {
			if o.Offset != end || len(o.Bytes)%8 != 0 || len(o.Bytes) == 0 {
				t.Fatalf("option at %d (expected %d) len %d", o.Offset, end, len(o.Bytes))
			}
			end += len(o.Bytes)
			_, _ = o.LinkLayerAddress()
			_, _ = o.MTU()
			if pi, ok := o.PrefixInfo(); ok {
				_ = pi.Prefix()
			}
		}
		if !it.Malformed() && end != len(opts) {
			t.Fatalf("options consumed %d of %d", end, len(opts))
		}
	})
}

func FuzzUDP(f *testing.F) {
	f.Add(build.UDPWithChecksum(src4, dst4, 53, 1024, []byte("dns")))
	f.Add([]byte{0, 1, 0, 2, 0, 8, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		u := header.UDP(data)
		if !u.IsValid() {
			return
		}
		_ = u.Payload()
		want := u.Fields()
		out := header.UDP(make([]byte, len(data)))
		copy(out, data)
		clear(out[:8])
		out.Encode(&want)
		if out.Fields() != want || !bytes.Equal(out, data) {
			t.Fatal("UDP round trip")
		}
		s, d := src4.As4(), dst4.As4()
		out.UpdateChecksum(s[:], d[:])
		if !out.IsChecksumValid(s[:], d[:]) || out.Checksum() == 0 {
			t.Fatal("checksum")
		}
	})
}

func FuzzTCP(f *testing.F) {
	f.Add(build.TCP(build.TCPOpts{SrcPort: 1, DstPort: 2, Flags: header.TCPFlagSYN, Options: []byte{2, 4, 5, 0xb4, 1, 3, 3, 7}}, []byte("x")))
	f.Add(make([]byte, 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		tc := header.TCP(data)
		if !tc.IsValid() {
			return
		}
		_ = tc.Payload()
		want := tc.Fields()
		out := header.TCP(make([]byte, len(data)))
		copy(out, data)
		out.Encode(&want)
		data2 := append([]byte{}, data...)
		data2[12] &^= 0x0f // Encode clears the reserved bits
		if got := out.Fields(); !cmp.Equal(got, want) || !bytes.Equal(out, data2) {
			t.Fatalf("TCP round trip:\n%s", cmp.Diff(want, got))
		}
		s, d := src6.As16(), dst6.As16()
		out.UpdateChecksum(s[:], d[:])
		if !out.IsChecksumValid(s[:], d[:]) {
			t.Fatal("checksum")
		}
	})
}

func FuzzARP(f *testing.F) {
	f.Add(build.ARPRequest(header.MAC{2, 0, 0, 0, 0, 1}, src4, dst4))
	f.Add(build.ARPReply(header.MAC{2}, src4, header.MAC{4}, dst4))
	f.Fuzz(func(t *testing.T, data []byte) {
		a := header.ARP(data)
		if !a.IsValid() {
			return
		}
		want := a.Fields()
		out := header.ARP(make([]byte, header.ARPSize))
		out.Encode(&want)
		if out.Fields() != want || !bytes.Equal(out, data[:header.ARPSize]) {
			t.Fatal("ARP round trip")
		}
	})
}

func FuzzMPLS(f *testing.F) {
	f.Add(build.MPLS([]header.MPLSFields{{Label: 16, TTL: 64}, {Label: 1 << 19, TC: 7, TTL: 1}}, []byte{0x45}))
	f.Add([]byte{0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		n, ok := header.MPLSStackDepth(data, header.MPLSMaxDepth)
		if n*header.MPLSEntrySize > len(data) || n > header.MPLSMaxDepth {
			t.Fatalf("depth %d beyond %d bytes", n, len(data))
		}
		for i := range n {
			e := header.MPLS(data[i*4:])
			want := e.Fields()
			if want.BottomOfStack != (ok && i == n-1) {
				t.Fatalf("entry %d S bit %v", i, want.BottomOfStack)
			}
			out := header.MPLS(make([]byte, 4))
			out.Encode(&want)
			if out.Fields() != want || !bytes.Equal(out, data[i*4:i*4+4]) {
				t.Fatal("MPLS round trip")
			}
		}
	})
}

func FuzzEthernet(f *testing.F) {
	f.Add(build.EthernetVLAN(header.BroadcastMAC, header.MAC{2}, 100, 3, header.EtherTypeARP, build.ARPRequest(header.MAC{2}, src4, dst4)))
	f.Add(build.Ethernet(header.MAC{0x33, 0x33}, header.MAC{2}, header.EtherTypeQinQ, []byte{0, 1, 0x81, 0, 0, 2, 0x86, 0xdd}))
	f.Fuzz(func(t *testing.T, data []byte) {
		tags, ok := header.ParseEthernetTags(data)
		if tags.N > header.MaxVLANTags || (ok && tags.Offset > len(data)) {
			t.Fatalf("tags %+v", tags)
		}
		e := header.Ethernet(data)
		if !e.IsValid() {
			return
		}
		want := e.Fields()
		out := header.Ethernet(make([]byte, header.EthernetMinimumSize))
		out.Encode(&want)
		if out.Fields() != want || !bytes.Equal(out, data[:14]) {
			t.Fatal("Ethernet round trip")
		}
		if v := header.VLAN(e.Payload()); v.IsValid() {
			vf := v.Fields()
			vo := header.VLAN(make([]byte, header.VLANSize))
			vo.Encode(&vf)
			if !bytes.Equal(vo, v[:header.VLANSize]) {
				t.Fatal("VLAN round trip")
			}
		}
	})
}

func FuzzParseMAC(f *testing.F) {
	f.Add("02:00:00:00:01:01")
	f.Add("a-b-c-d-e-f")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := header.ParseMAC(s)
		if err != nil {
			return
		}
		if m2, err := header.ParseMAC(m.String()); err != nil || m2 != m {
			t.Fatalf("%q -> %v -> %v %v", s, m, m2, err)
		}
	})
}
