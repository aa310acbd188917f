// Package macvtap is the macvtap link kind: a macvlan whose received
// frames go to a tap endpoint with queues that a hypervisor reads and
// writes, instead of to the network stack. It mirrors Linux's
// drivers/net/macvtap.c (the kind, built on macvlan_common_newlink) and
// drivers/net/tap.c (the /dev/tapN character device: queues, the TUN
// ioctls, virtio-net headers), with include/linux/virtio_net.h for the
// header conversions.
//
// A device's tap endpoint is named tap<ifindex> (the /dev/tapN a
// hypervisor opens). Open adds a queue (at most MaxQueues); each queue
// has a ring of txqueuelen frames (500 by default, TUN_READQ_SIZE).
// Frames the device receives are spread over the enabled queues by flow
// hash, then recorded rx queue, then queue 0, as tap_get_queue. Frames
// a reader cannot take — GSO frames without the matching TUNSETOFFLOAD
// flags, or partial checksums without TUN_F_CSUM — are segmented (package
// gso) or checksummed before they are queued.
//
// The TUN ioctls are methods of Queue with Linux's validation and
// errnos: SetIff (TUNSETIFF), Iff (TUNGETIFF), SetQueue (TUNSETQUEUE),
// Features (TUNGETFEATURES), SetSndbuf, VnetHdrSize/SetVnetHdrSize,
// VnetLE/SetVnetLE, VnetBE/SetVnetBE, SetOffload, HardwareAddr and
// SetHardwareAddr (SIOCGIFHWADDR/SIOCSIFHWADDR). Errors are
// syscall.Errno values.
//
// Consumers: the Go API (Queue.Read, ReadContext, Write, Poll, Wait,
// Close), ServeStream / ListenStream (QEMU's -netdev stream framing over
// a Unix or TCP socket), and the "tapguest" link kind, a virtual NIC in
// another namespace wired to a queue (the lab's guest endpoint).
//
// Differences from Linux are listed in docs/macvtap.md.
package macvtap
