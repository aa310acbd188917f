package inet

import (
	"net/netip"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet/neigh"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

func init() {
	netdev.AddPacketHandler(netdev.EthPARP, arpRcv)
}

// arpRcv is arp_rcv / arp_process: learn the sender, answer requests for
// our addresses. It owns b (data at the ARP header).
func arpRcv(d *netdev.Device, b *packet.Buffer) {
	ns := d.Namespace()
	if ns == nil || d.Flags()&netdev.FlagNoARP != 0 || b.PktType == packet.PacketOtherHost {
		if ns != nil {
			d.Drop(b, DropOtherHost)
		} else {
			b.Free()
		}
		return
	}
	st := stateOf(ns)
	a := header.ARP(b.Bytes())
	if !a.IsValid() || a.HardwareType() != 1 || a.ProtocolType() != netdev.EthPIPv4 ||
		a.HardwareAddressSize() != 6 || a.ProtocolAddressSize() != 4 {
		d.Drop(b, DropARPBad)
		return
	}
	op := a.Op()
	sip, tip := a.SenderIP(), a.TargetIP()
	sha := a.SenderMACSlice()
	if tip.IsMulticast() || (op != header.ARPRequest && op != header.ARPReply) || sha[0]&1 != 0 {
		d.Drop(b, DropARPBad)
		return
	}
	tbl := st.neigh4.t
	// A gratuitous or probing request (sip 0) only concerns DAD.
	if sip.IsUnspecified() {
		if op == header.ARPRequest && st.ownsOn(d, tip) {
			st.sendARP(d, header.ARPReply, tip, sip, sha, sha)
		}
		b.Free()
		return
	}
	if op == header.ARPRequest && st.ownsOn(d, tip) {
		tbl.RcvProbe(b.PktType != packet.PacketHost)
		tbl.Update(d.Index(), sip, sha, neigh.Stale, neigh.Override|neigh.Create)
		st.sendARP(d, header.ARPReply, tip, sip, sha, sha)
		b.Free()
		return
	}
	// A reply, or a request not for us: refresh an existing entry; a
	// reply for us confirms it.
	state := neigh.Stale
	if op == header.ARPReply && b.PktType == packet.PacketHost {
		state = neigh.Reachable
	}
	if _, ok := tbl.Lookup(d.Index(), sip); ok {
		tbl.Update(d.Index(), sip, sha, state, neigh.Override)
	}
	b.Free()
}

// ownsOn reports whether tip is a local IPv4 address that d answers ARP
// for (arp_ignore 0: any local address, arp_filter 0).
func (st *netState) ownsOn(d *netdev.Device, tip netip.Addr) bool {
	fr := lookupTable(st.local, tip, 0, 0)
	return fr != nil && fr.r.Type == RouteLocal && !tip.IsLoopback()
}

// sendARP builds and transmits an ARP packet from d (arp_create/arp_xmit).
// A nil tha means all-zero; a nil dst MAC means broadcast.
func (st *netState) sendARP(d *netdev.Device, op uint16, sip, tip netip.Addr, dstMAC, tha []byte) {
	if !sip.IsValid() {
		sip = netip.IPv4Unspecified()
	}
	b, err := packet.New(packet.DefaultHeadroom, header.ARPSize)
	if err != nil {
		return
	}
	a := header.ARP(b.Put(header.ARPSize))
	a.SetIPv4OverEthernet()
	a.SetOp(op)
	copy(a.SenderMACSlice(), d.HardwareAddr())
	s4, t4 := sip.As4(), tip.As4()
	copy(a.SenderIPSlice(), s4[:])
	copy(a.TargetIPSlice(), t4[:])
	clear(a.TargetMACSlice())
	if tha != nil {
		copy(a.TargetMACSlice(), tha)
	}
	if dstMAC == nil {
		dstMAC = d.BroadcastAddr()
	}
	b.SetNetworkHeader(0)
	if !netdev.PushEthernet(d, b, dstMAC, netdev.EthPARP) {
		d.DropTx(b, netdev.DropNoHeadroom)
		return
	}
	d.Transmit(b)
}
