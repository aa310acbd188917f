package tunnel

import (
	"net/netip"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Ops describe a tunnel kind to the core (rtnl_link_ops and
// net_device_ops as ip_tunnel uses them).
type Ops struct {
	// Kind is the link kind ("ipip", "vti").
	Kind string
	// FallbackName is the per-namespace fallback device ("tunl0"); empty
	// for none.
	FallbackName string
	// Type is the device's ARPHRD type.
	Type uint16
	// TunHLen is the kind's own header length after the outer IPv4
	// header (0 for ipip, 4+ for GRE).
	TunHLen int
	// Xmit is the kind's ndo_start_xmit: it owns b (data at the inner
	// network header, b.Protocol set) and usually ends in Tunnel.Xmit or
	// Tunnel.XmitMD.
	Xmit func(t *Tunnel, b *packet.Buffer)
	// Setup, if set, adjusts a new device after the core's defaults.
	Setup func(d *netdev.Device)
	// CtlCheck, if set, validates an ioctl request before Tunnel.Ctl
	// acts on it (ipip_tunnel_ctl's checks).
	CtlCheck func(cmd CtlCmd, p *IoctlParm) error
	// CtlDone, if set, adjusts the answer of a successful ioctl (vti
	// reports its keys as GRE keys).
	CtlDone func(cmd CtlCmd, p *IoctlParm)
	// FallbackProto is the carried protocol of the fallback device (vti's
	// ip_vti0 is IPIP; tunl0 carries any).
	FallbackProto uint8
}

// Family is a tunnel kind's per-namespace tunnel tables (the ip_tunnel_net
// of one net_id). Create one per kind at package init.
type Family struct {
	ops    Ops
	pernet *netdev.Pernet[Net]
}

// Net is one namespace's table of one tunnel family (struct
// ip_tunnel_net). Readers load the snapshot; writers hold RTNL.
type Net struct {
	fam *Family
	ns  *netdev.Namespace
	tab atomic.Pointer[table]
	// fbDone records that the fallback device was considered (it is
	// created once, when the kind is first used in the namespace).
	fbDone bool
}

// NewFamily registers per-namespace state for a tunnel kind.
func NewFamily(ops Ops) *Family {
	f := &Family{ops: ops}
	f.pernet = netdev.NewPernet(func(ns *netdev.Namespace) *Net {
		n := &Net{fam: f, ns: ns}
		n.tab.Store(&table{buckets: map[bucketKey][]*Tunnel{}})
		return n
	}, exitNet)
	registerFamily(f)
	return f
}

// Ops returns the family's kind description.
func (f *Family) Ops() *Ops { return &f.ops }

// Net returns the family's table in ns.
func (f *Family) Net(ns *netdev.Namespace) *Net { return f.pernet.Get(ns) }

// Namespace returns the table's namespace.
func (n *Net) Namespace() *netdev.Namespace { return n.ns }

// Lookup is ip_tunnel_lookup (see table.lookup): the tunnel a packet from
// remote to local with key, received on link, belongs to, or nil.
func (n *Net) Lookup(link int32, flags packet.TunnelFlags, remote, local netip4, key uint32) *Tunnel {
	return n.tab.Load().lookup(link, flags, remote, local, key)
}

// Find is ip_tunnel_find: the tunnel configured with exactly p's
// endpoints, link and key.
func (n *Net) Find(p Parms) *Tunnel {
	p = p.Normalize()
	return n.tab.Load().find(&p, n.fam.ops.Type)
}

// CollectMD returns the namespace's external-mode tunnel, if any.
func (n *Net) CollectMD() *Tunnel { return n.tab.Load().md }

// Fallback returns the fallback tunnel (tunl0), if it exists.
func (n *Net) Fallback() *Tunnel { return n.tab.Load().fb }

// Tunnels returns every tunnel of the table (fallback included), in no
// particular order.
func (n *Net) Tunnels() []*Tunnel {
	var out []*Tunnel
	for _, l := range n.tab.Load().buckets {
		out = append(out, l...)
	}
	return out
}

func (n *Net) add(t *Tunnel) { n.tab.Store(n.tab.Load().with(t)) }

func (n *Net) del(t *Tunnel) { n.tab.Store(n.tab.Load().without(t)) }

// EnsureFallbackLocked creates the fallback device (tunl0) the first time
// the kind is used in the namespace, if the kind has one and
// net.core.fb_tunnels_only_for_init_net allows it (ip_tunnel_init_net).
// RTNL must be held.
func (n *Net) EnsureFallbackLocked() error {
	if n.fbDone || n.fam.ops.FallbackName == "" {
		return nil
	}
	n.fbDone = true
	if !n.ns.FallbackTunnelsAllowed() {
		return nil
	}
	if n.ns.DeviceByName(n.fam.ops.FallbackName) != nil {
		return nil
	}
	t, err := n.createLocked(Parms{Name: n.fam.ops.FallbackName}, true)
	if err != nil {
		return err
	}
	tb := n.tab.Load().clone()
	tb.fb = t
	n.tab.Store(tb)
	return nil
}

// IsFallback reports whether t is its namespace's fallback device.
func (t *Tunnel) IsFallback() bool { return t.net.tab.Load().fb == t }

// Load "loads the module" in ns (modprobe): it creates the fallback device
// as Linux does when the kind is registered, taking RTNL.
func (f *Family) Load(ns *netdev.Namespace) error {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	return f.Net(ns).EnsureFallbackLocked()
}

// netip4 is an IPv4 address in netip form ("any" as 0.0.0.0).
type netip4 = netip.Addr

var errExist = extack.Errno(syscall.EEXIST)

// exitNet is ip_tunnel_delete_nets for a namespace going away (RTNL
// held): its own devices are already unregistered; tunnels of its table
// whose device moved to another namespace go too.
func exitNet(ns *netdev.Namespace, n *Net) {
	for _, t := range n.Tunnels() {
		if dn := t.dev.Namespace(); dn != nil && dn != ns && !t.dev.IsDead() {
			dn.UnregisterLocked(t.dev)
		}
	}
}
