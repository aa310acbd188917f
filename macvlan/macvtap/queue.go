package macvtap

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Queue is one open tap endpoint (struct tap_queue: the state behind one
// file descriptor of /dev/tapN). Its methods are safe for concurrent use.
type Queue struct {
	tap       atomic.Pointer[Tap] // nil once detached
	flags     atomic.Uint32       // IFF_* in the low 16 bits, vnetLE above
	vnetHdrSz atomic.Int32
	sndbuf    atomic.Int32
	nonblock  atomic.Bool
	// closing is set first thing in Close, so a reader that finds the
	// queue detached while it is being closed reports EBADF, not ENOLINK.
	closing atomic.Bool

	// Guarded by the RTNL.
	enabled bool
	// onReady, when set, is called after a frame is queued, and
	// onDetach when the device goes away (the guest NIC uses them).
	onReady  func()
	onDetach func()

	mu     sync.Mutex
	ring   []*packet.Buffer
	head   int
	n      int
	closed bool
	wake   chan struct{} // a frame arrived (capacity 1)
	done   chan struct{} // closed when the queue is detached or closed
	doneMu sync.Once

	// Drops counts frames the queue lost: ring full, purged on close or
	// resize, or unreadable (reader buffer too small).
	Drops atomic.Uint64
}

// flagVnetLE is TAP_VNET_LE, kept above the IFF_ bits.
const flagVnetLE = 1 << 31

// Poll events (EPOLL* values).
const (
	PollIn     uint32 = 0x001
	PollOut    uint32 = 0x004
	PollErr    uint32 = 0x008
	PollHup    uint32 = 0x010
	PollRdNorm uint32 = 0x040
	PollWrNorm uint32 = 0x100
)

// Open opens a new queue on the tap (tap_open): it is attached and
// enabled, with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR, a 10-byte vnet header and
// a ring of the device's txqueuelen frames. It fails with ENXIO when the
// device is gone and EBUSY when MaxQueues are attached.
func Open(t *Tap) (*Queue, error) {
	ns := t.dev.Namespace()
	if ns == nil {
		return nil, syscall.ENXIO
	}
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	return openLocked(t)
}

// openLocked is Open with the RTNL held.
func openLocked(t *Tap) (*Queue, error) {
	if t.dev.IsDead() || TapOf(t.dev) != t {
		return nil, syscall.ENXIO
	}
	if len(t.queues) >= MaxQueues {
		return nil, syscall.EBUSY
	}
	q := &Queue{
		ring: make([]*packet.Buffer, t.dev.TxQueueLen()),
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	q.flags.Store(uint32(IffVnetHdr | IffNoPI | IffTAP))
	q.vnetHdrSz.Store(header.VirtioNetHdrSize)
	q.sndbuf.Store(1<<31 - 1)
	q.tap.Store(t)
	q.enabled = true
	t.queues = append(t.queues, q)
	t.on = append(t.on, q)
	t.publish()
	return q, nil
}

// OpenName opens a queue on the tap endpoint named name ("tap12") in ns;
// ENXIO when there is none.
func OpenName(ns *netdev.Namespace, name string) (*Queue, error) {
	t := Lookup(ns, name)
	if t == nil {
		return nil, syscall.ENXIO
	}
	return Open(t)
}

// SetNonblock sets O_NONBLOCK: Read then fails with EAGAIN instead of
// waiting.
func (q *Queue) SetNonblock(on bool) { q.nonblock.Store(on) }

// produce queues b (data at the link-layer header) or drops it when the
// ring is full; d is the macvtap device, which counts the drop.
func (q *Queue) produce(d *netdev.Device, b *packet.Buffer) {
	q.mu.Lock()
	if q.closed || q.n >= len(q.ring) {
		q.mu.Unlock()
		q.Drops.Add(1)
		d.DropRx(b, DropFullRing)
		return
	}
	q.ring[(q.head+q.n)%len(q.ring)] = b
	q.n++
	ready := q.onReady
	q.mu.Unlock()
	q.signal()
	if ready != nil {
		ready()
	}
}

func (q *Queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pop takes the oldest frame, or nil.
func (q *Queue) pop() *packet.Buffer {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return nil
	}
	b := q.ring[q.head]
	q.ring[q.head] = nil
	q.head = (q.head + 1) % len(q.ring)
	q.n--
	if q.n > 0 {
		q.signal() // another reader may be waiting
	}
	return b
}

// Len returns the number of frames waiting in the ring.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

func (q *Queue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// Read reads one frame into p (tap_do_read): the virtio-net header first
// when IFF_VNET_HDR is set (TUNSETVNETHDRSZ bytes, the rest zeroed), then
// the Ethernet frame. It returns the number of bytes copied: a buffer
// too short for the frame gets its start and the rest is lost, as in
// Linux. It waits for a frame unless the queue is non-blocking (EAGAIN).
// Errors: EINVAL when p cannot hold the vnet header (the frame is lost),
// ENOLINK once the device is deleted and the ring is empty, EBADF after
// Close.
func (q *Queue) Read(p []byte) (int, error) { return q.ReadContext(context.Background(), p) }

// ReadContext is Read that gives up when ctx is done, returning ctx's
// error (the EINTR of a signalled read).
func (q *Queue) ReadContext(ctx context.Context, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if q.isClosed() {
			return 0, syscall.EBADF
		}
		if b := q.pop(); b != nil {
			return q.put(b, p)
		}
		if q.tap.Load() == nil {
			if q.closing.Load() {
				return 0, syscall.EBADF
			}
			return 0, syscall.ENOLINK
		}
		if q.nonblock.Load() {
			return 0, syscall.EAGAIN
		}
		select {
		case <-q.wake:
		case <-q.done:
			if q.Len() == 0 {
				if q.isClosed() || q.closing.Load() {
					return 0, syscall.EBADF
				}
				return 0, syscall.ENOLINK
			}
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// put copies b out to p (tap_put_user) and frees it.
func (q *Queue) put(b *packet.Buffer, p []byte) (int, error) {
	defer b.Free()
	hdr := 0
	if q.flags.Load()&uint32(IffVnetHdr) != 0 {
		hdr = int(q.vnetHdrSz.Load())
		if len(p) < hdr {
			q.Drops.Add(1)
			return 0, syscall.EINVAL
		}
		h := vnetHdrOf(b)
		header.VirtioNetHdr(p).Encode(&h, q.flags.Load()&flagVnetLE != 0)
		clear(p[header.VirtioNetHdrSize:hdr])
	}
	// A short buffer gets the start of the frame; the rest is lost, and
	// the length read is what was copied (as tap_put_user returns).
	return hdr + copy(p[hdr:], b.Bytes()), nil
}

// Poll reports the queue's readiness (tap_poll): PollIn|PollRdNorm when a
// frame waits, PollOut|PollWrNorm while writable, PollHup once the device
// is deleted, PollErr after Close.
func (q *Queue) Poll() uint32 {
	if q.isClosed() {
		return PollErr
	}
	var ev uint32
	if q.Len() > 0 {
		ev |= PollIn | PollRdNorm
	}
	if q.tap.Load() == nil {
		return ev | PollHup
	}
	return ev | PollOut | PollWrNorm
}

// Wait blocks until a frame can be read, the queue is detached or closed
// (nil: Read will then report why), or ctx is done.
func (q *Queue) Wait(ctx context.Context) error {
	for q.Len() == 0 {
		select {
		case <-q.wake:
			q.signal() // leave the token for the reader
			if q.Len() > 0 {
				return nil
			}
			select {
			case <-q.wake:
			default:
			}
		case <-q.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// detach cuts the queue off its deleted device and wakes its readers
// (with the RTNL held).
func (q *Queue) detach() {
	q.tap.Store(nil)
	q.enabled = false
	q.doneMu.Do(func() { close(q.done) })
	if q.onDetach != nil {
		q.onDetach()
	}
}

// Close releases the queue (tap_release): it leaves the device and the
// frames still queued are dropped. Blocked readers return EBADF.
func (q *Queue) Close() error {
	q.closing.Store(true)
	if t := q.tap.Load(); t != nil {
		if ns := t.dev.Namespace(); ns != nil {
			q.leave(ns.World(), t)
		}
	}
	return q.release()
}

// leave takes q off t's device under the RTNL.
func (q *Queue) leave(w *netdev.World, t *Tap) {
	w.Lock()
	defer w.Unlock()
	if q.tap.Load() == t {
		t.removeLocked(q)
	}
}

// closeLocked is Close with the RTNL held.
func (q *Queue) closeLocked() error {
	q.closing.Store(true)
	if t := q.tap.Load(); t != nil {
		t.removeLocked(q)
	}
	return q.release()
}

// release marks the queue closed and drops what it holds.
func (q *Queue) release() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return syscall.EBADF
	}
	q.closed = true
	var purge []*packet.Buffer
	for q.n > 0 {
		purge = append(purge, q.ring[q.head])
		q.ring[q.head] = nil
		q.head = (q.head + 1) % len(q.ring)
		q.n--
	}
	q.mu.Unlock()
	q.doneMu.Do(func() { close(q.done) })
	for _, b := range purge {
		q.Drops.Add(1)
		b.Free()
	}
	return nil
}

// removeLocked takes q off the tap (tap_put_queue), RTNL held.
func (t *Tap) removeLocked(q *Queue) {
	if q.enabled {
		t.disableLocked(q)
	}
	for i, x := range t.queues {
		if x == q {
			t.queues = append(t.queues[:i], t.queues[i+1:]...)
			break
		}
	}
	q.tap.Store(nil)
}

// disableLocked removes q from the enabled array, moving the last queue
// into its slot (tap_disable_queue).
func (t *Tap) disableLocked(q *Queue) {
	for i, x := range t.on {
		if x == q {
			last := len(t.on) - 1
			t.on[i] = t.on[last]
			t.on = t.on[:last]
			break
		}
	}
	q.enabled = false
	t.publish()
}

// resize changes the ring size (tap_queue_resize), dropping the oldest
// frames that no longer fit.
func (q *Queue) resize(n int) {
	q.mu.Lock()
	var drop []*packet.Buffer
	for q.n > n {
		drop = append(drop, q.ring[q.head])
		q.ring[q.head] = nil
		q.head = (q.head + 1) % len(q.ring)
		q.n--
	}
	ring := make([]*packet.Buffer, n)
	for i := range q.n {
		ring[i] = q.ring[(q.head+i)%len(q.ring)]
	}
	q.ring, q.head = ring, 0
	q.mu.Unlock()
	for _, b := range drop {
		q.Drops.Add(1)
		b.Free()
	}
}
