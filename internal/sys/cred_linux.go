package sys

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Cred is a connected peer's process credentials (SO_PEERCRED).
type Cred struct {
	PID, UID, GID int
}

// PeerCred reads SO_PEERCRED from a Unix socket connection.
func PeerCred(conn any) (Cred, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return Cred{}, errors.New("permission denied: not a Unix socket connection")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Cred{}, err
	}
	var ucred *unix.Ucred
	var serr error
	if err := raw.Control(func(fd uintptr) {
		ucred, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Cred{}, err
	}
	if serr != nil {
		return Cred{}, serr
	}
	return Cred{PID: int(ucred.Pid), UID: int(ucred.Uid), GID: int(ucred.Gid)}, nil
}

// SetHardwareAddr gives a TAP device the Ethernet address mac
// (SIOCSIFHWADDR on the TAP's own descriptor, which tun accepts).
func (t *Tun) SetHardwareAddr(mac net.HardwareAddr) error {
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
