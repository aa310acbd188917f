// Package gso is software generic segmentation offload and checksum
// completion: it turns a GSO super-packet (packet.Buffer with GSO.Size set)
// into wire-sized TCP or UDP segments with complete checksums, and
// completes a CHECKSUM_PARTIAL checksum in place.
//
// It mirrors net/core/gso.c (__skb_gso_segment), net/ipv4/tcp_offload.c
// (tcp_gso_segment: sequence numbers, FIN/PSH on the last segment, CWR on
// the first), net/ipv4/udp_offload.c (__udp_gso_segment: per-segment
// length and checksum), the IPv4/IPv6 offload callbacks (inet_gso_segment:
// per-segment total length and incrementing IP ID, ipv6_gso_segment:
// payload length) and skb_checksum_help in net/core/dev.c.
//
// Packets are linear here, so segmentation copies: each segment is a new
// pooled buffer holding a copy of the headers and its slice of the
// payload. The original is freed.
//
// Offsets: the buffer's data starts at the link-layer header (or directly
// at the network header when there is none) and its network header offset
// must be set; Csum.Start is relative to the data start (packet.Buffer
// keeps it so across Push and Pull), as everywhere on
// the transmit path.
package gso
