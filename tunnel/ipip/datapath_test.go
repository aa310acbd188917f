package ipip_test

import (
	"fmt"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/tunnel"
)

var ecnNames = [4]string{"not-ect", "ect1", "ect0", "ce"}

// TestECNDecap runs RFC 6040 decapsulation (as Linux's
// __INET_ECN_decapsulate does it) over all 4×4 outer/inner combinations.
func TestECNDecap(t *testing.T) {
	packettest.CheckBalance(t)
	defer func(v bool) { tunnel.LogECNErrors = v }(tunnel.LogECNErrors)
	tunnel.LogECNErrors = false
	for o := uint8(0); o < 4; o++ {
		for i := uint8(0); i < 4; i++ {
			t.Run(ecnNames[o]+"/"+ecnNames[i], func(t *testing.T) {
				h := newHarness(t, "")
				h.rcv(t, outer(inner(64, 0x20|i, false), 0x20|o))
				d := h.tun
				if i == header.ECNNotECT && o == header.ECNCE {
					if len(h.in.pkts) != 0 || d.Stats.RxFrameErrors.Load() != 1 || d.Stats.RxErrors.Load() != 1 ||
						d.Drops.Get(tunnel.DropECN) != 1 {
						t.Fatalf("want drop as rx_frame_errors; got %d packets, stats %+v", len(h.in.pkts), d.Stats.Snapshot())
					}
					return
				}
				if len(h.in.pkts) != 1 {
					t.Fatalf("got %d inner packets", len(h.in.pkts))
				}
				ip := header.IPv4(h.in.pkts[0])
				want := i
				if i != header.ECNNotECT && o == header.ECNCE {
					want = header.ECNCE
				}
				if ip.ECN() != want || ip.DSCP() != 0x20>>2 || !ip.IsChecksumValid() {
					t.Errorf("inner ECN %s DSCP %#x csum ok %v, want %s", ecnNames[ip.ECN()], ip.DSCP(), ip.IsChecksumValid(), ecnNames[want])
				}
				if s := d.Stats.Snapshot(); s.RxPackets != 1 || s.RxBytes != 64 || s.RxErrors != 0 {
					t.Errorf("stats %+v", s)
				}
			})
		}
	}
}

// TestEncapHeader checks the outer header over the tunnel's TOS settings ×
// the inner ECN codepoints (RFC 6040 normal mode: CE is carried as
// ECT(0)), with TTL and DF.
func TestEncapHeader(t *testing.T) {
	packettest.CheckBalance(t)
	for _, tc := range []struct {
		args     string
		wantDSCP func(innerTOS uint8) uint8
		ttl      uint8
		df       func(innerDF bool) bool
	}{
		{"ttl 64 tos 0x10", func(uint8) uint8 { return 0x10 }, 64, func(bool) bool { return true }},
		{"ttl 64 tos 0x12", func(uint8) uint8 { return 0x10 }, 64, func(bool) bool { return true }},
		{"tos inherit", func(in uint8) uint8 { return in &^ 3 }, 33, func(bool) bool { return true }},
		{"tos 0x13", func(in uint8) uint8 { return in &^ 3 }, 33, func(bool) bool { return true }},
		{"nopmtudisc", func(uint8) uint8 { return 0 }, 33, func(df bool) bool { return df }},
	} {
		for i := uint8(0); i < 4; i++ {
			for _, innerDF := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/df=%v", tc.args, ecnNames[i], innerDF), func(t *testing.T) {
					h := newHarness(t, tc.args)
					h.xmit(t, inner(100, 0x28|i, innerDF))
					if len(h.out.pkts) != 1 {
						t.Fatalf("got %d frames; tunnel stats %+v", len(h.out.pkts), h.tun.Stats.Snapshot())
					}
					f := h.out.pkts[0]
					ip := header.IPv4(f[header.EthernetMinimumSize:])
					wantECN := header.ECNEncapsulate(i)
					if ip.TOS() != tc.wantDSCP(0x28|i)|wantECN {
						t.Errorf("outer TOS %#x, want %#x", ip.TOS(), tc.wantDSCP(0x28|i)|wantECN)
					}
					if ip.TTL() != tc.ttl || ip.DontFragment() != tc.df(innerDF) || ip.Protocol() != header.IPProtoIPIP ||
						ip.Source() != mustAddr("198.51.100.2") || ip.Destination() != mustAddr("198.51.100.1") ||
						!ip.IsChecksumValid() || int(ip.TotalLength()) != 120 {
						t.Errorf("outer %+v", ip.Fields())
					}
					if in := header.IPv4(ip.Payload()); in.TOS() != 0x28|i || in.TTL() != 33 {
						t.Errorf("inner changed: %+v", in.Fields())
					}
					if s := h.tun.Stats.Snapshot(); s.TxPackets != 1 || s.TxBytes != 100 {
						t.Errorf("tx stats %+v", s)
					}
				})
			}
		}
	}
}

// TestMalformed: truncated and inconsistent packets are dropped and
// counted, never delivered.
func TestMalformed(t *testing.T) {
	packettest.CheckBalance(t)
	good := outer(inner(64, 0, false), 0)
	for _, tc := range []struct {
		name string
		pkt  []byte
	}{
		{"inner-truncated", outer([]byte{0x45, 0, 0}, 0)},
		{"no-inner", outer(nil, 0)},
		{"outer-truncated", good[:15]},
		{"bad-outer-csum", func() []byte { p := append([]byte{}, good...); p[10] ^= 0xff; return p }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "")
			h.rcv(t, tc.pkt)
			h.loop.Run()
			if len(h.in.pkts) != 0 {
				t.Fatalf("delivered %x", h.in.pkts[0])
			}
			total := uint64(0)
			for _, d := range []*netdev.Device{h.under, h.tun} {
				for _, c := range d.Drops.Nonzero() {
					total += c.Count
				}
			}
			if total == 0 {
				t.Errorf("drop not counted")
			}
		})
	}
}

// TestZeroAllocs asserts the steady-state encapsulation and
// decapsulation paths do not allocate.
func TestZeroAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	h := newHarness(t, "ttl 64")
	h.out.discard, h.in.discard = true, true
	in := inner(1400, 0, true)
	out := outer(inner(1400, 0, false), 0)
	h.xmit(t, in)
	h.rcv(t, out)
	if n := testing.AllocsPerRun(200, func() { h.xmit(t, in) }); n != 0 {
		t.Errorf("encap: %v allocs/op", n)
	}
	if n := testing.AllocsPerRun(200, func() { h.rcv(t, out) }); n != 0 {
		t.Errorf("decap: %v allocs/op", n)
	}
}

func BenchmarkEncap(b *testing.B) {
	for _, n := range []int{64, 1400} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			h := newHarness(b, "ttl 64")
			h.out.discard = true
			p := inner(n, 0, true)
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				h.xmit(b, p)
			}
		})
	}
}

func BenchmarkDecap(b *testing.B) {
	for _, n := range []int{64, 1400} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			h := newHarness(b, "")
			h.in.discard = true
			p := outer(inner(n, 0, false), 0)
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				h.rcv(b, p)
			}
		})
	}
}

// FuzzRcv feeds arbitrary outer packets to the receive path: no panic,
// every buffer freed.
func FuzzRcv(f *testing.F) {
	f.Add(outer(inner(64, 0, false), 0))
	f.Add(outer(inner(64, 1, false), 3))
	f.Add(outer([]byte{0x45}, 0))
	f.Add(outer(nil, 0))
	h := newHarness(f, "")
	fb := h.ns.DeviceByName("tunl0")
	fb.SetIngressHook(&capture{discard: true})
	h.in.discard = true
	f.Fuzz(func(t *testing.T, p []byte) {
		if len(p) > 4000 {
			return
		}
		h.rcv(t, p)
		h.loop.Run()
	})
}

// TestGSOSegmentedBeforeEncap: a TCP GSO super-packet is cut into
// segments, each encapsulated on its own.
func TestGSOSegmentedBeforeEncap(t *testing.T) {
	packettest.CheckBalance(t)
	h := newHarness(t, "ttl 64")
	payload := make([]byte, 3000)
	p := build.IPv4(build.IPv4Opts{Src: mustAddr("203.0.113.1"), Dst: mustAddr("203.0.113.2"), Proto: header.IPProtoTCP, DF: true},
		build.TCP(build.TCPOpts{SrcPort: 1000, DstPort: 2000, Seq: 1, Flags: header.TCPFlagACK}, payload))
	b, err := packet.New(packet.DefaultHeadroom, len(p))
	if err != nil {
		t.Fatal(err)
	}
	copy(b.Put(len(p)), p)
	b.Protocol = netdev.EthPIPv4
	b.SetNetworkHeader(0)
	b.GSO = packet.GSO{Type: packet.GSOTCPv4, Size: 1000}
	_ = h.tun.Transmit(b)
	if len(h.out.pkts) != 3 {
		t.Fatalf("got %d outer packets, want 3", len(h.out.pkts))
	}
	for i, f := range h.out.pkts {
		ip := header.IPv4(f[header.EthernetMinimumSize:])
		in := header.IPv4(ip.Payload())
		if ip.Protocol() != header.IPProtoIPIP || int(in.TotalLength()) != 20+20+1000 || !in.IsChecksumValid() {
			t.Errorf("segment %d: outer %+v inner %+v", i, ip.Fields(), in.Fields())
		}
	}
	if s := h.tun.Stats.Snapshot(); s.TxPackets != 3 {
		t.Errorf("tx_packets %d", s.TxPackets)
	}
}
