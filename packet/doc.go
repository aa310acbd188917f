// Package packet holds Buffer, softnet's packet: the counterpart of the
// kernel's struct sk_buff (include/linux/skbuff.h).
//
// A Buffer is a window [head, tail) into pooled backing storage with
// headroom in front (so encapsulation pushes outer headers without copying)
// and tailroom behind (for ESP trailers and ICVs). It carries the offsets of
// the link, network and transport headers and the metadata that later stages
// read: ingress ifindex, protocol, mark, flow hash, recorded rx queue, GSO
// and checksum state, tunnel metadata, the xfrm security path and the route.
//
// Ownership: a function that takes a *Buffer owns it. It passes it on or
// calls Free, exactly once. The pool counts live buffers so that tests can
// check that every buffer they made was freed (see Live and
// packettest.CheckBalance).
package packet
