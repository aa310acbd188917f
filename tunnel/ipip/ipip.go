package ipip

import (
	"net/netip"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/tunnel"
)

// Kind is the ipip link kind.
type Kind struct{ *tunnel.Family }

// Fam is ipip's tunnel family (ipip_net_id).
var Fam = tunnel.NewFamily(tunnel.Ops{
	Kind:         "ipip",
	FallbackName: "tunl0",
	Type:         netdev.ARPHRDTunnel,
	Xmit:         xmit,
	CtlCheck:     ctlCheck,
})

var kind = Kind{Fam}

var (
	_ netdev.Kind          = Kind{}
	_ netdev.LinkChanger   = Kind{}
	_ netdev.LinkDeleter   = Kind{}
	_ netdev.InfoFiller    = Kind{}
	_ netdev.DataMaker     = Kind{}
	_ netdev.DelLinkKeeper = Kind{}
)

// Protocol handler priorities, in tunnel4's order (inet tries the
// highest first): vti's IP-in-IP handler (10) before ipip's devices
// (HandlerPriority), then xfrm's kernel tunnel states of tunnel-mode
// IPComp SAs (1), and last tunnel4's end of the chain, which answers a
// packet nobody took with ICMP port unreachable (EndPriority).
const (
	HandlerPriority = 2
	EndPriority     = 0
)

func init() {
	netdev.RegisterKind(kind)
	h := &handler{proto: tunnel.ProtoIPIP}
	inet.AddProtocol(inet.FamilyV4, tunnel.ProtoIPIP, HandlerPriority, h)
	inet.AddProtocol(inet.FamilyV4, tunnel.ProtoIPIP, EndPriority, chainEnd{})
	tunnel.RegisterInnerProto(tunnel.ProtoIPIP, h)
	m := &handler{proto: tunnel.ProtoMPLS}
	inet.AddProtocol(inet.FamilyV4, tunnel.ProtoMPLS, HandlerPriority, m)
	inet.AddProtocol(inet.FamilyV4, tunnel.ProtoMPLS, EndPriority, chainEnd{})
	tunnel.RegisterInnerProto(tunnel.ProtoMPLS, m)
}

// Load creates tunl0 in ns as loading the module does.
func Load(ns *netdev.Namespace) error { return Fam.Load(ns) }

// NewData returns an empty request (netdev.DataMaker).
func (Kind) NewData() any { return &Data{} }

// NewLink is ipip_newlink: validate, build the parameters and create the
// tunnel.
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

// ChangeLink is ipip_changelink: attributes not given keep their values
// (as iproute2 sends them back); an external tunnel cannot change, nor
// can a point-to-point tunnel lose its remote or a multipoint one gain
// one.
func (k Kind) ChangeLink(d *netdev.Device, req *netdev.LinkRequest) error {
	t := tunnel.Of(d)
	data, _ := req.Data.(*Data)
	if t == nil || data == nil {
		return extack.Errno(syscall.EINVAL)
	}
	cur := t.Config().Parms
	p, err := data.parms(d.Namespace(), &cur)
	if err != nil {
		return err
	}
	if p.CollectMD || t.CollectMD() {
		return extack.Errno(syscall.EINVAL)
	}
	p2p := d.Flags()&netdev.FlagPointToPoint != 0
	hasRemote := p.Remote.IsValid() && !p.Remote.IsUnspecified()
	if p2p != hasRemote {
		return extack.Errno(syscall.EINVAL)
	}
	return t.ChangeLocked(p, req.MTU != nil)
}

// LinkInfo reports the tunnel for ip -d link (ipip_fill_info).
func (Kind) LinkInfo(d *netdev.Device) any {
	t := tunnel.Of(d)
	if t == nil {
		return nil
	}
	return InfoOf(t)
}

// Info is ipip's IFLA_INFO_DATA.
type Info struct {
	Link      int32
	LinkName  string
	Local     netip.Addr
	Remote    netip.Addr
	TTL, TOS  uint8
	Proto     uint8
	PMTUDisc  bool
	Fwmark    uint32
	Encap     tunnel.Encap
	CollectMD bool
}

// InfoOf returns a tunnel's Info.
func InfoOf(t *tunnel.Tunnel) *Info {
	c := t.Config()
	in := &Info{Link: c.Link, Local: c.Local, Remote: c.Remote, TTL: c.TTL, TOS: c.TOS,
		Proto: c.Proto, PMTUDisc: c.DF, Fwmark: c.Fwmark, Encap: c.Encap, CollectMD: t.CollectMD()}
	if c.Link != 0 {
		if ld := t.Net().Namespace().Device(c.Link); ld != nil {
			in.LinkName = ld.Name()
		}
	}
	return in
}

// handler is the receive and error handler of protocol 4 or 137
// (ipip_rcv / mplsip_rcv and ipip_err).
type handler struct{ proto uint8 }

// Receive is ipip_tunnel_rcv: find the tunnel, check the mode, and hand
// the inner packet to the core. Without a tunnel the packet gets ICMP port
// unreachable and is dropped, as tunnel4_rcv does.
func (h *handler) Receive(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	outer := header.IPv4(b.NetworkHeader())
	if len(outer) < header.IPv4MinimumSize {
		return inet.Declined
	}
	t := Fam.Net(ns).Lookup(dev.Index(), packet.TunnelNoKey, outer.Source(), outer.Destination(), 0)
	if t == nil {
		return inet.Declined // ipip_tunnel_rcv's -1: the next handler's turn
	}
	c := t.Config()
	if c.Proto != h.proto && c.Proto != 0 {
		t.Dev().Drops.Add(tunnel.DropProto)
		b.Free()
		return inet.Handled
	}
	if !inet.InputPolicyOK(ns, b) { // tunnel4 is no_policy: ipip checks
		t.Dev().Drops.Add(DropPolicy)
		b.Free()
		return inet.Handled
	}
	b.Protocol = netdev.EthPIPv4
	if h.proto == tunnel.ProtoMPLS {
		b.Protocol = netdev.EthPMPLS
	}
	if !t.CollectMD() {
		t.Rcv(b, nil)
		return inet.Handled
	}
	md := tunnel.RxInfo(b, 0, 0)
	t.Rcv(b, &md)
	return inet.Handled
}

// chainEnd is the end of tunnel4_rcv's handler chain: an IP-in-IP
// packet no tunnel (ipip device, vti, IPComp tunnel state) took is
// answered with ICMP port unreachable and dropped.
type chainEnd struct{}

func (chainEnd) Receive(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	b.PushTo(b.NetworkStart())
	inet.ICMPSend(ns, b, header.ICMPv4DestUnreach, header.ICMPv4PortUnreach, 0)
	dev.Drops.Add(DropNoTunnel)
	b.Free()
	return inet.Handled
}

func (chainEnd) Err(*netdev.Namespace, inet.ICMPErr) bool { return false }

// Err is ipip_err.
func (h *handler) Err(ns *netdev.Namespace, e inet.ICMPErr) bool {
	return Fam.Net(ns).Err(e)
}

// DropPolicy counts packets a tunnel claimed that the input policy check
// refused (xfrm4_policy_check in ipip_tunnel_rcv).
var DropPolicy = netdev.RegisterDropReason("XFRM_POLICY")

// DropNoTunnel counts IP-in-IP packets no tunnel took.
var DropNoTunnel = netdev.RegisterDropReason("IPIP_NO_TUNNEL")

// xmit is ipip_tunnel_xmit: the protocol must be one the mode carries.
func xmit(t *tunnel.Tunnel, b *packet.Buffer) {
	var proto uint8
	switch b.Protocol {
	case netdev.EthPIPv4:
		proto = tunnel.ProtoIPIP
		if len(b.Bytes()) < header.IPv4MinimumSize {
			t.Dev().Stats.TxErrors.Add(1)
			t.Dev().Drops.Add(tunnel.DropInnerHdr)
			b.Free()
			return
		}
	case netdev.EthPMPLS:
		proto = tunnel.ProtoMPLS
	default:
		t.Dev().Stats.TxErrors.Add(1)
		t.Dev().Drops.Add(tunnel.DropProto)
		b.Free()
		return
	}
	if p := t.Config().Proto; p != proto && p != 0 {
		t.Dev().Stats.TxErrors.Add(1)
		t.Dev().Drops.Add(tunnel.DropProto)
		b.Free()
		return
	}
	if t.CollectMD() {
		t.TransmitMD(b, proto)
		return
	}
	t.Transmit(b, proto)
}

// ctlCheck is ipip_tunnel_ctl's validation of add and change requests:
// version 4, ihl 5, no fragment bits but DF, protocol 0, 4 or 137; keys
// are cleared.
func ctlCheck(cmd tunnel.CtlCmd, p *tunnel.IoctlParm) error {
	if cmd != tunnel.CtlAdd && cmd != tunnel.CtlChange {
		return nil
	}
	if p.Version != 4 || !validProto(p.Proto) || p.IHL != 5 || p.FragOff&^tunnel.IPDF != 0 {
		return extack.Errno(syscall.EINVAL)
	}
	p.IKey, p.OKey = 0, 0
	p.IFlags, p.OFlags = 0, 0
	return nil
}
