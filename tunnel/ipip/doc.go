// Package ipip is the ipip link kind: IPv4 and MPLS over IPv4 (RFC 2003,
// RFC 4023), the counterpart of the kernel's net/ipv4/ipip.c on the shared
// tunnel core (package tunnel).
//
// Importing it registers the kind ("ip link add t0 type ipip remote A local
// B"), the receive handlers for IP protocols 4 and 137 with their ICMP
// error handler, and the FOU/GUE resubmission of those protocols. The
// per-namespace fallback device tunl0 is created the first time the kind
// is used in a namespace (or by Load, the modprobe of a lab), when
// net.core.fb_tunnels_only_for_init_net allows it.
package ipip
