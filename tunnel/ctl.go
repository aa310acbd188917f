package tunnel

import (
	"net/netip"
	"sync"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// IoctlParm is struct ip_tunnel_parm, the legacy ioctl interface of ip
// tunnel (SIOCGETTUNNEL, SIOCADDTUNNEL, SIOCCHGTUNNEL, SIOCDELTUNNEL).
// Flags and FragOff are in host order.
type IoctlParm struct {
	Name           string
	Link           int32
	IFlags, OFlags uint16 // GREKey, GRECsum, GRESeq, VTIIsVTI
	IKey, OKey     uint32
	Version, IHL   uint8
	TOS, TTL       uint8
	Proto          uint8
	FragOff        uint16 // IPDF is the only flag a tunnel accepts
	Saddr, Daddr   netip.Addr
}

// ip_tunnel_parm flag bits and IP_DF.
const (
	GRECsum  uint16 = 0x8000
	GREKey   uint16 = 0x2000
	GRESeq   uint16 = 0x1000
	VTIIsVTI uint16 = 0x0001
	IPDF     uint16 = 0x4000
)

// CtlCmd is an ioctl command.
type CtlCmd int

// Commands.
const (
	CtlGet CtlCmd = iota
	CtlAdd
	CtlChange
	CtlDel
)

// Parms converts an ioctl parameter block to tunnel parameters.
func (p *IoctlParm) Parms() Parms {
	q := Parms{Name: p.Name, Link: p.Link, Local: p.Saddr, Remote: p.Daddr, TTL: p.TTL, TOS: p.TOS,
		DF: p.FragOff&IPDF != 0, Proto: p.Proto, IKey: p.IKey, OKey: p.OKey, VTI: p.IFlags&VTIIsVTI != 0}
	if p.IFlags&GREKey != 0 {
		q.IFlags |= packet.TunnelKey
	}
	if p.OFlags&GREKey != 0 {
		q.OFlags |= packet.TunnelKey
	}
	return q.Normalize()
}

// IoctlParmOf is the ioctl view of a tunnel's parameters (the device name,
// version 4, ihl 5).
func IoctlParmOf(t *Tunnel) IoctlParm {
	c := t.Config()
	p := IoctlParm{Name: t.dev.Name(), Link: c.Link, IKey: c.IKey, OKey: c.OKey, Version: 4, IHL: 5,
		TOS: c.TOS, TTL: c.TTL, Proto: c.Proto, Saddr: c.Local, Daddr: c.Remote}
	if c.DF {
		p.FragOff = IPDF
	}
	if c.IFlags&packet.TunnelKey != 0 {
		p.IFlags |= GREKey
	}
	if c.OFlags&packet.TunnelKey != 0 {
		p.OFlags |= GREKey
	}
	if c.VTI {
		p.IFlags |= VTIIsVTI
	}
	return p
}

var (
	famMu      sync.Mutex
	byFallback = map[string]*Family{}
)

func registerFamily(f *Family) {
	if f.ops.FallbackName == "" {
		return
	}
	famMu.Lock()
	defer famMu.Unlock()
	byFallback[f.ops.FallbackName] = f
}

// FamilyByFallback returns the family whose fallback device is called
// name (the netdev-tunl0 module alias ip tunnel's ioctl relies on).
func FamilyByFallback(name string) *Family {
	famMu.Lock()
	defer famMu.Unlock()
	return byFallback[name]
}

// Ctl is ip_tunnel_ctl on tunnel device t, with RTNL held: get (the
// fallback device answers for the tunnel matching p, if any), add (EEXIST
// for duplicate endpoints), change (EEXIST if another tunnel has the
// endpoints, EINVAL when point-to-point-ness would change) and delete
// (the fallback device cannot be deleted: EPERM). The kind validates p
// first (Ops.CtlCheck).
func (t *Tunnel) Ctl(cmd CtlCmd, p *IoctlParm) error {
	err := t.ctl(cmd, p)
	if done := t.net.fam.ops.CtlDone; err == nil && done != nil {
		done(cmd, p)
	}
	return err
}

func (t *Tunnel) ctl(cmd CtlCmd, p *IoctlParm) error {
	n := t.net
	if chk := n.fam.ops.CtlCheck; chk != nil {
		if err := chk(cmd, p); err != nil {
			return err
		}
	}
	fb := n.tab.Load().fb
	switch cmd {
	case CtlGet:
		x := t
		if t == fb {
			q := p.Parms()
			if f := n.tab.Load().find(&q, n.fam.ops.Type); f != nil {
				x = f
			}
		}
		*p = IoctlParmOf(x)
		return nil
	case CtlAdd, CtlChange:
		return t.ctlAddChange(cmd, p)
	case CtlDel:
		d := t
		if t == fb {
			q := p.Parms()
			f := n.tab.Load().find(&q, n.fam.ops.Type)
			if f == nil {
				return extack.Errno(syscall.ENOENT)
			}
			if f == fb {
				return extack.Errno(syscall.EPERM)
			}
			d = f
		}
		n.ns.UnregisterLocked(d.dev)
		return nil
	}
	return extack.Errno(syscall.EINVAL)
}

func (t *Tunnel) ctlAddChange(cmd CtlCmd, p *IoctlParm) error {
	n := t.net
	if p.TTL != 0 {
		p.FragOff |= IPDF
	}
	if p.IFlags&VTIIsVTI == 0 {
		if p.IFlags&GREKey == 0 {
			p.IKey = 0
		}
		if p.OFlags&GREKey == 0 {
			p.OKey = 0
		}
	}
	q := p.Parms()
	found := n.tab.Load().find(&q, n.fam.ops.Type)
	if cmd == CtlAdd {
		if found != nil {
			return errExist
		}
		nt, err := n.createLocked(q, false)
		if err != nil {
			return err
		}
		*p = IoctlParmOf(nt)
		return nil
	}
	fb := n.tab.Load().fb
	if t != fb {
		if found != nil && found != t {
			return errExist
		}
		if found == nil {
			if t.p2pChange(q) {
				return extack.Errno(syscall.EINVAL)
			}
			found = t
		}
	}
	if found == nil {
		return extack.Errno(syscall.ENOENT)
	}
	q.Fwmark = 0
	found.update(q, true)
	*p = IoctlParmOf(found)
	return nil
}

// Tunnels returns the tunnel devices of ns of any family, in ifindex
// order (what ip tunnel show walks).
func Tunnels(ns *netdev.Namespace) []*Tunnel {
	var out []*Tunnel
	for _, d := range ns.Devices() {
		if t := Of(d); t != nil {
			out = append(out, t)
		}
	}
	return out
}
