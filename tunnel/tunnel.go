package tunnel

import (
	"sync/atomic"
	"syscall"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Config is a tunnel's configuration snapshot: the parameters plus the
// header lengths derived from them. It is immutable once published.
type Config struct {
	Parms
	// HLen is the length of the headers after the outer IPv4 header:
	// the kind's own (TunHLen) plus the encapsulation's.
	HLen int
	// EncapHLen is Encap.HeaderLen().
	EncapHLen int
}

// Tunnel is one tunnel device's state (struct ip_tunnel). It is the
// device's Driver and Priv.
type Tunnel struct {
	dev       *netdev.Device
	net       *Net
	cfg       atomic.Pointer[Config]
	collectMD bool

	// errCount and errTime are the ICMP error relay state (err_count,
	// err_time): after an ICMP error about the tunnel, the next
	// transmissions within ErrTimeout report a link failure.
	errCount atomic.Int32
	errTime  atomic.Int64
	// ecnLogAt rate-limits the ECN error log.
	ecnLogAt atomic.Int64
	ipID     atomic.Uint32
}

// ErrTimeout is IPTUNNEL_ERR_TIMEO (30 s).
const ErrTimeout = 30 * time.Second

// IPMaxMTU is IP_MAX_MTU.
const IPMaxMTU = 0xFFFF

// minMTU is IPV4_MIN_MTU / ETH_MIN_MTU.
const minMTU = 68

var (
	_ netdev.Driver        = (*Tunnel)(nil)
	_ netdev.MTUChanger    = (*Tunnel)(nil)
	_ netdev.IflinkGetter  = (*Tunnel)(nil)
	_ netdev.Opener        = (*Tunnel)(nil)
	_ netdev.Kind          = (*Family)(nil)
	_ netdev.DelLinkKeeper = (*Family)(nil)
)

// Of returns the tunnel state of a tunnel device, or nil.
func Of(d *netdev.Device) *Tunnel {
	t, _ := d.Priv.(*Tunnel)
	return t
}

// Dev returns the tunnel's device.
func (t *Tunnel) Dev() *netdev.Device { return t.dev }

// Net returns the tunnel's table.
func (t *Tunnel) Net() *Net { return t.net }

// Config returns the current configuration snapshot.
func (t *Tunnel) Config() *Config { return t.cfg.Load() }

// CollectMD reports external mode.
func (t *Tunnel) CollectMD() bool { return t.collectMD }

func (t *Tunnel) setConfig(p Parms) {
	eh := p.Encap.HeaderLen()
	if eh < 0 {
		eh = 0
	}
	t.cfg.Store(&Config{Parms: p, EncapHLen: eh, HLen: t.net.fam.ops.TunHLen + eh})
}

// Name is the kind name (netdev.Kind).
func (f *Family) Name() string { return f.ops.Kind }

// Setup gives a new device the tunnel defaults (ipip_tunnel_setup and
// ip_tunnel_setup): headerless, NOARP, 4-byte addresses, noqueue.
func (f *Family) Setup(d *netdev.Device) {
	d.Type = f.ops.Type
	d.HardHeaderLen = 0
	d.AddrLen = 4
	d.MinMTU, d.MaxMTU = 0, 0
	d.NoQueue = true
	d.InitFlags(netdev.FlagNoARP)
	d.InitMTU(1500 - header.IPv4MinimumSize)
	d.InitFeatures(netdev.FeatSG|netdev.FeatLLTX|netdev.FeatGSOMask, netdev.FeatSG|netdev.FeatGSOMask)
	d.DefaultName = f.ops.Kind + "%d"
	d.SetHardwareAddr([]byte{0, 0, 0, 0})
	d.SetBroadcastAddr([]byte{0, 0, 0, 0})
	if f.ops.Setup != nil {
		f.ops.Setup(d)
	}
}

// NewLink is the generic part of newlink: kinds decode their request data
// into Parms and call NewTunnelLocked. It only rejects requests without
// data here.
func (f *Family) NewLink(ns *netdev.Namespace, d *netdev.Device, req *netdev.LinkRequest) error {
	p, ok := req.Data.(*Parms)
	if !ok || p == nil {
		p = &Parms{DF: true}
	}
	return f.NewTunnelLocked(ns, d, *p, req.MTU != nil)
}

// KeepOnDelLink keeps the fallback device: ip link del tunl0 does nothing.
func (f *Family) KeepOnDelLink(d *netdev.Device) bool {
	t := Of(d)
	return t != nil && t.IsFallback()
}

// DelLink removes a tunnel from its table (ip_tunnel_dellink).
func (f *Family) DelLink(d *netdev.Device) {
	if t := Of(d); t != nil {
		t.net.del(t)
	}
}

// NewTunnelLocked is ip_tunnel_newlink with RTNL held: it refuses a second
// collect_md tunnel or duplicate endpoints (EEXIST), registers d, binds it
// to its underlay for the MTU (keeping a requested MTU, clamped), and adds
// it to the table. The fallback device is created first if it is due.
func (f *Family) NewTunnelLocked(ns *netdev.Namespace, d *netdev.Device, p Parms, mtuGiven bool) error {
	n := f.Net(ns)
	if err := n.EnsureFallbackLocked(); err != nil {
		return err
	}
	p = p.Normalize()
	if p.CollectMD {
		if n.CollectMD() != nil {
			return errExist
		}
	} else if n.tab.Load().find(&p, d.Type) != nil {
		return errExist
	}
	t := &Tunnel{dev: d, net: n, collectMD: p.CollectMD}
	t.setConfig(p)
	d.Priv = t
	d.Driver = t
	d.SetHardwareAddr(p.Local.AsSlice())
	d.SetBroadcastAddr(p.Remote.AsSlice())
	if p.Link != 0 {
		d.SetLink(p.Link)
	}
	if err := ns.RegisterLocked(d, p.Name); err != nil {
		return err
	}
	mtu := t.bindDev()
	if mtuGiven {
		mtu = min(max(d.MTU(), minMTU), t.maxMTU())
	}
	if err := ns.ChangeMTULocked(d, mtu); err != nil {
		ns.UnregisterLocked(d)
		return err
	}
	n.add(t)
	return nil
}

// createLocked is ip_tunnel_create / __ip_tunnel_create (ioctl path and
// fallback device): a new device named after p.Name (or KIND%d), bound
// and added to the table.
func (n *Net) createLocked(p Parms, fallback bool) (*Tunnel, error) {
	f := n.fam
	var k netdev.Kind = f
	if rk := netdev.LookupKind(f.ops.Kind); rk != nil {
		k = rk
	}
	d := netdev.NewDevice(k)
	if fallback {
		p.Proto = f.ops.FallbackProto
	}
	p = p.Normalize()
	t := &Tunnel{dev: d, net: n}
	t.setConfig(p)
	d.Priv, d.Driver = t, t
	d.SetHardwareAddr(p.Local.AsSlice())
	d.SetBroadcastAddr(p.Remote.AsSlice())
	if fallback {
		d.NetnsLocal = true
	}
	name := p.Name
	if name == "" {
		name = f.ops.Kind + "%d"
	}
	if err := n.ns.RegisterLocked(d, name); err != nil {
		return nil, err
	}
	d.InitMTU(t.bindDev())
	if !fallback {
		d.MinMTU, d.MaxMTU = minMTU, t.maxMTU()
		n.add(t)
	} else {
		tb := n.tab.Load().with(t)
		tb.fb = t
		n.tab.Store(tb)
	}
	return t, nil
}

// maxMTU is IP_MAX_MTU minus the outer headers.
func (t *Tunnel) maxMTU() uint32 {
	return uint32(IPMaxMTU - header.IPv4MinimumSize - t.Config().HLen)
}

// bindDev is ip_tunnel_bind_dev: guess the underlay (the route to the
// remote, else the link device) to pick the MTU and headroom; a tunnel
// with a remote becomes point-to-point.
func (t *Tunnel) bindDev() uint32 {
	c := t.Config()
	var tdev *netdev.Device
	ns := t.net.ns
	tHLen := c.HLen + header.IPv4MinimumSize
	if !isZero4(c.Remote) {
		fl := inet.Flow{Dst: c.Remote, Oif: c.Link, Mark: c.Fwmark, TOS: c.TOS & 0xfc, Proto: c.Proto}
		if !isZero4(c.Local) {
			fl.Src = c.Local
		}
		if dst, err := inet.OutputLookup(ns, fl); err == nil && dst.Dev != nil {
			tdev = dst.Dev
		}
		if t.dev.Type != netdev.ARPHRDEther {
			t.dev.SetFlagBits(netdev.FlagPointToPoint, 0)
		}
	}
	if tdev == nil && c.Link != 0 {
		tdev = ns.Device(c.Link)
	}
	mtu := 1500
	hlen := 32 // LL_MAX_HEADER
	if tdev != nil {
		hlen = int(tdev.HardHeaderLen) + int(tdev.NeededHeadroom)
		mtu = min(int(tdev.MTU()), IPMaxMTU)
	}
	t.dev.NeededHeadroom = uint16(tHLen + hlen)
	mtu -= tHLen
	if mtu < minMTU {
		mtu = minMTU
	}
	return uint32(mtu)
}

// ChangeMTU is ip_tunnel_change_mtu: 68 up to IP_MAX_MTU minus headers.
func (t *Tunnel) ChangeMTU(d *netdev.Device, mtu uint32) error {
	if int32(mtu) < minMTU || mtu > t.maxMTU() {
		return extack.Errno(syscall.EINVAL)
	}
	return nil
}

// Iflink is ip_tunnel_get_iflink: the link device, 0 for none.
func (t *Tunnel) Iflink(d *netdev.Device) int32 { return t.Config().Link }

// Open resets the error relay state.
func (t *Tunnel) Open(d *netdev.Device) error {
	t.errCount.Store(0)
	return nil
}

// Stop implements netdev.Opener.
func (t *Tunnel) Stop(d *netdev.Device) {}

// Xmit is the device's transmit entry: the kind's ndo_start_xmit.
func (t *Tunnel) Xmit(d *netdev.Device, b *packet.Buffer) {
	t.net.fam.ops.Xmit(t, b)
}

// ChangeLocked is ip_tunnel_changelink with RTNL held: the fallback device
// cannot change (EINVAL); endpoints used by another tunnel give EEXIST; a
// point-to-point tunnel cannot become multipoint or back (EINVAL). The
// carried protocol and collect_md are not changed. mtuGiven keeps the MTU
// when the underlay changes.
func (t *Tunnel) ChangeLocked(p Parms, mtuGiven bool) error {
	n := t.net
	if t.IsFallback() {
		return extack.Errno(syscall.EINVAL)
	}
	p = p.Normalize()
	if o := n.tab.Load().find(&p, t.dev.Type); o != nil {
		if o != t {
			return errExist
		}
	} else if t.dev.Type != netdev.ARPHRDEther && t.p2pChange(p) {
		return extack.Errno(syscall.EINVAL)
	}
	t.update(p, !mtuGiven)
	return nil
}

// p2pChange reports whether p's remote would flip the device between
// point-to-point, broadcast (multicast remote) and multipoint.
func (t *Tunnel) p2pChange(p Parms) bool {
	var nflags netdev.Flags
	switch {
	case p.Remote.IsMulticast():
		nflags = netdev.FlagBroadcast
	case !isZero4(p.Remote):
		nflags = netdev.FlagPointToPoint
	}
	return (t.dev.Flags()^nflags)&(netdev.FlagPointToPoint|netdev.FlagBroadcast) != 0
}

// update is ip_tunnel_update: re-hash with the new endpoints and keys,
// take the new TTL/TOS/DF, and rebind when the link or fwmark changed.
func (t *Tunnel) update(p Parms, setMTU bool) {
	n := t.net
	old := *t.Config()
	n.del(t)
	c := old.Parms
	c.Local, c.Remote = p.Local, p.Remote
	c.IKey, c.OKey = p.IKey, p.OKey
	c.IFlags, c.OFlags = p.IFlags, p.OFlags
	c.TTL, c.TOS, c.DF = p.TTL, p.TOS, p.DF
	c.Encap = p.Encap
	t.dev.SetHardwareAddr(c.Local.AsSlice())
	t.dev.SetBroadcastAddr(c.Remote.AsSlice())
	relink := old.Link != p.Link || old.Fwmark != p.Fwmark
	c.Link, c.Fwmark = p.Link, p.Fwmark
	t.setConfig(c)
	n.add(t)
	if relink {
		t.dev.SetLink(c.Link)
		mtu := t.bindDev()
		if setMTU {
			t.dev.InitMTU(mtu)
		}
	}
}

func init() {
	netdev.RegisterNotifier(0, func(ev netdev.Event, d *netdev.Device) error {
		if ev != netdev.EventUnregister || !d.IsDead() {
			// A device moving to another namespace stays in its table: the
			// tunnel keeps its link namespace (x-netns tunnels).
			return nil
		}
		if t := Of(d); t != nil {
			t.net.del(t)
		}
		return nil
	})
}
