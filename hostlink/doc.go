// Package hostlink binds softnet devices to the real host: link kinds
// whose receive side is fed from a host file descriptor and whose transmit
// side writes to it, so a softnet World (with a netdev.RealLoop) can
// exchange packets with the host kernel.
//
//	host-tap       a TAP device on the host (L2; drivers/net/tun.c, IFF_TAP)
//	host-tun       a TUN device on the host (L3; IFF_TUN)
//	host-afpacket  an AF_PACKET socket on a host interface (net/packet/af_packet.c)
//	host-ip        raw IPv4 sockets for protocols 4/41/50/51/108 (net/ipv4/raw.c)
//	host-udp       a UDP socket, for ESP-in-UDP and FOU/GUE (net/ipv4/udp.c)
//
// TUN/TAP and AF_PACKET carry virtio_net_hdr (IFF_VNET_HDR,
// PACKET_VNET_HDR): GSO super-frames from the host arrive as one
// packet.Buffer with GSO and CHECKSUM_PARTIAL metadata, and softnet's super-
// packets leave the same way; software segmentation (package gso) runs only
// when the host side cannot take the packet whole.
//
// Each host queue or socket has one reader goroutine that reads batches
// into pooled buffers and calls Device.Receive on its own goroutine (run to
// completion, like NAPI). Transmit runs on the caller's goroutine. Deleting
// the device closes the descriptors and waits for the readers.
//
// See docs/hostlink.md for the grammar and the underlay design, and
// internal/sys for the system calls.
package hostlink
