// Package netem is a network emulator queueing discipline, the counterpart
// of the kernel's net/sched/sch_netem.c (and the option grammar of
// iproute2's tc/q_netem.c, which package iproute parses into a Config).
//
// A Netem is a netdev.Qdisc installed as a device's root qdisc. Every
// packet the device transmits passes through Enqueue, which decides, as
// netem_enqueue does and in the same order:
//
//  1. duplicate: with probability Duplicate a copy is made and enqueued
//     again (the copy itself is never duplicated);
//  2. loss: with probability Loss the packet is dropped (counted with the
//     reason QDISC_DROP on the device and as Dropped in the qdisc's stats;
//     the sender sees success, as with netem);
//  3. corrupt: with probability Corrupt one random bit of the packet's
//     bytes (link-layer header included) is flipped, after any pending
//     partial checksum has been completed;
//  4. limit: when Limit packets are already waiting, the packet is dropped
//     (reason QDISC_OVERLIMIT, Overlimits in the stats) and Enqueue returns
//     netdev.ErrDropped (ENOBUFS for a socket);
//  5. reorder and delay: when Reorder is zero, or fewer than Gap-1 packets
//     have been delayed since the last reordered one, or the reorder draw
//     fails, the packet gets a send time of now + Delay ± Jitter (uniform in
//     [Delay-Jitter, Delay+Jitter), optionally correlated), plus with Rate
//     its serialization time after the last queued packet; otherwise it is
//     sent at once, ahead of the delayed packets (a "reordered" packet).
//     As in tc, Reorder with Gap zero behaves as Gap 1: each packet is sent
//     immediately with probability Reorder and delayed otherwise, so
//     reordering needs a Delay.
//
// Packets leave in send-time order (the tfifo), so Jitter alone reorders
// packets as it does on Linux since 3.x. Probabilities are 32-bit fractions
// as in the kernel (Prob); correlations use the kernel's get_crandom
// recurrence. Not implemented: delay distribution tables (normal, pareto…;
// the jitter is uniform), the Gilbert-Elliott and 4-state loss models,
// slotting, ECN marking instead of dropping, and cell-based rate overhead.
//
// Randomness comes from a private PCG generator seeded from the World's
// random source when the qdisc is created, so a lab with a fixed seed
// reproduces the same losses. The packet path allocates nothing of its own
// (the loop's XmitAt may).
package netem
