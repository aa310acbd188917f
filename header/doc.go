// Package header holds zero-copy views and builders for the wire formats
// softnet speaks: Ethernet II and 802.1Q, ARP, IPv4 (with options and
// fragmentation fields), IPv6 (with an extension-header walker), ICMPv4,
// ICMPv6 and NDP, UDP, TCP and MPLS, plus the Internet checksum (RFC 1071)
// and its incremental update (RFC 1624), RFC 6040 ECN rules, and the fixed
// ESP, AH and IPComp headers.
//
// It is the only package in softnet that knows byte offsets. Every other
// package reads and writes headers through the types defined here.
//
// # Views
//
// Each header is a named byte slice, e.g. type IPv4 []byte, with accessor and
// setter methods that read or write the bytes in place. Views never copy and
// never allocate: accessors, setters and checksum functions are safe to call
// on the hot path (this is asserted by tests with testing.AllocsPerRun).
//
// Accessors assume the caller has validated the view first (IsValid, or the
// size constant of a fixed-size header). IsValid, the option iterators, the
// IPv6 extension-header walker and the MPLS stack walker are safe on any
// byte slice: malformed input is reported, it never panics (fuzzed).
//
// Each header also has a Fields struct and an Encode method that writes the
// whole header at once; these are for control paths and tests. The
// subpackage header/build assembles complete packets with correct checksums
// for tests.
//
// # Kernel counterparts
//
// The layouts and constants mirror Linux's UAPI and internal headers:
//
//	include/uapi/linux/if_ether.h   ethertypes, ETH_ALEN, ETH_HLEN
//	include/linux/if_vlan.h         802.1Q tag, VLAN_PRIO_MASK, VLAN_VID_MASK
//	include/uapi/linux/if_arp.h     struct arphdr, ARPOP_*
//	include/uapi/linux/ip.h         struct iphdr, IPOPT_*
//	include/net/ip.h                IP_DF, IP_MF, IP_OFFSET, ip_decrease_ttl
//	include/net/inet_ecn.h          INET_ECN_* and RFC 6040 decapsulation
//	include/uapi/linux/in.h         IPPROTO_*
//	include/uapi/linux/ipv6.h       struct ipv6hdr, struct frag_hdr
//	include/net/ipv6.h              NEXTHDR_*, ipv6_skip_exthdr (WalkIPv6)
//	net/ipv6/ip6_input.c            the headers local delivery walks
//	                                (WalkIPv6Flags, IPv6WalkStopAtAH)
//	include/uapi/linux/icmp.h       ICMP_* types and codes
//	include/uapi/linux/icmpv6.h     ICMPV6_* types and codes
//	include/net/ndisc.h             NDISC_* types and ND_OPT_* options
//	include/uapi/linux/udp.h        struct udphdr
//	include/uapi/linux/tcp.h        struct tcphdr
//	include/uapi/linux/mpls.h       MPLS_LS_* label stack entry layout
//	include/uapi/linux/ip.h         ip_esp_hdr, ip_auth_hdr, ip_comp_hdr
//	include/net/checksum.h          csum_fold, csum_replace2/4
package header
