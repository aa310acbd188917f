package netem

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Drop reasons netem counts on the device.
var (
	// DropLoss is a packet dropped by the loss probability.
	DropLoss = netdev.DropNetemLoss // QDISC_DROP
	// DropOverlimit is a packet dropped because Limit packets were waiting.
	DropOverlimit = netdev.RegisterDropReason("QDISC_OVERLIMIT")
)

// Stats are netem's counters (tc -s qdisc show).
type Stats struct {
	// Packets and Bytes count packets scheduled for transmission
	// (duplicates included, lost packets excluded).
	Packets, Bytes uint64
	// Dropped counts packets dropped by loss or limit; Overlimits the
	// latter alone.
	Dropped, Overlimits uint64
	// Duplicated, Corrupted and Reordered count those impairments.
	Duplicated, Corrupted, Reordered uint64
	// Backlog is the number of packets waiting now.
	Backlog uint32
}

// Netem is the netem qdisc. Create it with New and install it with
// Device.SetQdisc. It is safe for concurrent use.
type Netem struct {
	loop netdev.Loop
	cfg  Config
	gap  uint32

	mu      sync.Mutex
	prng    rand.PCG
	delayC  crand
	lossC   crand
	dupC    crand
	reordC  crand
	corrC   crand
	counter uint32    // packets delayed since the last reordered one
	pending timeHeap  // send times of packets not yet due
	last    time.Time // latest send time scheduled
	stats   Stats
}

var _ netdev.Qdisc = (*Netem)(nil)

// New returns a netem qdisc for devices of world w, its random generator
// seeded from the world's random source.
func New(w *netdev.World, cfg Config) (*Netem, error) {
	var seed [16]byte
	w.RandBytes(seed[:])
	return NewSeeded(w.Loop(), cfg, binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:]))
}

// NewSeeded returns a netem qdisc scheduling on loop with an explicit seed.
func NewSeeded(loop netdev.Loop, cfg Config, seed1, seed2 uint64) (*Netem, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Limit == 0 {
		cfg.Limit = DefaultLimit
	}
	q := &Netem{loop: loop, cfg: cfg, gap: cfg.Gap}
	if q.gap == 0 && cfg.Reorder != 0 {
		q.gap = 1
	}
	q.prng.Seed(seed1, seed2)
	q.delayC.rho, q.lossC.rho, q.dupC.rho = uint32(cfg.DelayCorr), uint32(cfg.LossCorr), uint32(cfg.DuplicateCorr)
	q.reordC.rho, q.corrC.rho = uint32(cfg.ReorderCorr), uint32(cfg.CorruptCorr)
	return q, nil
}

// Name returns "netem".
func (q *Netem) Name() string { return "netem" }

// Config returns the configuration (with defaults filled in).
func (q *Netem) Config() Config { return q.cfg }

// Stats returns a copy of the counters.
func (q *Netem) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending.expire(q.loop.Now())
	s := q.stats
	s.Backlog = uint32(len(q.pending))
	return s
}

// Enqueue applies the impairments to b and schedules it (or its
// duplicate, or nothing) on d's driver. It owns b.
func (q *Netem) Enqueue(d *netdev.Device, b *packet.Buffer) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.enqueue(d, b, true)
}

func (q *Netem) enqueue(d *netdev.Device, b *packet.Buffer, dup bool) error {
	count := 1
	if dup && q.cfg.Duplicate != 0 && q.draw(&q.dupC, q.cfg.Duplicate) {
		count++
	}
	if q.cfg.Loss != 0 && q.draw(&q.lossC, q.cfg.Loss) {
		count--
	}
	if count == 0 {
		q.stats.Dropped++
		d.Drop(b, DropLoss)
		return nil
	}
	if count > 1 {
		if c := b.Clone(); c != nil {
			q.stats.Duplicated++
			// The copy goes through the qdisc again, minus duplication.
			_ = q.enqueue(d, c, false)
		}
	}
	return q.schedule(d, b)
}

// schedule corrupts, limits, and sets the send time of one packet.
func (q *Netem) schedule(d *netdev.Device, b *packet.Buffer) error {
	if q.cfg.Corrupt != 0 && q.draw(&q.corrC, q.cfg.Corrupt) && b.Len() > 0 {
		completeChecksum(b)
		p := b.Bytes()
		p[q.below(uint32(len(p)))] ^= 1 << q.below(8)
		q.stats.Corrupted++
	}
	now := q.loop.Now()
	q.pending.expire(now)
	if uint32(len(q.pending)) >= q.cfg.Limit {
		q.stats.Dropped++
		q.stats.Overlimits++
		d.Drop(b, DropOverlimit)
		return netdev.ErrDropped
	}
	at := now
	if q.gap == 0 || q.counter < q.gap-1 || uint32(q.cfg.Reorder) < q.crandom(&q.reordC) {
		delay := q.delay()
		if q.cfg.Rate != 0 {
			if len(q.pending) > 0 {
				// Serialize after the last queued packet: its send
				// time is the reference, minus the delay already spent.
				delay -= q.last.Sub(now)
				delay = max(delay, 0)
				now = q.last
			}
			delay += q.packetTime(b.Len())
		}
		q.counter++
		at = now.Add(delay)
	} else {
		q.counter = 0
		q.stats.Reordered++
	}
	if at.After(q.last) {
		q.last = at
	}
	q.stats.Packets++
	q.stats.Bytes += uint64(b.Len())
	if at.After(q.loop.Now()) {
		q.pending.push(at.UnixNano())
	}
	q.loop.XmitAt(at, d, b)
	return nil
}

// delay draws Delay ± Jitter (tabledist without a distribution table).
func (q *Netem) delay() time.Duration {
	mu, sigma := q.cfg.Delay, q.cfg.Jitter
	if sigma == 0 {
		return mu
	}
	rnd := q.crandom(&q.delayC)
	d := time.Duration(uint64(rnd)%(2*uint64(sigma))) + mu - sigma
	return max(d, 0)
}

// packetTime is the serialization time of n bytes at Rate.
func (q *Netem) packetTime(n int) time.Duration {
	l := int64(n) + int64(q.cfg.PacketOverhead)
	if l <= 0 {
		return 0
	}
	return time.Duration(uint64(l) * uint64(time.Second) / q.cfg.Rate)
}

// draw reports whether an event of probability p happens.
func (q *Netem) draw(c *crand, p Prob) bool { return uint32(p) >= q.crandom(c) }

// below returns a uniform number in [0, n).
func (q *Netem) below(n uint32) uint32 {
	return uint32(uint64(uint32(q.prng.Uint64()>>32)) * uint64(n) >> 32)
}

// crand is the state of a correlated random sequence (struct crndstate).
type crand struct{ last, rho uint32 }

// crandom returns the next correlated 32-bit random number (get_crandom):
// a weighted mix of a fresh draw and the previous value.
func (q *Netem) crandom(c *crand) uint32 {
	v := uint64(uint32(q.prng.Uint64() >> 32))
	if c.rho == 0 {
		return uint32(v)
	}
	rho := uint64(c.rho) + 1
	ans := uint32((v*((1<<32)-rho) + uint64(c.last)*rho) >> 32)
	c.last = ans
	return ans
}

// completeChecksum finishes a partial checksum (skb_checksum_help) so that a
// corrupted packet reaches the wire with a checksum that reveals it.
func completeChecksum(b *packet.Buffer) {
	if b.Csum.Mode != packet.CsumPartial {
		return
	}
	p := b.Bytes()
	start, field := int(b.Csum.Start), int(b.Csum.Start)+int(b.Csum.Offset)
	if start > len(p) || field+2 > len(p) {
		return
	}
	sum := ^header.Checksum(p[start:], 0)
	binary.BigEndian.PutUint16(p[field:], sum)
	b.Csum.Mode = packet.CsumNone
}

// timeHeap is a min-heap of send times (Unix nanoseconds) of the packets
// still waiting: its length is the queue length netem's limit applies to.
type timeHeap []int64

func (h *timeHeap) push(t int64) {
	*h = append(*h, t)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p] <= s[i] {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

// expire removes the times not after now (packets already handed to the
// driver).
func (h *timeHeap) expire(now time.Time) {
	n := now.UnixNano()
	for len(*h) > 0 && (*h)[0] <= n {
		h.pop()
	}
}

func (h *timeHeap) pop() {
	s := *h
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s[l] < s[m] {
			m = l
		}
		if r < len(s) && s[r] < s[m] {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
}

// String formats the configuration as tc qdisc show does.
func (q *Netem) String() string { return q.cfg.String() }
