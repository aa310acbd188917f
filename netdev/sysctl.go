package netdev

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
)

// Sysctl is a per-namespace knob (/proc/sys/net/...), registered by the
// subsystem that owns it.
type Sysctl struct {
	Name string // e.g. "net.ipv4.ip_forward"
	Get  func(ns *Namespace) string
	Set  func(ns *Namespace, v string) error
}

var (
	sysctlMu sync.Mutex
	sysctls  = map[string]Sysctl{}
)

// RegisterSysctl adds a knob; call it at package init.
func RegisterSysctl(s Sysctl) {
	sysctlMu.Lock()
	defer sysctlMu.Unlock()
	sysctls[s.Name] = s
}

// SysctlNames lists the registered knobs, sorted.
func SysctlNames() []string {
	sysctlMu.Lock()
	defer sysctlMu.Unlock()
	var out []string
	for n := range sysctls {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func lookupSysctl(name string) (Sysctl, error) {
	sysctlMu.Lock()
	defer sysctlMu.Unlock()
	s, ok := sysctls[name]
	if !ok {
		return Sysctl{}, extack.Errorf(syscall.ENOENT, "cannot stat /proc/sys/%s: No such file or directory", slashed(name))
	}
	return s, nil
}

func slashed(name string) string {
	b := []byte(name)
	for i, c := range b {
		if c == '.' {
			b[i] = '/'
		}
	}
	return string(b)
}

// GetSysctl reads a knob.
func (ns *Namespace) GetSysctl(name string) (string, error) {
	s, err := lookupSysctl(name)
	if err != nil {
		return "", err
	}
	return s.Get(ns), nil
}

// SetSysctl writes a knob.
func (ns *Namespace) SetSysctl(name, v string) error {
	s, err := lookupSysctl(name)
	if err != nil {
		return err
	}
	return s.Set(ns, v)
}

// IntSysctl registers an integer knob stored in per-namespace storage and
// field returns the namespace's value (its default is set by the
// Pernet's init). Values outside [min, max] are refused with
// EINVAL, as proc_dointvec_minmax does.
func IntSysctl(name string, min, max int64, field func(*Namespace) *atomic.Int64) {
	RegisterSysctl(Sysctl{
		Name: name,
		Get:  func(ns *Namespace) string { return strconv.FormatInt(field(ns).Load(), 10) },
		Set: func(ns *Namespace, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < min || n > max {
				return extack.Errorf(syscall.EINVAL, "sysctl: setting key \"%s\": Invalid argument", name)
			}
			field(ns).Store(n)
			return nil
		},
	})
}

// Core knobs.
type coreSysctls struct {
	fbTunnelsOnlyForInitNet atomic.Int64
}

var coreNet = NewPernet(func(*Namespace) *coreSysctls { return &coreSysctls{} }, nil)

func init() {
	IntSysctl("net.core.fb_tunnels_only_for_init_net", 0, 2,
		func(ns *Namespace) *atomic.Int64 { return &coreNet.Get(ns).fbTunnelsOnlyForInitNet })
}

// FallbackTunnelsAllowed reports whether a tunnel kind may create its
// fallback device (tunl0, ip_vti0…) in this namespace, following
// net.core.fb_tunnels_only_for_init_net: 0 everywhere, 1 only in the initial
// namespace, 2 nowhere. The initial namespace's value governs new namespaces
// as in net_has_fallback_tunnels.
func (ns *Namespace) FallbackTunnelsAllowed() bool {
	v := coreNet.Get(ns.world.init).fbTunnelsOnlyForInitNet.Load()
	if ns == ns.world.init {
		v = coreNet.Get(ns).fbTunnelsOnlyForInitNet.Load()
		return v < 2
	}
	return v == 0
}
