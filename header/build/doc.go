// Package build assembles complete packets with correct checksums for
// tests and control paths, on top of the views in package header:
//
//	pkt := build.Ethernet(dst, src, header.EtherTypeIPv4,
//		build.IPv4(build.IPv4Opts{Src: a, Dst: b, Proto: header.IPProtoICMP},
//			build.ICMPEcho(1, 1, []byte("ping"))))
//
// Builders allocate a fresh slice per call and never modify their inputs.
// IP builders fill in the checksum of a UDP, TCP or ICMPv6 payload that
// carries a zero checksum field (the pseudo-header needs the addresses),
// unless the packet is a fragment. It has no kernel counterpart.
package build
