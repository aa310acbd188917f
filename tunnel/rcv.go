package tunnel

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// LogECNErrors is the log_ecn_error module parameter: log (rate-limited)
// packets whose outer and inner ECN fields disagree.
var LogECNErrors = true

// ecnLogInterval rate-limits the ECN log per tunnel.
const ecnLogInterval = 5 * time.Second

// Rcv is ip_tunnel_rcv: deliver the inner packet of a received tunnel
// packet on the tunnel device. b's data is at the inner header (b.Protocol
// its ethertype) and its network header offset still at the outer IPv4
// header. md, if not nil, is the collect_md metadata for the packet.
//
// The inner header must be present (rx_length_errors otherwise); RFC 6040
// decapsulation may set CE on the inner packet, and a CE outer header on a
// Not-ECT inner packet is dropped as rx_frame_errors. The packet is
// counted, scrubbed and re-enters the stack on the tunnel device (taps, tc
// ingress, protocol handlers). Rcv owns b.
func (t *Tunnel) Rcv(b *packet.Buffer, md *packet.TunnelInfo) {
	d := t.dev
	outer := header.IPv4(b.NetworkHeader())
	if len(outer) < header.IPv4MinimumSize {
		d.Stats.RxErrors.Add(1)
		d.DropRx(b, DropInnerHdr)
		return
	}
	if outer.Destination().IsMulticast() {
		d.Stats.Multicast.Add(1)
		b.PktType = packet.PacketBroadcast
	}
	inner := b.Bytes()
	switch b.Protocol {
	case netdev.EthPIPv4:
		if len(inner) < header.IPv4MinimumSize {
			t.rxLengthError(b)
			return
		}
		if !t.decapECN(b, outer) {
			return
		}
	case netdev.EthPIPv6:
		if len(inner) < header.IPv6MinimumSize {
			t.rxLengthError(b)
			return
		}
	}
	d.Stats.CountRx(b.Len())
	scrub(b)
	if d.Namespace() != t.net.ns {
		b.Mark = 0 // skb_scrub_packet(xnet)
	}
	if md != nil {
		b.Tunnel = *md
	}
	b.SetNetworkHeader(0)
	b.ResetMACHeader()
	d.Receive(b)
}

// decapECN applies RFC 6040 to an inner IPv4 packet (IP_ECN_decapsulate);
// it reports false when it dropped b.
func (t *Tunnel) decapECN(b *packet.Buffer, outer header.IPv4) bool {
	inner := header.IPv4(b.Bytes())
	setCE, v := header.ECNDecapsulate(outer.TOS(), inner.TOS())
	if v != header.ECNDecapOK {
		t.logECN(outer)
	}
	if v == header.ECNDecapDrop {
		t.dev.Stats.RxFrameErrors.Add(1)
		t.dev.Stats.RxErrors.Add(1)
		t.dev.Drops.Add(DropECN)
		b.Free()
		return false
	}
	if setCE {
		inner.SetECNCE()
	}
	return true
}

func (t *Tunnel) rxLengthError(b *packet.Buffer) {
	t.dev.Stats.RxLengthErrors.Add(1)
	t.dev.Stats.RxErrors.Add(1)
	t.dev.Drops.Add(DropInnerHdr)
	b.Free()
}

// logECN is the rate-limited "non-ECT from A with TOS=0x…" log line.
func (t *Tunnel) logECN(outer header.IPv4) {
	if !LogECNErrors {
		return
	}
	now := t.net.ns.World().Now().UnixNano()
	last := t.ecnLogAt.Load()
	if last != 0 && now-last < int64(ecnLogInterval) {
		return
	}
	if !t.ecnLogAt.CompareAndSwap(last, now) {
		return
	}
	slog.Info(fmt.Sprintf("%s: non-ECT from %s with TOS=%#x", t.dev.Name(), outer.Source(), outer.TOS()))
}

// scrub is skb_scrub_packet for a packet entering a tunnel device.
func scrub(b *packet.Buffer) {
	b.PktType = packet.PacketHost
	b.Dst = nil
	b.SecPath = nil
	b.Tunnel = packet.TunnelInfo{}
	b.Csum = packet.Csum{}
}

// RxInfo is ip_tun_rx_dst (+ ip_tunnel_md_udp_encap): the collect_md
// metadata of a received packet whose network header is the outer IPv4
// header: outer addresses, TOS, TTL and, for FOU/GUE, the UDP ports.
func RxInfo(b *packet.Buffer, flags packet.TunnelFlags, key uint64) packet.TunnelInfo {
	outer := header.IPv4(b.NetworkHeader())
	info := packet.TunnelInfo{Present: true, Src: outer.Source(), Dst: outer.Destination(),
		TOS: outer.TOS(), TTL: outer.TTL(), Key: key, Flags: flags}
	if outer.Protocol() == header.IPProtoUDP {
		hl := outer.HeaderLength()
		if len(outer) >= hl+header.UDPMinimumSize {
			u := header.UDP(outer[hl:])
			info.TPSrc, info.TPDst = u.SourcePort(), u.DestinationPort()
		}
	}
	return info
}
