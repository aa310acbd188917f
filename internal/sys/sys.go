package sys

import (
	"errors"
	"net/netip"
)

// ErrNotSupported is returned on systems without the facility.
var ErrNotSupported = errors.New("sys: not supported on this platform")

// TUN offload flags for TunConfig.Offload (TUN_F_* in
// include/uapi/linux/if_tun.h): which super-frames the host may hand us.
const (
	TunFCsum   = 0x01 // we accept partial checksums
	TunFTSO4   = 0x02 // TCPv4 segmentation offload
	TunFTSO6   = 0x04 // TCPv6 segmentation offload
	TunFTSOECN = 0x08 // TSO with ECN
	TunFUSO4   = 0x20 // UDPv4 segmentation offload (Linux 6.2)
	TunFUSO6   = 0x40 // UDPv6 segmentation offload (Linux 6.2)
)

// TunConfig describes a TUN or TAP device to create or attach to.
type TunConfig struct {
	// Name is the host interface name; empty lets the kernel pick (tun%d,
	// tap%d).
	Name string
	// TAP selects an Ethernet (L2) device; otherwise it is an L3 TUN.
	TAP bool
	// VnetHdr prefixes every frame with a virtio_net_hdr (IFF_VNET_HDR).
	VnetHdr bool
	// VnetHdrLen is the header length (10, or 12 with num_buffers); 0 is 10.
	VnetHdrLen int
	// Queues is the number of queues (IFF_MULTI_QUEUE when > 1).
	Queues int
	// Offload is the TUN_F_* set to request; flags the kernel refuses are
	// dropped (USO first) and Tun.Offload says what was granted.
	Offload uint32
}

// Msg is one message of a Batch.
type Msg struct {
	// Buf is the data to send, or the room to receive into.
	Buf []byte
	// Bufs, when set on a send, replaces Buf with a gather list: the
	// message is the concatenation of the slices (at most MaxIov).
	Bufs [][]byte
	// N is the number of bytes received.
	N int
	// Addr is the peer: the source on receive, the destination on send.
	Addr netip.AddrPort
	// Local is the local address the message arrived on (IP_PKTINFO), or
	// the source address to send from (zero: the kernel chooses).
	Local netip.Addr
	// Ifindex is the interface it arrived on (IP_PKTINFO, sockaddr_ll).
	Ifindex int32
	// GSOSize is the UDP segment size: UDP_GRO on receive, UDP_SEGMENT on
	// send (0 for none).
	GSOSize uint16
	// PktType is the AF_PACKET packet type (PACKET_HOST…PACKET_OUTGOING).
	PktType uint8
	// HopLimit is a received IPv6 packet's hop limit (IPV6_HOPLIMIT, with
	// IPV6_RECVHOPLIMIT on); valid when HasHopLimit.
	HopLimit uint8
	// HasHopLimit reports that the message carried IPV6_HOPLIMIT.
	HasHopLimit bool
	// TClass is a received IPv6 packet's traffic class (IPV6_TCLASS, with
	// IPV6_RECVTCLASS on; 0 when absent).
	TClass uint8
	// FlowLabel is a received IPv6 packet's flow label (IPV6_FLOWINFO,
	// with that option on; the kernel sends it only when non-zero).
	FlowLabel uint32
	// Truncated reports MSG_TRUNC: the message was longer than Buf.
	Truncated bool
}
