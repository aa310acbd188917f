package flower

import (
	"encoding/binary"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Ethertypes and IP protocols the dissector knows.
const (
	ethIPv4   = 0x0800
	ethIPv6   = 0x86DD
	eth8021Q  = 0x8100
	eth8021AD = 0x88A8

	protoICMP    = 1
	protoTCP     = 6
	protoUDP     = 17
	protoDCCP    = 33
	protoICMPv6  = 58
	protoSCTP    = 132
	protoUDPLite = 136

	ip6HopByHop = 0
	ip6Routing  = 43
	ip6Fragment = 44
	ip6DstOpts  = 60
)

// dissect fills k from b as skb_flow_dissect does for flower's keys: the
// Ethernet header when the packet has one, one VLAN tag, IPv4 or IPv6
// (extension headers followed, fragments stop before layer 4), ports of
// TCP/UDP/UDP-Lite/SCTP/DCCP, TCP flags, ICMP type and code, and the
// collect_md tunnel metadata. It never reads past the data and never
// allocates.
func dissect(dev *netdev.Device, b *packet.Buffer, k *flowKey) {
	be := binary.BigEndian
	proto := b.Protocol
	var l3 []byte
	if mac, ok := ethHeader(dev, b); ok {
		copy(k[oDstMAC:oDstMAC+6], mac[0:6])
		copy(k[oSrcMAC:oSrcMAC+6], mac[6:12])
		if proto == 0 {
			proto = be.Uint16(mac[12:14])
		}
		if !b.HasNetwork() {
			l3 = mac[14:]
		}
	}
	if l3 == nil {
		if b.HasNetwork() {
			l3 = b.NetworkHeader()
		} else {
			l3 = b.Bytes()
		}
	}
	if proto == eth8021Q || proto == eth8021AD {
		if len(l3) < 4 {
			return
		}
		tci := be.Uint16(l3)
		be.PutUint16(k[oVlanTPID:], proto)
		be.PutUint16(k[oVlanID:], tci&0x0fff)
		k[oVlanPrio] = uint8(tci >> 13)
		proto = be.Uint16(l3[2:])
		l3 = l3[4:]
	}
	be.PutUint16(k[oEthType:], proto)
	switch proto {
	case ethIPv4:
		dissectIPv4(l3, k)
	case ethIPv6:
		dissectIPv6(l3, k)
	}
	if t := &b.Tunnel; t.Present {
		dissectTunnel(t, k)
	}
}

// ethHeader returns the packet's Ethernet header when it has one.
func ethHeader(dev *netdev.Device, b *packet.Buffer) ([]byte, bool) {
	if !b.HasMAC() || (dev != nil && dev.Type != netdev.ARPHRDEther) {
		return nil, false
	}
	if b.HasNetwork() && b.MACLen() < netdev.EthHeaderLen {
		return nil, false
	}
	mac := b.MACHeader()
	if len(mac) < netdev.EthHeaderLen {
		return nil, false
	}
	return mac, true
}

func dissectIPv4(h []byte, k *flowKey) {
	if len(h) < 20 || h[0]>>4 != 4 {
		return
	}
	ihl := int(h[0]&0x0f) * 4
	if ihl < 20 || len(h) < ihl {
		return
	}
	k[oAddrType] = 4
	copy(k[oSrc:oSrc+4], h[12:16])
	copy(k[oDst:oDst+4], h[16:20])
	k[oTOS] = h[1]
	k[oTTL] = h[8]
	k[oIPProto] = h[9]
	if binary.BigEndian.Uint16(h[6:8])&0x3fff != 0 {
		return // a fragment: no layer 4 (flower dissects without PARSE_1ST_FRAG)
	}
	dissectL4(h[9], h[ihl:], k)
}

func dissectIPv6(h []byte, k *flowKey) {
	if len(h) < 40 || h[0]>>4 != 6 {
		return
	}
	k[oAddrType] = 6
	copy(k[oSrc:oSrc+16], h[8:24])
	copy(k[oDst:oDst+16], h[24:40])
	k[oTOS] = uint8(binary.BigEndian.Uint16(h[0:2]) >> 4)
	k[oTTL] = h[7]
	next, rest := h[6], h[40:]
	for range 8 {
		switch next {
		case ip6HopByHop, ip6Routing, ip6DstOpts:
			if len(rest) < 8 {
				k[oIPProto] = next
				return
			}
			n := (int(rest[1]) + 1) * 8
			if len(rest) < n {
				k[oIPProto] = next
				return
			}
			next, rest = rest[0], rest[n:]
			continue
		case ip6Fragment:
			if len(rest) < 8 {
				k[oIPProto] = next
				return
			}
			k[oIPProto] = rest[0]
			return // fragments stop before layer 4
		}
		break
	}
	k[oIPProto] = next
	dissectL4(next, rest, k)
}

func dissectL4(proto uint8, l4 []byte, k *flowKey) {
	switch proto {
	case protoTCP, protoUDP, protoUDPLite, protoSCTP, protoDCCP:
		if len(l4) >= 4 {
			copy(k[oSrcPort:oSrcPort+4], l4[:4])
		}
		if proto == protoTCP && len(l4) >= 20 {
			binary.BigEndian.PutUint16(k[oTCPFlags:], binary.BigEndian.Uint16(l4[12:14])&0x0fff)
		}
	case protoICMP, protoICMPv6:
		if len(l4) >= 2 {
			k[oICMPType] = l4[0]
			k[oICMPCode] = l4[1]
		}
	}
}

// dissectTunnel is skb_flow_dissect_tunnel_info: the family is the
// metadata's (its destination's); an address of the other family is left
// zero.
func dissectTunnel(t *packet.TunnelInfo, k *flowKey) {
	fam := uint8(4)
	if t.Dst.Is6() || (!t.Dst.IsValid() && t.Src.Is6()) {
		fam = 6
	}
	k[oEncAType] = fam
	if a, f := Addr16(t.Src); f == fam {
		copy(k[oEncSrc:oEncSrc+16], a[:])
	}
	if a, f := Addr16(t.Dst); f == fam {
		copy(k[oEncDst:oEncDst+16], a[:])
	}
	binary.BigEndian.PutUint32(k[oEncKeyID:], uint32(t.Key))
	binary.BigEndian.PutUint16(k[oEncDPort:], t.TPDst)
}
