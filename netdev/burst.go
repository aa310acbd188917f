package netdev

import (
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
	// mu orders Hold against the end of bursts: a driver let hold is in
	// pending before the last running burst takes the list.
	mu      sync.Mutex
	pending []Flusher
	// rx holds packets handed to a RealLoop's NetifRx during a burst
	// (decapsulated tunnel packets: Linux's gro_cells), received by the
	// goroutine that ends a burst instead of crossing to a loop worker.
	rxMu    sync.Mutex
	rx, rx2 []rxItem
}

// BeginBurst marks the start of a receive burst: a host reader calls it
// before handing a batch of received packets to Device.Receive (the
// NAPI poll), and EndBurst after the last one.
func (w *World) BeginBurst() { w.bursts.active.Add(1) }

// EndBurst ends a receive burst: it receives the packets deferred during
// it, then flushes the drivers that held packets (World.Hold).
func (w *World) EndBurst() {
	bs := &w.bursts
	w.drainRx()
	bs.mu.Lock()
	bs.active.Add(-1)
	due := bs.pending
	bs.pending = nil
	bs.mu.Unlock()
	w.drainRx() // what was deferred between the drain and the decrement
	for i, f := range due {
		f.Flush()
		due[i] = nil
	}
	bs.mu.Lock()
	if bs.pending == nil {
		bs.pending = due[:0] // reuse the list: no allocation per burst
	}
	bs.mu.Unlock()
}

// Hold reports whether f may hold a packet until a running burst ends; if
// so, f will be flushed when the next burst ends. A driver calls it with
// its flush lock held, once per stretch of holding (until its Flush), and
// sends the packet at once when it returns false.
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
	bs.pending = append(bs.pending, f)
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
