package netdev

import (
	"bytes"
	"net"
	"sync/atomic"

	"github.com/softnet/softnet/gso"
	"github.com/softnet/softnet/packet"
)

// Driver is a device's transmit side (net_device_ops). Xmit owns b.
type Driver interface {
	Xmit(d *Device, b *packet.Buffer)
}

// Opener is implemented by drivers that act on ndo_open / ndo_stop.
type Opener interface {
	Open(d *Device) error
	Stop(d *Device)
}

// MTUChanger is implemented by drivers that check or act on MTU changes.
type MTUChanger interface {
	ChangeMTU(d *Device, mtu uint32) error
}

// AddrSetter is implemented by drivers that check or act on a new hardware
// address (ndo_set_mac_address); an error refuses the change.
type AddrSetter interface {
	SetAddress(d *Device, addr []byte) error
}

// IflinkGetter is implemented by drivers whose iflink is another device
// (veth's peer, a tunnel's underlay); it returns 0 for none.
type IflinkGetter interface {
	Iflink(d *Device) int32
}

// DriverFunc adapts a function to Driver.
type DriverFunc func(d *Device, b *packet.Buffer)

// Xmit calls f.
func (f DriverFunc) Xmit(d *Device, b *packet.Buffer) { f(d, b) }

// MaxXmitDepth is the transmit nesting limit (XMIT_RECURSION_LIMIT).
const MaxXmitDepth = 8

// Device is a network device (struct net_device).
type Device struct {
	ns    atomic.Pointer[Namespace]
	index atomic.Int32
	name  atomic.Pointer[string]
	kind  Kind

	// Driver transmits packets; set by the kind's Setup or NewLink.
	Driver Driver
	// Priv is the kind's private state (netdev_priv).
	Priv any

	// Type is the hardware type (ARPHRD_*).
	Type uint16
	// HardHeaderLen is the link-layer header length (14 for Ethernet).
	HardHeaderLen uint16
	// NeededHeadroom and NeededTailroom are extra room encapsulation wants.
	NeededHeadroom, NeededTailroom uint16
	// AddrLen is the hardware address length.
	AddrLen int
	// MinMTU and MaxMTU bound the MTU; MaxMTU 0 means no upper bound.
	MinMTU, MaxMTU uint32
	// GSOMaxSize, GSOMaxSegs, TSOMaxSize, TSOMaxSegs, GROMaxSize are shown
	// by ip -d link.
	GSOMaxSize, GSOMaxSegs, TSOMaxSize, TSOMaxSegs, GROMaxSize uint32
	// NumTxQueues and NumRxQueues are the queue counts.
	NumTxQueues, NumRxQueues uint32
	// NoQueue marks devices whose default qdisc is noqueue (IFF_NO_QUEUE).
	NoQueue bool
	// NetnsLocal devices cannot change namespace.
	NetnsLocal bool
	// DefaultName is the %d template for unnamed devices of this kind.
	DefaultName string

	flags          atomic.Uint32
	carrier        atomic.Bool
	carrierManaged atomic.Bool
	activated      atomic.Bool
	dead           atomic.Bool
	mtu            atomic.Uint32
	txqlen         atomic.Uint32
	addrs          atomic.Pointer[hwAddrs]
	features       atomic.Uint64
	hwFeatures     atomic.Uint64
	link           atomic.Int32
	master         atomic.Int32
	promiscuity    atomic.Int32
	allmulti       atomic.Int32
	carrierChanges atomic.Uint32
	group          atomic.Uint32
	addrAssign     atomic.Uint32
	alias          atomic.Pointer[string]

	// Stats are the rtnl_link_stats64 counters.
	Stats Stats
	// Drops count dropped packets per reason.
	Drops DropCounters

	ingress   atomic.Pointer[hookBox]
	egress    atomic.Pointer[hookBox]
	qdisc     atomic.Pointer[qdiscBox]
	rxHandler atomic.Pointer[rxBox]
	taps      atomic.Pointer[[]Tap]
	slots     [maxDeviceSlots]atomic.Value
}

type hwAddrs struct{ addr, brd []byte }

// Address assignment types (NET_ADDR_*), shown as addr_assign_type.
const (
	AddrPerm   = 0
	AddrRandom = 1
	AddrStolen = 2
	AddrSet    = 3
)

// Namespace returns the namespace the device is in.
func (d *Device) Namespace() *Namespace { return d.ns.Load() }

// Index returns the ifindex.
func (d *Device) Index() int32 { return d.index.Load() }

// Name returns the interface name.
func (d *Device) Name() string {
	if p := d.name.Load(); p != nil {
		return *p
	}
	return ""
}

// Alias returns the interface alias (ifalias), or "".
func (d *Device) Alias() string {
	if p := d.alias.Load(); p != nil {
		return *p
	}
	return ""
}

// SetAlias sets the interface alias; "" removes it.
func (d *Device) SetAlias(s string) {
	if s == "" {
		d.alias.Store(nil)
		return
	}
	d.alias.Store(&s)
}

// Kind returns the link kind.
func (d *Device) Kind() Kind { return d.kind }

// Flags returns the flags as dev_get_flags reports them: the configured
// flags plus RUNNING, LOWER_UP and DORMANT derived from the link state.
func (d *Device) Flags() Flags {
	f := Flags(d.flags.Load()) &^ (FlagRunning | FlagLowerUp | FlagDormant)
	if f&FlagUp != 0 {
		if d.carrier.Load() {
			f |= FlagRunning
		}
		switch d.OperState() {
		case OperUp, OperUnknown:
			f |= FlagLowerUp
		case OperDormant:
			f |= FlagDormant
		}
	}
	return f
}

// IsUp reports whether the device is administratively up (netif_running).
func (d *Device) IsUp() bool { return Flags(d.flags.Load())&FlagUp != 0 }

// Carrier reports whether the device has carrier.
func (d *Device) Carrier() bool { return d.carrier.Load() }

// CarrierChanges returns the number of carrier transitions.
func (d *Device) CarrierChanges() uint32 { return d.carrierChanges.Load() }

// IsDead reports whether the device was unregistered.
func (d *Device) IsDead() bool { return d.dead.Load() }

// OperState returns the operational state (RFC 2863) as rtnetlink reports it.
func (d *Device) OperState() OperState {
	if !d.IsUp() {
		return OperDown
	}
	if !d.carrierManaged.Load() {
		return OperUnknown
	}
	if !d.carrier.Load() {
		if l := d.Iflink(); l != 0 && l != d.Index() {
			return OperLowerLayerDown
		}
		return OperDown
	}
	return OperUp
}

// MTU returns the MTU.
func (d *Device) MTU() uint32 { return d.mtu.Load() }

// TxQueueLen returns txqueuelen.
func (d *Device) TxQueueLen() uint32 { return d.txqlen.Load() }

// HardwareAddr returns the hardware address (do not modify it).
func (d *Device) HardwareAddr() net.HardwareAddr {
	if a := d.addrs.Load(); a != nil {
		return a.addr
	}
	return nil
}

// BroadcastAddr returns the hardware broadcast address (do not modify it).
func (d *Device) BroadcastAddr() net.HardwareAddr {
	if a := d.addrs.Load(); a != nil {
		return a.brd
	}
	return nil
}

// AddrAssignType returns how the address was set (AddrPerm, AddrRandom…).
func (d *Device) AddrAssignType() uint32 { return d.addrAssign.Load() }

// Features returns the active features.
func (d *Device) Features() Features { return Features(d.features.Load()) }

// HWFeatures returns the features that can be toggled.
func (d *Device) HWFeatures() Features { return Features(d.hwFeatures.Load()) }

// Iflink returns the ifindex of the device this one is linked to (a veth
// peer, a tunnel's underlay, a macvlan's lower), or the own ifindex.
func (d *Device) Iflink() int32 {
	if g, ok := d.Driver.(IflinkGetter); ok {
		if l := g.Iflink(d); l != 0 {
			return l
		}
		return d.Index()
	}
	if l := d.link.Load(); l != 0 {
		return l
	}
	return d.Index()
}

// Link returns the ifindex of the lower device given at creation (IFLA_LINK).
func (d *Device) Link() int32 { return d.link.Load() }

// SetLink records the lower device (IFLA_LINK).
func (d *Device) SetLink(ifindex int32) { d.link.Store(ifindex) }

// Master returns the master ifindex, or 0.
func (d *Device) Master() int32 { return d.master.Load() }

// Promiscuity returns the promiscuity count.
func (d *Device) Promiscuity() int32 { return d.promiscuity.Load() }

// Allmulti returns the allmulti count.
func (d *Device) Allmulti() int32 { return d.allmulti.Load() }

// Group returns the device group.
func (d *Device) Group() uint32 { return d.group.Load() }

// Activated reports whether the device was ever brought up (it then has a
// qdisc other than "noop").
func (d *Device) Activated() bool { return d.activated.Load() }

// QdiscName returns the root qdisc's name as ip link prints it.
func (d *Device) QdiscName() string {
	if q := d.qdisc.Load(); q != nil {
		return q.q.Name()
	}
	if !d.activated.Load() {
		return "noop"
	}
	if d.NoQueue {
		return "noqueue"
	}
	return "pfifo_fast"
}

// IsLocalAddr reports whether hw equals the device's hardware address.
func (d *Device) IsLocalAddr(hw []byte) bool { return bytes.Equal(d.HardwareAddr(), hw) }

// SetFeatures sets the active features and notifies FEAT_CHANGE.
func (d *Device) SetFeatures(f Features) {
	if Features(d.features.Swap(uint64(f))) != f {
		if ns := d.Namespace(); ns != nil && !d.IsDead() {
			ns.notify(EventFeatChange, d)
		}
	}
}

// InitFeatures sets active and toggleable features before registration.
func (d *Device) InitFeatures(active, hw Features) {
	d.features.Store(uint64(active))
	d.hwFeatures.Store(uint64(hw))
}

// SetCarrier turns carrier on or off (netif_carrier_on/off) and runs link
// watch: the operational state follows at once, and CHANGE is notified
// when the RTNL is released (or on the loop), as Linux defers linkwatch.
func (d *Device) SetCarrier(on bool) {
	d.carrierManaged.Store(true)
	if d.carrier.Swap(on) == on {
		return
	}
	d.carrierChanges.Add(1)
	if ns := d.Namespace(); ns != nil && !d.IsDead() && d.Index() != 0 {
		ns.world.linkwatch(d)
	}
}

// InitCarrier sets the initial carrier before registration without
// counting a transition.
func (d *Device) InitCarrier(on bool) {
	d.carrierManaged.Store(true)
	d.carrier.Store(on)
}

// SetFlagBits sets or clears configured flags that are not UP (for example
// NOARP or PROMISC). Use Namespace.SetLink for user requests.
func (d *Device) SetFlagBits(set, clear Flags) {
	for {
		old := d.flags.Load()
		n := (Flags(old) | set) &^ clear
		if d.flags.CompareAndSwap(old, uint32(n)) {
			return
		}
	}
}

// Transmit sends b out of the device (dev_queue_xmit): the tc egress hook,
// the root qdisc, taps, then the driver. It owns b. The data starts at the
// link-layer header (or the network header for headerless devices).
func (d *Device) Transmit(b *packet.Buffer) error {
	if b.XmitDepth >= MaxXmitDepth {
		d.DropTx(b, DropMaxRecursion)
		return ErrRecursion
	}
	b.XmitDepth++
	b.Ifindex = d.Index()
	if !d.IsUp() {
		d.DropTx(b, DropDevReady)
		return ErrNetDown
	}
	if h := d.egress.Load(); h != nil {
		if h.h.RunHook(d, b) != VerdictPass {
			return nil
		}
	}
	if b.GSO.Size != 0 && !d.canSegment(b.GSO.Type) {
		return d.segmentXmit(b)
	}
	return d.queueXmit(b)
}

// queueXmit is the part of dev_queue_xmit after the hooks:
// validate_xmit_skb's checksum help, the root qdisc, the driver.
func (d *Device) queueXmit(b *packet.Buffer) error {
	if b.Csum.Mode == packet.CsumPartial && b.GSO.Size == 0 && d.Features()&(FeatHWCsum|FeatIPCsum|FeatIPv6Csum) == 0 {
		// The device cannot finish the checksum: finish it here.
		if gso.Checksum(b) != nil {
			d.DropTx(b, DropCsumHelp)
			return ErrDropped
		}
	}
	if q := d.qdisc.Load(); q != nil {
		return q.q.Enqueue(d, b)
	}
	d.xmitDriver(b)
	return nil
}

// gsoFeatures maps a GSO kind to the feature a device needs to take such
// super-packets whole (netif_gso_ok).
var gsoFeatures = [...]struct {
	t packet.GSOType
	f Features
}{
	{packet.GSOTCPv4, FeatTSO}, {packet.GSOTCPv6, FeatTSO6}, {packet.GSOUDPL4, FeatGSOUDPL4},
	{packet.GSOTCPECN, FeatTSOECN}, {packet.GSOIPIP, FeatGSOIPXIP4}, {packet.GSOESP, FeatGSOESP},
	{packet.GSOUDPTunnel, FeatGSOUDPTunnel},
}

// canSegment reports whether the device takes super-packets of the kind
// whole (its driver or the host segments them later).
func (d *Device) canSegment(t packet.GSOType) bool {
	f := d.Features()
	for _, g := range gsoFeatures {
		if t&g.t != 0 && f&g.f == 0 {
			return false
		}
	}
	return true
}

// segmentXmit segments a super-packet the device cannot take
// (validate_xmit_skb → skb_gso_segment) and sends each segment on.
func (d *Device) segmentXmit(b *packet.Buffer) error {
	if !b.HasNetwork() && d.HardHeaderLen == 0 {
		b.SetNetworkHeader(0)
	}
	var first error
	err := gso.Segment(b, func(s *packet.Buffer) {
		if e := d.queueXmit(s); e != nil && first == nil {
			first = e
		}
	})
	if err != nil {
		d.Stats.TxDropped.Add(1)
		d.Drops.Add(DropGSOSegment)
		return ErrDropped
	}
	return first
}

// XmitDirect hands b to the taps and the driver, skipping tc and qdiscs
// (used by qdiscs when they dequeue).
func (d *Device) XmitDirect(b *packet.Buffer) { d.xmitDriver(b) }

func (d *Device) xmitDriver(b *packet.Buffer) {
	if d.IsDead() {
		d.DropTx(b, DropDevReady)
		return
	}
	if t := d.taps.Load(); t != nil {
		for _, tap := range *t {
			tap.Tap(d, b, DirOut)
		}
	}
	d.Driver.Xmit(d, b)
}

// Receive is the receive path (__netif_receive_skb_core). The driver has
// set the protocol and the link-layer header and pulled it (EthTypeTrans).
// Receive owns b: taps see it, then tc ingress, the rx handler, and the
// protocol handler for b.Protocol.
func (d *Device) Receive(b *packet.Buffer) {
	for range maxAnotherRounds {
		b.XmitDepth = 0
		b.InIfindex = d.Index()
		b.Ifindex = d.Index()
		if !d.IsUp() || d.IsDead() {
			d.DropRx(b, DropDevReady)
			return
		}
		d.runTaps(b, DirIn)
		if h := d.ingress.Load(); h != nil {
			b.AtIngress = true
			v := h.h.RunHook(d, b)
			if v != VerdictPass {
				return
			}
			b.AtIngress = false
		}
		if rh := d.rxHandler.Load(); rh != nil {
			res, next := rh.h.HandleRx(d, b)
			switch res {
			case RxConsumed:
				return
			case RxAnother:
				d = next
				continue
			}
		}
		deliver(d, b)
		return
	}
	d.DropRx(b, DropMaxRecursion)
}

const maxAnotherRounds = 8

func (d *Device) runTaps(b *packet.Buffer, dir Direction) {
	t := d.taps.Load()
	if t == nil {
		return
	}
	mac, ok := b.MACOffset()
	if ok && mac < 0 {
		b.Push(-mac)
		for _, tap := range *t {
			tap.Tap(d, b, dir)
		}
		b.Pull(-mac)
		return
	}
	for _, tap := range *t {
		tap.Tap(d, b, dir)
	}
}
