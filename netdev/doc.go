// Package netdev is softnet's device layer: the counterpart of the kernel's
// net/core/dev.c, rtnetlink.c and net_namespace.c.
//
// A World is one process's set of network namespaces (the lab's hosts, or
// the daemon's namespaces) sharing a Loop: the scheduler that runs deferred
// packet work (the netif_rx backlog) and timers, deterministically on a
// virtual clock in a lab (SimLoop) or on real time in the daemon (RealLoop).
//
// A Namespace is struct net: its devices by index and name, its per-subsystem
// storage (Pernet), and its notifier subscribers. A Device is struct
// net_device: flags, MTU, addresses, features, 64-bit statistics, drop
// reasons, and the hooks a packet passes on receive (taps, tc ingress, the rx
// handler, protocol dispatch) and on transmit (tc egress, taps, the driver).
//
// Link kinds (loopback, veth, dummy here; tunnels, macvlan and others in
// their packages) register a Kind, as rtnl_link_ops: validate, newlink,
// changelink, dellink and fill-info.
//
// Concurrency: readers never lock. Device lookup tables are immutable
// snapshots behind atomic pointers; writers serialize on the namespace's
// mutex (the RTNL of that namespace) and publish new snapshots.
package netdev
