// Package frag is IP fragmentation and reassembly for IPv4 and IPv6: the
// counterpart of net/ipv4/inet_fragment.c, net/ipv4/ip_fragment.c,
// net/ipv6/reassembly.c and the fragmenting halves of net/ipv4/ip_output.c
// (ip_do_fragment, ip_options_fragment) and net/ipv6/ip6_output.c
// (ip6_fragment, ip6_find_1stfragopt).
//
// # Reassembly
//
// A Reassembler holds the fragment queues of one namespace and one family
// (struct fqdir). The inet input path hands it every fragment addressed to
// the host:
//
//	r := frag.New(frag.Config{Family: 4, Clock: w.Loop(), Limits: frag.DefaultLimits(4),
//		Stats: &mib, OnTimeout: sendTimeExceeded})
//	switch res := r.Add(b); res.Status {
//	case frag.Queued: // r owns b; more fragments needed
//	case frag.Done: // res.Packet is the whole datagram, data at the IP header
//	case frag.Dropped: // b was freed and counted in r.Drops under res.Reason
//	case frag.ParamProblem: // IPv6: send ICMPv6 parameter problem
//		// (res.ICMPCode, res.Pointer) quoting res.Packet, then free it
//	}
//
// A queue is keyed as Linux keys it: IPv4 by source, destination, ID and
// protocol; IPv6 by source, destination and ID, plus the input ifindex when
// the destination is link-local or multicast. Behaviour follows Linux:
//
//   - A fragment that lies wholly inside a run of contiguous fragments
//     already queued is a duplicate: it is dropped (DUP_FRAG) and the queue
//     kept. Any other overlap drops the whole queue and counts
//     ReasmOverlaps and ReasmFails (RFC 5722 for IPv6; IPv4 since Linux
//     4.19).
//   - A last fragment (MF clear) that ends before data already queued or
//     that changes a known end, a fragment past a known end, and an empty
//     fragment drop the queue (ReasmFails).
//   - A reassembled datagram longer than 65535 bytes (IPv4 total length,
//     IPv6 payload length) drops the queue, as does an invalid mix of ECN
//     codepoints (RFC 3168 5.3); CE on any fragment is kept.
//   - IPv4 non-final fragments whose length is not a multiple of 8 are
//     trimmed; IPv6 ones get a parameter problem (code 0, pointer 4), as
//     does an IPv6 fragment ending past 65535 (pointer at the fragment
//     offset) and a jumbo payload (pointer at the fragment header).
//   - An IPv6 first fragment that does not hold the whole header chain and
//     the upper-layer header gets a parameter problem code 3, pointer 0
//     (RFC 8200 4.5, RFC 7112).
//   - An IPv6 atomic fragment (offset 0, M clear) is returned at once
//     (RFC 6946), its fragment header left in place.
//   - A queue not complete after Limits.Timeout is dropped (ReasmTimeout,
//     ReasmFails); if its first fragment had arrived, OnTimeout is called
//     with it so the caller can send ICMP time exceeded, code 1.
//   - Memory: each queued fragment is charged its buffer's size plus an
//     overhead; while more than Limits.HighThresh bytes are held, new
//     fragments are refused (ReasmFails). Like Linux since 4.17 nothing is
//     evicted early and LowThresh is kept only for the sysctl.
//   - IPv4 ipfrag_max_dist: when a queue has seen more than MaxDist other
//     fragments from the same source since its last one, its contents are
//     dropped (FRAG_TOO_FAR) and it starts over.
//
// The reassembled datagram is built in the buffer of the first fragment
// (grown if needed); the other fragments' payloads are copied in and their
// buffers freed. IPv4: total length set, MF and offset cleared (DF set when
// the largest fragment carried DF, as IPSKB_FRAG_PMTU), checksum
// recomputed. IPv6: the fragment header removed, the previous header's
// next-header patched, the payload length set. A reassembled IPv6 datagram
// that holds another fragment header must be refused by the caller
// (Linux's IP6SKB_FRAGMENTED check).
//
// # Fragmentation
//
// FragmentIPv4 and FragmentIPv6 split a datagram to fit an MTU and hand the
// fragments, in order, to an emit function. They do not decide whether to
// fragment (DF, ignore_df, frag_max_size): the caller does, as ip_fragment
// and ip6_fragment do before the split.
//
// # Concurrency
//
// A Reassembler is safe for concurrent use; its timer runs on the
// Config.Clock's loop. The fragmenting functions are stateless.
package frag
