package inet

import (
	"net/netip"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet/frag"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

var zeroMAC = make([]byte, 6)

// finishOutput hands an IP packet (data at the IP header) to dev toward
// the next hop nh (ip_finish_output2 / ip6_finish_output2): loopback gets
// a blank Ethernet header, headerless devices (tunnels) the bare packet,
// Ethernet devices go through the neighbour table.
func (st *netState) finishOutput(dev *netdev.Device, nh netip.Addr, b *packet.Buffer, family int) {
	b.Protocol = netdev.EthPIPv4
	if family == FamilyV6 {
		b.Protocol = netdev.EthPIPv6
	}
	b.SetNetworkHeader(0)
	b.SetTransportHeader(0)
	b.ResetMACHeader()
	switch {
	case dev.Flags()&netdev.FlagLoopback != 0:
		if !netdev.PushEthernet(dev, b, zeroMAC, b.Protocol) {
			dev.DropTx(b, netdev.DropNoHeadroom)
			return
		}
		dev.Transmit(b)
	case dev.HardHeaderLen == 0 || dev.Type != netdev.ARPHRDEther:
		dev.Transmit(b)
	default:
		if family == FamilyV4 {
			nh = st.redirectedNexthop(dev, nh, b)
		}
		st.neighOf(family).t.Output(dev.Index(), nh, b)
	}
}

// LocalOut sends a fully built IP packet (data at the IP header) along
// dst, as ip_local_out / ip6_local_out: it fixes the IPv4 total length and
// header checksum (IPv6 payload length), and fragments a packet larger
// than the path MTU when IPv4 DF is clear (IPv6: always, as a local
// sender may). It owns b. A packet too big with DF set is dropped with
// EMSGSIZE.
func LocalOut(ns *netdev.Namespace, b *packet.Buffer, dst *Dst) error {
	st := stateOf(ns)
	if dst == nil {
		b.Free()
		return extack.Errno(syscall.EINVAL)
	}
	d := b.Bytes()
	if dst.Family == FamilyV4 {
		if len(d) < header.IPv4MinimumSize || len(d) > 0xffff {
			b.Free()
			return extack.Errno(syscall.EINVAL)
		}
		ip := header.IPv4(d)
		ip.SetTotalLength(uint16(len(d)))
		if ip.ID() == 0 && !ip.DontFragment() {
			ip.SetID(uint16(st.ids.Add(1)))
		}
		ip.UpdateChecksum()
		return st.output4(b, dst, ip.Destination())
	}
	if len(d) < header.IPv6MinimumSize {
		b.Free()
		return extack.Errno(syscall.EINVAL)
	}
	ip := header.IPv6(d)
	ip.SetPayloadLength(uint16(len(d) - header.IPv6MinimumSize))
	return st.output6(b, dst, ip.Destination(), true)
}

// output4 routes a locally generated IPv4 packet along dst (ip_output),
// fragmenting it when it is too big and DF is clear.
func (st *netState) output4(b *packet.Buffer, dst *Dst, daddr netip.Addr) error {
	m := &st.mib.Ip4
	m.OutRequests.Add(1)
	switch {
	case dst.Type.isReject():
		m.OutNoRoutes.Add(1)
		b.Free()
		return rejectErr(dst.Type)
	case dst.Type == RouteLocal:
		m.OutOctets.Add(uint64(b.Len()))
		st.finishOutput(st.ns.Loopback(), daddr, b, FamilyV4)
		return nil
	}
	if dst.Dev == nil {
		m.OutNoRoutes.Add(1)
		b.Free()
		return extack.Errno(syscall.ENETUNREACH)
	}
	if st.hooked(b, dst, FamilyV4, false) {
		return nil
	}
	mtu := int(dst.PathMTU(daddr))
	m.OutOctets.Add(uint64(b.Len()))
	if b.Len() <= mtu || b.GSO.Size != 0 {
		st.finishOutput(dst.Dev, dst.Nexthop(daddr), b, FamilyV4)
		return nil
	}
	if header.IPv4(b.Bytes()).DontFragment() {
		st.mib.Frag4.FragFails.Add(1)
		dst.Dev.Drop(b, DropPktTooBig)
		return extack.Errno(syscall.EMSGSIZE)
	}
	return st.fragment4(b, dst, daddr, mtu, false)
}

func (st *netState) fragment4(b *packet.Buffer, dst *Dst, daddr netip.Addr, mtu int, keepDF bool) error {
	nh := dst.Nexthop(daddr)
	return frag.FragmentIPv4(b, mtu, keepDF, &st.mib.Frag4, func(f *packet.Buffer) error {
		st.finishOutput(dst.Dev, nh, f, FamilyV4)
		return nil
	})
}

// output6 routes a locally generated IPv6 packet (ip6_output), fragmenting
// it when it is too big and the sender allows it.
func (st *netState) output6(b *packet.Buffer, dst *Dst, daddr netip.Addr, allowFrag bool) error {
	m := &st.mib.Ip6
	m.OutRequests.Add(1)
	switch {
	case dst.Type.isReject():
		m.OutNoRoutes.Add(1)
		b.Free()
		return rejectErr(dst.Type)
	case dst.Type == RouteLocal:
		m.OutOctets.Add(uint64(b.Len()))
		st.finishOutput(st.ns.Loopback(), daddr, b, FamilyV6)
		return nil
	}
	if dst.Dev == nil {
		m.OutNoRoutes.Add(1)
		b.Free()
		return extack.Errno(syscall.ENETUNREACH)
	}
	if daddr.IsMulticast() {
		m.OutMcastPkts.Add(1)
	}
	if st.hooked(b, dst, FamilyV6, false) {
		return nil
	}
	mtu := int(dst.PathMTU(daddr))
	m.OutOctets.Add(uint64(b.Len()))
	if b.Len() <= mtu || b.GSO.Size != 0 {
		st.finishOutput(dst.Dev, dst.Nexthop(daddr), b, FamilyV6)
		return nil
	}
	if !allowFrag {
		st.mib.Frag6.FragFails.Add(1)
		dst.Dev.Drop(b, DropPktTooBig)
		return extack.Errno(syscall.EMSGSIZE)
	}
	nh := dst.Nexthop(daddr)
	return frag.FragmentIPv6(b, mtu, st.ids.Add(1), &st.mib.Frag6, func(f *packet.Buffer) error {
		st.finishOutput(dst.Dev, nh, f, FamilyV6)
		return nil
	})
}

// routeOutput looks up the output route of a locally generated packet
// and counts a failure as OutNoRoutes.
func (st *netState) routeOutput(fl Flow) (*Dst, error) {
	dst, err := OutputLookup(st.ns, fl)
	if err != nil {
		if fl.Dst.Is4() {
			st.mib.Ip4.OutNoRoutes.Add(1)
		} else {
			st.mib.Ip6.OutNoRoutes.Add(1)
		}
	}
	return dst, err
}
