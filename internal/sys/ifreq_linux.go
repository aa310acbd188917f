package sys

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ioctlSock runs an interface ioctl on a throwaway AF_INET socket in the
// calling thread's network namespace.
func ioctlSock(f func(fd int) error) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return f(fd)
}

// InterfaceIndex returns a host interface's ifindex (SIOCGIFINDEX).
func InterfaceIndex(name string) (int, error) {
	var idx int
	err := ioctlSock(func(fd int) error {
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			return err
		}
		if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
			return err
		}
		idx = int(ifr.Uint32())
		return nil
	})
	return idx, err
}

// LinkUp sets or clears IFF_UP on a host interface (SIOCSIFFLAGS).
func LinkUp(name string, up bool) error {
	return ioctlSock(func(fd int) error {
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			return err
		}
		if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
			return err
		}
		fl := ifr.Uint16()
		if up {
			fl |= unix.IFF_UP
		} else {
			fl &^= unix.IFF_UP
		}
		ifr.SetUint16(fl)
		return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
	})
}

// SetMTU sets a host interface's MTU (SIOCSIFMTU).
func SetMTU(name string, mtu int) error {
	return ioctlSock(func(fd int) error {
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			return err
		}
		ifr.SetUint32(uint32(mtu))
		return unix.IoctlIfreq(fd, unix.SIOCSIFMTU, ifr)
	})
}

// HardwareAddr returns a host interface's MAC address (SIOCGIFHWADDR).
func HardwareAddr(name string) ([]byte, error) {
	var out []byte
	err := ioctlSock(func(fd int) error {
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			return err
		}
		if err := unix.IoctlIfreq(fd, unix.SIOCGIFHWADDR, ifr); err != nil {
			return err
		}
		raw := (*[unix.IFNAMSIZ + 24]byte)(unsafe.Pointer(ifr))
		out = append([]byte(nil), raw[unix.IFNAMSIZ+2:unix.IFNAMSIZ+8]...)
		return nil
	})
	return out, err
}

// AddAddr4 assigns an IPv4 address and prefix to a host interface
// (SIOCSIFADDR, SIOCSIFNETMASK); the kernel adds the prefix route.
func AddAddr4(name string, p netip.Prefix) error {
	if !p.Addr().Is4() {
		return unix.EAFNOSUPPORT
	}
	return ioctlSock(func(fd int) error {
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			return err
		}
		if err := ifr.SetInet4Addr(p.Addr().AsSlice()); err != nil {
			return err
		}
		if err := unix.IoctlIfreq(fd, unix.SIOCSIFADDR, ifr); err != nil {
			return err
		}
		m := [4]byte{}
		for i := range p.Bits() {
			m[i/8] |= 0x80 >> (i % 8)
		}
		if err := ifr.SetInet4Addr(m[:]); err != nil {
			return err
		}
		return unix.IoctlIfreq(fd, unix.SIOCSIFNETMASK, ifr)
	})
}

// arpreq is struct arpreq (include/uapi/linux/if_arp.h).
type arpreq struct {
	pa      unix.RawSockaddrInet4
	ha      unix.RawSockaddr
	flags   int32
	netmask unix.RawSockaddrInet4
	dev     [16]byte
}

// AddNeigh4 adds a permanent ARP entry on a host interface (SIOCSARP).
func AddNeigh4(name string, ip netip.Addr, mac []byte) error {
	if !ip.Is4() || len(mac) != 6 {
		return unix.EINVAL
	}
	r := arpreq{flags: 0x02 | 0x04} // ATF_COM | ATF_PERM
	r.pa.Family = unix.AF_INET
	r.pa.Addr = ip.As4()
	r.ha.Family = unix.ARPHRD_ETHER
	for i, b := range mac {
		r.ha.Data[i] = int8(b)
	}
	copy(r.dev[:], name)
	return ioctlSock(func(fd int) error {
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCSARP, uintptr(unsafe.Pointer(&r)))
		if e != 0 {
			return e
		}
		return nil
	})
}
