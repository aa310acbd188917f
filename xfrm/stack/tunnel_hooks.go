package stack

import (
	"encoding/binary"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/ah"
	"github.com/softnet/softnet/xfrm/esp"
	"github.com/softnet/softnet/xfrm/ipcomp"
)

// This file holds what route-based IPsec devices (vti, xfrm interfaces)
// need from the xfrm glue: an input with the SA lookup mark given by the
// caller and a completion callback (xfrm_input with the tunnel's i_key and
// the xfrm4_protocol cb_handler), the input policy check on a packet with
// a caller-chosen mark and if_id, and the output lookup of a bundle for a
// flow with a mark and if_id (xfrm_lookup_with_ifid).

// InputCB is the completion of a hooked input (the cb_handler of
// xfrm4_protocol / xfrm_tunnel).
type InputCB interface {
	// XfrmInputDone is called once per packet. On failure (x may be nil)
	// b has already been freed and the MIB counted; the callee counts its
	// device errors and returns nil. On success b holds the decapsulated
	// packet at its IP header with SecPath set; the callee returns the
	// device to deliver it on, or nil when it dropped b itself.
	XfrmInputDone(b *packet.Buffer, x *xfrm.State, failed bool) *netdev.Device
}

// InputMarked is xfrm_input for a packet a tunnel device claimed: the SA is
// looked up with mark instead of the packet's own mark, which is kept; on
// completion cb decides where the decapsulated packet goes, and it is then
// re-injected there (netif_rx). b's data starts at its outer IP header;
// InputMarked owns b.
func InputMarked(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer, proto xfrm.Proto, mark uint32, cb InputCB) {
	n := xfrm.ForNamespace(ns)
	orig := b.Mark
	b.Mark = mark
	prev := b.SecPath
	x, err := receive(n, b, proto)
	if err != nil {
		b.Mark = orig
		reason := DropPolicy
		if d, ok := err.(*xfrm.Drop); ok {
			reason = d.Reason
		}
		dev.Drop(b, reason)
		cb.XfrmInputDone(nil, x, true)
		return
	}
	// The transform may have applied the SA's output-mark; otherwise the
	// packet keeps the mark it came with.
	if b.Mark == mark {
		b.Mark = orig
	}
	sp, ok := xfrm.AppendSecPath(prev, x)
	if !ok {
		n.MIB.Inc(xfrm.InBufferError)
		dev.Drop(b, DropPolicy)
		cb.XfrmInputDone(nil, x, true)
		return
	}
	b.SecPath = sp
	b.SetNetworkHeader(0)
	b.ResetMACHeader()
	b.PktType = packet.PacketHost
	to := cb.XfrmInputDone(b, x, false)
	if to == nil {
		return
	}
	if w := ns.World(); w != nil {
		w.Loop().NetifRx(to, b)
		return
	}
	to.Receive(b)
}

// receive runs the transform of proto on b and checks the inner family
// of a tunnel-mode SA (xfrm_input). On error b is the caller's to drop.
func receive(n *xfrm.Net, b *packet.Buffer, proto xfrm.Proto) (*xfrm.State, error) {
	var x *xfrm.State
	var err error
	switch proto {
	case xfrm.ProtoESP:
		x, err = esp.Receive(n.SAD, b)
	case xfrm.ProtoAH:
		x, err = ah.Receive(n.SAD, b)
	case xfrm.ProtoComp:
		x, err = ipcomp.Receive(n.SAD, b)
	default:
		return nil, xfrm.DropFor(xfrm.InHdrError)
	}
	if err != nil {
		return x, err
	}
	if d := innerModeCheck(x, b); d != nil {
		return x, d
	}
	return x, nil
}

// innerModeCheck is the inner-mode choice of xfrm_input for tunnel mode:
// the inner mode is the selector's family (xfrm_init_state), and only an
// SA of no selector family (flag af-unspec, no sel) decapsulates either
// family (inner_mode_iaf); another family's inner packet fails
// xfrm{4,6}_remove_tunnel_encap with XfrmInStateModeError.
func innerModeCheck(x *xfrm.State, b *packet.Buffer) *xfrm.Drop {
	c := x.Cfg()
	if c.Mode != xfrm.ModeTunnel || c.Selector.Family == 0 {
		return nil
	}
	fam := 4
	if b.Protocol == 0x86DD {
		fam = 6
	}
	if fam == c.Selector.Family {
		return nil
	}
	return x.MIB().Count(xfrm.InStateModeError)
}

// PolicyCheckIn is the input policy check (__xfrm_policy_check, direction
// in) of a packet whose data starts at its IP header, evaluated with mark
// as the packet's mark and ifID as the receiving interface's if_id (0 for
// none). It counts a failure in the MIB and reports whether the packet may
// pass.
func PolicyCheckIn(ns *netdev.Namespace, b *packet.Buffer, mark, ifID uint32) bool {
	n := xfrm.ForNamespace(ns)
	if ifID == 0 {
		orig := b.Mark
		b.Mark = mark
		ok := policyCheck(n, b, xfrm.PolicyIn)
		b.Mark = orig
		return ok
	}
	return policyCheckIfID(n, b, mark, ifID)
}

// policyCheckIfID is policyCheck with an interface's if_id in the policy
// lookup and the template checks.
func policyCheckIfID(n *xfrm.Net, b *packet.Buffer, mark, ifID uint32) bool {
	var f xfrm.Flow
	fam, ok := decode(b.Bytes(), &f)
	if !ok {
		n.MIB.Inc(xfrm.InHdrError)
		return false
	}
	f.Mark, f.Oif = mark, b.InIfindex
	sp := b.SecPath
	spLen := xfrm.SecPathLen(sp)
	pol := n.SPD.Lookup(xfrm.PolicyIn, fam, &f, ifID)
	if pol == nil {
		if n.SPD.DefaultBlock(xfrm.PolicyIn) || hasNonTransport(sp, spLen, 0) {
			n.MIB.Inc(xfrm.InNoPols)
			return false
		}
		return true
	}
	n.SPD.Touch(pol)
	pc := pol.Cfg()
	if pc.Action == xfrm.ActionBlock {
		n.MIB.Inc(xfrm.InPolBlock)
		return false
	}
	k := 0
	for i := len(pc.Tmpls) - 1; i >= 0; i-- {
		if k = tmplOK(&pc.Tmpls[i], sp, spLen, k, ifID); k < 0 {
			n.MIB.Inc(xfrm.InTmplMismatch)
			return false
		}
	}
	if hasNonTransport(sp, spLen, k) {
		n.MIB.Inc(xfrm.InTmplMismatch)
		return false
	}
	return true
}

// Bundle is the outcome of an output lookup for a tunnel device: the
// states a policy's templates resolved to, innermost first, and the route
// of the outermost tunnel-mode state (dst->xfrm and dst->dev of Linux's
// bundle).
type Bundle struct {
	States [xfrm.MaxDepth]*xfrm.State
	N      int
	// Outer is the route the transformed packet takes.
	Outer *inet.Dst
}

// First is the bundle's first state (dst->xfrm), nil for an empty bundle.
func (bd *Bundle) First() *xfrm.State {
	if bd.N == 0 {
		return nil
	}
	return bd.States[0]
}

// LookupBundle is xfrm_lookup_with_ifid for a packet a tunnel device
// transmits (data at its IP header): the out policy matching the flow with
// mark and ifID (oif is the tunnel device), its templates resolved to
// states with the same mark and if_id, and the outer route. It reports
// false when no policy applies or it has no templates (Linux then keeps
// the plain route: no transform), and fills bd otherwise; a policy whose
// states are missing or that blocks returns true with an error counted
// in the MIB.
func LookupBundle(ns *netdev.Namespace, b *packet.Buffer, oif int32, mark, ifID uint32, bd *Bundle) (bool, error) {
	bd.N, bd.Outer = 0, nil
	var f xfrm.Flow
	fam, ok := decode(b.Bytes(), &f)
	if !ok {
		return false, nil
	}
	f.Oif, f.Mark = oif, mark
	found, _, err := lookupBundle(ns, xfrm.ForNamespace(ns), f, fam, mark, ifID, bd)
	return found, err
}

// lookupBundle is LookupBundle for a decoded flow (its Oif and Mark set);
// it also returns the policy that applied (nil when none did or it
// blocks).
func lookupBundle(ns *netdev.Namespace, n *xfrm.Net, f xfrm.Flow, fam int, mark, ifID uint32, bd *Bundle) (bool, *xfrm.Policy, error) {
	bd.N, bd.Outer = 0, nil
	pol := n.SPD.Lookup(xfrm.PolicyOut, fam, &f, ifID)
	if pol == nil {
		return false, nil, nil
	}
	n.SPD.Touch(pol)
	pc := pol.Cfg()
	if pc.Action == xfrm.ActionBlock {
		return true, nil, n.MIB.Count(xfrm.OutPolBlock)
	}
	if len(pc.Tmpls) == 0 {
		return false, nil, nil
	}
	nx, ok := resolve(ns, n, pol, &f, fam, mark, &bd.States)
	if !ok {
		return true, nil, n.MIB.Count(xfrm.OutNoStates)
	}
	bd.N = nx
	if err := outerRoute(ns, n, bd, mark); err != nil {
		return true, nil, err
	}
	return true, pol, nil
}

// MTU is the bundle's dst_mtu: the outer path MTU less what the states
// add (xfrm_state_mtu, outermost first).
func (bd *Bundle) MTU() int {
	mtu := 1500
	if bd.Outer != nil {
		x := bd.States[bd.N-1]
		mtu = int(bd.Outer.PathMTU(x.Cfg().ID.Daddr))
	}
	for i := bd.N - 1; i >= 0; i-- {
		mtu = stateMTU(bd.States[i], mtu)
	}
	return mtu
}

func stateMTU(x *xfrm.State, mtu int) int {
	switch x.Cfg().ID.Proto {
	case xfrm.ProtoESP:
		return esp.StateMTU(x, mtu)
	case xfrm.ProtoAH:
		return mtu - ahOverhead(x)
	}
	return mtu - 20
}

// ahOverhead is an upper bound of AH's header plus the outer header of a
// tunnel-mode state (AH's ICV is at most 64 bytes).
func ahOverhead(x *xfrm.State) int {
	n := 12 + 64
	if x.Cfg().Mode == xfrm.ModeTunnel {
		n += 20
	}
	return n
}

// Output transforms b (data at its IP header) with the bundle and sends
// it (dst_output on the bundle); it owns b. Failures are counted by the
// transforms and b is dropped on the outer device.
func (bd *Bundle) Output(ns *netdev.Namespace, b *packet.Buffer) error {
	if b.GSO.Size != 0 {
		var dev *netdev.Device
		if bd.Outer != nil {
			dev = bd.Outer.Dev
		}
		var first error
		segmentThen(dev, b, func(s *packet.Buffer) {
			if err := bd.Output(ns, s); err != nil && first == nil {
				first = err
			}
		})
		return first
	}
	n := xfrm.ForNamespace(ns)
	dst := bd.Outer
	for i := 0; i < bd.N; i++ {
		if err := transform(bd.States[i], b, dst); err != nil {
			reason := DropPolicy
			if d, ok := err.(*xfrm.Drop); ok {
				reason = d.Reason
			}
			var dev *netdev.Device
			if dst != nil {
				dev = dst.Dev
			}
			dropOn(dev, b, reason)
			return err
		}
	}
	if dst == nil {
		n.MIB.Inc(xfrm.OutBundleGenError)
		b.Free()
		return xfrm.DropFor(xfrm.OutBundleGenError)
	}
	b.Dst = transformed
	return inet.LocalOut(ns, b, dst)
}

// SPIOf returns the SPI of an ESP or AH header, or the CPI of an IPComp
// header widened to 32 bits, found at p (the header after the outer IP
// header), and whether p was long enough.
func SPIOf(proto xfrm.Proto, p []byte) (uint32, bool) {
	switch proto {
	case xfrm.ProtoESP:
		if len(p) >= 4 {
			return binary.BigEndian.Uint32(p), true
		}
	case xfrm.ProtoAH:
		if len(p) >= 8 {
			return binary.BigEndian.Uint32(p[4:]), true
		}
	case xfrm.ProtoComp:
		if len(p) >= 4 {
			return uint32(binary.BigEndian.Uint16(p[2:])), true
		}
	}
	return 0, false
}
