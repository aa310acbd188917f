package stack

import (
	"net/netip"
	"sync"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/internal/mode"
)

// A tunnel-mode IPComp SA sends a packet it cannot shrink as plain IP in
// IP (ipcomp_output below the threshold). Linux gives every such SA a
// kernel tunnel state with its addresses (ipcomp_tunnel_attach), which
// xfrm4_tunnel / xfrm6_tunnel use to decapsulate those packets, so that
// they arrive with that state in their SecPath and satisfy an optional
// (level use) IPComp template. compTunnels is that, per namespace: the
// kernel states by outer (destination, source), created when AddState
// adds a tunnel-mode IPComp SA and alive while such an SA is.
type compTunnels struct {
	mu sync.Mutex
	m  map[[2]netip.Addr]*compTunnel
}

type compTunnel struct {
	kern *xfrm.State
	sas  []*xfrm.State // the IPComp SAs using it
}

var compTunnelsNet = netdev.NewPernet(func(*netdev.Namespace) *compTunnels {
	return &compTunnels{m: map[[2]netip.Addr]*compTunnel{}}
}, nil)

func init() {
	xfrm.RegisterType(xfrm.ProtoIPIP, kernTunnelType{})
	xfrm.RegisterType(xfrm.ProtoIPv6, kernTunnelType{})
	h := kernTunnelRcv{}
	for _, fam := range []int{4, 6} {
		inet.AddProtocol(fam, uint8(xfrm.ProtoIPIP), prioKernTunnel, h)
		inet.AddProtocol(fam, uint8(xfrm.ProtoIPv6), prioKernTunnel, h)
	}
}

// prioKernTunnel runs the kernel tunnel states after VTI (10) but ahead
// of the ipip device handler (0), which answers a packet no device takes
// with ICMP unreachable as tunnel4_rcv does at the end of its chain.
// Linux tries ipip first and xfrm4_tunnel last; the two differ only for
// an ipip device with the same endpoints as a tunnel-mode IPComp SA.
const prioKernTunnel = 1

type kernTunnelType struct{}

func (kernTunnelType) Init(*xfrm.State) error { return nil }

// attachCompTunnel is ipcomp_tunnel_attach for a new SA x.
func attachCompTunnel(ns *netdev.Namespace, x *xfrm.State) {
	c := x.Cfg()
	if c.ID.Proto != xfrm.ProtoComp || c.Mode != xfrm.ModeTunnel {
		return
	}
	t := compTunnelsNet.Get(ns)
	t.mu.Lock()
	defer t.mu.Unlock()
	k := [2]netip.Addr{c.ID.Daddr, c.Saddr}
	if e := t.m[k]; e != nil {
		e.sas = append(live(e.sas), x)
		return
	}
	proto := xfrm.ProtoIPIP
	if c.Family == 6 {
		proto = xfrm.ProtoIPv6
	}
	var spi uint32
	if c.Saddr.Is4() {
		a := c.Saddr.As4()
		spi = uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	}
	kern, err := xfrm.NewState(xfrm.Config{ID: xfrm.ID{Daddr: c.ID.Daddr, SPI: spi, Proto: proto},
		Saddr: c.Saddr, Family: c.Family, Mode: xfrm.ModeTunnel, Mark: c.Mark, IfID: c.IfID,
		Flags: c.Flags & (xfrm.FlagNoECN | xfrm.FlagDecapDSCP)}, xfrm.Options{MIB: xfrm.ForNamespace(ns).MIB})
	if err != nil {
		return
	}
	t.m[k] = &compTunnel{kern: kern, sas: []*xfrm.State{x}}
}

func live(xs []*xfrm.State) []*xfrm.State {
	out := xs[:0]
	for _, x := range xs {
		if x.KM() == xfrm.StateValid {
			out = append(out, x)
		}
	}
	return out
}

// lookup returns the kernel state for a packet from saddr to daddr while
// an IPComp SA uses it.
func (t *compTunnels) lookup(daddr, saddr netip.Addr) *xfrm.State {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := [2]netip.Addr{daddr, saddr}
	e := t.m[k]
	if e == nil {
		return nil
	}
	if e.sas = live(e.sas); len(e.sas) == 0 {
		delete(t.m, k)
		return nil
	}
	return e.kern
}

// kernTunnelRcv is xfrm_tunnel_rcv / xfrm6_tunnel_rcv: IP in IP between
// the addresses of a tunnel-mode IPComp SA is decapsulated through the
// kernel state; anything else is left to the other handlers.
type kernTunnelRcv struct{}

func (kernTunnelRcv) Receive(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	outer := b.NetworkHeader()
	var daddr, saddr netip.Addr
	switch {
	case len(outer) >= header.IPv4MinimumSize && outer[0]>>4 == 4:
		daddr, saddr = header.IPv4(outer).Destination(), header.IPv4(outer).Source()
	case len(outer) >= header.IPv6MinimumSize && outer[0]>>4 == 6:
		daddr, saddr = header.IPv6(outer).Destination(), header.IPv6(outer).Source()
	default:
		return inet.Declined
	}
	x := compTunnelsNet.Get(ns).lookup(daddr, saddr)
	if x == nil || !b.PushTo(b.NetworkStart()) {
		return inet.Declined
	}
	mac, hasMAC := saveMAC(b)
	pkt := b.Bytes()
	hlen, _, nh, ok := mode.Split(pkt)
	var tos uint8
	if pkt[0]>>4 == 4 {
		tos = header.IPv4(pkt).TOS()
	} else {
		tos = header.IPv6(pkt).TrafficClass()
	}
	if !ok {
		dev.Drop(b, DropPolicy)
		return inet.Handled
	}
	if d := mode.Decap(x, b, tos, nh, hlen, len(pkt)); d != nil {
		dev.Drop(b, d.Reason)
		return inet.Handled
	}
	n := xfrm.ForNamespace(ns)
	sp, ok := xfrm.AppendSecPath(b.SecPath, x)
	if !ok {
		n.MIB.Inc(xfrm.InBufferError)
		dev.Drop(b, DropPolicy)
		return inet.Handled
	}
	b.SecPath = sp
	reinject(ns, dev, b, mac, hasMAC)
	return inet.Handled
}

func (kernTunnelRcv) Err(*netdev.Namespace, inet.ICMPErr) bool { return false }
