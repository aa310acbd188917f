package frag

import (
	"sync"
	"time"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Overheads charged to the memory limit on top of the buffers (as Linux
// charges sizeof(struct ipq) per queue and skb->truesize per fragment).
const (
	queueOverhead = 256
	fragOverhead  = 256
)

// key identifies a queue (struct frag_v4_compare_key / frag_v6_compare_key).
type key struct {
	src, dst [16]byte
	id       uint32
	proto    uint8 // IPv4 only
	ifindex  int32 // IPv4 l3mdev vif (unused, 0); IPv6 link-local/multicast iif
}

// peerKey identifies an IPv4 source for ipfrag_max_dist (struct inet_peer).
type peerKey struct {
	src [4]byte
	vif int32
}

type peer struct {
	rid  uint32 // fragments seen from the source
	refs int32  // queues using it
}

// Queue flags (INET_FRAG_*).
const (
	firstIn uint8 = 1 << iota
	lastIn
)

// queue is one datagram being reassembled (struct inet_frag_queue).
type queue struct {
	key   key
	frags []entry
	len   int // datagram payload length known so far
	meat  int // payload bytes received
	flags uint8
	ecn   uint8
	// maxSize and maxDFSize are the largest fragment and largest DF
	// fragment received.
	maxSize, maxDFSize int
	iif                int32
	nhoff              int // IPv6: offset of the byte naming the fragment header
	mem                int64
	expires            time.Time
	prev, next         *queue // expiry order
	rid                uint32
	hasPeer            bool
}

// Reassembler holds the fragment queues of one namespace and family
// (struct fqdir). Create it with New.
type Reassembler struct {
	family    int
	clock     Clock
	onTimeout func(*packet.Buffer, int32)
	stats     *Stats
	timerFn   func()

	// Drops counts the fragments dropped, by reason.
	Drops netdev.DropCounters

	mu         sync.Mutex
	limits     Limits
	queues     map[key]*queue
	head, tail *queue // expiry list, oldest first
	mem        int64
	timer      netdev.Timer
	armed      bool
	closed     bool
	spare      []*queue
	peers      map[peerKey]peer
}

// New returns a Reassembler for cfg.Family (4 or 6; anything else is
// treated as 4).
func New(cfg Config) *Reassembler {
	r := &Reassembler{
		family:    cfg.Family,
		clock:     cfg.Clock,
		onTimeout: cfg.OnTimeout,
		stats:     cfg.Stats,
		limits:    cfg.Limits,
		queues:    make(map[key]*queue),
		peers:     make(map[peerKey]peer),
	}
	if r.family != 6 {
		r.family = 4
	}
	if r.stats == nil {
		r.stats = new(Stats)
	}
	r.timerFn = r.expire
	return r
}

// Stats returns the counters the Reassembler updates.
func (r *Reassembler) Stats() *Stats { return r.stats }

// Limits returns the current limits.
func (r *Reassembler) Limits() Limits {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.limits
}

// SetLimits changes the limits (the sysctls). A new timeout applies to
// queues created afterwards.
func (r *Reassembler) SetLimits(l Limits) {
	r.mu.Lock()
	defer r.mu.Unlock()
	shorter := l.Timeout < r.limits.Timeout
	r.limits = l
	if shorter && r.armed {
		// New queues may now expire before the pending timer fires.
		r.timer.Stop()
		r.armed = false
		r.startTimer(r.clock.Now())
	}
}

// Mem returns the memory charged to the queues, in bytes (ipfrag memory in
// /proc/net/sockstat "FRAG: inuse N memory M").
func (r *Reassembler) Mem() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mem
}

// Queues returns the number of datagrams being reassembled.
func (r *Reassembler) Queues() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queues)
}

// Add takes ownership of b, a fragment with its data at the IP header
// (IPv4 or IPv6 as the Reassembler's family; already validated by the
// input path, but checked again), and queues it. See Result and Status for
// the outcomes. b.InIfindex is the input device (queue key for IPv6
// link-local and multicast destinations, and OnTimeout's iif).
func (r *Reassembler) Add(b *packet.Buffer) Result {
	if r.family == 6 {
		return r.add6(b)
	}
	return r.add4(b)
}

// Close frees every queued fragment and stops the timer; later fragments
// are refused.
func (r *Reassembler) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.timer != nil {
		r.timer.Stop()
		r.timer, r.armed = nil, false
	}
	for r.head != nil {
		r.kill(r.head, DropPurge)
	}
}

// drop frees b and counts it.
func (r *Reassembler) drop(b *packet.Buffer, reason netdev.DropReason) Result {
	r.Drops.Add(reason)
	b.Free()
	return Result{Status: Dropped, Reason: reason}
}

// refuse drops b because no queue can take it (closed, disabled or over
// the memory limit). Called with r.mu held.
func (r *Reassembler) refuse(b *packet.Buffer) (Result, bool) {
	if r.closed || r.limits.HighThresh <= 0 || r.mem > r.limits.HighThresh {
		r.stats.ReasmFails.Add(1)
		reason := DropMemory
		if r.closed {
			reason = DropPurge
		}
		return r.drop(b, reason), true
	}
	return Result{}, false
}

// find returns the queue for k, creating it. Called with r.mu held.
func (r *Reassembler) find(k key) *queue {
	if q := r.queues[k]; q != nil {
		return q
	}
	var q *queue
	if n := len(r.spare); n > 0 {
		q = r.spare[n-1]
		r.spare[n-1] = nil
		r.spare = r.spare[:n-1]
	} else {
		q = new(queue)
	}
	q.key = k
	q.mem = queueOverhead
	r.mem += queueOverhead
	r.queues[k] = q
	r.arm(q)
	if r.family == 4 && r.limits.MaxDist > 0 {
		pk := q.peerKey()
		p := r.peers[pk]
		p.refs++
		r.peers[pk] = p
		q.rid, q.hasPeer = p.rid, true
	}
	return q
}

func (q *queue) peerKey() peerKey {
	return peerKey{src: [4]byte(q.key.src[:4]), vif: q.key.ifindex}
}

// arm (re)starts q's timeout: it moves to the tail of the expiry list and
// the loop timer is started if none is pending. Called with r.mu held.
func (r *Reassembler) arm(q *queue) {
	now := r.clock.Now()
	q.expires = now.Add(r.limits.Timeout)
	r.unlink(q)
	q.prev = r.tail
	if r.tail != nil {
		r.tail.next = q
	} else {
		r.head = q
	}
	r.tail = q
	r.startTimer(now)
}

// startTimer starts the loop timer for the head of the expiry list unless
// one is pending. A pending timer is never later than the head's expiry,
// since every queue expires a fixed timeout after it was armed.
func (r *Reassembler) startTimer(now time.Time) {
	if r.armed || r.head == nil || r.closed {
		return
	}
	r.armed = true
	r.timer = r.clock.AfterFunc(max(r.head.expires.Sub(now), 0), r.timerFn)
}

func (r *Reassembler) unlink(q *queue) {
	if q.prev != nil {
		q.prev.next = q.next
	} else if r.head == q {
		r.head = q.next
	}
	if q.next != nil {
		q.next.prev = q.prev
	} else if r.tail == q {
		r.tail = q.prev
	}
	q.prev, q.next = nil, nil
}

// kill removes q, frees its fragments counting them under reason, and
// recycles it (inet_frag_kill + inet_frag_destroy). Called with r.mu held.
func (r *Reassembler) kill(q *queue, reason netdev.DropReason) {
	for i := range q.frags {
		if b := q.frags[i].b; b != nil {
			r.Drops.Add(reason)
			b.Free()
		}
	}
	r.release(q)
}

// release removes q without touching its fragments' buffers and recycles
// it. Called with r.mu held.
func (r *Reassembler) release(q *queue) {
	delete(r.queues, q.key)
	r.unlink(q)
	r.mem -= q.mem
	if q.hasPeer {
		pk := q.peerKey()
		if p := r.peers[pk]; p.refs <= 1 {
			delete(r.peers, pk)
		} else {
			p.refs--
			r.peers[pk] = p
		}
	}
	clear(q.frags)
	frags := q.frags[:0]
	*q = queue{frags: frags}
	if len(r.spare) < 64 {
		r.spare = append(r.spare, q)
	}
}

// purge frees q's fragments and resets it to empty, keeping it in the
// table (ip_frag_reinit). Called with r.mu held.
func (r *Reassembler) purge(q *queue, reason netdev.DropReason) {
	for i := range q.frags {
		r.Drops.Add(reason)
		q.frags[i].b.Free()
	}
	clear(q.frags)
	q.frags = q.frags[:0]
	r.mem -= q.mem - queueOverhead
	q.mem = queueOverhead
	q.len, q.meat, q.flags, q.ecn, q.iif = 0, 0, 0, 0, 0
	q.maxSize, q.maxDFSize, q.nhoff = 0, 0, 0
	r.arm(q)
}

// tooFar implements ipfrag_max_dist: it reports whether more than MaxDist
// fragments from q's source arrived since q's previous one. Called with
// r.mu held.
func (r *Reassembler) tooFar(q *queue) bool {
	if !q.hasPeer || r.limits.MaxDist <= 0 {
		return false
	}
	pk := q.peerKey()
	p := r.peers[pk]
	p.rid++
	r.peers[pk] = p
	start := q.rid
	q.rid = p.rid
	if len(q.frags) > 0 && p.rid-start > uint32(r.limits.MaxDist) {
		r.stats.ReasmFails.Add(1)
		return true
	}
	return false
}

// expire is the loop timer: it drops every queue whose time is up
// (ip_expire / ip6_frag_expire) and restarts itself for the next one.
func (r *Reassembler) expire() {
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return
		}
		now := r.clock.Now()
		q := r.head
		if q == nil || q.expires.After(now) {
			r.armed = false
			r.startTimer(now)
			r.mu.Unlock()
			return
		}
		r.stats.ReasmFails.Add(1)
		r.stats.ReasmTimeout.Add(1)
		var first *packet.Buffer
		iif := q.iif
		if q.flags&firstIn != 0 && len(q.frags) > 0 && q.frags[0].off == 0 {
			first = q.frags[0].b
			q.frags[0].b = nil
			r.Drops.Add(DropReasmTimeout)
		}
		r.kill(q, DropReasmTimeout)
		r.mu.Unlock()
		if first != nil {
			if r.onTimeout != nil {
				r.onTimeout(first, iif)
			}
			first.Free()
		}
	}
}
