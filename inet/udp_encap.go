package inet

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// UDPEncapHandler receives UDP datagrams addressed to an encapsulation
// port (the encap_rcv of a udp_tunnel socket: FOU, GUE, ESP-in-UDP…).
// b's data is at the UDP header (network header offset set); the UDP
// length has been checked and the checksum verified. It returns Handled
// (it owns b) or Declined (b untouched: the datagram goes on to the
// ordinary UDP sockets, as encap_rcv returning a positive value does).
type UDPEncapHandler interface {
	EncapRcv(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) ProtoVerdict
	// EncapErr is called for an ICMP error quoting a datagram sent from
	// or to the port (encap_err_lookup / err handler); it reports whether
	// it recognised the error.
	EncapErr(ns *netdev.Namespace, e ICMPErr) bool
}

type udpEncapKey struct {
	family int
	port   uint16
}

// udpEncapTable is the per-namespace port → handler map, published as an
// immutable snapshot.
type udpEncapTable struct {
	mu sync.Mutex
	m  atomic.Pointer[map[udpEncapKey]UDPEncapHandler]
}

var udpEncaps = netdev.NewPernet(func(*netdev.Namespace) *udpEncapTable {
	t := &udpEncapTable{}
	m := map[udpEncapKey]UDPEncapHandler{}
	t.m.Store(&m)
	return t
}, nil)

// AddUDPEncap binds an encapsulation handler to a UDP port of a family (4
// or 6) in ns, as setup_udp_tunnel_sock does for a FOU/GUE port. A port
// that is already bound gets EEXIST; a UDP probe socket on the same port
// gets EADDRINUSE.
func AddUDPEncap(ns *netdev.Namespace, family int, port uint16, h UDPEncapHandler) error {
	if port == 0 || h == nil {
		return extack.Errno(syscall.EINVAL)
	}
	if c := (*stateOf(ns).socks.udps.Load())[sockKey{family, port}]; c != nil {
		return extack.Errno(syscall.EADDRINUSE)
	}
	t := udpEncaps.Get(ns)
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.m.Load()
	k := udpEncapKey{family, port}
	if _, dup := old[k]; dup {
		return extack.Errno(syscall.EEXIST)
	}
	m := make(map[udpEncapKey]UDPEncapHandler, len(old)+1)
	for kk, v := range old {
		m[kk] = v
	}
	m[k] = h
	t.m.Store(&m)
	return nil
}

// DelUDPEncap unbinds a port bound with AddUDPEncap; ENOENT if it is not
// bound.
func DelUDPEncap(ns *netdev.Namespace, family int, port uint16) error {
	t := udpEncaps.Get(ns)
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.m.Load()
	k := udpEncapKey{family, port}
	if _, ok := old[k]; !ok {
		return extack.Errno(syscall.ENOENT)
	}
	m := make(map[udpEncapKey]UDPEncapHandler, len(old))
	for kk, v := range old {
		if kk != k {
			m[kk] = v
		}
	}
	t.m.Store(&m)
	return nil
}

// UDPEncapPorts lists the bound encapsulation ports of a family.
func UDPEncapPorts(ns *netdev.Namespace, family int) []uint16 {
	var out []uint16
	for k := range *udpEncaps.Get(ns).m.Load() {
		if k.family == family {
			out = append(out, k.port)
		}
	}
	return out
}

// udpEncapPrio puts the encapsulation demultiplexer before the probe
// sockets' UDP handler.
const udpEncapPrio = 100

func init() {
	h := &protoFunc{rcv: udpEncapRcv, err: udpEncapErr}
	AddProtocol(FamilyV4, header.IPProtoUDP, udpEncapPrio, h)
	AddProtocol(FamilyV6, header.IPProtoUDP, udpEncapPrio, h)
}

// udpEncapRcv hands a datagram for a bound port to its handler, after
// the checks udp_rcv makes; others are declined to the socket layer.
func udpEncapRcv(ns *netdev.Namespace, d *netdev.Device, b *packet.Buffer) ProtoVerdict {
	data := b.Bytes()
	if len(data) < header.UDPMinimumSize {
		return Declined
	}
	u := header.UDP(data)
	nh := b.NetworkHeader()
	fam := FamilyV6
	if len(nh) > 0 && nh[0]>>4 == 4 {
		fam = FamilyV4
	}
	h := (*udpEncaps.Get(ns).m.Load())[udpEncapKey{fam, u.DestinationPort()}]
	if h == nil {
		return Declined
	}
	st := stateOf(ns)
	m := &st.mib.Udp6
	if fam == FamilyV4 {
		m = &st.mib.Udp4
	}
	if !u.IsValid() || int(u.Length()) < header.UDPMinimumSize {
		m.InErrors.Add(1)
		d.Drop(b, DropHdrTrunc)
		return Handled
	}
	b.Trim(int(u.Length()))
	u = header.UDP(b.Bytes())
	if (u.Checksum() != 0 || fam == FamilyV6) && !csumTrusted(b) {
		var src, dst netip.Addr
		if fam == FamilyV4 {
			src, dst = header.IPv4(nh).Source(), header.IPv4(nh).Destination()
		} else {
			src, dst = header.IPv6(nh).Source(), header.IPv6(nh).Destination()
		}
		if u.CalculateChecksumAddr(src, dst) != u.Checksum() {
			m.InCsumErrors.Add(1)
			m.InErrors.Add(1)
			d.Drop(b, DropUDPCsum)
			return Handled
		}
	}
	m.InDatagrams.Add(1)
	if h.EncapRcv(ns, d, b) == Handled {
		return Handled
	}
	return Declined
}

// udpEncapErr offers an ICMP error quoting a UDP datagram to the handler
// of its source or destination port.
func udpEncapErr(ns *netdev.Namespace, e ICMPErr) bool {
	q := e.Payload
	var hl int
	fam := e.Family
	switch {
	case fam == FamilyV4 && len(q) >= header.IPv4MinimumSize:
		hl = header.IPv4(q).HeaderLength()
	case fam == FamilyV6 && len(q) >= header.IPv6MinimumSize:
		hl = header.IPv6MinimumSize
	default:
		return false
	}
	if len(q) < hl+header.UDPMinimumSize {
		return false
	}
	u := header.UDP(q[hl:])
	m := *udpEncaps.Get(ns).m.Load()
	if h := m[udpEncapKey{fam, u.SourcePort()}]; h != nil && h.EncapErr(ns, e) {
		return true
	}
	if h := m[udpEncapKey{fam, u.DestinationPort()}]; h != nil && h.EncapErr(ns, e) {
		return true
	}
	return false
}
