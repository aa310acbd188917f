package macvtap

import (
	"net"
	"slices"
	"syscall"

	"github.com/softnet/softnet/netdev"
)

// withTap runs f with the RTNL held and the queue's tap, or returns
// errNone when the queue is detached.
func (q *Queue) withTap(errNone error, f func(t *Tap) error) error {
	if q.isClosed() {
		return syscall.EBADF
	}
	t := q.tap.Load()
	if t == nil {
		return errNone
	}
	ns := t.dev.Namespace()
	if ns == nil {
		return errNone
	}
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	if q.tap.Load() != t {
		return errNone
	}
	return f(t)
}

// SetIff is TUNSETIFF: flags must be IFF_TAP|IFF_NO_PI, optionally with
// IFF_VNET_HDR and IFF_MULTI_QUEUE; anything else is EINVAL. The name is
// ignored, as tap.c does.
func (q *Queue) SetIff(name string, flags uint16) error {
	if q.isClosed() {
		return syscall.EBADF
	}
	if flags&^tapIffFeatures != IffNoPI|IffTAP {
		return syscall.EINVAL
	}
	for {
		old := q.flags.Load()
		n := old&^uint32(tapIffFeatures) | uint32(flags)
		if q.flags.CompareAndSwap(old, n) {
			return nil
		}
	}
}

// Iff is TUNGETIFF: the device name and the queue's flags; ENOLINK once
// the device is deleted.
func (q *Queue) Iff() (name string, flags uint16, err error) {
	err = q.withTap(syscall.ENOLINK, func(t *Tap) error {
		name, flags = t.dev.Name(), uint16(q.flags.Load())
		return nil
	})
	return name, flags, err
}

// SetQueue is TUNSETQUEUE: IFF_ATTACH_QUEUE enables a disabled queue,
// IFF_DETACH_QUEUE disables an enabled one (a disabled queue stays
// attached but receives nothing). EINVAL for a detached queue, neither
// flag, or a queue already in the requested state.
func (q *Queue) SetQueue(flags uint16) error {
	return q.withTap(syscall.EINVAL, func(t *Tap) error {
		switch {
		case flags&IffAttachQueue != 0:
			if q.enabled {
				return syscall.EINVAL
			}
			q.enabled = true
			t.on = append(t.on, q)
			t.publish()
		case flags&IffDetachQueue != 0:
			if !q.enabled {
				return syscall.EINVAL
			}
			t.disableLocked(q)
		default:
			return syscall.EINVAL
		}
		return nil
	})
}

// Features is TUNGETFEATURES: IFF_TAP|IFF_NO_PI|IFF_VNET_HDR|IFF_MULTI_QUEUE.
func (q *Queue) Features() uint16 { return features }

// SetSndbuf is TUNSETSNDBUF; the size must be positive (EINVAL).
func (q *Queue) SetSndbuf(n int) error {
	if n <= 0 || n > 1<<31-1 {
		return syscall.EINVAL
	}
	q.sndbuf.Store(int32(n))
	return nil
}

// Sndbuf returns the send buffer size.
func (q *Queue) Sndbuf() int { return int(q.sndbuf.Load()) }

// VnetHdrSize is TUNGETVNETHDRSZ.
func (q *Queue) VnetHdrSize() int { return int(q.vnetHdrSz.Load()) }

// SetVnetHdrSize is TUNSETVNETHDRSZ: at least 10 bytes (EINVAL).
func (q *Queue) SetVnetHdrSize(n int) error {
	if n < 10 || n > 1<<31-1 {
		return syscall.EINVAL
	}
	q.vnetHdrSz.Store(int32(n))
	return nil
}

// VnetLE is TUNGETVNETLE.
func (q *Queue) VnetLE() bool { return q.flags.Load()&flagVnetLE != 0 }

// SetVnetLE is TUNSETVNETLE: little-endian vnet headers (virtio 1.0).
func (q *Queue) SetVnetLE(on bool) {
	for {
		old := q.flags.Load()
		n := old &^ flagVnetLE
		if on {
			n |= flagVnetLE
		}
		if q.flags.CompareAndSwap(old, n) {
			return
		}
	}
}

// VnetBE is TUNGETVNETBE: EINVAL, as on kernels without
// CONFIG_TUN_VNET_CROSS_LE (legacy big-endian headers are native-endian
// on big-endian hosts only).
func (q *Queue) VnetBE() (bool, error) { return false, syscall.EINVAL }

// SetVnetBE is TUNSETVNETBE: EINVAL (see VnetBE).
func (q *Queue) SetVnetBE(bool) error { return syscall.EINVAL }

// SetOffload is TUNSETOFFLOAD: the offloads the reader accepts. Unknown
// flags are EINVAL; a detached queue ENOLINK. TSO needs TUN_F_CSUM; USO
// needs both USO4 and USO6 (and CSUM). Accepting TSO or USO turns the
// device's LRO/GRO on, refusing it turns them off.
func (q *Queue) SetOffload(arg uint32) error {
	if arg&^(TunFCsum|TunFTSO4|TunFTSO6|TunFTSOECN|TunFUFO|TunFUSO4|TunFUSO6) != 0 {
		return syscall.EINVAL
	}
	return q.withTap(syscall.ENOLINK, func(t *Tap) error {
		var mask netdev.Features
		if arg&TunFCsum != 0 {
			mask = netdev.FeatHWCsum
			if arg&(TunFTSO4|TunFTSO6) != 0 {
				if arg&TunFTSOECN != 0 {
					mask |= netdev.FeatTSOECN
				}
				if arg&TunFTSO4 != 0 {
					mask |= netdev.FeatTSO
				}
				if arg&TunFTSO6 != 0 {
					mask |= netdev.FeatTSO6
				}
			}
			if arg&(TunFUSO4|TunFUSO6) == TunFUSO4|TunFUSO6 {
				mask |= netdev.FeatGSOUDPL4
			}
		}
		f := t.dev.Features()
		if mask&(netdev.FeatTSO|netdev.FeatTSO6|netdev.FeatGSOUDPL4) != 0 {
			f |= netdev.FeatGRO | netdev.FeatLRO
		} else {
			f &^= netdev.FeatGRO | netdev.FeatLRO
		}
		t.tapFeatures.Store(uint64(mask))
		t.dev.SetFeatures(f)
		return nil
	})
}

// HardwareAddr is SIOCGIFHWADDR: the device's address; ENOLINK when
// detached.
func (q *Queue) HardwareAddr() (net.HardwareAddr, error) {
	var a net.HardwareAddr
	err := q.withTap(syscall.ENOLINK, func(t *Tap) error {
		a = slices.Clone(t.dev.HardwareAddr())
		return nil
	})
	return a, err
}

// SetHardwareAddr is SIOCSIFHWADDR: sets the device's address as ip link
// set address does; ENOLINK when detached.
func (q *Queue) SetHardwareAddr(a net.HardwareAddr) error {
	return q.withTap(syscall.ENOLINK, func(t *Tap) error {
		return t.dev.Namespace().SetLinkLocked(t.dev, &netdev.LinkRequest{Address: netdev.HWAddr(a)})
	})
}

func init() {
	netdev.RegisterNotifier(0, func(ev netdev.Event, d *netdev.Device) error {
		if ev != netdev.EventChangeTxQueueLen {
			return nil
		}
		if t := TapOf(d); t != nil {
			for _, q := range t.queues {
				q.resize(int(d.TxQueueLen()))
			}
		}
		return nil
	})
}
