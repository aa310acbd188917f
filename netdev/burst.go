package netdev

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/softnet/softnet/packet"
)

// A Flusher is a driver that may hold back packets handed to its Xmit
// while a receive burst is running, to send them to the host together
// (Linux's xmit_more: one sendmsg with UDP_SEGMENT, one GRO-coalesced TUN
// write). Flush must send everything held. A driver holds packets only
// while World.InBurst reports true, deciding that and queueing under one
// lock that Flush takes too, so every held packet is flushed by the end
// of some burst that was running when it was queued.
type Flusher interface {
	Flush()
}

// bursts is a World's receive-burst state.
type bursts struct {
	active   atomic.Int32
	mu       sync.Mutex
	flushers atomic.Pointer[[]Flusher]
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
// it, then flushes every registered Flusher.
func (w *World) EndBurst() {
	w.drainRx()
	w.bursts.active.Add(-1)
	w.drainRx() // what was deferred between the drain and the decrement
	if l := w.bursts.flushers.Load(); l != nil {
		for _, f := range *l {
			f.Flush()
		}
	}
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

// InBurst reports whether a receive burst is running, so that a Flusher
// may hold a packet until EndBurst.
func (w *World) InBurst() bool { return w.bursts.active.Load() > 0 }

// AddFlusher registers f (a comparable value, such as a driver's pointer)
// to be flushed at the end of every burst.
func (w *World) AddFlusher(f Flusher) {
	w.bursts.mu.Lock()
	defer w.bursts.mu.Unlock()
	var l []Flusher
	if p := w.bursts.flushers.Load(); p != nil {
		l = slices.Clone(*p)
	}
	l = append(l, f)
	w.bursts.flushers.Store(&l)
}

// RemoveFlusher unregisters f (a device being deleted); f should then
// flush itself once more.
func (w *World) RemoveFlusher(f Flusher) {
	w.bursts.mu.Lock()
	defer w.bursts.mu.Unlock()
	p := w.bursts.flushers.Load()
	if p == nil {
		return
	}
	l := slices.DeleteFunc(slices.Clone(*p), func(g Flusher) bool { return g == f })
	w.bursts.flushers.Store(&l)
}
