package xfrmi

import (
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/tunnel"
	"github.com/softnet/softnet/tunnel/vti"
	"github.com/softnet/softnet/xfrm/stack"
)

// Kind is the "xfrm" link kind.
type Kind struct{}

var (
	_ netdev.Kind        = Kind{}
	_ netdev.LinkChanger = Kind{}
	_ netdev.LinkDeleter = Kind{}
	_ netdev.InfoFiller  = Kind{}
	_ netdev.DataMaker   = Kind{}
)

func init() { netdev.RegisterKind(Kind{}) }

// Params are an interface's parameters (struct xfrm_if_parms).
type Params struct {
	// Link is the underlay device's ifindex (dev PHYS), the oif of the
	// outer route; 0 for none.
	Link int32
	// IfID is the if_id SAs and policies name the interface by.
	IfID uint32
	// CollectMD is external mode: one per namespace, if_id per packet.
	CollectMD bool
}

// Iface is one xfrm interface's state (struct xfrm_if): the device's
// Driver and Priv.
type Iface struct {
	dev *netdev.Device
	ns  *netdev.Namespace
	p   atomic.Pointer[Params]
}

var (
	_ netdev.Driver       = (*Iface)(nil)
	_ netdev.IflinkGetter = (*Iface)(nil)
)

// Of returns the interface state of an xfrm interface device, or nil.
func Of(d *netdev.Device) *Iface {
	x, _ := d.Priv.(*Iface)
	return x
}

// Dev returns the interface's device.
func (x *Iface) Dev() *netdev.Device { return x.dev }

// Params returns the current parameters.
func (x *Iface) Params() Params { return *x.p.Load() }

// Iflink is the underlay device.
func (x *Iface) Iflink(d *netdev.Device) int32 { return x.p.Load().Link }

// table is a namespace's interfaces by if_id (xfrmi_net), a snapshot
// replaced under RTNL.
type table struct {
	byID map[uint32]*Iface
	md   *Iface
}

var pernet = netdev.NewPernet(func(*netdev.Namespace) *atomic.Pointer[table] {
	p := &atomic.Pointer[table]{}
	p.Store(&table{byID: map[uint32]*Iface{}})
	return p
}, nil)

// Lookup returns the interface of ns with if_id id (falling back to the
// external one for a non-zero id), or nil (xfrmi_lookup).
func Lookup(ns *netdev.Namespace, id uint32) *Iface {
	tb := pernet.Get(ns).Load()
	if x := tb.byID[id]; x != nil {
		return x
	}
	if id != 0 && tb.md != nil {
		return tb.md
	}
	return nil
}

func update(ns *netdev.Namespace, f func(*table)) {
	ptr := pernet.Get(ns)
	old := ptr.Load()
	n := &table{byID: make(map[uint32]*Iface, len(old.byID)+1), md: old.md}
	for k, v := range old.byID {
		n.byID[k] = v
	}
	f(n)
	ptr.Store(n)
}

// Name is "xfrm".
func (Kind) Name() string { return "xfrm" }

// Setup is xfrmi_dev_setup: ARPHRD_NONE, NOARP, MTU 1500 (68…65535), no
// link-layer address, noqueue.
func (Kind) Setup(d *netdev.Device) {
	d.Type = netdev.ARPHRDNone
	d.HardHeaderLen = 0
	d.AddrLen = 0
	d.MinMTU, d.MaxMTU = 68, 0xFFFF
	d.NoQueue = true
	d.InitMTU(1500)
	d.InitFlags(netdev.FlagNoARP)
	d.InitFeatures(netdev.FeatSG|netdev.FeatLLTX|netdev.FeatGSOMask, netdev.FeatSG|netdev.FeatGSOMask)
	d.DefaultName = "xfrm%d"
}

// Data is an ip link add/set request for an xfrm interface
// (IFLA_XFRM_*); nil fields are not given.
type Data struct {
	IfID     *uint32 `json:"if_id,omitempty"`
	LinkName *string `json:"link,omitempty"`
	External bool    `json:"external,omitempty"`

	// NoDevice, if set, is the error for a LinkName that does not exist.
	NoDevice error `json:"-"`
}

// NewData returns an empty request.
func (Kind) NewData() any { return &Data{} }

func (x *Data) params(ns *netdev.Namespace, cur *Params) (Params, error) {
	var p Params
	if cur != nil {
		p = *cur
	}
	if x.IfID != nil {
		p.IfID = *x.IfID
	}
	link, err := tunnel.ResolveLink(ns, p.Link, x.LinkName, x.NoDevice)
	if err != nil {
		return p, err
	}
	p.Link = link
	p.CollectMD = p.CollectMD || x.External
	return p, nil
}

// NewLink is xfrmi_newlink: external interfaces take neither link nor
// if_id and are one per namespace; others need a non-zero if_id not used
// by another interface (EEXIST).
func (Kind) NewLink(ns *netdev.Namespace, d *netdev.Device, req *netdev.LinkRequest) error {
	data, _ := req.Data.(*Data)
	if data == nil {
		data = &Data{}
	}
	p, err := data.params(ns, nil)
	if err != nil {
		return err
	}
	tb := pernet.Get(ns).Load()
	if p.CollectMD {
		if p.Link != 0 || p.IfID != 0 {
			return extack.New(syscall.EINVAL, "link and if_id must be zero")
		}
		if tb.md != nil {
			return extack.Errno(syscall.EEXIST)
		}
	} else {
		if p.IfID == 0 {
			return extack.New(syscall.EINVAL, "if_id must be non zero")
		}
		if tb.byID[p.IfID] != nil {
			return extack.Errno(syscall.EEXIST)
		}
	}
	x := &Iface{dev: d, ns: ns}
	x.p.Store(&p)
	d.Priv, d.Driver = x, x
	d.SetLink(p.Link)
	if err := ns.RegisterLocked(d, req.Name); err != nil {
		return err
	}
	update(ns, func(t *table) {
		if p.CollectMD {
			t.md = x
		} else {
			t.byID[p.IfID] = x
		}
	})
	return nil
}

// ChangeLink is xfrmi_changelink: external interfaces cannot change; the
// if_id must stay non-zero and unused by others.
func (Kind) ChangeLink(d *netdev.Device, req *netdev.LinkRequest) error {
	x := Of(d)
	data, _ := req.Data.(*Data)
	if x == nil {
		return extack.Errno(syscall.EINVAL)
	}
	if data == nil {
		data = &Data{}
	}
	cur := x.Params()
	if cur.CollectMD || data.External {
		return extack.New(syscall.EINVAL, "collect_md can't be changed")
	}
	p, err := data.params(d.Namespace(), &cur)
	if err != nil {
		return err
	}
	if p.IfID == 0 {
		return extack.New(syscall.EINVAL, "if_id must be non zero")
	}
	if o := Lookup(x.ns, p.IfID); o != nil && o != x && !o.Params().CollectMD {
		return extack.Errno(syscall.EEXIST)
	}
	update(x.ns, func(t *table) {
		delete(t.byID, cur.IfID)
		t.byID[p.IfID] = x
	})
	x.p.Store(&p)
	d.SetLink(p.Link)
	return nil
}

// DelLink removes the interface from its table.
func (Kind) DelLink(d *netdev.Device) {
	if x := Of(d); x != nil {
		x.unlink()
	}
}

func (x *Iface) unlink() {
	update(x.ns, func(t *table) {
		if t.md == x {
			t.md = nil
		}
		if p := x.p.Load(); t.byID[p.IfID] == x {
			delete(t.byID, p.IfID)
		}
	})
}

// Info is the interface's IFLA_INFO_DATA.
type Info struct {
	Link      int32
	IfID      uint32
	CollectMD bool
}

// LinkInfo reports the interface for ip -d link.
func (Kind) LinkInfo(d *netdev.Device) any {
	x := Of(d)
	if x == nil {
		return nil
	}
	p := x.Params()
	return &Info{Link: p.Link, IfID: p.IfID, CollectMD: p.CollectMD}
}

func init() {
	netdev.RegisterNotifier(0, func(ev netdev.Event, d *netdev.Device) error {
		if ev != netdev.EventUnregister || !d.IsDead() {
			return nil
		}
		if x := Of(d); x != nil {
			x.unlink()
		}
		return nil
	})
}

// Xmit is xfrmi_xmit: the inner packet's flow (its own mark, the
// underlay as oif) is looked up in the out policies with the interface's
// if_id (an external interface takes it from the packet's tunnel
// metadata key); without a bundle whose first state has that if_id the
// packet is a carrier error with a link-failure ICMP; then vti's
// SendBundle.
func (x *Iface) Xmit(d *netdev.Device, b *packet.Buffer) {
	p := x.p.Load()
	ifID, link := p.IfID, p.Link
	if p.CollectMD {
		if !b.Tunnel.Present {
			d.Stats.TxErrors.Add(1)
			d.Stats.TxDropped.Add(1)
			d.Drop(b, vti.DropNoState)
			return
		}
		ifID = uint32(b.Tunnel.Key)
	}
	switch b.Protocol {
	case netdev.EthPIPv4, netdev.EthPIPv6:
	default:
		d.Stats.TxErrors.Add(1)
		d.Stats.TxDropped.Add(1)
		d.Drop(b, vti.DropNotIP)
		return
	}
	var bd stack.Bundle
	found, err := stack.LookupBundleCached(x.ns, b, link, b.Mark, ifID, &bd, stack.DeviceBundleCache(d))
	if !found || err != nil || bd.First() == nil || bd.First().Cfg().IfID != ifID {
		d.Stats.TxDropped.Add(1)
		vti.LinkFailure(x.ns, d, b)
		return
	}
	vti.SendBundle(x.ns, d, b, &bd, true)
}
