// Package ah is the AH transform (RFC 4302), the counterpart of Linux's
// net/ipv4/ah4.c and net/ipv6/ah6.c: Output inserts an authentication
// header (tunnel, transport or BEET mode) whose ICV covers the whole packet
// with the mutable fields zeroed — IPv4 TOS, flags/fragment offset, TTL,
// checksum and mutable options; IPv6 traffic class, flow label, hop limit
// and options marked as changing en route — plus the ESN high bits when
// the SA uses them; Input verifies it and removes the header.
//
// The header is padded to 8 bytes (4 for IPv4 with flag align4), as Linux
// does. An IPv6 routing header with segments left enters the ICV as it
// will look at the final destination (RFC 4302 §3.3.3.1.2, ah6's
// ipv6_rearrange_rthdr), on output and input alike. BEET mode rebuilds
// headers as xfrm4/6_beet_encap_add do, across families too.
package ah
