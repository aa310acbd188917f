package flower

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/sched"
)

var (
	macA = header.MAC{2, 0, 0, 0, 0, 1}
	macB = header.MAC{2, 0, 0, 0, 0, 2}
	v4a  = netip.MustParseAddr("192.0.2.1")
	v4b  = netip.MustParseAddr("198.51.100.7")
	v6a  = netip.MustParseAddr("2001:db8::1")
	v6b  = netip.MustParseAddr("2001:db8:1::9")
)

func dummy(t testing.TB) *netdev.Device {
	t.Helper()
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	d, err := w.Init().NewLink(&netdev.LinkRequest{Name: "d0", Kind: "dummy"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// rx turns an Ethernet frame into a packet as the ingress hook sees it.
func rx(t testing.TB, d *netdev.Device, frame []byte) *packet.Buffer {
	t.Helper()
	b, err := packet.FromBytes(frame)
	if err != nil {
		t.Fatal(err)
	}
	netdev.EthTypeTrans(d, b)
	return b
}

func udp4(src, dst netip.Addr, sport, dport uint16) []byte {
	return build.Ethernet(macB, macA, 0x0800, build.IPv4(build.IPv4Opts{Src: src, Dst: dst, Proto: 17, TOS: 0x10, TTL: 63},
		build.UDP(sport, dport, []byte("hello"))))
}

func tcp4(flags uint8, sport, dport uint16) []byte {
	return build.Ethernet(macB, macA, 0x0800, build.IPv4(build.IPv4Opts{Src: v4a, Dst: v4b, Proto: 6},
		build.TCP(build.TCPOpts{SrcPort: sport, DstPort: dport, Flags: flags}, nil)))
}

func icmp6(typ uint8) []byte {
	return build.Ethernet(macB, macA, 0x86DD, build.IPv6(build.IPv6Opts{Src: v6a, Dst: v6b, NextHeader: 58, TrafficClass: 0xb8},
		build.ICMPv6(typ, 0, 0, nil)))
}

func ip4(s *Spec) { s.Key.EthType, s.Mask.EthType = 0x0800, 0xffff }

func prefix(a netip.Addr, bits int) ([16]byte, [16]byte, uint8) {
	v, fam := Addr16(a)
	var m [16]byte
	for i := 0; i < bits; i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return v, m, fam
}

func TestMatch(t *testing.T) {
	d := dummy(t)
	tests := []struct {
		name  string
		spec  func(*Spec)
		frame []byte
		want  bool
	}{
		{"empty-matches-all", func(*Spec) {}, udp4(v4a, v4b, 1, 2), true},
		{"eth-type", ip4, udp4(v4a, v4b, 1, 2), true},
		{"eth-type-v6-miss", ip4, icmp6(128), false},
		{"dst-mac", func(s *Spec) { s.Key.DstMAC, s.Mask.DstMAC = macB, [6]byte{255, 255, 255, 255, 255, 255} }, udp4(v4a, v4b, 1, 2), true},
		{"src-mac-prefix", func(s *Spec) {
			s.Key.SrcMAC, s.Mask.SrcMAC = [6]byte{2, 0, 0, 0, 0, 0xff}, [6]byte{255, 255, 255, 255, 255, 0}
		}, udp4(v4a, v4b, 1, 2), true},
		{"src-mac-miss", func(s *Spec) { s.Key.SrcMAC, s.Mask.SrcMAC = macB, [6]byte{255, 255, 255, 255, 255, 255} }, udp4(v4a, v4b, 1, 2), false},
		{"ip-proto", func(s *Spec) { ip4(s); s.Key.IPProto, s.Mask.IPProto = 17, 0xff }, udp4(v4a, v4b, 1, 2), true},
		{"src-prefix", func(s *Spec) {
			ip4(s)
			s.Key.Src, s.Mask.Src, s.Key.AddrType = prefix(netip.MustParseAddr("192.0.2.200"), 24)
			s.Mask.AddrType = 0xff
		}, udp4(v4a, v4b, 1, 2), true},
		{"dst-prefix-miss", func(s *Spec) {
			ip4(s)
			s.Key.Dst, s.Mask.Dst, s.Key.AddrType = prefix(netip.MustParseAddr("198.51.101.0"), 24)
			s.Mask.AddrType = 0xff
		}, udp4(v4a, v4b, 1, 2), false},
		{"v6-dst-prefix", func(s *Spec) {
			s.Key.Dst, s.Mask.Dst, s.Key.AddrType = prefix(netip.MustParseAddr("2001:db8:1::"), 48)
			s.Mask.AddrType = 0xff
		}, icmp6(128), true},
		{"ports", func(s *Spec) { s.Key.SrcPort, s.Mask.SrcPort, s.Key.DstPort, s.Mask.DstPort = 1000, 0xffff, 53, 0xffff }, udp4(v4a, v4b, 1000, 53), true},
		{"port-miss", func(s *Spec) { s.Key.DstPort, s.Mask.DstPort = 54, 0xffff }, udp4(v4a, v4b, 1000, 53), false},
		{"dst-range", func(s *Spec) { s.DstRange = PortRange{50, 60} }, udp4(v4a, v4b, 1000, 53), true},
		{"dst-range-miss", func(s *Spec) { s.DstRange = PortRange{54, 60} }, udp4(v4a, v4b, 1000, 53), false},
		{"src-range-edge", func(s *Spec) { s.SrcRange = PortRange{900, 1000} }, udp4(v4a, v4b, 1000, 53), true},
		{"tos-masked", func(s *Spec) { s.Key.TOS, s.Mask.TOS = 0x1f, 0xf0 }, udp4(v4a, v4b, 1, 2), true},
		{"ttl", func(s *Spec) { s.Key.TTL, s.Mask.TTL = 63, 0xff }, udp4(v4a, v4b, 1, 2), true},
		{"ttl-miss", func(s *Spec) { s.Key.TTL, s.Mask.TTL = 64, 0xff }, udp4(v4a, v4b, 1, 2), false},
		{"tcp-syn", func(s *Spec) { s.Key.TCPFlags, s.Mask.TCPFlags = 0x02, 0x12 }, tcp4(0x02, 1, 80), true},
		{"tcp-synack-miss", func(s *Spec) { s.Key.TCPFlags, s.Mask.TCPFlags = 0x02, 0x12 }, tcp4(0x12, 1, 80), false},
		{"icmpv6-type", func(s *Spec) { s.Key.IPProto, s.Mask.IPProto, s.Key.ICMPType, s.Mask.ICMPType = 58, 0xff, 128, 0xff }, icmp6(128), true},
		{"icmpv6-type-miss", func(s *Spec) { s.Key.ICMPType, s.Mask.ICMPType = 129, 0xff }, icmp6(128), false},
		{"v6-tclass", func(s *Spec) { s.Key.TOS, s.Mask.TOS = 0xb8, 0xff }, icmp6(128), true},
		{"vlan", func(s *Spec) {
			s.Key.VlanTPID, s.Mask.VlanTPID, s.Key.VlanID, s.Mask.VlanID = 0x8100, 0xffff, 100, 0xfff
			s.Key.VlanPrio, s.Mask.VlanPrio = 3, 7
			ip4(s)
		}, build.EthernetVLAN(macB, macA, 100, 3, 0x0800, build.IPv4(build.IPv4Opts{Src: v4a, Dst: v4b, Proto: 17}, build.UDP(1, 2, nil))), true},
		{"vlan-id-miss", func(s *Spec) { s.Key.VlanID, s.Mask.VlanID = 101, 0xfff },
			build.EthernetVLAN(macB, macA, 100, 3, 0x0800, build.IPv4(build.IPv4Opts{Src: v4a, Dst: v4b, Proto: 17}, build.UDP(1, 2, nil))), false},
		{"fragment-has-no-ports", func(s *Spec) { s.Key.DstPort, s.Mask.DstPort = 2, 0xffff },
			build.Ethernet(macB, macA, 0x0800, build.IPv4(build.IPv4Opts{Src: v4a, Dst: v4b, Proto: 17, MF: true}, build.UDP(1, 2, nil))), false},
		{"enc-needs-tunnel", func(s *Spec) { s.Key.EncKeyID, s.Mask.EncKeyID = 42, ^uint32(0) }, udp4(v4a, v4b, 1, 2), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			packettest.CheckBalance(t)
			h := &head{}
			sp := &Spec{}
			tc.spec(sp)
			if err := (kind{}).Check(sp); err != nil {
				t.Fatal(err)
			}
			if _, _, err := h.Change(nil, 0, sp, 0, nil); err != nil {
				t.Fatal(err)
			}
			b := rx(t, d, tc.frame)
			defer b.Free()
			if got := h.match(d, b) != nil; got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTunnelKeys(t *testing.T) {
	d := dummy(t)
	h := &head{}
	sp := &Spec{}
	sp.Key.EncKeyID, sp.Mask.EncKeyID = 42, ^uint32(0)
	sp.Key.EncSrc, sp.Mask.EncSrc, sp.Key.EncAddrType = prefix(v4a, 32)
	sp.Key.EncDst, sp.Mask.EncDst, _ = prefix(v4b, 24)
	sp.Mask.EncAddrType = 0xff
	sp.Key.EncDstPort, sp.Mask.EncDstPort = 4789, 0xffff
	if _, _, err := h.Change(nil, 0, sp, 0, nil); err != nil {
		t.Fatal(err)
	}
	b := rx(t, d, udp4(v4a, v4b, 1, 2))
	defer b.Free()
	b.Tunnel = packet.TunnelInfo{Present: true, Src: v4a, Dst: netip.MustParseAddr("198.51.100.99"), Key: 42, TPDst: 4789}
	if h.match(d, b) == nil {
		t.Fatal("tunnel metadata did not match")
	}
	b.Tunnel.Key = 43
	if h.match(d, b) != nil {
		t.Fatal("wrong key id matched")
	}
	b.Tunnel.Key, b.Tunnel.Src = 42, v6a
	if h.match(d, b) != nil {
		t.Fatal("IPv6 outer source matched an IPv4 filter")
	}
}

// TestMaskOrder: masks are tried in creation order, first match wins;
// within a mask the key decides.
func TestMaskOrder(t *testing.T) {
	d := dummy(t)
	h := &head{}
	add := func(sp *Spec) uint32 {
		t.Helper()
		hd, _, err := h.Change(nil, 0, sp, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		return hd
	}
	byPort := &Spec{}
	byPort.Key.DstPort, byPort.Mask.DstPort = 53, 0xffff
	anyUDP := &Spec{}
	anyUDP.Key.IPProto, anyUDP.Mask.IPProto = 17, 0xff
	h1 := add(byPort)
	h2 := add(anyUDP)
	b := rx(t, d, udp4(v4a, v4b, 1, 53))
	defer b.Free()
	if f := h.match(d, b); f == nil || f.handle != h1 {
		t.Fatalf("want handle %d first, got %v", h1, f)
	}
	b2 := rx(t, d, udp4(v4a, v4b, 1, 54))
	defer b2.Free()
	if f := h.match(d, b2); f == nil || f.handle != h2 {
		t.Fatalf("want handle %d, got %v", h2, f)
	}
	if n := len(h.load().masks); n != 2 {
		t.Fatalf("%d masks, want 2", n)
	}
	// Deleting the first mask's only filter removes the mask.
	h.Delete(h.Get(h1))
	if n := len(h.load().masks); n != 1 {
		t.Fatalf("%d masks after delete, want 1", n)
	}
	if f := h.match(d, b); f == nil || f.handle != h2 {
		t.Fatalf("after delete want handle %d, got %v", h2, f)
	}
}

func TestChangeRules(t *testing.T) {
	h := &head{}
	sp := &Spec{}
	sp.Key.DstPort, sp.Mask.DstPort = 80, 0xffff
	h1, _, err := h.Change(nil, 0, sp, 0, nil)
	if err != nil || h1 != 1 {
		t.Fatalf("first handle %d, %v", h1, err)
	}
	// Same masked key under the same mask: EEXIST, no message.
	if _, _, err := h.Change(nil, 0, sp, 0, nil); extack.ErrnoOf(err) != syscall.EEXIST || extack.MessageOf(err) != "" {
		t.Fatalf("duplicate: %v", err)
	}
	// A different key, explicit handle 7, then auto handles fill 2.
	sp2 := *sp
	sp2.Key.DstPort = 443
	if hd, _, err := h.Change(nil, 7, &sp2, 0, nil); err != nil || hd != 7 {
		t.Fatalf("handle 7: %d %v", hd, err)
	}
	sp3 := *sp
	sp3.Key.DstPort = 8080
	if hd, _, _ := h.Change(nil, 0, &sp3, 0, nil); hd != 2 {
		t.Fatalf("auto handle %d, want 2", hd)
	}
	// Replace keeps the handle and swaps the match.
	exts := &sched.Exts{}
	sp4 := *sp
	sp4.Key.DstPort = 81
	if hd, old, err := h.Change(h.Get(7), 0, &sp4, 0, exts); err != nil || hd != 7 || old != nil {
		t.Fatalf("replace: %d %v %v", hd, old, err)
	}
	if got := h.Get(7).(*Filter).spec.Key.DstPort; got != 81 {
		t.Fatalf("replaced port %d", got)
	}
	// Replacing into an existing key fails and leaves the old filter.
	if _, _, err := h.Change(h.Get(7), 0, sp, 0, nil); extack.ErrnoOf(err) != syscall.EEXIST {
		t.Fatalf("replace onto duplicate: %v", err)
	}
	if got := h.Get(7).(*Filter).spec.Key.DstPort; got != 81 {
		t.Fatalf("failed replace changed the filter: port %d", got)
	}
	var hs []uint32
	for _, f := range h.Filters() {
		hs = append(hs, f.Handle())
	}
	if len(hs) != 3 || hs[0] != 1 || hs[1] != 2 || hs[2] != 7 {
		t.Fatalf("handles %v", hs)
	}
	// Same ranges under a range mask are duplicates; different ones are not.
	r := &Spec{DstRange: PortRange{10, 20}}
	if _, _, err := h.Change(nil, 0, r, 0, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Change(nil, 0, r, 0, nil); extack.ErrnoOf(err) != syscall.EEXIST {
		t.Fatalf("range duplicate: %v", err)
	}
	if _, _, err := h.Change(nil, 0, &Spec{DstRange: PortRange{10, 21}}, 0, nil); err != nil {
		t.Fatalf("second range: %v", err)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		sp    Spec
		errno syscall.Errno
		msg   string
	}{
		{"ct-state", Spec{CTState: 8, CTStateMask: 8}, syscall.EOPNOTSUPP, "ct_state matching needs connection tracking, which softnet does not have"},
		{"range", Spec{DstRange: PortRange{5, 5}}, syscall.EINVAL, "Invalid destination port range (min must be strictly smaller than max)"},
		{"src-range", Spec{SrcRange: PortRange{9, 5}}, syscall.EINVAL, "Invalid source port range (min must be strictly smaller than max)"},
	}
	for _, tc := range tests {
		err := (kind{}).Check(&tc.sp)
		var e *extack.Error
		if !errors.As(err, &e) || e.Errno != tc.errno || e.Msg != tc.msg {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestPackRoundTrip(t *testing.T) {
	f := Fields{DstMAC: macA, SrcMAC: macB, EthType: 0x86dd, VlanTPID: 0x8100, VlanID: 7, VlanPrio: 2,
		IPProto: 6, AddrType: 6, TOS: 1, TTL: 2, SrcPort: 3, DstPort: 4, TCPFlags: 0x12, ICMPType: 5, ICMPCode: 6,
		EncAddrType: 4, EncKeyID: 99, EncDstPort: 4789}
	f.Src, _ = Addr16(v6a)
	f.Dst, _ = Addr16(v6b)
	f.EncSrc, _ = Addr16(v4a)
	f.EncDst, _ = Addr16(v4b)
	k := f.pack()
	if got := k.unpack(); got != f {
		t.Fatalf("round trip:\n%+v\n%+v", got, f)
	}
}

func TestClassifyAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	d := dummy(t)
	h := populate(t, 1000, 10)
	b := rx(t, d, udp4(v4a, v4b, 1, 2))
	defer b.Free()
	if n := testing.AllocsPerRun(100, func() { h.Classify(d, b) }); n != 0 {
		t.Fatalf("%v allocs per classify", n)
	}
}

// populate makes n filters spread over masks distinct masks (prefixes of
// different lengths of a destination 203.0.113.x, /23 to /32 for 10 masks,
// each filter a different destination port); none matches udp4's
// destination (v4b, in 198.51.100.0/24).
func populate(t testing.TB, n, masks int) *head {
	h := &head{}
	for i := 0; i < n; i++ {
		bits := 33 - masks + i%masks
		a := netip.AddrFrom4([4]byte{203, 0, 113, byte(i)})
		p := netip.PrefixFrom(a, bits).Masked()
		sp := &Spec{}
		ip4(sp)
		sp.Key.Dst, sp.Mask.Dst, sp.Key.AddrType = prefix(p.Addr(), bits)
		sp.Mask.AddrType = 0xff
		sp.Key.IPProto, sp.Mask.IPProto = 17, 0xff
		sp.Key.DstPort, sp.Mask.DstPort = uint16(i), 0xffff
		if _, _, err := h.Change(nil, 0, sp, 0, nil); err != nil {
			t.Fatal(i, err)
		}
	}
	if got := len(h.load().masks); got != masks {
		t.Fatalf("%d masks, want %d", got, masks)
	}
	return h
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
