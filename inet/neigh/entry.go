package neigh

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Entry is a snapshot of a neighbour entry, with what ip -s neigh shows.
type Entry struct {
	Ifindex int32
	Addr    netip.Addr
	// LLAddr is the link-layer address; nil unless State is Valid (as
	// Linux's NDA_LLADDR).
	LLAddr []byte
	State  State
	// Flags holds FlagRouter and FlagExtLearned.
	Flags Flags
	// Probes is the number of probes sent in the current round.
	Probes uint32
	// Used, Confirmed and Updated are the times of last use, last
	// reachability confirmation and last change (nda_cacheinfo ages are
	// now minus these).
	Used, Confirmed, Updated time.Time
	// Refcnt is Linux's reference count less one as ip -s neigh prints it
	// ("ref"): 1 while the entry's timer runs.
	Refcnt int
	// Queued and QueuedBytes are the packets waiting for resolution.
	Queued      int
	QueuedBytes int
}

type entry struct {
	key   key
	parms atomic.Pointer[devParms]

	// Read without the lock on the output path.
	state     atomic.Uint32 // State
	ha        atomic.Pointer[hwAddr]
	used      atomic.Int64
	confirmed atomic.Int64

	mu         sync.Mutex
	updated    int64
	flags      Flags
	probes     uint32
	addrLen    int
	dead       bool
	timer      netdev.Timer
	timerGen   uint64
	queue      []*packet.Buffer
	queueBytes int
	onGC       bool
	gcSeq      uint64
}

func newEntry(k key, p *devParms, s Setup, now int64) *entry {
	e := &entry{key: k, addrLen: s.AddrLen, updated: now}
	if e.addrLen > MaxAddrLen {
		e.addrLen = MaxAddrLen
	}
	e.parms.Store(p)
	e.state.Store(uint32(s.State))
	e.used.Store(now)
	e.confirmed.Store(now - 2*int64(p.get().BaseReachableTime))
	h := noAddr
	if s.LLAddr != nil {
		h = makeHW(s.LLAddr, e.addrLen)
	}
	e.ha.Store(h)
	return e
}

func makeHW(b []byte, n int) *hwAddr {
	h := &hwAddr{n: min(n, len(b))}
	copy(h.b[:], b[:h.n])
	return h
}

func (e *entry) loadState() State { return State(e.state.Load()) }

func (e *entry) setState(s State) { e.state.Store(uint32(s)) }

// armTimer starts the entry timer after d (neigh_add_timer). e.mu is held.
func (e *entry) armTimer(t *Table, d time.Duration) {
	if c := e.confirmed.Load(); e.used.Load() < c {
		e.used.Store(c)
	}
	e.timerGen++
	gen := e.timerGen
	e.timer = t.loop.AfterFunc(d, func() { t.timerFired(e, gen) })
}

// stopTimer cancels the entry timer (neigh_del_timer). e.mu is held.
func (e *entry) stopTimer() {
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	e.timerGen++
}

// takeQueue empties the queue and returns its packets. e.mu is held.
func (e *entry) takeQueue() []*packet.Buffer {
	q := e.queue
	e.queue, e.queueBytes = nil, 0
	return q
}

func (e *entry) snapshot() Entry {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snapshotLocked()
}

func (e *entry) snapshotLocked() Entry {
	s := e.loadState()
	out := Entry{
		Ifindex: e.key.ifindex, Addr: e.key.addr, State: s, Flags: e.flags, Probes: e.probes,
		Used: time.Unix(0, e.used.Load()), Confirmed: time.Unix(0, e.confirmed.Load()),
		Updated: time.Unix(0, e.updated), Queued: len(e.queue), QueuedBytes: e.queueBytes,
	}
	if e.timer != nil {
		out.Refcnt = 1
	}
	if s&Valid != 0 {
		out.LLAddr = append([]byte{}, e.ha.Load().bytes()...)
	}
	return out
}

// Truesize is the size a queued packet is charged against QueueLenBytes
// (skb->truesize): the buffer's whole allocation.
func Truesize(b *packet.Buffer) int { return b.Headroom() + b.Len() + b.Tailroom() }

// work collects what must run after the locks are released: drops, error
// reports, a solicitation and notifications. The zero value is empty and
// costs nothing.
type work struct {
	drops   []dropItem
	reports []dropItem
	sol     *Solicitation
	app     bool
	notes   []note
	release *entry
}

type dropItem struct {
	ifindex int32
	b       *packet.Buffer
	reason  netdev.DropReason
}

type note struct {
	e       Entry
	deleted bool
}

func (w *work) drop(ifindex int32, b *packet.Buffer, r netdev.DropReason) {
	w.drops = append(w.drops, dropItem{ifindex, b, r})
}

func (w *work) notify(e Entry, deleted bool) { w.notes = append(w.notes, note{e, deleted}) }

func (w *work) empty() bool {
	return w.drops == nil && w.reports == nil && w.sol == nil && w.notes == nil && w.release == nil
}

// run performs the collected work; no lock may be held.
func (w *work) run(t *Table) {
	if w.empty() {
		return
	}
	if s := w.sol; s != nil {
		if w.app {
			if t.cfg.AppSolicit != nil {
				t.cfg.AppSolicit(s.Ifindex, s.Target)
			}
		} else {
			t.cfg.Solicit(*s)
		}
		if s.Packet != nil {
			s.Packet.Free()
		}
	}
	for _, r := range w.reports {
		if t.cfg.ErrorReport != nil {
			t.cfg.ErrorReport(r.ifindex, r.b)
		}
		t.drop(r.ifindex, r.b, netdev.DropNeighFailed)
	}
	for _, d := range w.drops {
		t.drop(d.ifindex, d.b, d.reason)
	}
	if t.cfg.Notify != nil {
		for _, n := range w.notes {
			t.cfg.Notify(n.e, n.deleted)
		}
	}
	if w.release != nil {
		t.releaseQueue(w.release)
	}
}

func (t *Table) drop(ifindex int32, b *packet.Buffer, r netdev.DropReason) {
	t.drops.Add(r)
	if t.cfg.Drop != nil {
		t.cfg.Drop(ifindex, b, r)
		return
	}
	b.Free()
}
