package stack

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// ICMP errors and IPsec policies (the `icmp` flags).
//
// Linux 6.1 matches an ICMP error against the policies of the flow it
// reports on, reversed, in two places:
//
//   - Output (icmp_route_lookup, icmp6_route_lookup): a locally generated
//     error is looked up on its own flow first; if that passes it in
//     clear or blocks it, the quoted packet's flow reversed is looked up
//     (XFRM_LOOKUP_ICMP) and, when the policy found carries `flag icmp`
//     (XFRM_POLICY_ICMP), the error takes that policy's bundle.
//   - Input (icmp_rcv, icmpv6_rcv): an ICMP packet that fails the input
//     policy check is re-checked on the quoted packet's reversed flow when
//     the SA it was decrypted with (the last of its SecPath) carries the
//     state flag `icmp` (XFRM_STATE_ICMP).
//
// Forwarded errors get no such treatment in 6.1 (xfrm_in_fwd_icmp and
// xfrm_out_fwd_icmp came with 6.5). The policy flag `localok`
// (XFRM_POLICY_LOCALOK) is stored and printed but, as in Linux, consulted
// nowhere.

// icmpQuoted returns the packet quoted by the ICMP or ICMPv6 message that
// starts pkt (an IP header with no extension headers), if pkt is one;
// errorsOnly restricts it to error messages.
func icmpQuoted(pkt []byte, errorsOnly bool) ([]byte, bool) {
	if len(pkt) < 1 {
		return nil, false
	}
	var l4 []byte
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) < header.IPv4MinimumSize {
			return nil, false
		}
		ip := header.IPv4(pkt)
		hl := ip.HeaderLength()
		if ip.Protocol() != header.IPProtoICMP || ip.FlagsFragOff()&header.IPv4FragOffsetMask != 0 || hl > len(pkt) {
			return nil, false
		}
		l4 = pkt[hl:]
		if len(l4) < 8+header.IPv4MinimumSize {
			return nil, false
		}
		if errorsOnly {
			switch l4[0] {
			case header.ICMPv4DestUnreach, 4 /* source quench */, 5 /* redirect */, header.ICMPv4TimeExceeded, 12 /* parameter problem */ :
			default:
				return nil, false
			}
		}
	case 6:
		if len(pkt) < header.IPv6MinimumSize || header.IPv6(pkt).NextHeader() != 58 {
			return nil, false
		}
		l4 = pkt[header.IPv6MinimumSize:]
		if len(l4) < 8+header.IPv6MinimumSize || (errorsOnly && l4[0] >= 128) {
			return nil, false
		}
	default:
		return nil, false
	}
	return l4[8:], true
}

// decodeReverse is xfrm_decode_session_reverse on a quoted packet: its
// flow with the addresses, and the ports of port-carrying protocols,
// swapped (ICMP type and code stay).
func decodeReverse(inner []byte, f *xfrm.Flow) (int, bool) {
	fam, ok := decode(inner, f)
	if !ok {
		return 0, false
	}
	f.Saddr, f.Daddr = f.Daddr, f.Saddr
	if f.Proto != header.IPProtoICMP && f.Proto != 58 {
		f.Sport, f.Dport = f.Dport, f.Sport
	}
	return fam, true
}

// icmpInputCheck is icmp_rcv's second chance for an ICMP packet that
// failed the input policy check: with the state flag `icmp` on the SA
// that delivered it, the quoted packet's reversed flow is checked.
func icmpInputCheck(n *xfrm.Net, b *packet.Buffer) bool {
	sp := b.SecPath
	k := xfrm.SecPathLen(sp)
	if k == 0 || xfrm.SecPathAt(sp, k-1).Cfg().Flags&xfrm.FlagICMP == 0 {
		return false
	}
	inner, ok := icmpQuoted(b.Bytes(), false)
	if !ok {
		return false
	}
	var f xfrm.Flow
	fam, ok := decodeReverse(inner, &f)
	if !ok {
		n.MIB.Inc(xfrm.InHdrError)
		return false
	}
	f.Mark, f.Oif = b.Mark, b.InIfindex
	return policyCheckFlow(n, sp, xfrm.PolicyIn, fam, &f)
}

// icmpOutput is the second half of icmp_route_lookup for a locally
// generated ICMP error whose own flow found pol (nil: none) and was
// passed in clear or blocked. It reports whether it decided the packet's
// fate (verdict is then the output hook's result).
func icmpOutput(ns *netdev.Namespace, n *xfrm.Net, b *packet.Buffer, dst *inet.Dst, pol *xfrm.Policy) (decided bool, verdict inet.HookVerdict) {
	inner, ok := icmpQuoted(b.Bytes(), true)
	if !ok {
		return false, inet.HookPass
	}
	blocked := (pol == nil && n.SPD.DefaultBlock(xfrm.PolicyOut)) ||
		(pol != nil && pol.Cfg().Action == xfrm.ActionBlock)
	var f xfrm.Flow
	fam, ok := decodeReverse(inner, &f)
	if !ok {
		return false, inet.HookPass
	}
	f.Oif, f.Mark = dst.Dev.Index(), b.Mark
	rpol := n.SPD.Lookup(xfrm.PolicyOut, fam, &f, 0)
	if rpol == nil || rpol.Cfg().Flags&xfrm.PolicyICMP == 0 {
		// XFRM_LOOKUP_ICMP without a policy or without `flag icmp`:
		// ENOENT, and the first lookup's verdict stands.
		return false, inet.HookPass
	}
	if blocked {
		// The first lookup counted its block before the relookup.
		n.MIB.Inc(xfrm.OutPolBlock)
	}
	n.SPD.Touch(rpol)
	rc := rpol.Cfg()
	if rc.Action == xfrm.ActionBlock {
		n.MIB.Inc(xfrm.OutPolBlock)
		dropOn(dst.Dev, b, DropPolicy)
		return true, inet.HookDropped
	}
	var xs [xfrm.MaxDepth]*xfrm.State
	nx, ok := resolve(ns, n, rpol, &f, fam, b.Mark, &xs)
	if !ok {
		n.MIB.Inc(xfrm.OutNoStates)
		dropOn(dst.Dev, b, DropNoStates)
		return true, inet.HookDropped
	}
	if nx == 0 {
		return true, inet.HookPass
	}
	bundleOutput(ns, n, b, dst, xs[:nx])
	return true, inet.HookTaken
}
