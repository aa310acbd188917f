package netdev

import (
	"slices"
	"syscall"

	"github.com/softnet/softnet/extack"
)

// NewLink creates a device (ip link add): it resolves the kind, runs Setup,
// applies the generic attributes, lets the kind validate and create its
// state, registers the device and brings it up if asked.
func (ns *Namespace) NewLink(req *LinkRequest) (*Device, error) {
	ns.world.Lock()
	defer ns.world.Unlock()
	return ns.NewLinkLocked(req)
}

// NewLinkLocked is NewLink with RTNL held.
func (ns *Namespace) NewLinkLocked(req *LinkRequest) (*Device, error) {
	if err := checkNameAttr(req.Name); err != nil {
		return nil, err
	}
	if req.Name != "" && ns.DeviceByName(req.Name) != nil {
		return nil, extack.Errno(syscall.EEXIST)
	}
	if req.Kind == "" {
		return nil, extack.Errno(syscall.EOPNOTSUPP)
	}
	k := LookupKind(req.Kind)
	if k == nil {
		return nil, extack.New(syscall.EOPNOTSUPP, "Unknown device type")
	}
	if err := req.DecodeData(); err != nil {
		return nil, err
	}
	target := ns
	if req.NetNS != "" {
		if target = ns.world.Namespace(req.NetNS); target == nil {
			return nil, extack.Errorf(syscall.EINVAL, "Invalid \"netns\" value")
		}
	}
	d := NewDevice(k)
	if err := applyInitAttrs(d, req); err != nil {
		return nil, err
	}
	d.ns.Store(target)
	if err := k.NewLink(target, d, req); err != nil {
		return nil, err
	}
	if d.Index() == 0 || d.IsDead() {
		if err := target.RegisterLocked(d, req.Name); err != nil {
			if dl, ok := k.(LinkDeleter); ok {
				dl.DelLink(d)
			}
			return nil, err
		}
	}
	if req.Up != nil && *req.Up {
		if err := target.openLocked(d); err != nil {
			return d, err
		}
	}
	return d, nil
}

func applyInitAttrs(d *Device, req *LinkRequest) error {
	if req.MTU != nil {
		if err := d.validateMTU(*req.MTU); err != nil {
			return err
		}
		d.mtu.Store(*req.MTU)
	}
	if req.Address != nil {
		if len(req.Address) != d.AddrLen {
			return extack.Errno(syscall.EINVAL)
		}
		d.setAddrs(slices.Clone(req.Address), d.BroadcastAddr())
		d.addrAssign.Store(AddrSet)
	}
	if req.Broadcast != nil {
		d.setAddrs(d.HardwareAddr(), slices.Clone(req.Broadcast))
	}
	if req.TxQLen != nil {
		d.txqlen.Store(*req.TxQLen)
	}
	if req.Group != nil {
		d.group.Store(*req.Group)
	}
	if req.NumTx != nil {
		if *req.NumTx < 1 || *req.NumTx > 4096 {
			return extack.New(syscall.EINVAL, "Invalid number of transmit queues")
		}
		d.NumTxQueues = *req.NumTx
	}
	if req.NumRx != nil {
		if *req.NumRx < 1 || *req.NumRx > 4096 {
			return extack.New(syscall.EINVAL, "Invalid number of receive queues")
		}
		d.NumRxQueues = *req.NumRx
	}
	setFlag(d, FlagNoARP, req.NoARP)
	setFlag(d, FlagMulticast, req.Multicast)
	return nil
}

// checkNameAttr applies the netlink policy on IFLA_IFNAME (a string of at
// most IFNAMSIZ-1 bytes).
func checkNameAttr(name string) error {
	if len(name) >= 16 {
		return extack.New(syscall.EINVAL, "Attribute failed policy validation")
	}
	return nil
}

func setFlag(d *Device, f Flags, on *bool) {
	if on == nil {
		return
	}
	if *on {
		d.SetFlagBits(f, 0)
	} else {
		d.SetFlagBits(0, f)
	}
}

func (d *Device) validateMTU(mtu uint32) error {
	// The kernel's MTU is an int: values past 2^31 are negative and so
	// "less than device minimum", as `ip link set X mtu -1` shows.
	if int32(mtu) < int32(d.MinMTU) || int32(mtu) < 0 {
		return extack.Errorf(syscall.EINVAL, "mtu less than device minimum")
	}
	if d.MaxMTU > 0 && mtu > d.MaxMTU {
		return extack.Errorf(syscall.EINVAL, "mtu greater than device maximum")
	}
	return nil
}

// SetLink changes a device (ip link set): netns first, then kind data, MTU,
// address, name, txqueuelen, flags and up/down, in do_setlink's order.
func (ns *Namespace) SetLink(d *Device, req *LinkRequest) error {
	ns.world.Lock()
	defer ns.world.Unlock()
	return ns.SetLinkLocked(d, req)
}

// SetLinkLocked is SetLink with RTNL held.
func (ns *Namespace) SetLinkLocked(d *Device, req *LinkRequest) error {
	if d.IsDead() || d.Namespace() != ns {
		return extack.Errno(syscall.ENODEV)
	}
	if req.NetNS != "" {
		target := ns.world.Namespace(req.NetNS)
		if target == nil {
			return extack.Errorf(syscall.EINVAL, "Invalid \"netns\" value")
		}
		if err := ns.moveLocked(d, target); err != nil {
			return err
		}
		ns = target
	}
	if req.Kind != "" || req.Data != nil || len(req.RawData) > 0 {
		if req.Kind != "" && req.Kind != d.kind.Name() {
			return extack.Errno(syscall.EOPNOTSUPP)
		}
		if req.Kind == "" {
			req.Kind = d.kind.Name()
		}
		if err := req.DecodeData(); err != nil {
			return err
		}
		if req.Data != nil {
			lc, ok := d.kind.(LinkChanger)
			if !ok {
				return extack.Errno(syscall.EOPNOTSUPP)
			}
			if err := lc.ChangeLink(d, req); err != nil {
				return err
			}
		}
	}
	if req.Address != nil {
		if err := ns.setAddressLocked(d, req.Address); err != nil {
			return err
		}
	}
	if req.MTU != nil {
		if err := ns.ChangeMTULocked(d, *req.MTU); err != nil {
			return err
		}
	}
	if req.NewName != "" && req.NewName != d.Name() {
		if err := checkNameAttr(req.NewName); err != nil {
			return err
		}
		if err := ns.renameLocked(d, req.NewName); err != nil {
			return err
		}
	}
	if req.Broadcast != nil {
		d.setAddrs(d.HardwareAddr(), slices.Clone(req.Broadcast))
	}
	if req.TxQLen != nil && *req.TxQLen != d.TxQueueLen() {
		old := d.TxQueueLen()
		d.txqlen.Store(*req.TxQLen)
		if err := ns.notify(EventChangeTxQueueLen, d); err != nil {
			d.txqlen.Store(old)
			return err
		}
	}
	if req.Group != nil {
		d.group.Store(*req.Group)
	}
	if req.Alias != nil {
		if len(*req.Alias) >= 256 {
			return extack.New(syscall.EINVAL, "Attribute failed policy validation")
		}
		d.SetAlias(*req.Alias)
	}
	ns.changeFlagsLocked(d, req)
	if req.Carrier != nil {
		d.SetCarrier(*req.Carrier)
	}
	if req.Up != nil {
		if *req.Up {
			return ns.openLocked(d)
		}
		ns.closeLocked(d)
	}
	return nil
}

func (ns *Namespace) changeFlagsLocked(d *Device, req *LinkRequest) {
	before := d.Flags()
	setFlag(d, FlagNoARP, req.NoARP)
	setFlag(d, FlagMulticast, req.Multicast)
	if req.Promisc != nil {
		wasOn := Flags(d.flags.Load())&FlagPromisc != 0
		if *req.Promisc != wasOn {
			setFlag(d, FlagPromisc, req.Promisc)
			if *req.Promisc {
				d.promiscuity.Add(1)
			} else {
				d.promiscuity.Add(-1)
			}
		}
	}
	if req.Allmulti != nil {
		wasOn := Flags(d.flags.Load())&FlagAllMulti != 0
		if *req.Allmulti != wasOn {
			setFlag(d, FlagAllMulti, req.Allmulti)
			if *req.Allmulti {
				d.allmulti.Add(1)
			} else {
				d.allmulti.Add(-1)
			}
		}
	}
	if d.Flags() != before {
		ns.notify(EventChange, d)
	}
}

// AdjustPromiscuity changes the promiscuity count (dev_set_promiscuity),
// as macvlan does on its lower device.
func (d *Device) AdjustPromiscuity(inc int32) { d.promiscuity.Add(inc) }

// ChangeMTULocked sets the MTU (dev_set_mtu) with RTNL held.
func (ns *Namespace) ChangeMTULocked(d *Device, mtu uint32) error {
	if mtu == d.MTU() {
		return nil
	}
	if err := d.validateMTU(mtu); err != nil {
		return err
	}
	if err := ns.notify(EventPreChangeMTU, d); err != nil {
		return err
	}
	if mc, ok := d.Driver.(MTUChanger); ok {
		if err := mc.ChangeMTU(d, mtu); err != nil {
			return err
		}
	}
	old := d.mtu.Swap(mtu)
	if err := ns.notify(EventChangeMTU, d); err != nil {
		d.mtu.Store(old)
		ns.notify(EventChangeMTU, d)
		return err
	}
	return nil
}

func (ns *Namespace) setAddressLocked(d *Device, a HWAddr) error {
	if len(a) != d.AddrLen {
		return extack.Errno(syscall.EINVAL)
	}
	if d.Type == ARPHRDEther && (a[0]&1 != 0 || isZero(a)) {
		return extack.Errno(syscall.EADDRNOTAVAIL)
	}
	if err := ns.notify(EventPreChangeAddr, d); err != nil {
		return err
	}
	if as, ok := d.Driver.(AddrSetter); ok {
		if err := as.SetAddress(d, a); err != nil {
			return err
		}
	}
	d.setAddrs(slices.Clone(a), d.BroadcastAddr())
	d.addrAssign.Store(AddrSet)
	ns.notify(EventChangeAddr, d)
	return nil
}

func isZero(a []byte) bool {
	for _, x := range a {
		if x != 0 {
			return false
		}
	}
	return true
}

func (ns *Namespace) renameLocked(d *Device, name string) error {
	if !ValidName(name) {
		return extack.Errno(syscall.EINVAL)
	}
	if ns.DeviceByName(name) != nil {
		return extack.Errno(syscall.EEXIST)
	}
	if d.IsUp() {
		return extack.Errno(syscall.EBUSY)
	}
	old := d.Name()
	apply := func(from, to string) {
		d.name.Store(&to)
		ns.publish(func(t *devTable) { delete(t.byName, from); t.byName[to] = d })
	}
	apply(old, name)
	if err := ns.notify(EventChangeName, d); err != nil {
		apply(name, old)
		return err
	}
	return nil
}

// Open brings a device up (dev_open).
func (ns *Namespace) Open(d *Device) error {
	ns.world.Lock()
	defer ns.world.Unlock()
	return ns.openLocked(d)
}

func (ns *Namespace) openLocked(d *Device) error {
	if d.IsUp() {
		return nil
	}
	if err := ns.notify(EventPreUp, d); err != nil {
		return err
	}
	if o, ok := d.Driver.(Opener); ok {
		if err := o.Open(d); err != nil {
			return err
		}
	}
	d.SetFlagBits(FlagUp, 0)
	d.activated.Store(true)
	ns.notify(EventUp, d)
	return nil
}

// Close brings a device down (dev_close).
func (ns *Namespace) Close(d *Device) {
	ns.world.Lock()
	defer ns.world.Unlock()
	ns.closeLocked(d)
}

func (ns *Namespace) closeLocked(d *Device) {
	if !d.IsUp() {
		return
	}
	ns.notify(EventGoingDown, d)
	if o, ok := d.Driver.(Opener); ok {
		o.Stop(d)
	}
	d.SetFlagBits(0, FlagUp)
	ns.notify(EventDown, d)
}

// DelLink deletes a device (ip link del).
func (ns *Namespace) DelLink(d *Device) error {
	ns.world.Lock()
	defer ns.world.Unlock()
	return ns.DelLinkLocked(d)
}

// DelLinkLocked is DelLink with RTNL held.
func (ns *Namespace) DelLinkLocked(d *Device) error {
	if d.IsDead() || d.Namespace() != ns {
		return extack.Errno(syscall.ENODEV)
	}
	if d == ns.loopback {
		return extack.Errno(syscall.EOPNOTSUPP)
	}
	if k, ok := d.kind.(DelLinkKeeper); ok && k.KeepOnDelLink(d) {
		return nil
	}
	dl, ok := d.kind.(LinkDeleter)
	if !ok && d.kind != nil {
		if _, isLo := d.kind.(loopbackKind); isLo {
			return extack.Errno(syscall.EOPNOTSUPP)
		}
	}
	if ok {
		dl.DelLink(d)
	}
	ns.UnregisterLocked(d)
	return nil
}

func (ns *Namespace) moveLocked(d *Device, target *Namespace) error {
	if target == ns {
		return nil
	}
	if d.NetnsLocal {
		return extack.Errno(syscall.EINVAL)
	}
	if target.DeviceByName(d.Name()) != nil {
		return extack.Errno(syscall.EEXIST)
	}
	wasUp := d.IsUp()
	ns.closeLocked(d)
	ns.notify(EventUnregister, d)
	idx, name := d.Index(), d.Name()
	ns.publish(func(t *devTable) { delete(t.byIndex, idx); delete(t.byName, name) })
	d.SetIngressHook(nil)
	d.SetEgressHook(nil)
	if err := target.RegisterLocked(d, name); err != nil {
		return err
	}
	_ = wasUp // Linux leaves a moved device down.
	return nil
}
