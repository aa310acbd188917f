// Package inet is softnet's IPv4 and IPv6 layer: the counterpart of the
// kernel's net/ipv4 (ip_input.c, ip_output.c, ip_forward.c, route.c,
// fib_frontend.c, fib_semantics.c, devinet.c, icmp.c, arp.c) and net/ipv6
// (ip6_input.c, ip6_output.c, ip6_forward, route.c, ndisc.c, icmp.c and
// the part of addrconf.c that assigns addresses and link-local addresses).
//
// It holds, per namespace: interface addresses (ip addr), routing tables
// with longest-prefix match for both families (ip route, on package
// inet/fib), neighbour tables for ARP and NDP (ip neigh, on package
// inet/neigh), PMTU exceptions, the ICMP rate limiter, SNMP MIB counters
// (IpInReceives, Ip6InReceives, IcmpOutMsgs…) and the sysctls
// net.ipv4.ip_forward, net.ipv6.conf.all.forwarding, net.ipv4.icmp_ratelimit
// and friends.
//
// The data path: packets arrive through netdev packet handlers for
// ethertypes 0x0800 (IPv4), 0x86DD (IPv6) and 0x0806 (ARP); they are
// validated, counted, routed, and either delivered locally (to ICMP echo,
// to the probe sockets, or to a handler registered with AddProtocol, such
// as a tunnel or xfrm) or forwarded with the TTL decremented. Output goes
// through the route, the neighbour table and Device.Transmit.
//
// Configuration calls (AddAddr, AddRoute, AddNeigh…) take the World's
// RTNL; the packet path never locks: it reads immutable snapshots.
//
// See docs/inet.md for the architecture.
package inet
