// Package engine is softnet's parallel ESP crypto engine: an xfrm offload
// driver (the xfrmdev_ops of net/xfrm/xfrm_device.c, as a NIC's driver
// would implement them) whose "hardware" is a pool of worker goroutines,
// so that ESP throughput scales with cores.
//
// Attach decorates any device's driver: the device gains esp-hw-offload
// and the offload operations; SAs offloaded to it (`ip xfrm state add …
// offload dev DEV dir out`) have their outbound packets sealed on a
// worker, completing asynchronously through stack.FinishAsync and
// stack.Resume (xfrm_dev_resume) back to the lower driver's transmit.
//
// Ordering: esp.Output assigns the ESP sequence number while sealing, so
// each SA is pinned to one worker (chosen at state add, least-loaded
// first) whose queue is FIFO: per-SA packets reach the wire in sequence
// order, and the peer's replay window never sees reordering. Different SAs
// run in parallel.
//
// Backpressure: each worker has a bounded queue; a packet offered to a
// full queue is dropped, counted on the device (tx_dropped, reason
// XFRM_ENGINE_QUEUE_FULL) and in the engine's Stats — nothing is lost
// silently: Offered = Sent + Dropped + Errors + in flight.
//
// Inbound SAs are accepted (the decryption stays in the software path).
package engine
