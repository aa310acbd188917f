package inet

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// ICMPSend sends an ICMP (IPv4) or ICMPv6 error about orig to its source,
// as icmp_ndo_send / icmpv6_ndo_send do for drivers: tunnels use it for
// "fragmentation needed" with the tunnel's path MTU and for link failures
// (dst_link_failure). orig's data starts at its IP header; it is not
// owned. Linux's suppression rules and the ICMP rate limit apply. typ and
// code are the ICMP (or ICMPv6) type and code; info is the rest-of-header
// word (the MTU for frag-needed / packet-too-big).
func ICMPSend(ns *netdev.Namespace, orig *packet.Buffer, typ, code uint8, info uint32) {
	d := orig.Bytes()
	if len(d) == 0 {
		return
	}
	st := stateOf(ns)
	switch d[0] >> 4 {
	case 4:
		st.icmpSend4(orig, typ, code, info)
	case 6:
		st.icmpSend6(orig, typ, code, info)
	}
}

// LinkFailure reports a failed transmission of orig back to its sender
// (dst_link_failure → ipv4_link_failure / ip6_link_failure): ICMP host
// unreachable, or ICMPv6 address unreachable.
func LinkFailure(ns *netdev.Namespace, orig *packet.Buffer) {
	d := orig.Bytes()
	if len(d) == 0 {
		return
	}
	if d[0]>>4 == 4 {
		ICMPSend(ns, orig, header.ICMPv4DestUnreach, header.ICMPv4HostUnreach, 0)
		return
	}
	ICMPSend(ns, orig, header.ICMPv6DstUnreachable, header.ICMPv6AddrUnreachable, 0)
}
