// Package neigh is softnet's neighbour table: the generic cache and state
// machine under ARP (IPv4) and NDP (IPv6), mirroring net/core/neighbour.c
// and include/net/neighbour.h. The protocols (package inet) build and parse
// the ARP and NS/NA packets; this package decides when to probe, what to
// send, and what to do with packets waiting for an address.
//
// # Using it
//
// One Table per namespace and family:
//
//	t := neigh.New(neigh.Config{
//		Family:      4,
//		Loop:        world.Loop(),
//		Xmit:        func(ifindex int32, b *packet.Buffer, lladdr []byte) { /* push link header, Transmit */ },
//		Solicit:     func(s neigh.Solicitation) { /* ARP request or NS */ },
//		ErrorReport: func(ifindex int32, b *packet.Buffer) { /* ICMP host unreachable */ },
//		Drop:        func(ifindex int32, b *packet.Buffer, r netdev.DropReason) { /* count, free */ },
//		Construct:   func(ifindex int32, a netip.Addr) (neigh.Setup, error) { /* NOARP? addr_len */ },
//	})
//
// The output path calls t.Output(ifindex, nexthop, b). The input path calls
// t.Update with Linux's flags, e.g. for an ARP reply
// Update(ifindex, sip, sha, Reachable, Override) and for a received
// request Update(ifindex, sip, sha, Stale, Override|Create) (neigh_event_ns);
// for NDP the NA's S/O/R bits map to Reachable/Stale, Override,
// OverrideIsRouter|IsRouter. Upper layers confirm reachability with
// t.Confirm. ip neigh maps to Add (Request with Create/Excl/Replace as
// NLM_F_*), Del, Get, Flush and Dump; ip ntable to Stats, Info, Params and
// ReachableTime; device events to DeviceDown (neigh_ifdown, PERMANENT
// entries go too), CarrierDown (PERMANENT entries stay), ChangeAddr and
// DeviceUnregister.
//
// # States
//
// State values and names are Linux's NUD_* as iproute2 prints them. A new
// entry is NONE (or NOARP from Construct). Output on NONE or FAILED starts
// resolution: INCOMPLETE with a broadcast probe at once and then every
// RetransTime, McastProbes in all (probes counted from UcastProbes as in
// Linux); a reply makes it REACHABLE and releases the queue; no reply
// makes it FAILED after McastProbes×RetransTime and fails the queue
// through ErrorReport. REACHABLE becomes STALE after the randomized
// reachable time unless confirmed; a STALE entry that is used goes to
// DELAY, and after DelayProbeTime without confirmation to PROBE, which
// sends UcastProbes unicast probes (plus McastReprobes) before FAILED.
//
// # Concurrency
//
// Lookups read an immutable map published through an atomic pointer and
// take no lock; the state, the link-layer address and the used/confirmed
// times of an entry are atomics, so sending through a REACHABLE, PERMANENT
// or NOARP entry takes no lock and does not allocate. Everything else
// takes the entry's small mutex; creating and removing entries takes the
// table's mutex and publishes a new map. No callback (Xmit, Solicit,
// ErrorReport, Drop, Notify) runs with a lock held, so callbacks may call
// back into the table. Timers run on the Config's netdev.Loop: with a
// netdev.SimLoop the whole state machine runs on virtual time.
//
// # Differences from Linux
//
// Queued packets are charged Truesize (the buffer's allocation) against
// QueueLenBytes. Dump is sorted by ifindex and address instead of hash
// order. Periodic garbage collection is only scheduled while the table has
// entries. Proxy entries (NTF_PROXY) and managed entries (NTF_MANAGED) are
// not supported. Packets still queued on an entry that is removed are
// dropped with reason NEIGH_DEAD.
package neigh
