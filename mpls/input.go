package mpls

import (
	"sync"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
)

// net.mpls.conf.DEV.input: a device accepts MPLS packets only when it is
// set (0 by default, as in Linux). The knob appears for every device as it
// registers or is renamed; the per-namespace state is a map from ifindex,
// published as a snapshot.

// DropInputDisabled counts MPLS packets received on a device whose
// net.mpls.conf.DEV.input is 0.
var DropInputDisabled = netdev.RegisterDropReason("MPLS_INPUT_DISABLED")

var (
	knobMu sync.Mutex
	knobs  = map[string]bool{}
)

func init() {
	netdev.RegisterNotifier(0, func(ev netdev.Event, d *netdev.Device) error {
		switch ev {
		case netdev.EventRegister, netdev.EventChangeName:
			registerInputKnob(d.Name())
		case netdev.EventUnregister:
			if ns := d.Namespace(); ns != nil {
				setInput(ns, d.Index(), false)
			}
		}
		return nil
	})
}

func registerInputKnob(dev string) {
	knobMu.Lock()
	defer knobMu.Unlock()
	if knobs[dev] {
		return
	}
	knobs[dev] = true
	name := "net.mpls.conf." + dev + ".input"
	netdev.RegisterSysctl(netdev.Sysctl{
		Name: name,
		Get: func(ns *netdev.Namespace) string {
			if d := ns.DeviceByName(dev); d != nil && inputEnabled(ns, d.Index()) {
				return "1"
			}
			return "0"
		},
		Set: func(ns *netdev.Namespace, v string) error {
			d := ns.DeviceByName(dev)
			if d == nil {
				return extack.Errorf(syscall.ENOENT, "sysctl: cannot stat /proc/sys/%s: No such file or directory", slashes(name))
			}
			switch v {
			case "0", "1":
				setInput(ns, d.Index(), v == "1")
				return nil
			}
			return extack.Errorf(syscall.EINVAL, "sysctl: setting key \"%s\": Invalid argument", name)
		},
	})
}

func slashes(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '.' {
			b[i] = '/'
		}
	}
	return string(b)
}

func inputEnabled(ns *netdev.Namespace, ifindex int32) bool {
	m := tables.Get(ns).input.Load()
	return m != nil && (*m)[ifindex]
}

func setInput(ns *netdev.Namespace, ifindex int32, on bool) {
	t := tables.Get(ns)
	t.mu.Lock()
	defer t.mu.Unlock()
	m := map[int32]bool{}
	if old := t.input.Load(); old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	if on {
		m[ifindex] = true
	} else {
		delete(m, ifindex)
	}
	t.input.Store(&m)
}
