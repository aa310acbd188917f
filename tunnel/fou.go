package tunnel

import (
	"slices"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// FOUPort is one receive port of ip fou (struct fou): a UDP port whose
// payload is handed to an IP protocol's tunnel handler, directly (FOU,
// the protocol given) or after a GUE header (the protocol in the header).
type FOUPort struct {
	Port    uint16 // host order
	Family  int    // 4 or 6
	Type    EncapType
	IPProto uint8 // FOU only
}

// fouNet is a namespace's FOU/GUE ports (fou_net), in creation order.
type fouNet struct {
	mu    sync.Mutex
	ports atomic.Pointer[[]*fouSock]
}

type fouSock struct {
	FOUPort
}

var fouNets = netdev.NewPernet(func(*netdev.Namespace) *fouNet {
	n := &fouNet{}
	n.ports.Store(&[]*fouSock{})
	return n
}, nil)

// innerHandlers are the tunnel receive handlers FOU/GUE payloads are
// resubmitted to, by IP protocol (what ip_local_deliver would find for
// the protocol fou_udp_recv returns).
var innerHandlers [256]atomic.Pointer[inet.ProtoHandler]

// RegisterInnerProto registers the handler FOU/GUE payloads of IP protocol
// proto go to (ipip registers 4 and 137). Call it at init.
func RegisterInnerProto(proto uint8, h inet.ProtoHandler) { innerHandlers[proto].Store(&h) }

// AddFOU adds a FOU or GUE receive port (ip fou add port P ipproto N | gue):
// EEXIST if the port is taken.
func AddFOU(ns *netdev.Namespace, p FOUPort) error {
	if p.Family == 0 {
		p.Family = inet.FamilyV4
	}
	if p.Port == 0 || (p.Type == EncapFOU && p.IPProto == 0) || (p.Type != EncapFOU && p.Type != EncapGUE) {
		return extack.Errno(syscall.EINVAL)
	}
	n := fouNets.Get(ns)
	n.mu.Lock()
	defer n.mu.Unlock()
	s := &fouSock{FOUPort: p}
	if err := inet.AddUDPEncap(ns, p.Family, p.Port, s); err != nil {
		return err
	}
	list := append(slices.Clone(*n.ports.Load()), s)
	n.ports.Store(&list)
	return nil
}

// DelFOU removes a port (ip fou del port P): ENOENT if absent.
func DelFOU(ns *netdev.Namespace, port uint16, family int) error {
	if family == 0 {
		family = inet.FamilyV4
	}
	n := fouNets.Get(ns)
	n.mu.Lock()
	defer n.mu.Unlock()
	list := *n.ports.Load()
	i := slices.IndexFunc(list, func(s *fouSock) bool { return s.Port == port && s.Family == family })
	if i < 0 {
		return extack.Errno(syscall.ENOENT)
	}
	_ = inet.DelUDPEncap(ns, family, port)
	nl := slices.Delete(slices.Clone(list), i, i+1)
	n.ports.Store(&nl)
	return nil
}

// FOUPorts lists the namespace's ports in creation order.
func FOUPorts(ns *netdev.Namespace) []FOUPort {
	var out []FOUPort
	for _, s := range *fouNets.Get(ns).ports.Load() {
		out = append(out, s.FOUPort)
	}
	return out
}

// EncapRcv is fou_udp_recv / gue_udp_recv: strip the UDP (and GUE)
// header and resubmit the payload to its protocol's tunnel handler. b's
// data is at the UDP header.
func (s *fouSock) EncapRcv(ns *netdev.Namespace, d *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	proto := s.IPProto
	pull := header.UDPMinimumSize
	if s.Type == EncapGUE {
		var ok bool
		if proto, pull, ok = parseGUE(b.Bytes()[header.UDPMinimumSize:]); !ok {
			d.Drops.Add(DropEncapHdr)
			b.Free()
			return inet.Handled
		}
		pull += header.UDPMinimumSize
	}
	if nh := b.NetworkHeader(); s.Family == inet.FamilyV4 && len(nh) >= header.IPv4MinimumSize {
		ip := header.IPv4(nh)
		ip.SetTotalLength(ip.TotalLength() - uint16(pull))
	}
	b.Pull(pull)
	b.SetTransportHeader(0)
	hp := innerHandlers[proto].Load()
	if hp == nil {
		d.Drops.Add(DropNoTunnel)
		b.Free()
		return inet.Handled
	}
	if (*hp).Receive(ns, d, b) == inet.Declined {
		d.Drops.Add(DropNoTunnel)
		b.Free()
	}
	return inet.Handled
}

// EncapErr passes ICMP errors quoting FOU/GUE packets to nobody (Linux's
// fou has no error handler for configured tunnels).
func (s *fouSock) EncapErr(*netdev.Namespace, inet.ICMPErr) bool { return false }

// GUE header bits.
const (
	gueVersionMask = 0xc0
	gueControl     = 0x20
	gueHLenMask    = 0x1f
	gueFlagPriv    = 0x0001 // GUE_FLAG_PRIV (flags field, host order)
	guePFlagRemCsm = 0x80   // GUE_PFLAG_REMCSUM (first byte of the private flags)
)

// parseGUE reads a GUE header (gue_udp_recv): version 0 with its
// protocol and options, or version 1 (direct IPv4/IPv6). It returns the
// inner protocol and the header length to pull; control messages and
// malformed headers are refused.
func parseGUE(g []byte) (proto uint8, hlen int, ok bool) {
	if len(g) < 1 {
		return 0, 0, false
	}
	switch g[0] & gueVersionMask {
	case 0:
	case 0x40:
		switch g[0] >> 4 {
		case 4:
			return header.IPProtoIPIP, 0, true
		case 6:
			return header.IPProtoIPv6, 0, true
		}
		return 0, 0, false
	default:
		return 0, 0, false
	}
	if len(g) < gueHdrLen {
		return 0, 0, false
	}
	optLen := int(g[0]&gueHLenMask) * 4
	if len(g) < gueHdrLen+optLen || g[0]&gueControl != 0 {
		return 0, 0, false
	}
	flags := uint16(g[2])<<8 | uint16(g[3])
	if flags&^gueFlagPriv != 0 {
		return 0, 0, false
	}
	want := 0
	if flags&gueFlagPriv != 0 {
		want = guePrivLen
		if optLen >= guePrivLen && g[gueHdrLen]&guePFlagRemCsm != 0 {
			want += gueRemCsumLen
		}
	}
	if want != optLen {
		return 0, 0, false
	}
	return g[1], gueHdrLen + optLen, true
}
