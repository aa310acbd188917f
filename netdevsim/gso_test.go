package netdevsim_test

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/netdevsim"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// pendingGSO is pending's GSO super-packet: a TCP segment of 3000 payload
// bytes with gso_size 1000 (three segments on the wire).
func pendingGSO(t *testing.T, d *netdev.Device, x *xfrm.State) *packet.Buffer {
	t.Helper()
	inner := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("203.0.113.2"), Dst: netip.MustParseAddr("203.0.113.130"), TTL: 64, Proto: 6},
		build.TCP(build.TCPOpts{SrcPort: 1000, DstPort: 2000, Seq: 1, Flags: 0x18, Window: 1000}, make([]byte, 3000)))
	b := pendingInner(t, d, x, inner)
	b.GSO = packet.GSO{Type: packet.GSOTCPv4, Size: 1000}
	return b
}

// TestGSOThroughOffload: validate_xmit_xfrm's GSO branches. A super-packet
// rerouted to another device, or whose segments would wrap the 32-bit
// sequence number, is segmented with the offload stripped (ESP in
// software: the hardware sees nothing); one on its own device, which
// encrypts but cannot segment ESP, is segmented and every segment
// offloaded. Either way the wire carries three ESP packets with
// consecutive sequence numbers and no GSO metadata; a packet-offload SA
// rerouted is dropped.
func TestGSOThroughOffload(t *testing.T) {
	packettest.CheckBalance(t)
	for _, tc := range []struct {
		name      string
		onOther   bool
		oseq      uint32
		oseqWrap  bool // oseq-may-wrap
		wantWire  int
		wantHW    int64
		wantFirst uint32 // first sequence number on the wire
	}{
		{"own device: segmented, each offloaded", false, 0, false, 3, 3, 1},
		{"rerouted: segmented in software", true, 0, false, 3, 0, 1},
		{"would wrap: segmented in software", false, 0xfffffffe, true, 3, 0, 0xffffffff},
		{"fits before wrap: offloaded", false, 0xfffffff0, false, 3, 3, 0xfffffff1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNS(t)
			d := addSim(t, ns, "eni0", nil)
			other := addSim(t, ns, "eni1", nil)
			c := saConfig(0x700)
			c.Replay.OSeq = tc.oseq
			if tc.oseqWrap {
				c.ExtraFlags |= xfrm.ExtraOSeqMayWrap
			}
			c.Offload = &xfrm.Offload{Ifindex: d.Index(), Dir: xfrm.DirOut}
			x, err := xfrm.ForNamespace(ns).AddState(c, false)
			if err != nil || x.Offload() == nil {
				t.Fatal(err)
			}
			via := d
			if tc.onOther {
				via = other
			}
			var wire []*packet.Buffer
			netdevsim.Of(via).SetWire(func(b *packet.Buffer) { wire = append(wire, b) })
			stack.ValidateXmit(via, pendingGSO(t, via, x), func(b *packet.Buffer) { netdevsim.Of(via).Xmit(via, b) })
			if len(wire) != tc.wantWire {
				t.Fatalf("wire got %d frames, want %d", len(wire), tc.wantWire)
			}
			for i, b := range wire {
				p := b.Bytes()
				if len(p) < 42 || p[14+9] != 50 || b.GSO.Size != 0 || b.SecPath != nil {
					t.Fatalf("frame %d: not a plain ESP packet (gso %+v)", i, b.GSO)
				}
				if len(p) > 14+1500 {
					t.Fatalf("frame %d: %d bytes, not segmented", i, len(p))
				}
				if seq := binary.BigEndian.Uint32(p[38:]); seq != tc.wantFirst+uint32(i) {
					t.Fatalf("frame %d: seq %#x, want %#x", i, seq, tc.wantFirst+uint32(i))
				}
				b.Free()
			}
			if got := netdevsim.Of(d).Counters.Tx.Load(); got != tc.wantHW {
				t.Fatalf("hardware sealed %d, want %d", got, tc.wantHW)
			}
		})
	}
}

// TestSeqWrapWithoutMayWrap: an offloaded SA whose 32-bit sequence number
// is exhausted refuses the packet (XfrmOutStateSeqError, then
// XfrmOutStateProtoError on the device's transform) and the device
// counts the drop; nothing reaches the wire.
func TestSeqWrapWithoutMayWrap(t *testing.T) {
	packettest.CheckBalance(t)
	ns := newNS(t)
	d := addSim(t, ns, "eni0", nil)
	c := saConfig(0x710)
	c.Replay.OSeq = 0xffffffff
	c.Offload = &xfrm.Offload{Ifindex: d.Index(), Dir: xfrm.DirOut}
	x, err := xfrm.ForNamespace(ns).AddState(c, false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	netdevsim.Of(d).SetWire(func(b *packet.Buffer) { n++; b.Free() })
	stack.ValidateXmit(d, pending(t, d, x), func(b *packet.Buffer) { netdevsim.Of(d).Xmit(d, b) })
	mib := xfrm.ForNamespace(ns).MIB
	if n != 0 || mib.Get(xfrm.OutStateSeqError) != 1 || mib.Get(xfrm.OutStateProtoError) != 1 || d.Stats.TxDropped.Load() != 1 {
		t.Fatalf("wire %d, seq errors %d, proto errors %d, tx_dropped %d", n, mib.Get(xfrm.OutStateSeqError),
			mib.Get(xfrm.OutStateProtoError), d.Stats.TxDropped.Load())
	}
}
