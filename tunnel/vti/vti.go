package vti

import (
	"net/netip"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/tunnel"
)

// Kind is the vti link kind.
type Kind struct{ *tunnel.Family }

// Fam is vti's tunnel family (vti_net_id): fallback device ip_vti0.
var Fam = tunnel.NewFamily(tunnel.Ops{
	Kind:         "vti",
	FallbackName: "ip_vti0",
	Type:         netdev.ARPHRDTunnel,
	Xmit:         xmit,
	CtlCheck:     ctlCheck,
	CtlDone:      ctlDone,
	Setup:        setup,

	FallbackProto: tunnel.ProtoIPIP,
})

// setup gives vti Linux's features: LLTX only (vti_tunnel_init). With no
// segmentation or checksum offload, the device layer segments GSO
// super-packets and finishes partial checksums before vti encrypts them.
func setup(d *netdev.Device) {
	d.InitFeatures(netdev.FeatLLTX, 0)
}

var kind = Kind{Fam}

var (
	_ netdev.Kind          = Kind{}
	_ netdev.LinkChanger   = Kind{}
	_ netdev.LinkDeleter   = Kind{}
	_ netdev.InfoFiller    = Kind{}
	_ netdev.DataMaker     = Kind{}
	_ netdev.DelLinkKeeper = Kind{}
)

func init() { netdev.RegisterKind(kind) }

// Load creates ip_vti0 in ns as loading the module does.
func Load(ns *netdev.Namespace) error { return Fam.Load(ns) }

// Data is an ip link add/set request for a vti device (IFLA_VTI_*). Nil
// fields are not given: on add they are zero, on set they keep the
// tunnel's values (iproute2 sends the current ones back).
type Data struct {
	Remote   *netip.Addr `json:"remote,omitempty"`
	Local    *netip.Addr `json:"local,omitempty"`
	IKey     *uint32     `json:"ikey,omitempty"`
	OKey     *uint32     `json:"okey,omitempty"`
	LinkName *string     `json:"link,omitempty"` // dev PHYS ("" unbinds)
	Fwmark   *uint32     `json:"fwmark,omitempty"`

	// NoDevice, if set, is the error for a LinkName that does not exist;
	// default ENODEV.
	NoDevice error `json:"-"`
}

// NewData returns an empty request (netdev.DataMaker).
func (Kind) NewData() any { return &Data{} }

// parms is vti_netlink_parms over cur (nil on add): protocol IPIP, the
// VTI_ISVTI flag with the keys kept as given (not TunnelKey), no DF, TTL
// inherited.
func (x *Data) parms(ns *netdev.Namespace, cur *tunnel.Parms) (tunnel.Parms, error) {
	p := tunnel.Parms{Proto: tunnel.ProtoIPIP, VTI: true}
	if cur != nil {
		p.Link, p.Local, p.Remote = cur.Link, cur.Local, cur.Remote
		p.IKey, p.OKey, p.Fwmark = cur.IKey, cur.OKey, cur.Fwmark
	}
	if x.Remote != nil {
		p.Remote = *x.Remote
	}
	if x.Local != nil {
		p.Local = *x.Local
	}
	if x.IKey != nil {
		p.IKey = *x.IKey
	}
	if x.OKey != nil {
		p.OKey = *x.OKey
	}
	if x.Fwmark != nil {
		p.Fwmark = *x.Fwmark
	}
	link, err := tunnel.ResolveLink(ns, p.Link, x.LinkName, x.NoDevice)
	if err != nil {
		return p, err
	}
	p.Link = link
	if (p.Remote.IsValid() && !p.Remote.Is4()) || (p.Local.IsValid() && !p.Local.Is4()) {
		return p, extack.Errno(syscall.EINVAL)
	}
	return p, nil
}

// NewLink is vti_newlink.
func (k Kind) NewLink(ns *netdev.Namespace, d *netdev.Device, req *netdev.LinkRequest) error {
	data, _ := req.Data.(*Data)
	if data == nil {
		data = &Data{}
	}
	p, err := data.parms(ns, nil)
	if err != nil {
		return err
	}
	p.Name = req.Name
	return k.NewTunnelLocked(ns, d, p, req.MTU != nil)
}

// ChangeLink is vti_changelink: the fallback device cannot change, other
// tunnels' endpoints give EEXIST, and a point-to-point tunnel cannot
// become multipoint or back (the core's ip_tunnel_changelink rules).
func (k Kind) ChangeLink(d *netdev.Device, req *netdev.LinkRequest) error {
	t := tunnel.Of(d)
	data, _ := req.Data.(*Data)
	if t == nil {
		return extack.Errno(syscall.EINVAL)
	}
	if data == nil {
		data = &Data{}
	}
	cur := t.Config().Parms
	p, err := data.parms(d.Namespace(), &cur)
	if err != nil {
		return err
	}
	return t.ChangeLocked(p, req.MTU != nil)
}

// Info is vti's IFLA_INFO_DATA (vti_fill_info).
type Info struct {
	Link       int32
	LinkName   string
	Local      netip.Addr
	Remote     netip.Addr
	IKey, OKey uint32
	Fwmark     uint32
}

// LinkInfo reports the tunnel for ip -d link.
func (Kind) LinkInfo(d *netdev.Device) any {
	t := tunnel.Of(d)
	if t == nil {
		return nil
	}
	return InfoOf(t)
}

// InfoOf returns a vti tunnel's Info.
func InfoOf(t *tunnel.Tunnel) *Info {
	c := t.Config()
	in := &Info{Link: c.Link, Local: c.Local, Remote: c.Remote, IKey: c.IKey, OKey: c.OKey, Fwmark: c.Fwmark}
	if c.Link != 0 {
		if ld := t.Net().Namespace().Device(c.Link); ld != nil {
			in.LinkName = ld.Name()
		}
	}
	return in
}

// ctlCheck is vti_tunnel_ctl's preparation: add and change need version
// 4, protocol IPIP and ihl 5; keys without GRE_KEY are cleared and the
// input flags become VTI_ISVTI alone.
func ctlCheck(cmd tunnel.CtlCmd, p *tunnel.IoctlParm) error {
	if cmd == tunnel.CtlAdd || cmd == tunnel.CtlChange {
		if p.Version != 4 || p.Proto != tunnel.ProtoIPIP || p.IHL != 5 {
			return extack.Errno(syscall.EINVAL)
		}
	}
	if p.IFlags&tunnel.GREKey == 0 {
		p.IKey = 0
	}
	if p.OFlags&tunnel.GREKey == 0 {
		p.OKey = 0
	}
	p.IFlags = tunnel.VTIIsVTI
	return nil
}

// ctlDone is the end of vti_tunnel_ctl: answers report both keys as GRE
// keys (so ip tunnel show prints "key 0" for ip_vti0).
func ctlDone(cmd tunnel.CtlCmd, p *tunnel.IoctlParm) {
	if cmd != tunnel.CtlDel {
		p.IFlags |= tunnel.GREKey
		p.OFlags |= tunnel.GREKey
	}
}
