package macvtap

import (
	"encoding/binary"
	"fmt"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/softnet/softnet/internal/sys"
)

// setTapMAC gives the host TAP the address mac (SIOCSIFHWADDR on the
// TAP's own file descriptor, which tun accepts).
func setTapMAC(t *sys.Tun, mac net.HardwareAddr) error {
	if len(t.Queues) == 0 || len(mac) != 6 {
		return nil
	}
	return t.Queues[0].Control(func(fd int) error {
		ifr, err := unix.NewIfreq(t.Name)
		if err != nil {
			return err
		}
		// ifr_hwaddr: a struct sockaddr after the name.
		raw := (*[unix.IFNAMSIZ + 24]byte)(unsafe.Pointer(ifr))
		binary.NativeEndian.PutUint16(raw[unix.IFNAMSIZ:], unix.ARPHRD_ETHER)
		copy(raw[unix.IFNAMSIZ+2:], mac)
		if err := unix.IoctlIfreq(fd, unix.SIOCSIFHWADDR, ifr); err != nil {
			return fmt.Errorf("SIOCSIFHWADDR %s: %w", t.Name, err)
		}
		return nil
	})
}
