package sys

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Tun is an open TUN/TAP device: one Conn per queue.
type Tun struct {
	// Name is the host interface name the kernel assigned.
	Name string
	// Queues are the per-queue file descriptors.
	Queues []*Conn
	// Offload is the TUN_F_* set the kernel granted (0 without VnetHdr).
	Offload uint32
	// VnetHdrLen is the virtio_net_hdr length in front of every frame, or
	// 0 without IFF_VNET_HDR.
	VnetHdrLen int
}

// OpenTun creates (or attaches to) a TUN/TAP device with cfg.Queues queues.
func OpenTun(cfg TunConfig) (*Tun, error) {
	q := max(cfg.Queues, 1)
	flags := uint16(unix.IFF_NO_PI)
	if cfg.TAP {
		flags |= unix.IFF_TAP
	} else {
		flags |= unix.IFF_TUN
	}
	if cfg.VnetHdr {
		flags |= unix.IFF_VNET_HDR
	}
	if q > 1 {
		flags |= unix.IFF_MULTI_QUEUE
	}
	t := &Tun{Name: cfg.Name}
	for i := range q {
		fd, name, err := openTunQueue(t.Name, flags)
		if err != nil {
			t.Close()
			return nil, fmt.Errorf("tun queue %d: %w", i, err)
		}
		t.Name = name
		c, err := NewConn(fd, "tun:"+name)
		if err != nil {
			unix.Close(fd)
			t.Close()
			return nil, err
		}
		t.Queues = append(t.Queues, c)
	}
	if cfg.VnetHdr {
		if err := t.setupVnet(cfg); err != nil {
			t.Close()
			return nil, err
		}
	}
	return t, nil
}

func openTunQueue(name string, flags uint16) (int, string, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return -1, "", err
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return -1, "", err
	}
	ifr.SetUint16(flags)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return -1, "", fmt.Errorf("TUNSETIFF: %w", err)
	}
	return fd, ifr.Name(), nil
}

func (t *Tun) setupVnet(cfg TunConfig) error {
	hl := cfg.VnetHdrLen
	if hl == 0 {
		hl = 10
	}
	fd := t.Queues[0].fd
	if err := unix.IoctlSetPointerInt(fd, unix.TUNSETVNETHDRSZ, hl); err != nil {
		return fmt.Errorf("TUNSETVNETHDRSZ: %w", err)
	}
	t.VnetHdrLen = hl
	off := cfg.Offload
	for {
		err := setOffload(fd, off)
		if err == nil {
			break
		}
		switch {
		case errors.Is(err, unix.EINVAL) && off&(TunFUSO4|TunFUSO6) != 0:
			off &^= TunFUSO4 | TunFUSO6 // kernels before 6.2
		case errors.Is(err, unix.EINVAL) && off != 0:
			off = 0
		default:
			return fmt.Errorf("TUNSETOFFLOAD: %w", err)
		}
	}
	t.Offload = off
	return nil
}

func setOffload(fd int, off uint32) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETOFFLOAD, uintptr(off))
	if e != 0 {
		return e
	}
	return nil
}

// Close closes every queue.
func (t *Tun) Close() error {
	var first error
	for _, c := range t.Queues {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	t.Queues = nil
	return first
}

// SetPersist makes the host device outlive its file descriptors (TUNSETPERSIST).
func (t *Tun) SetPersist(on bool) error {
	v := 0
	if on {
		v = 1
	}
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(t.Queues[0].fd), unix.TUNSETPERSIST, uintptr(v))
	if e != 0 {
		return e
	}
	return nil
}
