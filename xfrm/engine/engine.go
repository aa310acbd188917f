package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/esp"
	"github.com/softnet/softnet/xfrm/stack"
)

// DropQueueFull is the drop reason of a packet offered to a full worker queue.
var DropQueueFull = netdev.RegisterDropReason("XFRM_ENGINE_QUEUE_FULL")

// DefaultQueueLen is a worker's queue length when Config.QueueLen is 0.
const DefaultQueueLen = 512

// Config sizes an engine.
type Config struct {
	// Workers is the number of crypto workers; 0 means one per core
	// (runtime.GOMAXPROCS).
	Workers int `json:"workers,omitempty"`
	// QueueLen bounds each worker's queue; 0 means DefaultQueueLen.
	QueueLen int `json:"queue_len,omitempty"`
}

// Stats are the engine's counters. Offered = Sent + Dropped + Errors once
// nothing is in flight.
type Stats struct {
	Offered atomic.Uint64 // packets given to the engine
	_       [56]byte      // producers write Offered, workers Sent
	Sent    atomic.Uint64 // sealed and resumed towards the device
	Dropped atomic.Uint64 // refused: the reorder ring was full or the engine stopped
	Errors  atomic.Uint64 // the ESP transform failed (esp.Prepare)
}

// slot is one packet in the reorder ring: prepared (sequence number and
// headers in place) by a producer, sealed by any worker, completed in
// ring order. Its fields are published by the ring indices.
type slot struct {
	d    *netdev.Device
	x    *xfrm.State
	b    *packet.Buffer
	s    esp.Sealing
	done atomic.Bool // sealed, waiting for completion
}

// completion is a sealed packet taken off the ring.
type completion struct {
	d *netdev.Device
	x *xfrm.State
	b *packet.Buffer
}

// index is a ring index on its own cache line.
type index struct {
	atomic.Uint64
	_ [56]byte
}

const (
	claimMax = 16 // slots a worker claims at once
	emitMax  = 32 // completions taken off the ring at once
)

// Driver is a device's driver decorated with the engine. It implements
// xfrm.DeviceOps, ESNAdvancer, XmitCrypter and OffloadDescriber; Xmit runs
// validate_xmit_xfrm then the lower driver's transmit.
//
// The reorder ring: slots [tail, claim) are being sealed or wait for
// completion, [claim, head) wait for a worker. Producers fill head under
// pmu; workers claim runs of slots with a CAS on claim; the worker holding
// cmu completes done slots from tail, in order.
type Driver struct {
	// Lower is the decorated driver (it puts frames on the wire).
	Lower netdev.Driver
	// Stats are the engine's counters.
	Stats Stats

	cfg    Config
	out    func(*packet.Buffer)
	params esp.Params
	wg     sync.WaitGroup
	sealed []index // packets sealed, per worker
	ring   []slot  // power-of-two sized; QueueLen of it in use
	mask   uint64

	head  index
	claim index
	tail  index

	pmu     sync.Mutex // producers: Prepare and the slot fill, in ring order
	_       [56]byte   // the producers' lock apart from the workers'
	cmu     sync.Mutex // the completing worker
	mu      sync.Mutex // sleeping workers
	work    sync.Cond
	idle    atomic.Int32 // workers asleep and not yet signalled
	sealing atomic.Int32 // workers sealing a claim (they look for more after)
	stopped atomic.Bool
	busy    stack.Busy // the lower driver's, or nil
}

var (
	_ xfrm.DeviceOps        = (*Driver)(nil)
	_ xfrm.ESNAdvancer      = (*Driver)(nil)
	_ xfrm.XmitCrypter      = (*Driver)(nil)
	_ xfrm.OffloadDescriber = (*Driver)(nil)
	_ stack.Busy            = (*Driver)(nil)
)

// Of returns d's engine, or nil.
func Of(d *netdev.Device) *Driver {
	e, _ := d.Driver.(*Driver)
	return e
}

// Attach puts an engine in front of d's driver and turns esp-hw-offload
// on; SAs already offloaded to d are flushed first. It is refused (EBUSY)
// when d already has one.
func Attach(d *netdev.Device, cfg Config) (*Driver, error) {
	if Of(d) != nil {
		return nil, extack.New(syscall.EBUSY, "crypto engine already attached")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = DefaultQueueLen
	}
	e := &Driver{Lower: d.Driver, cfg: cfg, params: esp.Params{TTL: 64}}
	e.busy, _ = d.Driver.(stack.Busy)
	lower := d.Driver
	e.out = func(b *packet.Buffer) { lower.Xmit(d, b) }
	e.work.L = &e.mu
	size := 1
	for size < cfg.QueueLen {
		size <<= 1
	}
	e.ring = make([]slot, size)
	e.mask = uint64(size - 1)
	e.sealed = make([]index, cfg.Workers)
	for i := range cfg.Workers {
		e.wg.Add(1)
		go e.run(i)
	}
	// SAs bound to the old driver leave it first (a new "hardware").
	xfrm.DevFlush(d)
	d.Driver = e
	if err := xfrm.SetFeatures(d, d.Features()|netdev.FeatHWESP); err != nil {
		d.Driver = lower
		e.Stop()
		return nil, err
	}
	return e, nil
}

// Detach removes d's engine: the SAs offloaded to d are flushed (deleted,
// as xfrm_dev_state_flush does on DOWN), the workers finish what they
// hold, and the lower driver is back.
func Detach(d *netdev.Device) {
	e := Of(d)
	if e == nil {
		return
	}
	f := d.Features() &^ netdev.FeatHWESP
	if _, ok := e.Lower.(xfrm.DeviceOps); ok {
		f = d.Features()
	}
	_ = xfrm.SetFeatures(d, f)
	xfrm.DevFlush(d)
	d.Driver = e.Lower
	e.Stop()
}

// Config returns the engine's sizing.
func (e *Driver) Config() Config { return e.cfg }

// Sealed returns how many packets each worker sealed.
func (e *Driver) Sealed() []uint64 {
	n := make([]uint64, len(e.sealed))
	for i := range e.sealed {
		n[i] = e.sealed[i].Load()
	}
	return n
}

// Stop refuses new packets and waits for the workers to seal and complete
// the packets in the ring (completions on a dead device are dropped by
// Resume).
func (e *Driver) Stop() {
	e.pmu.Lock()
	stopped := e.stopped.Swap(true)
	e.pmu.Unlock()
	if stopped {
		return
	}
	e.mu.Lock()
	e.idle.Store(0)
	e.work.Broadcast()
	e.mu.Unlock()
	e.wg.Wait()
}

// run is worker id: it claims a run of prepared slots, seals them,
// marks them done and completes what is done at the ring's tail. It
// returns once stopped with nothing left to claim.
func (e *Driver) run(id int) {
	defer e.wg.Done()
	for {
		c, h := e.claim.Load(), e.head.Load()
		if c == h {
			if e.stopped.Load() && e.claim.Load() == e.head.Load() {
				return
			}
			e.sleep()
			continue
		}
		n := min(h-c, claimMax)
		e.sealing.Add(1)
		if !e.claim.CompareAndSwap(c, c+n) {
			e.sealing.Add(-1)
			continue
		}
		for i := c; i < c+n; i++ {
			sl := &e.ring[i&e.mask]
			esp.Seal(sl.x, sl.b, sl.s)
			sl.done.Store(true)
		}
		e.sealed[id].Add(n)
		e.sealing.Add(-1)
		if e.claim.Load() != e.head.Load() {
			// Completing may block on the device: hand the slots that
			// came meanwhile to a sleeping worker.
			e.signal()
		}
		e.complete()
	}
}

// sleep waits for a producer's signal unless there is work (or a stop)
// after all. The idle count is raised before the last look at the ring,
// and producers look at it after publishing a slot, so a slot is never
// left with every worker asleep.
func (e *Driver) sleep() {
	e.mu.Lock()
	e.idle.Add(1)
	if e.claim.Load() != e.head.Load() || e.stopped.Load() {
		e.idle.Add(-1)
		e.mu.Unlock()
		return
	}
	e.work.Wait()
	e.mu.Unlock()
}

// wake wakes a sleeping worker after a producer published a slot, unless
// a worker is sealing and fewer than a claim's worth of slots wait: that
// worker takes them when it finishes its claim (or, if it goes on to
// complete packets, which may block on the device, it wakes one). This
// keeps futex wake-ups to about one per batch under load.
func (e *Driver) wake() {
	if e.idle.Load() == 0 {
		return
	}
	if e.sealing.Load() > 0 && e.head.Load()-e.claim.Load() < claimMax {
		return
	}
	e.signal()
}

// signal wakes one sleeping worker, if any.
func (e *Driver) signal() {
	if e.idle.Load() == 0 {
		return
	}
	e.mu.Lock()
	if e.idle.Load() > 0 {
		e.idle.Add(-1)
		e.work.Signal()
	}
	e.mu.Unlock()
}

// complete hands the sealed packets at the ring's tail to the device, in
// ring order, which is each SA's sequence-number order. One worker does
// it at a time (cmu); a worker that finds cmu taken leaves its done slots
// to the holder, which looks at the tail again after letting go, so a
// completion is never forgotten nor overtakes an older one.
func (e *Driver) complete() {
	var out [emitMax]completion
	for e.ring[e.tail.Load()&e.mask].done.Load() && e.cmu.TryLock() {
		for {
			t := e.tail.Load()
			k := 0
			for ; k < emitMax; k++ {
				sl := &e.ring[(t+uint64(k))&e.mask]
				if !sl.done.Load() {
					break
				}
				out[k] = completion{sl.d, sl.x, sl.b}
				sl.d, sl.x, sl.b, sl.s = nil, nil, nil, esp.Sealing{}
				sl.done.Store(false)
			}
			if k == 0 {
				break
			}
			e.tail.Store(t + uint64(k))
			e.Stats.Sent.Add(uint64(k))
			for i := range k {
				stack.FinishAsync(out[i].d, out[i].x, out[i].b, nil)
				out[i] = completion{}
			}
		}
		e.cmu.Unlock()
	}
}

// Xmit implements netdev.Driver: validate_xmit_xfrm, then the lower driver.
func (e *Driver) Xmit(d *netdev.Device, b *packet.Buffer) { stack.ValidateXmit(d, b, e.out) }

// Busy implements stack.Busy by asking the lower driver.
func (e *Driver) Busy(d *netdev.Device) bool {
	return e.busy != nil && e.busy.Busy(d)
}

// StateAdd implements xfrm.DeviceOps: outbound and inbound SAs with
// encryption are accepted. An SA is not tied to a worker: its packets are
// sealed by whichever worker is free and leave in sequence order.
func (e *Driver) StateAdd(xo *xfrm.DevOffload) error {
	c := xo.State.Cfg()
	if c.AEAD == nil && c.Crypt == nil {
		return extack.New(syscall.EINVAL, "Cannot offload without encryption")
	}
	return nil
}

// StateDelete implements xfrm.DeviceOps: packets of the SA still in the
// ring complete (their SA object stays valid).
func (e *Driver) StateDelete(*xfrm.DevOffload) {}

// AdvanceESN implements xfrm.ESNAdvancer: nothing to tell the workers,
// the ESN lives in the SA.
func (e *Driver) AdvanceESN(*xfrm.DevOffload) {}

// DescribeOffload implements xfrm.OffloadDescriber: what ip xfrm state
// adds to the offload line.
func (e *Driver) DescribeOffload(*xfrm.DevOffload) string {
	return "engine workers " + itoa(e.cfg.Workers)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for ; n > 0; n /= 10 {
		i--
		buf[i] = byte('0' + n%10)
	}
	return string(buf[i:])
}

// XmitCrypto implements xfrm.XmitCrypter: b is prepared at once (its
// sequence number assigned, in the order packets are offered) into the
// next ring slot, sealed by any worker and completed later in ring order
// (ErrInProgress). A full ring drops b, counted; a failed Prepare drops
// it with XfrmOutStateProtoError. The packet is consumed either way.
func (e *Driver) XmitCrypto(d *netdev.Device, xo *xfrm.DevOffload, b *packet.Buffer) error {
	e.Stats.Offered.Add(1)
	x := xo.State
	e.pmu.Lock()
	h := e.head.Load()
	if e.stopped.Load() || h-e.tail.Load() >= uint64(e.cfg.QueueLen) {
		e.pmu.Unlock()
		e.Stats.Dropped.Add(1)
		d.DropTx(b, DropQueueFull)
		return xfrm.ErrInProgress
	}
	s, err := esp.Prepare(x, b, &e.params)
	if err != nil {
		e.pmu.Unlock()
		e.Stats.Errors.Add(1)
		stack.FinishAsync(d, x, b, err)
		return xfrm.ErrInProgress
	}
	sl := &e.ring[h&e.mask]
	sl.d, sl.x, sl.b, sl.s = d, x, b, s
	e.head.Store(h + 1)
	e.pmu.Unlock()
	e.wake()
	return xfrm.ErrInProgress
}

func init() {
	// Unregistering the device stops its workers (after xfrm flushed its
	// SAs); what they hold completes and is dropped on the dead device.
	netdev.RegisterNotifier(1, func(ev netdev.Event, d *netdev.Device) error {
		if ev == netdev.EventUnregister {
			if e := Of(d); e != nil {
				e.Stop()
			}
		}
		return nil
	})
}
