package macvlan

import (
	"slices"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
)

// Macvlan is a macvlan device's private state (struct macvlan_dev); it is
// the device's Priv.
type Macvlan struct {
	dev   *netdev.Device
	lower *netdev.Device
	port  *port
	// Ext is the stacked kind's state (macvtap's tap device).
	Ext any

	modeV  atomic.Uint32
	flagsV atomic.Uint32

	// Guarded by the RTNL.
	bcQueueLenReq uint32
	sources       []mac
	hashed        bool // in the address hash (the device is open)
	hashAddr      mac
	promisc       bool // holds a promiscuity reference on the lower
}

func (v *Macvlan) mode() Mode   { return Mode(v.modeV.Load()) }
func (v *Macvlan) flags() Flags { return Flags(v.flagsV.Load()) }

// Device returns the macvlan device.
func (v *Macvlan) Device() *netdev.Device { return v.dev }

// Lower returns the lower device.
func (v *Macvlan) Lower() *netdev.Device { return v.lower }

// Mode returns the mode.
func (v *Macvlan) Mode() Mode { return v.mode() }

// Flags returns the flags.
func (v *Macvlan) Flags() Flags { return v.flags() }

// Of returns the macvlan state of a macvlan-family device, or nil.
func Of(d *netdev.Device) *Macvlan {
	if d == nil {
		return nil
	}
	v, _ := d.Priv.(*Macvlan)
	return v
}

// Extension lets a stacked kind (macvtap) add to the macvlan kind's
// callbacks.
type Extension interface {
	// Setup adjusts a new device after the macvlan setup.
	Setup(d *netdev.Device)
	// NewLink runs after the device is registered and linked to its
	// port; an error deletes the device again.
	NewLink(d *netdev.Device) error
	// DelLink runs before the device is unlinked and unregistered.
	DelLink(d *netdev.Device)
}

// Kind is a macvlan-family link kind (macvlan_link_ops, and macvtap's
// copy of it with an Extension).
type Kind struct {
	name string
	ext  Extension
}

var (
	_ netdev.Kind        = (*Kind)(nil)
	_ netdev.LinkChanger = (*Kind)(nil)
	_ netdev.LinkDeleter = (*Kind)(nil)
	_ netdev.InfoFiller  = (*Kind)(nil)
	_ netdev.DataMaker   = (*Kind)(nil)
)

// NewKind returns a macvlan-family kind named name; ext may be nil. The
// caller registers it with netdev.RegisterKind.
func NewKind(name string, ext Extension) *Kind { return &Kind{name: name, ext: ext} }

func init() { netdev.RegisterKind(NewKind("macvlan", nil)) }

// Name implements netdev.Kind.
func (k *Kind) Name() string { return k.name }

// NewData implements netdev.DataMaker.
func (k *Kind) NewData() any { return &Data{} }

// IsMacvlan reports whether d is a macvlan-family device.
func IsMacvlan(d *netdev.Device) bool { return Of(d) != nil }

// Setup implements netdev.Kind (macvlan_common_setup).
func (k *Kind) Setup(d *netdev.Device) {
	d.Type = netdev.ARPHRDEther
	d.HardHeaderLen = netdev.EthHeaderLen
	d.AddrLen = 6
	d.SetBroadcastAddr([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	d.MinMTU, d.MaxMTU = 68, 0
	d.NoQueue = true
	d.InitFlags(netdev.FlagBroadcast | netdev.FlagMulticast)
	d.DefaultName = k.name + "%d"
	d.InitCarrier(false)
	d.Priv = &Macvlan{dev: d}
	d.Driver = driver{}
	if k.ext != nil {
		k.ext.Setup(d)
	}
}

// NewLink implements netdev.Kind (macvlan_validate + macvlan_common_newlink).
func (k *Kind) NewLink(ns *netdev.Namespace, d *netdev.Device, req *netdev.LinkRequest) error {
	data, err := requestData(req)
	if err != nil {
		return err
	}
	if err := validate(req, data); err != nil {
		return err
	}
	if req.Link == "" {
		return extack.Errno(syscall.EINVAL)
	}
	lower := ns.DeviceByName(req.Link)
	if lower == nil {
		return extack.Errno(syscall.ENODEV)
	}
	if lv := Of(lower); lv != nil {
		lower = lv.lower // stack on the real device
	}
	if req.MTU == nil {
		d.InitMTU(lower.MTU())
	} else if *req.MTU > lower.MTU() {
		return extack.Errno(syscall.EINVAL)
	}
	d.MaxMTU = lower.MaxMTU
	d.GSOMaxSize, d.GSOMaxSegs = lower.GSOMaxSize, lower.GSOMaxSegs
	d.TSOMaxSize, d.TSOMaxSegs = lower.TSOMaxSize, lower.TSOMaxSegs
	d.InitFeatures(lower.Features()&macvlanFeatures|alwaysOn, netdev.FeatLRO|macvlanFeatures)
	p := portOf(lower)
	created := false
	if p == nil {
		if lower.Type != netdev.ARPHRDEther || lower.Flags()&netdev.FlagLoopback != 0 {
			return extack.Errno(syscall.EINVAL)
		}
		if p, err = newPort(lower); err != nil {
			return err
		}
		created = true
	}
	fail := func(err error) error {
		if created {
			p.destroy()
		}
		return err
	}
	v := d.Priv.(*Macvlan)
	v.lower, v.port = lower, p
	v.modeV.Store(uint32(ModeVEPA))
	v.bcQueueLenReq = DefaultBCQueueLen
	if data.Mode != nil {
		v.modeV.Store(uint32(*data.Mode))
	}
	if data.Flags != nil {
		v.flagsV.Store(uint32(*data.Flags))
	}
	if v.mode() == ModePassthru {
		if len(p.vlans) > 0 {
			return fail(extack.Errno(syscall.EINVAL))
		}
		d.SetHardwareAddr(lower.HardwareAddr())
	} else if p.passthru {
		return fail(extack.Errno(syscall.EINVAL))
	}
	if data.MacaddrMode != nil {
		if v.mode() != ModeSource {
			return fail(extack.Errno(syscall.EINVAL))
		}
		if err := v.changeSources(*data.MacaddrMode, data); err != nil {
			return fail(err)
		}
	}
	if data.BCQueueLen != nil {
		v.bcQueueLenReq = *data.BCQueueLen
	}
	if err := ns.RegisterLocked(d, req.Name); err != nil {
		return fail(err)
	}
	d.SetLink(lower.Index())
	if v.mode() == ModePassthru {
		p.passthru = true
	}
	if data.BCCutoff != nil {
		p.cutoff = *data.BCCutoff
	}
	p.vlans = append(p.vlans, v)
	p.publish()
	transferOperstate(lower, d)
	if k.ext != nil {
		if err := k.ext.NewLink(d); err != nil {
			k.DelLink(d)
			ns.UnregisterLocked(d)
			return err
		}
	}
	return nil
}

func requestData(req *netdev.LinkRequest) (*Data, error) {
	switch x := req.Data.(type) {
	case nil:
		return &Data{}, nil
	case *Data:
		if x == nil {
			return &Data{}, nil
		}
		return x, nil
	}
	return nil, extack.Errno(syscall.EINVAL)
}

func validEther(a []byte) bool {
	return len(a) == 6 && a[0]&1 == 0 && (a[0]|a[1]|a[2]|a[3]|a[4]|a[5]) != 0
}

// validate is macvlan_validate.
func validate(req *netdev.LinkRequest, data *Data) error {
	if req.Address != nil {
		if len(req.Address) != 6 {
			return extack.Errno(syscall.EINVAL)
		}
		if !validEther(req.Address) {
			return extack.Errno(syscall.EADDRNOTAVAIL)
		}
	}
	if data.Flags != nil && *data.Flags&^(FlagNoPromisc|FlagNoDst) != 0 {
		return extack.Errno(syscall.EINVAL)
	}
	if data.Mode != nil {
		switch *data.Mode {
		case ModePrivate, ModeVEPA, ModeBridge, ModePassthru, ModeSource:
		default:
			return extack.Errno(syscall.EINVAL)
		}
	}
	if data.MacaddrMode != nil && *data.MacaddrMode > MacaddrSet {
		return extack.Errno(syscall.EINVAL)
	}
	if data.Macaddr != nil {
		if len(data.Macaddr) != 6 {
			return extack.Errno(syscall.EINVAL)
		}
		if !validEther(data.Macaddr) {
			return extack.Errno(syscall.EADDRNOTAVAIL)
		}
	}
	if data.MacaddrCount != nil {
		return extack.Errno(syscall.EINVAL)
	}
	return nil
}

// ChangeLink implements netdev.LinkChanger (macvlan_changelink).
func (k *Kind) ChangeLink(d *netdev.Device, req *netdev.LinkRequest) error {
	v := Of(d)
	data, err := requestData(req)
	if err != nil || v == nil {
		return extack.Errno(syscall.EINVAL)
	}
	if err := validate(&netdev.LinkRequest{}, data); err != nil {
		return err
	}
	mode := v.mode()
	if data.Mode != nil {
		mode = *data.Mode
		if (mode == ModePassthru) != (v.mode() == ModePassthru) {
			return extack.Errno(syscall.EINVAL)
		}
		if v.mode() == ModeSource && mode != ModeSource {
			v.sources = nil
		}
	}
	if data.Flags != nil {
		f := *data.Flags
		if v.port.passthru && (f^v.flags())&FlagNoPromisc != 0 && d.IsUp() {
			if f&FlagNoPromisc != 0 {
				v.setLowerPromisc(false)
			} else {
				v.setLowerPromisc(true)
			}
		}
		v.flagsV.Store(uint32(f))
	}
	if data.BCQueueLen != nil {
		v.bcQueueLenReq = *data.BCQueueLen
	}
	if data.BCCutoff != nil {
		v.port.cutoff = *data.BCCutoff
	}
	v.modeV.Store(uint32(mode))
	if data.MacaddrMode != nil {
		if mode != ModeSource {
			v.port.publish()
			return extack.Errno(syscall.EINVAL)
		}
		if err := v.changeSources(*data.MacaddrMode, data); err != nil {
			v.port.publish()
			return err
		}
	}
	v.port.publish()
	return nil
}

// changeSources applies a macaddr operation (macvlan_changelink_sources).
func (v *Macvlan) changeSources(op MacaddrMode, data *Data) error {
	switch op {
	case MacaddrAdd:
		if data.Macaddr != nil {
			v.addSource(data.Macaddr)
		}
	case MacaddrDel:
		if data.Macaddr == nil {
			return extack.Errno(syscall.EINVAL)
		}
		a, _ := toMAC(data.Macaddr)
		v.sources = slices.DeleteFunc(v.sources, func(x mac) bool { return x == a })
	case MacaddrFlush:
		v.sources = nil
	case MacaddrSet:
		if !data.MacaddrDataGiven && data.MacaddrData == nil {
			return extack.Errno(syscall.EINVAL)
		}
		v.sources = nil
	default:
		return extack.Errno(syscall.EINVAL)
	}
	for _, a := range data.MacaddrData {
		if !validEther(a) {
			return extack.Errno(syscall.EADDRNOTAVAIL)
		}
		v.addSource(a)
	}
	return nil
}

func (v *Macvlan) addSource(a []byte) {
	m, ok := toMAC(a)
	if !ok || slices.Contains(v.sources, m) {
		return
	}
	v.sources = append(v.sources, m)
}

// DelLink implements netdev.LinkDeleter: the device leaves its port; the
// last one destroys the port.
func (k *Kind) DelLink(d *netdev.Device) {
	v := Of(d)
	if v == nil || v.port == nil {
		return
	}
	if k.ext != nil {
		k.ext.DelLink(d)
	}
	v.stop()
	p := v.port
	v.sources = nil
	p.remove(v)
	if len(p.vlans) == 0 {
		p.destroy()
	} else if v.mode() == ModePassthru {
		p.passthru = false
		p.publish()
	}
	if len(p.vlans) == 0 {
		p.passthru = false
	}
}

// LinkInfo implements netdev.InfoFiller (macvlan_fill_info).
func (k *Kind) LinkInfo(d *netdev.Device) any {
	v := Of(d)
	if v == nil || v.port == nil {
		return nil
	}
	s := v.port.snap.Load()
	info := &Info{Mode: v.mode(), Flags: v.flags(), BCQueueLen: v.bcQueueLenReq, BCQueueLenUsed: uint32(s.bcLen)}
	if v.mode() == ModeSource {
		n := uint32(len(v.sources))
		info.MacaddrCount = &n
		for _, a := range v.sources {
			info.Macaddrs = append(info.Macaddrs, netdev.HWAddr(slices.Clone(a[:])))
		}
	}
	if v.port.cutoff != 1 {
		c := v.port.cutoff
		info.BCCutoff = &c
	}
	return info
}

// Feature sets (MACVLAN_FEATURES, ALWAYS_ON_FEATURES).
const (
	macvlanFeatures = netdev.FeatSG | netdev.FeatHWCsum | netdev.FeatHighDMA | netdev.FeatFragList |
		netdev.FeatTSO | netdev.FeatTSO6 | netdev.FeatTSOECN | netdev.FeatGSOUDPL4 | netdev.FeatLRO |
		netdev.FeatGRO | netdev.FeatRxCsum
	alwaysOn = netdev.FeatSG | netdev.FeatHWCsum | netdev.FeatLLTX
)

// transferOperstate makes the macvlan's carrier follow the lower device
// (netif_stacked_transfer_operstate).
func transferOperstate(lower, d *netdev.Device) {
	d.SetCarrier(lower.Carrier())
}
