// Package tunnel is softnet's IPv4 tunnel core, the counterpart of the
// kernel's net/ipv4/ip_tunnel.c and ip_tunnel_core.c (with the FOU/GUE
// encapsulation of net/ipv4/fou_core.c): what ipip, vti and the GRE family
// share.
//
// A Family is one tunnel kind's per-namespace tunnel table (struct
// ip_tunnel_net): the tunnels hashed by key and remote address, looked up
// on receive in Linux's order (exact local and remote; remote only; local
// only or multicast; wildcard; each pass preferring a tunnel bound to the
// receiving link), then the namespace's collect_md (external) tunnel, then
// the fallback device (tunl0, ip_vti0), created when the kind is first used
// in a namespace if net.core.fb_tunnels_only_for_init_net allows it.
//
// A Tunnel is one tunnel device's state (struct ip_tunnel): its parameters
// (Parms: endpoints, link, TTL, TOS, DF, protocol, keys, fwmark, FOU/GUE
// encapsulation) published as an immutable snapshot, its ICMP error state
// and its device. Rcv decapsulates (RFC 6040 ECN, statistics, collect_md
// metadata) and re-injects the inner packet on the tunnel device; Xmit and
// XmitMD build and route the outer IPv4 header (TTL and TOS fixed or
// inherited, DF, ECN, loop detection, path MTU with ICMP frag-needed to the
// inner sender, link-failure relay after ICMP errors).
//
// Packets are never copied: encapsulation pushes the outer headers into
// the buffer's headroom and decapsulation pulls them; the steady-state
// paths do not allocate.
package tunnel
