// Package esp is the ESP transform (RFC 4303), the counterpart of Linux's
// net/ipv4/esp4.c and net/ipv6/esp6.c with the mode code of
// net/xfrm/xfrm_output.c and xfrm_input.c: Output seals a packet for an SA
// in tunnel, transport or BEET mode, IPv4 or IPv6, with optional NAT-T UDP
// encapsulation (RFC 3948); Input opens one, with the anti-replay check
// before decryption and the window update after it; Receive looks the SA up
// in a table first.
//
// Output follows Linux byte for byte: the padding (block size rounded up
// to 4), TFC padding, the trailer, the ESN high bits in the ICV, the outer
// header's DSCP/ECN/DF/TTL rules, and IVs derived from the sequence number
// as seqiv does (sequence number XOR a per-SA salt; see xfrm.Options.IVSalt).
// The cipher objects are built once per SA (xfrm.State.AEAD); the steady
// state allocates nothing.
package esp
