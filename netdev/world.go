package netdev

import (
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/softnet/softnet/extack"
)

// World is a set of namespaces sharing a Loop and one RTNL lock: a lab, or
// the daemon's host.
type World struct {
	loop Loop
	mu   sync.Mutex // the RTNL: serializes every configuration change
	// inRTNL is set while mu is held (through Lock).
	inRTNL atomic.Bool
	// Pending link-watch events (carrier changes).
	lwMu      sync.Mutex
	lwPending []*Device
	nss       atomic.Pointer[[]*Namespace]
	init      *Namespace
	// Rand supplies random bytes for MAC addresses and the like; a lab
	// seeds it so runs are reproducible.
	rand func([]byte)
	seq  atomic.Uint64
	// bursts tracks receive bursts for drivers that batch transmits.
	bursts bursts
}

// Options configure a World.
type Options struct {
	// Loop runs packet work and timers; default: a SimLoop at the Unix epoch.
	Loop Loop
	// InitName names the initial namespace; default "default".
	InitName string
	// Rand fills a buffer with random bytes; default: a deterministic
	// generator (labs are reproducible).
	Rand func([]byte)
}

// NewWorld returns a world with its initial namespace.
func NewWorld(o Options) *World {
	if o.Loop == nil {
		o.Loop = NewSimLoop(time.Unix(0, 0))
	}
	if o.InitName == "" {
		o.InitName = "default"
	}
	w := &World{loop: o.Loop, rand: o.Rand}
	if w.rand == nil {
		w.rand = newDetRand(1).fill
	}
	empty := []*Namespace{}
	w.nss.Store(&empty)
	w.Lock()
	ns, err := w.addNamespaceLocked(o.InitName)
	w.Unlock()
	if err != nil {
		panic(err) // a fresh world cannot fail to create its first namespace
	}
	w.init = ns
	return w
}

// Loop returns the world's loop.
func (w *World) Loop() Loop { return w.loop }

// Now returns the world's time.
func (w *World) Now() time.Time { return w.loop.Now() }

// Init returns the initial namespace (init_net).
func (w *World) Init() *Namespace { return w.init }

// Lock takes the RTNL. Subsystems take it around configuration changes.
func (w *World) Lock() {
	w.mu.Lock()
	w.inRTNL.Store(true)
}

// Unlock runs pending link-watch events (carrier changes made while the
// lock was held, notified now as Linux's deferred linkwatch work does:
// after the operation that caused them) and releases the RTNL.
func (w *World) Unlock() {
	w.runLinkwatchLocked()
	w.inRTNL.Store(false)
	w.mu.Unlock()
}

// linkwatch queues a carrier change of d for notification. With RTNL held
// it runs when the lock is released; otherwise it runs on the loop.
func (w *World) linkwatch(d *Device) {
	w.lwMu.Lock()
	w.lwPending = append(w.lwPending, d)
	w.lwMu.Unlock()
	if !w.inRTNL.Load() {
		w.loop.AfterFunc(0, func() {
			w.Lock()
			w.runLinkwatchLocked()
			w.Unlock()
		})
	}
}

func (w *World) runLinkwatchLocked() {
	for {
		w.lwMu.Lock()
		list := w.lwPending
		w.lwPending = nil
		w.lwMu.Unlock()
		if len(list) == 0 {
			return
		}
		for _, d := range list {
			if ns := d.Namespace(); ns != nil && !d.IsDead() && d.Index() != 0 {
				ns.notify(EventChange, d)
			}
		}
	}
}

// RandBytes fills p from the world's random source.
func (w *World) RandBytes(p []byte) { w.rand(p) }

// Namespaces returns the namespaces in creation order.
func (w *World) Namespaces() []*Namespace { return *w.nss.Load() }

// Namespace returns the namespace with the given name, or nil.
func (w *World) Namespace(name string) *Namespace {
	for _, ns := range *w.nss.Load() {
		if ns.name == name {
			return ns
		}
	}
	return nil
}

// AddNamespace creates a namespace (ip netns add) with its loopback device.
func (w *World) AddNamespace(name string) (*Namespace, error) {
	w.Lock()
	defer w.Unlock()
	return w.addNamespaceLocked(name)
}

func (w *World) addNamespaceLocked(name string) (*Namespace, error) {
	if name == "" || len(name) > 255 || name == "." || name == ".." || containsAny(name, "/") {
		return nil, extack.Errorf(syscall.EINVAL, "Invalid netns name \"%s\"", name)
	}
	if w.Namespace(name) != nil {
		return nil, extack.Errorf(syscall.EEXIST, "Cannot create namespace file \"/run/netns/%s\": File exists", name)
	}
	ns := newNamespace(w, name, w.seq.Add(1))
	list := append(slices.Clone(*w.nss.Load()), ns)
	w.nss.Store(&list)
	if err := ns.createLoopback(); err != nil {
		return nil, err
	}
	return ns, nil
}

// DelNamespace deletes a namespace (ip netns del): its devices are
// unregistered (veth peers elsewhere go with them) and its subsystems torn
// down.
func (w *World) DelNamespace(name string) error {
	w.Lock()
	defer w.Unlock()
	ns := w.Namespace(name)
	if ns == nil {
		return extack.Errorf(syscall.ENOENT, "Cannot remove namespace file \"/run/netns/%s\": No such file or directory", name)
	}
	if ns == w.init {
		return extack.New(syscall.EBUSY, "Cannot delete the initial namespace")
	}
	ns.teardownLocked()
	list := slices.DeleteFunc(slices.Clone(*w.nss.Load()), func(x *Namespace) bool { return x == ns })
	w.nss.Store(&list)
	return nil
}

// Close tears down every namespace; packets still queued in a SimLoop are
// freed.
func (w *World) Close() {
	w.Lock()
	list := *w.nss.Load()
	for i := len(list) - 1; i >= 0; i-- {
		list[i].teardownLocked()
	}
	empty := []*Namespace{}
	w.nss.Store(&empty)
	w.Unlock()
	if c, ok := w.loop.(interface{ Close() }); ok {
		c.Close()
	}
}

func containsAny(s, chars string) bool {
	for _, c := range s {
		for _, x := range chars {
			if c == x {
				return true
			}
		}
	}
	return false
}

// detRand is a small deterministic generator (splitmix64) for labs.
type detRand struct {
	mu sync.Mutex
	s  uint64
}

func newDetRand(seed uint64) *detRand { return &detRand{s: seed} }

func (r *detRand) fill(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range p {
		if i%8 == 0 {
			r.s += 0x9e3779b97f4a7c15
		}
		z := r.s
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		p[i] = byte(z >> (8 * (i % 8)))
	}
}
