// Package ah is the AH transform (RFC 4302), the counterpart of Linux's
// net/ipv4/ah4.c and net/ipv6/ah6.c: Output inserts an authentication
// header (tunnel, transport or BEET mode) whose ICV covers the whole packet
// with the mutable fields zeroed — IPv4 TOS, flags/fragment offset, TTL,
// checksum and mutable options; IPv6 traffic class, flow label, hop limit
// and options marked as changing en route — plus the ESN high bits when
// the SA uses them; Input verifies it and removes the header.
//
// The header is padded to 8 bytes (4 for IPv4 with flag align4), as Linux
// does. IPv6 routing headers with segments left are not rearranged yet:
// such packets are refused (XfrmOutStateProtoError / XfrmInStateProtoError).
package ah
