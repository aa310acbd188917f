package build

import (
	"net/netip"

	"github.com/softnet/softnet/header"
)

// ICMPv4 returns an ICMPv4 message with its checksum computed. rest is the
// 4-byte rest-of-header (see header.ICMPv4Fields.Rest); body follows it.
func ICMPv4(typ, code uint8, rest uint32, body []byte) []byte {
	b := make([]byte, header.ICMPv4MinimumSize+len(body))
	c := header.ICMPv4(b)
	c.Encode(&header.ICMPv4Fields{Type: typ, Code: code, Rest: rest})
	copy(b[header.ICMPv4MinimumSize:], body)
	c.UpdateChecksum()
	return b
}

// ICMPEcho returns an ICMPv4 echo request.
func ICMPEcho(id, seq uint16, payload []byte) []byte {
	return ICMPv4(header.ICMPv4Echo, 0, uint32(id)<<16|uint32(seq), payload)
}

// ICMPEchoReply returns an ICMPv4 echo reply.
func ICMPEchoReply(id, seq uint16, payload []byte) []byte {
	return ICMPv4(header.ICMPv4EchoReply, 0, uint32(id)<<16|uint32(seq), payload)
}

// ICMPFragNeeded returns a destination-unreachable/fragmentation-needed
// message advertising mtu and quoting invoking (the offending IP header
// and the start of its payload).
func ICMPFragNeeded(mtu uint16, invoking []byte) []byte {
	return ICMPv4(header.ICMPv4DestUnreach, header.ICMPv4FragNeeded, uint32(mtu), invoking)
}

// ICMPv6 returns an ICMPv6 message with a zero checksum; IPv6 fills the
// checksum in (or use ICMPv6WithChecksum).
func ICMPv6(typ, code uint8, rest uint32, body []byte) []byte {
	b := make([]byte, header.ICMPv6MinimumSize+len(body))
	header.ICMPv6(b).Encode(&header.ICMPv6Fields{Type: typ, Code: code, Rest: rest})
	copy(b[header.ICMPv6MinimumSize:], body)
	return b
}

// ICMPv6WithChecksum returns msg (an ICMPv6 message) with its checksum
// computed for src and dst. msg is modified and returned.
func ICMPv6WithChecksum(src, dst netip.Addr, msg []byte) []byte {
	c := header.ICMPv6(msg)
	c.SetChecksum(c.CalculateChecksumAddr(src, dst))
	return msg
}

// ICMPv6Echo returns an ICMPv6 echo request.
func ICMPv6Echo(id, seq uint16, payload []byte) []byte {
	return ICMPv6(header.ICMPv6EchoRequest, 0, uint32(id)<<16|uint32(seq), payload)
}

// ICMPv6EchoReply returns an ICMPv6 echo reply.
func ICMPv6EchoReply(id, seq uint16, payload []byte) []byte {
	return ICMPv6(header.ICMPv6EchoReply, 0, uint32(id)<<16|uint32(seq), payload)
}

// ICMPv6PacketTooBig returns a packet-too-big message quoting invoking.
func ICMPv6PacketTooBig(mtu uint32, invoking []byte) []byte {
	return ICMPv6(header.ICMPv6PacketTooBig, 0, mtu, invoking)
}

// NeighborSolicit returns a neighbour solicitation for target with a
// source link-layer address option (omitted if srcLL is zero).
func NeighborSolicit(target netip.Addr, srcLL header.MAC) []byte {
	return ndpTargetMsg(header.ICMPv6NeighborSolicit, 0, target, header.NDPOptionSourceLinkAddr, srcLL)
}

// NeighborAdvert returns a neighbour advertisement for target with flags
// (header.NDPNAFlag*) and a target link-layer address option (omitted if
// targetLL is zero).
func NeighborAdvert(target netip.Addr, flags uint8, targetLL header.MAC) []byte {
	return ndpTargetMsg(header.ICMPv6NeighborAdvert, uint32(flags)<<24, target, header.NDPOptionTargetLinkAddr, targetLL)
}

// RouterSolicit returns a router solicitation with a source link-layer
// address option (omitted if srcLL is zero).
func RouterSolicit(srcLL header.MAC) []byte {
	if srcLL.IsZero() {
		return ICMPv6(header.ICMPv6RouterSolicit, 0, 0, nil)
	}
	opt := make([]byte, header.NDPLinkLayerOptionSize)
	header.PutNDPLinkLayerOption(opt, header.NDPOptionSourceLinkAddr, srcLL)
	return ICMPv6(header.ICMPv6RouterSolicit, 0, 0, opt)
}

func ndpTargetMsg(typ uint8, rest uint32, target netip.Addr, optType uint8, ll header.MAC) []byte {
	n := header.IPv6AddressSize
	if !ll.IsZero() {
		n += header.NDPLinkLayerOptionSize
	}
	body := make([]byte, n)
	if target.IsValid() {
		t := target.As16()
		copy(body, t[:])
	}
	if !ll.IsZero() {
		header.PutNDPLinkLayerOption(body[header.IPv6AddressSize:], optType, ll)
	}
	return ICMPv6(typ, 0, rest, body)
}
