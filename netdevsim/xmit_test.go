package netdevsim_test

import (
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

// pending builds a packet as prepOffload leaves it: Ethernet, the
// provisional outer header, the inner packet, the SA binding in SecPath.
func pending(t *testing.T, d *netdev.Device, x *xfrm.State) *packet.Buffer {
	t.Helper()
	inner := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("203.0.113.2"), Dst: netip.MustParseAddr("203.0.113.130"), TTL: 64},
		build.ICMPEcho(1, 1, make([]byte, 56)))
	return pendingInner(t, d, x, inner)
}

// pendingInner is pending with its inner packet given.
func pendingInner(t *testing.T, d *netdev.Device, x *xfrm.State, inner []byte) *packet.Buffer {
	t.Helper()
	outer := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2"), TTL: 64, Proto: 50}, inner)
	b, err := packet.FromBytes(outer)
	if err != nil {
		t.Fatal(err)
	}
	b.SetNetworkHeader(0)
	netdev.PushEthernet(d, b, []byte{2, 0, 0, 0, 0, 2}, 0x0800)
	b.SecPath = x.Offload()
	return b
}

func TestValidateXmit(t *testing.T) {
	packettest.CheckBalance(t)
	for _, tc := range []struct {
		name          string
		packet        bool
		onOther       bool
		wantWire      int
		wantHW        int64
		wantTxDropped uint64
	}{
		{"crypto on its device: hardware", false, false, 1, 1, 0},
		{"crypto rerouted: software", false, true, 1, 0, 0},
		{"packet rerouted: drop", true, true, 0, 0, 1},
		{"packet on its device", true, false, 1, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNS(t)
			d := addSim(t, ns, "eni0", nil)
			other := addSim(t, ns, "eni1", nil)
			c := saConfig(0x400)
			c.Offload = &xfrm.Offload{Ifindex: d.Index(), Dir: xfrm.DirOut, Packet: tc.packet}
			x, err := xfrm.ForNamespace(ns).AddState(c, false)
			if err != nil {
				t.Fatal(err)
			}
			via := d
			if tc.onOther {
				via = other
			}
			var wire []*packet.Buffer
			netdevsim.Of(via).SetWire(func(b *packet.Buffer) { wire = append(wire, b) })
			stack.ValidateXmit(via, pending(t, via, x), func(b *packet.Buffer) { netdevsim.Of(via).Xmit(via, b) })
			if len(wire) != tc.wantWire {
				t.Fatalf("wire got %d frames, want %d", len(wire), tc.wantWire)
			}
			for _, b := range wire {
				p := b.Bytes()
				if len(p) < 34 || p[12] != 8 || p[14]>>4 != 4 || p[14+9] != 50 {
					t.Fatalf("frame is not Ethernet+IPv4+ESP: % x", p[:min(40, len(p))])
				}
				if b.SecPath != nil {
					t.Fatal("transformed packet still marked pending")
				}
				b.Free()
			}
			if got := netdevsim.Of(d).Counters.Tx.Load(); got != tc.wantHW {
				t.Fatalf("hardware tx %d, want %d", got, tc.wantHW)
			}
			if got := via.Stats.TxDropped.Load(); got != tc.wantTxDropped {
				t.Fatalf("tx_dropped %d, want %d", got, tc.wantTxDropped)
			}
		})
	}
}

// TestBacklog: a busy device queues resumed packets and drains them in order.
func TestBacklog(t *testing.T) {
	packettest.CheckBalance(t)
	ns := newNS(t)
	d := addSim(t, ns, "eni0", nil)
	sim := netdevsim.Of(d)
	var got []byte
	sim.SetWire(func(b *packet.Buffer) { got = append(got, b.Bytes()[0]); b.Free() })
	sim.SetBusy(d, true)
	for i := range 5 {
		b, _ := packet.FromBytes([]byte{byte(i), 0, 0, 0})
		stack.Resume(d, b)
	}
	if stack.BacklogLen(d) != 5 || len(got) != 0 {
		t.Fatalf("backlog %d, sent %d", stack.BacklogLen(d), len(got))
	}
	sim.SetBusy(d, false)
	if string(got) != "\x00\x01\x02\x03\x04" {
		t.Fatalf("drained out of order: %v", got)
	}
}
