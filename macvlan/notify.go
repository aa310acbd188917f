package macvlan

import (
	"bytes"
	"slices"

	"github.com/softnet/softnet/netdev"
)

func init() { netdev.RegisterNotifier(0, deviceEvent) }

// deviceEvent is macvlan_device_event for lower devices, plus the address
// bookkeeping of macvlan devices themselves (macvlan_sync_address).
func deviceEvent(ev netdev.Event, d *netdev.Device) error {
	if v := Of(d); v != nil && ev == netdev.EventChangeAddr {
		v.addrChanged()
	}
	p := portOf(d)
	if p == nil {
		return nil
	}
	switch ev {
	case netdev.EventUp, netdev.EventDown, netdev.EventChange:
		for _, v := range p.vlans {
			transferOperstate(d, v.dev)
		}
	case netdev.EventChangeMTU:
		for _, v := range slices.Clone(p.vlans) {
			if v.dev.MTU() > d.MTU() {
				if ns := v.dev.Namespace(); ns != nil {
					ns.ChangeMTULocked(v.dev, d.MTU())
				}
			}
		}
	case netdev.EventChangeAddr:
		if p.passthru && len(p.vlans) > 0 {
			v := p.vlans[0]
			if !bytes.Equal(v.dev.HardwareAddr(), d.HardwareAddr()) {
				v.dev.SetHardwareAddr(d.HardwareAddr())
				v.addrChanged()
			}
		}
	case netdev.EventUnregister:
		if !d.IsDead() {
			return nil // moved to another namespace: the macvlans stay
		}
		for _, v := range slices.Clone(p.vlans) {
			if ns := v.dev.Namespace(); ns != nil && !v.dev.IsDead() {
				ns.DelLinkLocked(v.dev)
			}
		}
	}
	return nil
}

// addrChanged rehashes an open macvlan whose address changed. A busy
// address was refused by the driver's SetAddress (EADDRINUSE, as Linux);
// the check here only guards changes made around it (passthru sync).
func (v *Macvlan) addrChanged() {
	if v.port == nil {
		return
	}
	addr, ok := toMAC(v.dev.HardwareAddr())
	if !ok || !v.hashed || addr == v.hashAddr {
		return
	}
	if v.port.addrBusy(addr, v) {
		v.dev.SetHardwareAddr(v.hashAddr[:])
		return
	}
	if v.port.passthru && !bytes.Equal(v.lower.HardwareAddr(), addr[:]) {
		v.lower.SetHardwareAddr(addr[:])
	}
	v.hashAddr = addr
	v.port.publish()
}
