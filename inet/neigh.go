package inet

import (
	"net/netip"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet/neigh"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// neighTable is the namespace's ARP or NDP cache (package neigh) with
// the callbacks that tie it to this package.
type neighTable struct {
	st     *netState
	family int
	t      *neigh.Table
}

func (n *neighTable) init(st *netState, family int) {
	n.st, n.family = st, family
	w := st.ns.World()
	n.t = neigh.New(neigh.Config{
		Family: family,
		Loop:   w.Loop(),
		Rand: func() uint32 {
			var b [4]byte
			w.RandBytes(b[:])
			return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		},
		Xmit:        n.xmit,
		Solicit:     n.solicit,
		ErrorReport: n.errorReport,
		Drop:        n.drop,
		Construct:   n.construct,
	})
}

func (n *neighTable) close() { n.t.Close() }

// xmit pushes the Ethernet header for a resolved neighbour and transmits.
func (n *neighTable) xmit(ifindex int32, b *packet.Buffer, lladdr []byte) {
	d := n.st.ns.Device(ifindex)
	if d == nil {
		b.Free()
		return
	}
	if !netdev.PushEthernet(d, b, lladdr, b.Protocol) {
		d.DropTx(b, netdev.DropNoHeadroom)
		return
	}
	d.Transmit(b)
}

func (n *neighTable) drop(ifindex int32, b *packet.Buffer, r netdev.DropReason) {
	if d := n.st.ns.Device(ifindex); d != nil {
		d.Drop(b, r)
		return
	}
	b.Free()
}

// construct decides the initial state of an entry (arp_constructor /
// ndisc_constructor).
func (n *neighTable) construct(ifindex int32, a netip.Addr) (neigh.Setup, error) {
	d := n.st.ns.Device(ifindex)
	if d == nil {
		return neigh.Setup{}, extack.Errno(syscall.ENODEV)
	}
	s := neigh.Setup{AddrLen: d.AddrLen}
	switch {
	case a.IsMulticast():
		s.State, s.LLAddr = neigh.NoARP, mcastMAC(a)
	case n.family == FamilyV4 && n.st.isBroadcast4(a):
		s.State, s.LLAddr = neigh.NoARP, []byte(d.BroadcastAddr())
	case d.Flags()&(netdev.FlagNoARP|netdev.FlagLoopback) != 0:
		s.State, s.LLAddr = neigh.NoARP, []byte(d.HardwareAddr())
		s.ExemptGC = d.Flags()&netdev.FlagLoopback != 0
	}
	return s, nil
}

// mcastMAC maps an IP multicast address to its Ethernet group address.
func mcastMAC(a netip.Addr) []byte {
	if a.Is4() {
		b := a.As4()
		return []byte{0x01, 0x00, 0x5e, b[1] & 0x7f, b[2], b[3]}
	}
	b := a.As16()
	return []byte{0x33, 0x33, b[12], b[13], b[14], b[15]}
}

// isBroadcast4 reports whether a is a broadcast address of the namespace.
func (st *netState) isBroadcast4(a netip.Addr) bool {
	if isLimitedBcast(a) {
		return true
	}
	fr := lookupTable(st.local, a, 0, 0)
	return fr != nil && fr.r.Type == RouteBroadcast && fr.r.Dst.Bits() == 32
}

func (n *neighTable) solicit(s neigh.Solicitation) {
	d := n.st.ns.Device(s.Ifindex)
	if d == nil {
		return
	}
	var src netip.Addr
	if s.Packet != nil {
		if p := s.Packet.Bytes(); n.family == FamilyV4 && len(p) >= header.IPv4MinimumSize {
			src = header.IPv4(p).Source()
		} else if n.family == FamilyV6 && len(p) >= header.IPv6MinimumSize {
			src = header.IPv6(p).Source()
		}
		if !n.st.isLocalAddr(src) {
			src = netip.Addr{}
		}
	}
	if n.family == FamilyV4 {
		if !src.IsValid() {
			src = selectSrc4(n.st.ns, d, s.Target, ScopeLink)
		}
		n.st.sendARP(d, header.ARPRequest, src, s.Target, s.LLAddr, nil)
		return
	}
	if !src.IsValid() {
		src = selectSrc6(n.st.ns, d, s.Target)
	}
	n.st.sendNS(d, src, s.Target, s.LLAddr)
}

func (n *neighTable) errorReport(ifindex int32, b *packet.Buffer) {
	if n.family == FamilyV4 {
		n.st.icmpSend4(b, header.ICMPv4DestUnreach, header.ICMPv4HostUnreach, 0)
		return
	}
	n.st.icmpSend6(b, header.ICMPv6DstUnreachable, header.ICMPv6AddrUnreachable, 0)
}

func (st *netState) neighOf(family int) *neighTable {
	if family == FamilyV4 {
		return &st.neigh4
	}
	return &st.neigh6
}

// AddNeigh adds a neighbour entry: ip neigh add (replace false: create,
// fail with EEXIST if present) or ip neigh replace (create or replace).
// A zero State means PERMANENT, iproute2's default.
func AddNeigh(ns *netdev.Namespace, n Neigh, replace bool) error {
	return neighRequest(ns, n, true, !replace, replace)
}

// ChangeNeigh changes an existing entry (ip neigh change): ENOENT if absent.
func ChangeNeigh(ns *netdev.Namespace, n Neigh) error {
	return neighRequest(ns, n, false, false, true)
}

func neighRequest(ns *netdev.Namespace, n Neigh, create, excl, replace bool) error {
	d := ns.Device(n.Ifindex)
	if d == nil {
		return extack.Errno(syscall.ENODEV)
	}
	if !n.Addr.IsValid() {
		return extack.Errno(syscall.EINVAL)
	}
	state := n.State
	if state == NUDNone {
		state = NUDPermanent
	}
	flags := neigh.Flags(n.Flags)
	if n.Router {
		flags |= neigh.FlagRouter
	}
	return stateOf(ns).neighOf(familyOf(n.Addr)).t.Add(neigh.Request{
		Ifindex: n.Ifindex, Addr: n.Addr, LLAddr: n.LLAddr, State: neigh.State(state), Flags: flags,
		Create: create, Excl: excl, Replace: replace,
	})
}

// DelNeigh deletes a neighbour entry: ENOENT when absent.
func DelNeigh(ns *netdev.Namespace, n Neigh) error {
	if ns.Device(n.Ifindex) == nil {
		return extack.Errno(syscall.ENODEV)
	}
	return stateOf(ns).neighOf(familyOf(n.Addr)).t.Del(n.Ifindex, n.Addr)
}

// Neighs lists neighbour entries of a device (0: all) and family (0:
// both), IPv4 first; NOARP entries included (iproute2 hides them unless
// asked).
func Neighs(ns *netdev.Namespace, ifindex int32, family int) []Neigh {
	st := stateOf(ns)
	var out []Neigh
	now := ns.World().Now()
	for _, fam := range []int{FamilyV4, FamilyV6} {
		if family != 0 && family != fam {
			continue
		}
		for _, e := range st.neighOf(fam).t.Dump(ifindex) {
			out = append(out, Neigh{Ifindex: e.Ifindex, Addr: e.Addr, LLAddr: e.LLAddr,
				State: NUDState(e.State), Flags: uint8(e.Flags), Router: e.Flags&neigh.FlagRouter != 0,
				Probes: e.Probes, Used: now.Sub(e.Used), Confirmed: now.Sub(e.Confirmed),
				Updated: now.Sub(e.Updated), RefCnt: uint32(e.Refcnt)})
		}
	}
	return out
}

// FlushNeighs deletes the entries of a device (0: all) and family (0:
// both) that are neither PERMANENT nor NOARP (ip neigh flush).
func FlushNeighs(ns *netdev.Namespace, ifindex int32, family int) error {
	if ifindex != 0 && ns.Device(ifindex) == nil {
		return extack.Errno(syscall.ENODEV)
	}
	st := stateOf(ns)
	for _, fam := range []int{FamilyV4, FamilyV6} {
		if family != 0 && family != fam {
			continue
		}
		st.neighOf(fam).t.Flush(ifindex, func(e neigh.Entry) bool {
			return e.State&(neigh.Permanent|neigh.NoARP) == 0
		})
	}
	return nil
}

// NeighTable returns the namespace's ARP (4) or NDP (6) table, for ip
// ntable and tests.
func NeighTable(ns *netdev.Namespace, family int) *neigh.Table {
	return stateOf(ns).neighOf(family).t
}
