package tunnel

import (
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
)

// ResolveLink applies a request's `dev PHYS` to the tunnel's lower device
// index cur: nil keeps cur, "" unbinds (IFLA_*_LINK 0), a name must be a
// device of ns, else the error is noDevice (or ENODEV when it is nil).
func ResolveLink(ns *netdev.Namespace, cur int32, name *string, noDevice error) (int32, error) {
	if name == nil {
		return cur, nil
	}
	if *name == "" {
		return 0, nil
	}
	ld := ns.DeviceByName(*name)
	if ld == nil {
		if noDevice != nil {
			return 0, noDevice
		}
		return 0, extack.Errno(syscall.ENODEV)
	}
	return ld.Index(), nil
}
