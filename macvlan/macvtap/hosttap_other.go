//go:build !linux

package macvtap

import (
	"net"

	"github.com/softnet/softnet/internal/sys"
)

// setTapMAC is unreachable off Linux: sys.OpenTun fails first.
func setTapMAC(*sys.Tun, net.HardwareAddr) error { return sys.ErrNotSupported }
