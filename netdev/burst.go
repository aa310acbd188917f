package netdev

import (
	"slices"
	"sync"
	"sync/atomic"
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
}

// BeginBurst marks the start of a receive burst: a host reader calls it
// before handing a batch of received packets to Device.Receive (the
// NAPI poll), and EndBurst after the last one.
func (w *World) BeginBurst() { w.bursts.active.Add(1) }

// EndBurst ends a receive burst and flushes every registered Flusher.
func (w *World) EndBurst() {
	w.bursts.active.Add(-1)
	if l := w.bursts.flushers.Load(); l != nil {
		for _, f := range *l {
			f.Flush()
		}
	}
}

// InBurst reports whether a receive burst is running, so that a Flusher
// may hold a packet until EndBurst.
func (w *World) InBurst() bool { return w.bursts.active.Load() > 0 }

// AddFlusher registers f to be flushed at the end of every burst.
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
