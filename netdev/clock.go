package netdev

import (
	"container/heap"
	"sync"
	"time"

	"github.com/softnet/softnet/packet"
)

// Clock tells the time. Subsystems take time only from their World's clock,
// so a lab runs on virtual time and tests are deterministic.
type Clock interface {
	Now() time.Time
}

// Timer is a scheduled callback that can be stopped.
type Timer interface {
	// Stop cancels the timer; it reports whether the call stopped it before
	// it ran.
	Stop() bool
}

// Loop runs deferred packet work and timers for a World.
type Loop interface {
	Clock
	// NetifRx queues b for dev.Receive on the loop (netif_rx): it breaks
	// the call chain between a transmitting device and its peer.
	NetifRx(dev *Device, b *packet.Buffer)
	// XmitAt hands b to dev's driver at time at (used by delaying qdiscs
	// such as netem). The packet is owned by the loop until then.
	XmitAt(at time.Time, dev *Device, b *packet.Buffer)
	// AfterFunc runs f after d on the loop.
	AfterFunc(d time.Duration, f func()) Timer
}

// MaxBacklog bounds the netif_rx backlog, as net.core.netdev_max_backlog.
const MaxBacklog = 1000

type event struct {
	at    time.Time
	seq   uint64
	dev   *Device
	b     *packet.Buffer
	f     func()
	xmit  bool
	index int
	dead  bool
}

func (e *event) Stop() bool {
	if e.dead {
		return false
	}
	e.dead = true
	return true
}

type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *eventHeap) Push(x any)   { e := x.(*event); e.index = len(*h); *h = append(*h, e) }
func (h *eventHeap) Pop() any     { o := *h; e := o[len(o)-1]; *h = o[:len(o)-1]; return e }
func (h eventHeap) peek() (*event, bool) {
	if len(h) == 0 {
		return nil, false
	}
	return h[0], true
}

type rxItem struct {
	dev *Device
	b   *packet.Buffer
}

// rxRing is a FIFO of queued packets that reuses its storage, so queueing
// allocates nothing in steady state.
type rxRing struct {
	buf  []rxItem
	head int
	n    int
}

func (r *rxRing) push(it rxItem) {
	if r.n == len(r.buf) {
		nb := make([]rxItem, max(16, 2*len(r.buf)))
		for i := range r.n {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = it
	r.n++
}

func (r *rxRing) pop() rxItem {
	it := r.buf[r.head]
	r.buf[r.head] = rxItem{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return it
}

// SimLoop is a deterministic single-threaded loop on a virtual clock: the
// lab's scheduler. Packets queued with NetifRx run in FIFO order when Run,
// RunFor or RunUntil is called; timers fire in time order, and virtual time
// jumps from one event to the next. It is safe to call its methods from any
// goroutine, but packet work runs only inside Run*.
type SimLoop struct {
	mu      sync.Mutex
	now     time.Time
	seq     uint64
	backlog rxRing
	timers  eventHeap
	// Dropped counts packets refused because the backlog was full.
	Dropped uint64
}

// NewSimLoop returns a loop whose clock starts at start.
func NewSimLoop(start time.Time) *SimLoop { return &SimLoop{now: start} }

// Now returns the virtual time.
func (l *SimLoop) Now() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.now
}

// NetifRx queues b for dev.Receive.
func (l *SimLoop) NetifRx(dev *Device, b *packet.Buffer) {
	l.mu.Lock()
	if l.backlog.n >= MaxBacklog {
		l.Dropped++
		l.mu.Unlock()
		dev.DropRx(b, DropBacklog)
		return
	}
	l.backlog.push(rxItem{dev, b})
	l.mu.Unlock()
}

// XmitAt schedules b for dev's driver at time at.
func (l *SimLoop) XmitAt(at time.Time, dev *Device, b *packet.Buffer) {
	l.mu.Lock()
	l.seq++
	heap.Push(&l.timers, &event{at: at, seq: l.seq, dev: dev, b: b, xmit: true})
	l.mu.Unlock()
}

// AfterFunc runs f after d of virtual time.
func (l *SimLoop) AfterFunc(d time.Duration, f func()) Timer {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e := &event{at: l.now.Add(d), seq: l.seq, f: f}
	heap.Push(&l.timers, e)
	return &simTimer{l, e}
}

type simTimer struct {
	l *SimLoop
	e *event
}

func (t *simTimer) Stop() bool {
	t.l.mu.Lock()
	defer t.l.mu.Unlock()
	return t.e.Stop()
}

// Run processes queued packets and timers that are due now, until nothing
// is left to do at the current virtual time.
func (l *SimLoop) Run() { l.RunUntil(l.Now()) }

// RunFor advances virtual time by d, processing everything due on the way.
func (l *SimLoop) RunFor(d time.Duration) { l.RunUntil(l.Now().Add(d)) }

// RunUntil processes packets and timers in order until virtual time t,
// then sets the clock to t.
func (l *SimLoop) RunUntil(t time.Time) {
	for {
		l.mu.Lock()
		if l.backlog.n > 0 {
			it := l.backlog.pop()
			l.mu.Unlock()
			it.dev.Receive(it.b)
			continue
		}
		e, ok := l.timers.peek()
		if !ok || e.at.After(t) {
			if l.now.Before(t) {
				l.now = t
			}
			l.mu.Unlock()
			return
		}
		heap.Pop(&l.timers)
		if e.at.After(l.now) {
			l.now = e.at
		}
		dead := e.dead
		e.dead = true
		l.mu.Unlock()
		switch {
		case dead:
		case e.xmit:
			e.dev.xmitDriver(e.b)
		default:
			e.f()
		}
	}
}

// RunIdle runs until no packet is queued and no timer is due within
// horizon of virtual time; it returns the virtual time reached. Periodic
// timers further away than horizon are left pending.
func (l *SimLoop) RunIdle(horizon time.Duration) time.Time {
	for {
		l.Run()
		l.mu.Lock()
		e, ok := l.timers.peek()
		var next time.Time
		if ok {
			next = e.at
		}
		now := l.now
		l.mu.Unlock()
		if !ok || next.Sub(now) > horizon {
			return now
		}
		l.RunUntil(next)
	}
}

// Pending reports the number of queued packets and timers.
func (l *SimLoop) Pending() (packets, timers int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.backlog.n, len(l.timers)
}

// Close frees every queued packet and cancels the timers.
func (l *SimLoop) Close() {
	l.mu.Lock()
	var backlog []rxItem
	for l.backlog.n > 0 {
		backlog = append(backlog, l.backlog.pop())
	}
	timers := l.timers
	l.timers = nil
	l.mu.Unlock()
	for _, it := range backlog {
		it.b.Free()
	}
	for _, e := range timers {
		if e.b != nil {
			e.b.Free()
		}
	}
}
