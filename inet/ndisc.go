package inet

import (
	"net/netip"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet/neigh"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// ndiscRcv handles neighbour solicitations and advertisements
// (ndisc_recv_ns, ndisc_recv_na). b is not consumed.
func (st *netState) ndiscRcv(d *netdev.Device, b *packet.Buffer, nh header.IPv6, ic header.ICMPv6) {
	if nh.HopLimit() != 255 || ic.Code() != 0 {
		st.mib.Icmp6.InErrors.Add(1)
		return
	}
	if !ic.IsNDPValid() {
		st.mib.Icmp6.InErrors.Add(1)
		return
	}
	target := ic.NDPTarget()
	if target.IsMulticast() {
		return
	}
	var lladdr []byte
	it := header.NewNDPOptionIterator(ic.NDPOptions())
	for {
		o, ok := it.Next()
		if !ok {
			break
		}
		want := header.NDPOptionSourceLinkAddr
		if ic.Type() == header.ICMPv6NeighborAdvert {
			want = header.NDPOptionTargetLinkAddr
		}
		if o.Type == want {
			if mac, ok := o.LinkLayerAddress(); ok {
				lladdr = mac[:]
			}
		}
	}
	if it.Malformed() {
		st.mib.Icmp6.InErrors.Add(1)
		return
	}
	src := nh.Source()
	tbl := st.neigh6.t
	if isTentative(d, target) {
		// Someone else probes for, or holds, our tentative address.
		if ic.Type() == header.ICMPv6NeighborAdvert || src.IsUnspecified() {
			dadFailed(st.ns, d, target)
		}
		return
	}
	if ic.Type() == header.ICMPv6NeighborSolicit {
		if !st.ownsOn6(d, target) {
			return
		}
		if src.IsUnspecified() {
			// DAD probe for an address we hold: defend it.
			st.sendNA(d, target, header.IPv6AllNodes, nil, false)
			return
		}
		tbl.RcvProbe(nh.Destination().IsMulticast())
		if lladdr != nil {
			tbl.Update(d.Index(), src, lladdr, neigh.Stale, neigh.WeakOverride|neigh.Override|neigh.Create)
		}
		st.sendNA(d, target, src, lladdr, true)
		return
	}
	if st.ownsOn6(d, target) {
		return
	}
	state := neigh.Stale
	if ic.NASolicited() {
		state = neigh.Reachable
	}
	flags := neigh.WeakOverride | neigh.OverrideIsRouter
	if ic.NAOverride() {
		flags |= neigh.Override
	}
	if ic.NARouter() {
		flags |= neigh.IsRouter
	}
	if _, ok := tbl.Lookup(d.Index(), target); ok {
		tbl.Update(d.Index(), target, lladdr, state, flags)
	}
}

// ownsOn6 reports whether target is a usable address of d.
func (st *netState) ownsOn6(d *netdev.Device, target netip.Addr) bool {
	for _, a := range addrs6(d) {
		if a.Prefix.Addr() == target && a.Flags&AddrTentative == 0 {
			return true
		}
	}
	return false
}

// sendNS sends a neighbour solicitation for target from d (ndisc_send_ns):
// to the solicited-node group, or unicast to a known lladdr.
func (st *netState) sendNS(d *netdev.Device, src, target netip.Addr, lladdr []byte) {
	dst := header.SolicitedNodeAddr(target)
	if lladdr != nil {
		dst = target
	}
	withOpt := src.IsValid() && !src.IsUnspecified()
	if !src.IsValid() {
		src = netip.IPv6Unspecified()
	}
	n := header.NDPNSMinimumSize
	if withOpt {
		n += header.NDPLinkLayerOptionSize
	}
	b, p := st.ndiscPacket(n)
	if b == nil {
		return
	}
	ic := header.ICMPv6(p[header.IPv6MinimumSize:])
	ic.SetType(header.ICMPv6NeighborSolicit)
	ic.SetNDPTarget(target)
	if withOpt {
		header.PutNDPLinkLayerOption(ic[header.NDPNSMinimumSize:], header.NDPOptionSourceLinkAddr, header.MAC(d.HardwareAddr()))
	}
	if lladdr == nil {
		m := header.IPv6MulticastMAC(dst)
		lladdr = m[:]
	}
	st.ndiscXmit(d, b, p, src, dst, lladdr)
}

// sendNA sends a neighbour advertisement for target (ndisc_send_na).
func (st *netState) sendNA(d *netdev.Device, target, dst netip.Addr, dstMAC []byte, solicited bool) {
	n := header.NDPNAMinimumSize + header.NDPLinkLayerOptionSize
	b, p := st.ndiscPacket(n)
	if b == nil {
		return
	}
	ic := header.ICMPv6(p[header.IPv6MinimumSize:])
	ic.SetType(header.ICMPv6NeighborAdvert)
	f := header.NDPNAFlagOverride
	if solicited {
		f |= header.NDPNAFlagSolicited
	}
	if st.forwarding(FamilyV6) {
		f |= header.NDPNAFlagRouter
	}
	ic.SetNAFlags(f)
	ic.SetNDPTarget(target)
	header.PutNDPLinkLayerOption(ic[header.NDPNAMinimumSize:], header.NDPOptionTargetLinkAddr, header.MAC(d.HardwareAddr()))
	if dst.IsMulticast() {
		m := header.IPv6MulticastMAC(dst)
		dstMAC = m[:]
	}
	if dstMAC == nil {
		// No source link-layer option: resolve the soliciter through the
		// table.
		st.putIPv6(p, target, dst, 0, header.IPProtoICMPv6, 255)
		ic.SetChecksum(ic.CalculateChecksumAddr(target, dst))
		if st.ndiscHooked(d, b) {
			return
		}
		st.countNDOut(header.ICMPv6NeighborAdvert)
		st.finishOutput(d, dst, b, FamilyV6)
		return
	}
	st.ndiscXmit(d, b, p, target, dst, dstMAC)
}

func (st *netState) ndiscPacket(n int) (*packet.Buffer, []byte) {
	b, err := packet.New(packet.DefaultHeadroom, header.IPv6MinimumSize+n)
	if err != nil {
		return nil, nil
	}
	p := b.Put(header.IPv6MinimumSize + n)
	clear(p)
	return b, p
}

func (st *netState) countNDOut(typ uint8) {
	st.mib.Ip6.OutRequests.Add(1)
	st.mib.Icmp6.OutMsgs.Add(1)
	st.mib.Icmp6.OutType[typ].Add(1)
}

// ndiscXmit finishes an NDP packet and sends it straight to dstMAC.
func (st *netState) ndiscXmit(d *netdev.Device, b *packet.Buffer, p []byte, src, dst netip.Addr, dstMAC []byte) {
	st.putIPv6(p, src, dst, 0, header.IPProtoICMPv6, 255)
	ic := header.ICMPv6(p[header.IPv6MinimumSize:])
	ic.SetChecksum(ic.CalculateChecksumAddr(src, dst))
	b.SetNetworkHeader(0)
	if st.ndiscHooked(d, b) {
		return
	}
	st.countNDOut(ic.Type())
	if dst.IsMulticast() {
		st.mib.Ip6.OutMcastPkts.Add(1)
	}
	if d.HardHeaderLen == 0 || d.Type != netdev.ARPHRDEther {
		b.Protocol = netdev.EthPIPv6
		d.Transmit(b)
		return
	}
	if !netdev.PushEthernet(d, b, dstMAC, netdev.EthPIPv6) {
		d.DropTx(b, netdev.DropNoHeadroom)
		return
	}
	d.Transmit(b)
}

// ndiscHooked passes an NDP packet (data at its IPv6 header) through the
// output hook, as ndisc_send_skb does: its icmp6_dst_alloc for the
// device ends in xfrm_lookup with the ICMPv6 type in the flow, so an
// IPsec policy matching ICMPv6 135/136 applies to neighbour discovery
// too (a required template without a state drops it with XfrmOutNoStates;
// users add bypass policies). It reports whether the hook took b. A
// packet the hook sent on (transformed) is counted as NDP output, as
// ndisc_send_skb counts after dst_output; one it dropped is not (Linux
// counts nothing for a failed lookup).
func (st *netState) ndiscHooked(d *netdev.Device, b *packet.Buffer) bool {
	if outputHook.Load() == nil {
		return false
	}
	typ := header.ICMPv6(b.Bytes()[header.IPv6MinimumSize:]).Type()
	dst := &Dst{Type: RouteUnicast, Family: FamilyV6, Dev: d, Scope: ScopeLink}
	switch st.hookVerdict(b, dst, FamilyV6, false) {
	case HookPass:
		return false
	case HookTaken:
		st.countNDOut(typ)
	}
	return true
}
