package netdev

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/packet"
)

// Namespace is a network namespace (struct net).
type Namespace struct {
	world *World
	name  string
	id    uint64

	devs      atomic.Pointer[devTable]
	nextIndex int32
	loopback  *Device
	subs      []notifierEntry

	pernetMu sync.Mutex
	pernet   [maxPernet]atomic.Value
	dead     atomic.Bool
}

type devTable struct {
	byIndex map[int32]*Device
	byName  map[string]*Device
	ordered []*Device // by ifindex
}

func newNamespace(w *World, name string, id uint64) *Namespace {
	ns := &Namespace{world: w, name: name, id: id}
	ns.devs.Store(&devTable{byIndex: map[int32]*Device{}, byName: map[string]*Device{}})
	return ns
}

// World returns the namespace's world.
func (ns *Namespace) World() *World { return ns.world }

// Name returns the namespace's name.
func (ns *Namespace) Name() string { return ns.name }

// ID returns a number unique in the process for this namespace.
func (ns *Namespace) ID() uint64 { return ns.id }

// IsInit reports whether this is the world's initial namespace.
func (ns *Namespace) IsInit() bool { return ns == ns.world.init }

// Loopback returns the namespace's lo.
func (ns *Namespace) Loopback() *Device { return ns.loopback }

// IsDead reports whether the namespace was deleted.
func (ns *Namespace) IsDead() bool { return ns.dead.Load() }

// Device returns the device with the ifindex, or nil. It does not lock.
func (ns *Namespace) Device(index int32) *Device { return ns.devs.Load().byIndex[index] }

// DeviceByName returns the device with the name, or nil. It does not lock.
func (ns *Namespace) DeviceByName(name string) *Device { return ns.devs.Load().byName[name] }

// Devices returns the devices ordered by ifindex. Do not modify the slice.
func (ns *Namespace) Devices() []*Device { return ns.devs.Load().ordered }

// LookupDevice returns the device or an ENODEV error worded as the kernel's
// "Cannot find device".
func (ns *Namespace) LookupDevice(name string) (*Device, error) {
	if d := ns.DeviceByName(name); d != nil {
		return d, nil
	}
	return nil, extack.Errorf(syscall.ENODEV, "Cannot find device \"%s\"", name)
}

func (ns *Namespace) publish(mut func(t *devTable)) {
	old := ns.devs.Load()
	t := &devTable{
		byIndex: make(map[int32]*Device, len(old.byIndex)+1),
		byName:  make(map[string]*Device, len(old.byName)+1),
	}
	for k, v := range old.byIndex {
		t.byIndex[k] = v
	}
	for k, v := range old.byName {
		t.byName[k] = v
	}
	mut(t)
	t.ordered = make([]*Device, 0, len(t.byIndex))
	for _, d := range t.byIndex {
		t.ordered = append(t.ordered, d)
	}
	slices.SortFunc(t.ordered, func(a, b *Device) int { return int(a.Index() - b.Index()) })
	ns.devs.Store(t)
}

// ValidName reports whether name is a valid interface name (dev_valid_name).
func ValidName(name string) bool {
	if name == "" || len(name) >= 16 || name == "." || name == ".." {
		return false
	}
	for _, c := range name {
		if c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' {
			return false
		}
	}
	return true
}

// allocName resolves a name with a %d template to the lowest free number
// (dev_alloc_name); a plain name must be free.
func (ns *Namespace) allocName(name string) (string, error) {
	if !ValidName(name) {
		return "", extack.Errno(syscall.EINVAL)
	}
	i := strings.Index(name, "%")
	if i < 0 {
		if ns.DeviceByName(name) != nil {
			return "", extack.Errno(syscall.EEXIST)
		}
		return name, nil
	}
	if name[i+1:] == "" || name[i+1] != 'd' || strings.Contains(name[i+2:], "%") {
		return "", extack.Errno(syscall.EINVAL)
	}
	for n := 0; n < 32768; n++ {
		cand := name[:i] + fmt.Sprint(n) + name[i+2:]
		if len(cand) >= 16 {
			break
		}
		if ns.DeviceByName(cand) == nil {
			return cand, nil
		}
	}
	return "", extack.Errno(syscall.ENFILE)
}

// GSOMaxSizeBig is GSO_MAX_SIZE (512 KiB − 8), the tso_max_size of software
// devices that call netif_set_tso_max_size with it (lo, veth).
const GSOMaxSizeBig = 524280

// NewDevice allocates an unregistered device of a kind and runs its Setup
// (alloc_netdev). Kinds that create extra devices (veth's peer) use it.
func NewDevice(k Kind) *Device {
	d := &Device{kind: k}
	d.carrier.Store(true) // netif_carrier_ok until a driver says otherwise
	d.txqlen.Store(1000)
	d.MinMTU, d.MaxMTU = 68, 1500
	d.mtu.Store(1500)
	d.GSOMaxSize, d.GSOMaxSegs = 65536, 65535
	d.TSOMaxSize, d.TSOMaxSegs, d.GROMaxSize = 65536, 65535, 65536
	d.NumTxQueues, d.NumRxQueues = 1, 1
	d.Driver = DriverFunc(func(d *Device, b *packet.Buffer) { d.DropTx(b, DropNotSpecified) })
	if k != nil {
		k.Setup(d)
	}
	return d
}

// RandomEtherAddr gives d a random locally administered unicast MAC
// (eth_hw_addr_random) from the world's random source.
func (ns *Namespace) RandomEtherAddr(d *Device) {
	a := make([]byte, 6)
	ns.world.RandBytes(a)
	a[0] = (a[0] &^ 1) | 2
	d.setAddrs(a, d.BroadcastAddr())
	d.addrAssign.Store(AddrRandom)
}

// SetHardwareAddr sets the address before registration (no notifier).
func (d *Device) SetHardwareAddr(a []byte) { d.setAddrs(slices.Clone(a), d.BroadcastAddr()) }

// SetBroadcastAddr sets the broadcast address before registration.
func (d *Device) SetBroadcastAddr(a []byte) { d.setAddrs(d.HardwareAddr(), slices.Clone(a)) }

func (d *Device) setAddrs(addr, brd []byte) { d.addrs.Store(&hwAddrs{addr, brd}) }

// InitMTU sets the MTU before registration.
func (d *Device) InitMTU(mtu uint32) { d.mtu.Store(mtu) }

// InitTxQueueLen sets txqueuelen before registration.
func (d *Device) InitTxQueueLen(n uint32) { d.txqlen.Store(n) }

// InitFlags sets the configured flags before registration.
func (d *Device) InitFlags(f Flags) { d.flags.Store(uint32(f)) }

// RegisterLocked registers d in ns (register_netdevice) with RTNL held:
// it resolves the name, allocates the ifindex, and runs the REGISTER
// notifiers, undoing everything if one vetoes.
func (ns *Namespace) RegisterLocked(d *Device, name string) error {
	if ns.dead.Load() {
		return extack.Errno(syscall.ENODEV)
	}
	if name == "" {
		name = d.DefaultName
		if name == "" && d.kind != nil {
			name = d.kind.Name() + "%d"
		}
	}
	name, err := ns.allocName(name)
	if err != nil {
		return err
	}
	if d.HardwareAddr() == nil && d.Type == ARPHRDEther {
		ns.RandomEtherAddr(d)
	}
	idx := d.Index()
	if idx == 0 || ns.Device(idx) != nil {
		ns.nextIndex++
		for ns.Device(ns.nextIndex) != nil {
			ns.nextIndex++
		}
		idx = ns.nextIndex
	}
	d.index.Store(idx)
	d.name.Store(&name)
	d.ns.Store(ns)
	d.dead.Store(false)
	ns.publish(func(t *devTable) { t.byIndex[idx] = d; t.byName[name] = d })
	if err := ns.notify(EventRegister, d); err != nil {
		ns.publish(func(t *devTable) { delete(t.byIndex, idx); delete(t.byName, name) })
		ns.notify(EventUnregister, d)
		d.dead.Store(true)
		return err
	}
	return nil
}

// UnregisterLocked removes d from its namespace (unregister_netdevice) with
// RTNL held: it is closed, UNREGISTER is notified, hooks are cleared.
func (ns *Namespace) UnregisterLocked(d *Device) {
	if d.IsDead() || d.Namespace() != ns {
		return
	}
	ns.closeLocked(d)
	d.dead.Store(true)
	ns.notify(EventUnregister, d)
	idx, name := d.Index(), d.Name()
	ns.publish(func(t *devTable) { delete(t.byIndex, idx); delete(t.byName, name) })
	d.SetIngressHook(nil)
	d.SetEgressHook(nil)
	d.ClearRxHandler()
	d.taps.Store(nil)
}

func (ns *Namespace) createLoopback() error {
	d := NewDevice(loopbackKind{})
	if err := ns.RegisterLocked(d, "lo"); err != nil {
		return err
	}
	ns.loopback = d
	return nil
}

func (ns *Namespace) teardownLocked() {
	if ns.dead.Swap(true) {
		return
	}
	devs := ns.Devices()
	for i := len(devs) - 1; i >= 0; i-- {
		d := devs[i]
		if d == ns.loopback {
			continue
		}
		if dl, ok := d.kind.(LinkDeleter); ok && !d.IsDead() {
			dl.DelLink(d)
		}
		ns.UnregisterLocked(d)
	}
	if ns.loopback != nil {
		ns.UnregisterLocked(ns.loopback)
	}
	runPernetExits(ns)
}
