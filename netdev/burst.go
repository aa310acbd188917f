package netdev

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/softnet/softnet/packet"
)

// A Flusher is a driver that may hold back packets handed to its Xmit
// while a receive burst is running, to send them to the host together
// (Linux's xmit_more: one sendmsg with UDP_SEGMENT, one GRO-coalesced TUN
// write). Flush must send everything held.
//
// The protocol: under the lock its Flush takes, a driver about to hold a
// packet while it holds nothing and is not yet due a flush asks
// World.Hold; if Hold says no (no burst is running) it sends the packet
// at once. If Hold says yes, the driver is flushed when a burst ends —
// only drivers that held something are, so a burst costs nothing for
// idle devices.
type Flusher interface {
	Flush()
}

// bursts is a World's receive-burst state.
type bursts struct {
	active atomic.Int32
	// mu orders Hold against the end of bursts and guards the fields
	// below: a driver let hold is in pending before the bursts it waits
	// for can end.
	mu sync.Mutex
	// last numbers the bursts started; running lists the numbers of those
	// not yet ended (one per busy reader: a short list).
	last    uint64
	running []uint64
	// pending lists the drivers holding packets, each with the last burst
	// started when it was let hold; spare is a list EndBurst may take to
	// flush from (no allocation per burst).
	pending, spare []heldDriver
	// rx holds packets handed to a RealLoop's NetifRx during a burst
	// (decapsulated tunnel packets: Linux's gro_cells), received by the
	// goroutine that ends a burst instead of crossing to a loop worker.
	rxMu    sync.Mutex
	rx, rx2 []rxItem
}

// heldDriver is a driver due a flush once every burst numbered up to
// after has ended.
type heldDriver struct {
	f     Flusher
	after uint64
}

// A Burst is a running receive burst, returned by BeginBurst and handed
// back to EndBurst.
type Burst struct{ n uint64 }

// BeginBurst marks the start of a receive burst: a host reader calls it
// before handing a batch of received packets to Device.Receive (the
// NAPI poll), and EndBurst with its result after the last one.
func (w *World) BeginBurst() Burst {
	bs := &w.bursts
	bs.mu.Lock()
	bs.last++
	n := bs.last
	bs.running = append(bs.running, n)
	bs.active.Add(1)
	bs.mu.Unlock()
	return Burst{n}
}

// EndBurst ends a receive burst: it receives the packets deferred during
// it, then flushes the drivers that held packets (World.Hold) and no
// longer wait for another running burst. A driver let hold while bursts
// overlapped is flushed when the last of those bursts ends, not by the
// first to end: a reader whose short burst ends while another reader is
// building a train does not cut that train.
func (w *World) EndBurst(b Burst) {
	bs := &w.bursts
	w.drainRx()
	bs.mu.Lock()
	oldest := uint64(math.MaxUint64)
	run := bs.running[:0]
	for _, n := range bs.running {
		if n != b.n {
			run = append(run, n)
			oldest = min(oldest, n)
		}
	}
	bs.running = run
	bs.active.Add(-1)
	due := bs.spare[:0]
	bs.spare = nil
	keep := bs.pending[:0]
	for _, h := range bs.pending {
		if h.after < oldest {
			due = append(due, h)
		} else {
			keep = append(keep, h)
		}
	}
	clear(bs.pending[len(keep):])
	bs.pending = keep
	bs.mu.Unlock()
	w.drainRx() // what was deferred between the drain and the decrement
	for i, h := range due {
		h.f.Flush()
		due[i] = heldDriver{}
	}
	bs.mu.Lock()
	if bs.spare == nil {
		bs.spare = due[:0]
	}
	bs.mu.Unlock()
}

// Hold reports whether f may hold a packet until the running bursts end;
// if so, f will be flushed when the last burst running now ends. A
// driver calls it with its flush lock held, once per stretch of holding
// (until its Flush), and sends the packet at once when it returns false.
func (w *World) Hold(f Flusher) bool {
	bs := &w.bursts
	if bs.active.Load() == 0 {
		return false // sending now is always right; only a yes needs the lock
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.active.Load() == 0 {
		return false
	}
	bs.pending = append(bs.pending, heldDriver{f, bs.last})
	return true
}

// PollBurst receives the netif_rx work deferred so far in the running
// burst. A reader calls it after each frame or message it hands to
// Receive, so that what one message produced (a GRO train's decrypted
// packets) moves on before the next message is read from the batch: the
// deferred queue stays short and in order.
func (w *World) PollBurst() { w.drainRx() }

// deferRx queues b for Receive at the end of the running burst; it
// reports false when no burst runs (or too much is queued already).
func (w *World) deferRx(dev *Device, b *packet.Buffer) bool {
	bs := &w.bursts
	bs.rxMu.Lock()
	defer bs.rxMu.Unlock()
	if bs.active.Load() == 0 || len(bs.rx) >= MaxBacklog {
		return false
	}
	bs.rx = append(bs.rx, rxItem{dev, b})
	return true
}

// drainRx receives the deferred packets, and those their receipt defers,
// until none is left.
func (w *World) drainRx() {
	bs := &w.bursts
	for {
		bs.rxMu.Lock()
		items := bs.rx
		bs.rx, bs.rx2 = bs.rx2[:0], nil
		bs.rxMu.Unlock()
		if len(items) == 0 {
			bs.rxMu.Lock()
			if bs.rx2 == nil {
				bs.rx2 = items
			}
			bs.rxMu.Unlock()
			return
		}
		for i, it := range items {
			it.dev.Receive(it.b)
			items[i] = rxItem{}
		}
		bs.rxMu.Lock()
		if bs.rx2 == nil {
			bs.rx2 = items[:0]
		}
		bs.rxMu.Unlock()
	}
}

// InBurst reports whether a receive burst is running.
func (w *World) InBurst() bool { return w.bursts.active.Load() > 0 }
