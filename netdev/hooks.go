package netdev

import (
	"errors"
	"slices"
	"syscall"

	"github.com/softnet/softnet/extack"

	"github.com/softnet/softnet/packet"
)

// Errors Transmit returns (the errno a socket would see).
var (
	ErrNetDown   = errors.New("network is down")
	ErrRecursion = errors.New("transmit recursion limit")
	ErrDropped   = errors.New("packet dropped")
)

// Verdict is what a hook decided.
type Verdict uint8

// Hook verdicts.
const (
	// VerdictPass lets the packet continue; the caller still owns it.
	VerdictPass Verdict = iota
	// VerdictConsumed means the hook took the packet (redirected, queued,
	// or dropped and counted); the caller must not touch it.
	VerdictConsumed
)

// Hook is a tc hook (clsact ingress or egress). On ingress the data starts
// at the network header with the link-layer header just before it.
type Hook interface {
	RunHook(d *Device, b *packet.Buffer) Verdict
}

type hookBox struct{ h Hook }

// SetIngressHook installs (or with nil removes) the ingress hook.
func (d *Device) SetIngressHook(h Hook) { d.ingress.Store(box(h)) }

// SetEgressHook installs (or with nil removes) the egress hook.
func (d *Device) SetEgressHook(h Hook) { d.egress.Store(box(h)) }

// IngressHook returns the ingress hook or nil.
func (d *Device) IngressHook() Hook {
	if b := d.ingress.Load(); b != nil {
		return b.h
	}
	return nil
}

// EgressHook returns the egress hook or nil.
func (d *Device) EgressHook() Hook {
	if b := d.egress.Load(); b != nil {
		return b.h
	}
	return nil
}

func box(h Hook) *hookBox {
	if h == nil {
		return nil
	}
	return &hookBox{h}
}

// Qdisc is a root queueing discipline on transmit (netem in labs).
type Qdisc interface {
	Name() string
	// Enqueue owns b; it eventually calls d.XmitDirect or drops it.
	Enqueue(d *Device, b *packet.Buffer) error
}

type qdiscBox struct{ q Qdisc }

// SetQdisc installs (or with nil removes) the root qdisc.
func (d *Device) SetQdisc(q Qdisc) {
	if q == nil {
		d.qdisc.Store(nil)
		return
	}
	d.qdisc.Store(&qdiscBox{q})
}

// Qdisc returns the root qdisc or nil.
func (d *Device) Qdisc() Qdisc {
	if q := d.qdisc.Load(); q != nil {
		return q.q
	}
	return nil
}

// RxResult is an rx handler's answer (rx_handler_result_t).
type RxResult uint8

// Rx handler results.
const (
	RxPass     RxResult = iota // continue on this device
	RxConsumed                 // handler took the packet
	RxAnother                  // run the receive path again on the returned device
)

// RxHandler claims packets arriving on a lower device (macvlan).
type RxHandler interface {
	HandleRx(d *Device, b *packet.Buffer) (RxResult, *Device)
}

type rxBox struct{ h RxHandler }

// SetRxHandler installs the rx handler; it fails with EBUSY if one is set.
func (d *Device) SetRxHandler(h RxHandler) error {
	if !d.rxHandler.CompareAndSwap(nil, &rxBox{h}) {
		return errBusy
	}
	return nil
}

// ClearRxHandler removes the rx handler.
func (d *Device) ClearRxHandler() { d.rxHandler.Store(nil) }

// RxHandler returns the rx handler or nil.
func (d *Device) RxHandler() RxHandler {
	if b := d.rxHandler.Load(); b != nil {
		return b.h
	}
	return nil
}

// Direction of a tapped packet.
type Direction uint8

// Tap directions.
const (
	DirIn Direction = iota
	DirOut
)

// Tap sees every packet a device receives or transmits (ptype_all, used by
// captures). It must not keep or modify b; the data starts at the
// link-layer header.
type Tap interface {
	Tap(d *Device, b *packet.Buffer, dir Direction)
}

// AddTap adds a tap; RemoveTap removes it.
func (d *Device) AddTap(t Tap) {
	d.Namespace().world.Lock()
	defer d.Namespace().world.Unlock()
	var list []Tap
	if p := d.taps.Load(); p != nil {
		list = slices.Clone(*p)
	}
	list = append(list, t)
	d.taps.Store(&list)
}

// RemoveTap removes a tap added with AddTap.
func (d *Device) RemoveTap(t Tap) {
	d.Namespace().world.Lock()
	defer d.Namespace().world.Unlock()
	p := d.taps.Load()
	if p == nil {
		return
	}
	list := slices.DeleteFunc(slices.Clone(*p), func(x Tap) bool { return x == t })
	if len(list) == 0 {
		d.taps.Store(nil)
		return
	}
	d.taps.Store(&list)
}

// maxDeviceSlots bounds per-device subsystem storage.
const maxDeviceSlots = 8

// DeviceSlot is per-device storage for one subsystem (as in_device behind
// dev->ip_ptr). Create slots at package init with NewDeviceSlot.
type DeviceSlot[T any] struct{ id int }

var nextDeviceSlot int

// NewDeviceSlot allocates a slot id; call it at package init.
func NewDeviceSlot[T any]() DeviceSlot[T] {
	if nextDeviceSlot >= maxDeviceSlots {
		panic("netdev: too many device slots")
	}
	nextDeviceSlot++
	return DeviceSlot[T]{nextDeviceSlot - 1}
}

// Get returns the device's value, or nil.
func (s DeviceSlot[T]) Get(d *Device) *T {
	v, _ := d.slots[s.id].Load().(*T)
	return v
}

// Set stores the device's value.
func (s DeviceSlot[T]) Set(d *Device, v *T) { d.slots[s.id].Store(v) }

var errBusy = extack.Errno(syscall.EBUSY)
