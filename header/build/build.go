package build

import (
	"net/netip"

	"github.com/softnet/softnet/header"
)

// Ethernet returns an Ethernet II frame. It does not pad to the 60-byte
// minimum (see Pad).
func Ethernet(dst, src header.MAC, typ uint16, payload []byte) []byte {
	b := make([]byte, header.EthernetMinimumSize+len(payload))
	header.Ethernet(b).Encode(&header.EthernetFields{Dst: dst, Src: src, Type: typ})
	copy(b[header.EthernetMinimumSize:], payload)
	return b
}

// EthernetVLAN returns an 802.1Q-tagged frame (TPID 0x8100).
func EthernetVLAN(dst, src header.MAC, vid uint16, pcp uint8, typ uint16, payload []byte) []byte {
	tag := make([]byte, header.VLANSize+len(payload))
	header.VLAN(tag).Encode(&header.VLANFields{PCP: pcp, VID: vid, Type: typ})
	copy(tag[header.VLANSize:], payload)
	return Ethernet(dst, src, header.EtherTypeVLAN, tag)
}

// Pad returns frame zero-padded to the Ethernet minimum of 60 bytes.
func Pad(frame []byte) []byte {
	if len(frame) >= header.EthernetMinimumFrameSize {
		return frame
	}
	b := make([]byte, header.EthernetMinimumFrameSize)
	copy(b, frame)
	return b
}

// ARPRequest returns an Ethernet/IPv4 ARP request (the ARP packet only;
// wrap it with Ethernet(header.BroadcastMAC, sha, header.EtherTypeARP, ...)).
func ARPRequest(sha header.MAC, spa, tpa netip.Addr) []byte {
	return arp(header.ARPRequest, sha, spa, header.MAC{}, tpa)
}

// ARPReply returns an Ethernet/IPv4 ARP reply.
func ARPReply(sha header.MAC, spa netip.Addr, tha header.MAC, tpa netip.Addr) []byte {
	return arp(header.ARPReply, sha, spa, tha, tpa)
}

func arp(op uint16, sha header.MAC, spa netip.Addr, tha header.MAC, tpa netip.Addr) []byte {
	b := make([]byte, header.ARPSize)
	header.ARP(b).Encode(&header.ARPFields{Op: op, SenderMAC: sha, SenderIP: spa, TargetMAC: tha, TargetIP: tpa})
	return b
}

// MPLS returns a label stack followed by payload. The S bit is set on the
// last entry and cleared on the others, whatever stack says.
func MPLS(stack []header.MPLSFields, payload []byte) []byte {
	b := make([]byte, len(stack)*header.MPLSEntrySize+len(payload))
	for i, f := range stack {
		f.BottomOfStack = i == len(stack)-1
		header.MPLS(b[i*header.MPLSEntrySize:]).Encode(&f)
	}
	copy(b[len(stack)*header.MPLSEntrySize:], payload)
	return b
}

// UDP returns a UDP datagram with a zero checksum; an IP builder fills the
// checksum in. Use UDPWithChecksum for a standalone datagram.
func UDP(srcPort, dstPort uint16, payload []byte) []byte {
	b := make([]byte, header.UDPMinimumSize+len(payload))
	header.UDP(b).Encode(&header.UDPFields{SrcPort: srcPort, DstPort: dstPort, Length: uint16(len(b))})
	copy(b[header.UDPMinimumSize:], payload)
	return b
}

// UDPWithChecksum returns a UDP datagram with its checksum computed for
// src and dst.
func UDPWithChecksum(src, dst netip.Addr, srcPort, dstPort uint16, payload []byte) []byte {
	b := UDP(srcPort, dstPort, payload)
	u := header.UDP(b)
	u.SetChecksum(u.CalculateChecksumAddr(src, dst))
	return b
}

// TCPOpts describes a TCP segment for TCP.
type TCPOpts struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8
	Window           uint16
	Urgent           uint16
	Options          []byte // padded to a multiple of 4
}

// TCP returns a TCP segment with a zero checksum; an IP builder fills the
// checksum in.
func TCP(o TCPOpts, payload []byte) []byte {
	f := header.TCPFields{
		SrcPort: o.SrcPort, DstPort: o.DstPort, Seq: o.Seq, Ack: o.Ack,
		Flags: o.Flags, Window: o.Window, Urgent: o.Urgent, Options: o.Options,
	}
	hlen := header.TCPEncodedLength(&f)
	b := make([]byte, hlen+len(payload))
	header.TCP(b).Encode(&f)
	copy(b[hlen:], payload)
	return b
}
