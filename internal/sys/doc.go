// Package sys is softnet's platform layer: every ioctl, socket option,
// control message and use of unsafe that package hostlink needs to reach the
// host kernel lives here, split by file suffix (_linux.go). On other
// systems the package builds and every constructor returns
// ErrNotSupported.
//
// What it wraps, and the kernel files that define the behaviour:
//
//   - TUN/TAP (drivers/net/tun.c): OpenTun with IFF_TUN/IFF_TAP,
//     IFF_NO_PI, IFF_VNET_HDR and IFF_MULTI_QUEUE (one fd per queue),
//     TUNSETOFFLOAD and TUNSETVNETHDRSZ.
//   - AF_PACKET (net/packet/af_packet.c): OpenPacket with PACKET_VNET_HDR,
//     PACKET_IGNORE_OUTGOING and PACKET_FANOUT.
//   - raw IP sockets (net/ipv4/raw.c): OpenRawIP with IP_HDRINCL.
//   - UDP sockets (net/ipv4/udp.c, udp_offload.c): OpenUDP with
//     IP_PKTINFO/IPV6_RECVPKTINFO and UDP_GRO; UDP_SEGMENT per message.
//   - batched I/O: Conn.RecvBatch and Conn.SendBatch are recvmmsg(2) and
//     sendmmsg(2) over a Batch whose headers, iovecs, addresses and control
//     buffers are allocated once, so the steady state allocates nothing.
//   - interface ioctls used to set up hosts in tests and tools: LinkUp,
//     SetMTU, AddAddr4, AddNeigh4, InterfaceIndex.
//
// Every file descriptor is non-blocking and wrapped in a Conn that parks on
// Go's network poller, so closing a Conn wakes its reader.
package sys
