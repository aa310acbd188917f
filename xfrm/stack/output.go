package stack

import (
	"net/netip"

	"github.com/softnet/softnet/gso"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/ah"
	"github.com/softnet/softnet/xfrm/esp"
	"github.com/softnet/softnet/xfrm/ipcomp"
)

// transformed marks (in Meta.Dst) a packet xfrm has already processed on
// its way to LocalOut, so the output hook lets it pass (Linux's bundle
// dst chain, which never looks policies up again).
type marker struct{}

var transformed = &marker{}

// Drop reasons for the packets the hooks drop without a transform's own
// reason.
var (
	DropPolicy   = netdev.RegisterDropReason("XFRM_POLICY")
	DropNoStates = netdev.RegisterDropReason("XFRM_OUT_NO_STATES")
	// DropGSOSegment counts super-packets the software segmenter refused.
	DropGSOSegment = netdev.RegisterDropReason("SKB_GSO_SEG")
)

func init() { inet.SetOutputHook(outputHook) }

// outputHook is xfrm_lookup for routed packets (and, for forwarded ones,
// the fwd policy check of ip_forward / ip6_forward first).
func outputHook(ns *netdev.Namespace, b *packet.Buffer, dst *inet.Dst, family int, forward bool) inet.HookVerdict {
	if b.Dst == transformed {
		b.Dst = nil
		return inet.HookPass
	}
	n := xfrm.ForNamespace(ns)
	if forward {
		if b.SecPath != nil || !n.SPD.Empty(xfrm.PolicyFwd) {
			if !policyCheck(n, b, xfrm.PolicyFwd) {
				dropOn(dst.Dev, b, DropPolicy)
				return inet.HookDropped
			}
		}
		b.SecPath = nil
	}
	if n.SPD.Empty(xfrm.PolicyOut) {
		return inet.HookPass
	}
	var f xfrm.Flow
	fam, ok := decode(b.Bytes(), &f)
	if !ok {
		return inet.HookPass
	}
	f.Oif, f.Mark = dst.Dev.Index(), b.Mark
	pol := n.SPD.Lookup(xfrm.PolicyOut, fam, &f, 0)
	if !forward && (f.Proto == header.IPProtoICMP || f.Proto == 58) && passesOrBlocks(n, pol) {
		if decided, verdict := icmpOutput(ns, n, b, dst, pol); decided {
			return verdict
		}
	}
	if pol == nil {
		if n.SPD.DefaultBlock(xfrm.PolicyOut) {
			n.MIB.Inc(xfrm.OutPolBlock)
			dropOn(dst.Dev, b, DropPolicy)
			return inet.HookDropped
		}
		return inet.HookPass
	}
	n.SPD.Touch(pol)
	pc := pol.Cfg()
	if pc.Action == xfrm.ActionBlock {
		n.MIB.Inc(xfrm.OutPolBlock)
		dropOn(dst.Dev, b, DropPolicy)
		return inet.HookDropped
	}
	if len(pc.Tmpls) == 0 {
		return inet.HookPass
	}
	var xs [xfrm.MaxDepth]*xfrm.State
	nx, ok := resolve(ns, n, pol, &f, fam, b.Mark, &xs)
	if !ok {
		n.MIB.Inc(xfrm.OutNoStates)
		dropOn(dst.Dev, b, DropNoStates)
		return inet.HookDropped
	}
	if nx == 0 {
		return inet.HookPass
	}
	bundleOutput(ns, n, b, dst, xs[:nx])
	return inet.HookTaken
}

// passesOrBlocks reports whether the out policy found for a flow (nil:
// none) sends it in clear or blocks it, the outcomes after which
// icmp_route_lookup tries the reversed flow of an ICMP error.
func passesOrBlocks(n *xfrm.Net, pol *xfrm.Policy) bool {
	if pol == nil {
		return true
	}
	pc := pol.Cfg()
	return pc.Action == xfrm.ActionBlock || len(pc.Tmpls) == 0
}

func dropOn(d *netdev.Device, b *packet.Buffer, reason netdev.DropReason) {
	if d != nil {
		d.DropTx(b, reason)
		return
	}
	b.Free()
}

func unspecified(fam int) netip.Addr {
	if fam == 6 {
		return netip.IPv6Unspecified()
	}
	return netip.IPv4Unspecified()
}

// resolve is xfrm_tmpl_resolve: one state per template, optional
// templates skipped when no state exists; a missing required state sends
// an ACQUIRE and fails. A transport-mode template after a tunnel (or
// BEET) one takes that tunnel's addresses, as the packet it transforms
// carries them (ESP transport around an IPComp tunnel).
func resolve(ns *netdev.Namespace, n *xfrm.Net, pol *xfrm.Policy, f *xfrm.Flow, fam int, mark uint32, xs *[xfrm.MaxDepth]*xfrm.State) (int, bool) {
	pc := pol.Cfg()
	nx := 0
	curD, curS := f.Daddr, f.Saddr
	for i := range pc.Tmpls {
		t := &pc.Tmpls[i]
		daddr, saddr := curD, curS
		if t.Mode == xfrm.ModeTunnel || t.Mode == xfrm.ModeBEET {
			daddr, saddr = t.Daddr, t.Saddr
			if !saddr.IsValid() {
				saddr = unspecified(t.Family)
			}
		}
		q := xfrm.OutputQuery{Daddr: daddr, Saddr: saddr, Reqid: t.Reqid, Proto: t.Proto,
			Mode: t.Mode, SPI: t.SPI, Mark: mark, IfID: pc.IfID, Flow: f}
		x := n.SAD.FindOutput(&q)
		if x == nil {
			if t.Optional {
				continue
			}
			acquire(ns, n, pol, i, daddr, saddr, *f, fam)
			return 0, false
		}
		xs[nx] = x
		nx++
		curD, curS = daddr, saddr
	}
	return nx, true
}

func acquire(ns *netdev.Namespace, n *xfrm.Net, pol *xfrm.Policy, i int, daddr, saddr netip.Addr, f xfrm.Flow, fam int) {
	t := pol.Cfg().Tmpls[i]
	t.Daddr, t.Saddr = daddr, saddr
	bits := 32
	if fam == 6 {
		bits = 128
	}
	sel := xfrm.Selector{Family: fam, Daddr: netip.PrefixFrom(f.Daddr, bits), Saddr: netip.PrefixFrom(f.Saddr, bits),
		Proto: f.Proto, Dport: f.Dport, Sport: f.Sport, DportMask: 0xffff, SportMask: 0xffff, Ifindex: f.Oif}
	now := ns.World().Now()
	if !n.Acquire(pol, i, t, sel, now) {
		return
	}
}

// bundleOutput applies the states in order (innermost first) and sends
// the result along the route of the last tunnel (xfrm_output and the
// bundle's dst chain). It owns b.
func bundleOutput(ns *netdev.Namespace, n *xfrm.Net, b *packet.Buffer, dst *inet.Dst, xs []*xfrm.State) {
	if prepOffload(ns, n, b, dst, xs) {
		return
	}
	if b.GSO.Size != 0 {
		// xfrm_output_gso: a super-packet is segmented first and each
		// segment transformed on its own.
		segmentThen(dst.Dev, b, func(s *packet.Buffer) { bundleOutput(ns, n, s, dst, xs) })
		return
	}
	for _, x := range xs {
		c := x.Cfg()
		if c.Mode == xfrm.ModeTunnel || c.Mode == xfrm.ModeBEET {
			outer, err := inet.OutputLookup(ns, inet.Flow{Dst: c.ID.Daddr, Src: c.Saddr, Mark: c.ApplyOutputMark(b.Mark)})
			if err != nil {
				n.MIB.Inc(xfrm.OutBundleGenError)
				dropOn(dst.Dev, b, DropNoStates)
				return
			}
			dst = outer
		}
		if err := transform(x, b, dst); err != nil {
			d, _ := err.(*xfrm.Drop)
			reason := DropPolicy
			if d != nil {
				reason = d.Reason
			}
			dropOn(dst.Dev, b, reason)
			return
		}
	}
	b.Dst = transformed
	_ = inet.LocalOut(ns, b, dst)
}

// segmentThen splits the GSO super-packet b (data at its IP header) with
// the software segmenter and hands each segment to each; a packet that
// cannot be segmented is dropped on dev.
func segmentThen(dev *netdev.Device, b *packet.Buffer, each func(*packet.Buffer)) {
	b.SetNetworkHeader(0)
	if err := gso.Segment(b, each); err != nil && dev != nil {
		dev.Stats.TxDropped.Add(1)
		dev.Drops.Add(DropGSOSegment)
	}
}

// transform runs one state's output transform in place. A checksum left
// for the device to finish (CHECKSUM_PARTIAL, as from a host TUN with vnet
// headers) is finished first, as xfrm_output does: once encrypted, nothing
// on the path could complete it.
func transform(x *xfrm.State, b *packet.Buffer, dst *inet.Dst) error {
	if b.Csum.Mode == packet.CsumPartial && b.GSO.Size == 0 {
		if err := gso.Checksum(b); err != nil {
			return xfrm.DropFor(xfrm.OutStateProtoError)
		}
	}
	switch x.Cfg().ID.Proto {
	case xfrm.ProtoESP:
		p := esp.Params{TTL: 64, MTU: mtuOf(dst, x)}
		return esp.Output(x, b, &p)
	case xfrm.ProtoAH:
		p := ah.Params{TTL: 64}
		return ah.Output(x, b, &p)
	case xfrm.ProtoComp:
		p := ipcomp.Params{TTL: 64}
		return ipcomp.Output(x, b, &p)
	}
	return xfrm.DropFor(xfrm.OutStateProtoError)
}

func mtuOf(dst *inet.Dst, x *xfrm.State) int {
	if dst == nil || dst.Dev == nil {
		return 1500
	}
	return int(dst.PathMTU(x.Cfg().ID.Daddr))
}
