package inet_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

type declining struct{ seen int }

func (d *declining) Receive(*netdev.Namespace, *netdev.Device, *packet.Buffer) inet.ProtoVerdict {
	d.seen++
	return inet.Declined
}
func (d *declining) Err(*netdev.Namespace, inet.ICMPErr) bool { return false }

type taking struct{ seen, errs int }

func (t *taking) Receive(_ *netdev.Namespace, _ *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	t.seen++
	b.Free()
	return inet.Handled
}
func (t *taking) Err(*netdev.Namespace, inet.ICMPErr) bool { t.errs++; return true }

func TestProtocolTableAndHooks(t *testing.T) {
	tp := threeHosts(t)
	hi, lo := &declining{}, &taking{}
	inet.AddProtocol(inet.FamilyV4, 253, 10, hi)
	inet.AddProtocol(inet.FamilyV4, 253, 0, lo)
	defer inet.RemoveProtocol(inet.FamilyV4, 253, hi)
	defer inet.RemoveProtocol(inet.FamilyV4, 253, lo)
	dst := netip.MustParseAddr("198.51.100.2")
	rt, err := inet.OutputLookup(tp.NS("a"), inet.Flow{Dst: dst})
	if err != nil {
		t.Fatal(err)
	}
	send := func() {
		b, _ := packet.New(packet.DefaultHeadroom, 28)
		p := b.Put(28)
		ip := header.IPv4(p)
		ip.Encode(&header.IPv4Fields{TTL: 64, Protocol: 253, Src: rt.SelectSource(dst), Dst: dst})
		if err := inet.LocalOut(tp.NS("a"), b, rt); err != nil {
			t.Fatal(err)
		}
		tp.Run()
	}
	send()
	if hi.seen != 1 || lo.seen != 1 {
		t.Errorf("declining handler saw %d, taking handler %d; want 1, 1", hi.seen, lo.seen)
	}
	var hooked int
	inet.SetOutputHook(func(ns *netdev.Namespace, b *packet.Buffer, d *inet.Dst, fam int, fwd bool) inet.HookVerdict {
		if ns.Name() != "r" || !fwd {
			return inet.HookPass
		}
		hooked++
		b.Free()
		return inet.HookDropped
	})
	defer inet.SetOutputHook(nil)
	send()
	if hooked != 1 || lo.seen != 1 {
		t.Errorf("output hook took %d, handler saw %d", hooked, lo.seen)
	}
}
