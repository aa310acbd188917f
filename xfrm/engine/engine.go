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
	Sent    atomic.Uint64 // sealed and resumed towards the device
	Dropped atomic.Uint64 // refused: worker queue full
	Errors  atomic.Uint64 // the ESP transform failed
}

type job struct {
	d  *netdev.Device
	xo *xfrm.DevOffload
	b  *packet.Buffer
}

type worker struct {
	q   chan job
	sas atomic.Int32 // SAs pinned here
}

// Driver is a device's driver decorated with the engine. It implements
// xfrm.DeviceOps, ESNAdvancer, XmitCrypter and OffloadDescriber; Xmit runs
// validate_xmit_xfrm then the lower driver's transmit.
type Driver struct {
	// Lower is the decorated driver (it puts frames on the wire).
	Lower netdev.Driver
	// Stats are the engine's counters.
	Stats Stats

	cfg     Config
	workers []*worker
	out     func(*packet.Buffer)
	wg      sync.WaitGroup
	mu      sync.RWMutex // held for reading while offering; Stop takes it to close queues
	stopped bool
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
	e := &Driver{Lower: d.Driver, cfg: cfg}
	lower := d.Driver
	e.out = func(b *packet.Buffer) { lower.Xmit(d, b) }
	for range cfg.Workers {
		w := &worker{q: make(chan job, cfg.QueueLen)}
		e.workers = append(e.workers, w)
		e.wg.Add(1)
		go e.run(w)
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

// Stop closes the worker queues and waits for the workers to finish the
// packets they hold (completions on a dead device are dropped by Resume).
func (e *Driver) Stop() {
	e.mu.Lock()
	if e.stopped {
		e.mu.Unlock()
		return
	}
	e.stopped = true
	for _, w := range e.workers {
		close(w.q)
	}
	e.mu.Unlock()
	e.wg.Wait()
}

func (e *Driver) run(w *worker) {
	defer e.wg.Done()
	p := esp.Params{TTL: 64}
	for j := range w.q {
		x := j.xo.State
		err := esp.Output(x, j.b, &p)
		if err != nil {
			e.Stats.Errors.Add(1)
		} else {
			e.Stats.Sent.Add(1)
		}
		stack.FinishAsync(j.d, x, j.b, err)
	}
}

// Xmit implements netdev.Driver: validate_xmit_xfrm, then the lower driver.
func (e *Driver) Xmit(d *netdev.Device, b *packet.Buffer) { stack.ValidateXmit(d, b, e.out) }

// Busy implements stack.Busy by asking the lower driver.
func (e *Driver) Busy(d *netdev.Device) bool {
	bz, ok := e.Lower.(stack.Busy)
	return ok && bz.Busy(d)
}

// StateAdd implements xfrm.DeviceOps: outbound and inbound SAs with
// encryption are accepted; an outbound SA is pinned to the least-loaded
// worker (xo.Handle holds the worker index).
func (e *Driver) StateAdd(xo *xfrm.DevOffload) error {
	c := xo.State.Cfg()
	if c.AEAD == nil && c.Crypt == nil {
		return extack.New(syscall.EINVAL, "Cannot offload without encryption")
	}
	best := 0
	for i, w := range e.workers {
		if w.sas.Load() < e.workers[best].sas.Load() {
			best = i
		}
	}
	e.workers[best].sas.Add(1)
	xo.Handle = best
	return nil
}

// StateDelete implements xfrm.DeviceOps.
func (e *Driver) StateDelete(xo *xfrm.DevOffload) {
	if i, ok := xo.Handle.(int); ok && i >= 0 && i < len(e.workers) {
		e.workers[i].sas.Add(-1)
	}
}

// AdvanceESN implements xfrm.ESNAdvancer: nothing to tell the workers,
// the ESN lives in the SA.
func (e *Driver) AdvanceESN(*xfrm.DevOffload) {}

// DescribeOffload implements xfrm.OffloadDescriber: what ip xfrm state
// adds to the offload line.
func (e *Driver) DescribeOffload(xo *xfrm.DevOffload) string {
	i, _ := xo.Handle.(int)
	return "engine worker " + itoa(i) + "/" + itoa(len(e.workers))
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

// XmitCrypto implements xfrm.XmitCrypter: b goes to its SA's worker and
// completes later (ErrInProgress). A full queue drops b, counted; the
// packet is consumed either way.
func (e *Driver) XmitCrypto(d *netdev.Device, xo *xfrm.DevOffload, b *packet.Buffer) error {
	e.Stats.Offered.Add(1)
	i, _ := xo.Handle.(int)
	e.mu.RLock()
	if e.stopped || i < 0 || i >= len(e.workers) {
		e.mu.RUnlock()
		e.Stats.Dropped.Add(1)
		d.DropTx(b, DropQueueFull)
		return xfrm.ErrInProgress
	}
	select {
	case e.workers[i].q <- job{d, xo, b}:
		e.mu.RUnlock()
	default:
		e.mu.RUnlock()
		e.Stats.Dropped.Add(1)
		d.DropTx(b, DropQueueFull)
	}
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
