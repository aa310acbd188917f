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
// Ordering without pinning: ESP output is split in two (esp.Prepare and
// esp.Seal). A producer (the transmitting goroutine) prepares each packet
// at once, under the engine's producer lock: the sequence number is
// assigned, the headers and trailer written, and the packet put in the
// next slot of a bounded reorder ring. Any worker claims runs of prepared
// slots (a CAS on the claim index) and seals them in parallel — one SA's
// packets are spread over all workers. Sealed slots are completed from
// the ring's tail, in ring order, by one worker at a time; ring order is
// preparation order, so each SA's packets reach the device in
// sequence-number order and the peer's replay window never sees
// reordering. Workers sleep on a condition variable and are woken about
// once per batch under load, not per packet.
//
// Backpressure: the ring holds at most Config.QueueLen packets between
// preparation and completion; a packet offered to a full ring is dropped,
// counted on the device (tx_dropped, reason XFRM_ENGINE_QUEUE_FULL) and in
// the engine's Stats — nothing is lost silently: Offered = Sent + Dropped
// + Errors + in flight.
//
// Inbound SAs are accepted (the decryption stays in the software path).
package engine
