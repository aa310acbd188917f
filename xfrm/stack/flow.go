package stack

import (
	"encoding/binary"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/xfrm"
)

// decode fills f from a packet starting at its IP header
// (_decode_session4/6): addresses, protocol, and the ports (ICMP type and
// code) of a first fragment.
func decode(pkt []byte, f *xfrm.Flow) (family int, ok bool) {
	if len(pkt) < 1 {
		return 0, false
	}
	var l4 []byte
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) < header.IPv4MinimumSize {
			return 0, false
		}
		ip := header.IPv4(pkt)
		hl := ip.HeaderLength()
		if hl > len(pkt) {
			return 0, false
		}
		f.Saddr, f.Daddr, f.Proto = ip.Source(), ip.Destination(), ip.Protocol()
		if ip.FlagsFragOff()&header.IPv4FragOffsetMask == 0 {
			l4 = pkt[hl:]
		}
		family = 4
	case 6:
		if len(pkt) < header.IPv6MinimumSize {
			return 0, false
		}
		ip := header.IPv6(pkt)
		f.Saddr, f.Daddr = ip.Source(), ip.Destination()
		nh, off := ip.NextHeader(), header.IPv6MinimumSize
		for i := 0; i < 8; i++ {
			if nh != 0 && nh != 43 && nh != 60 && nh != 44 {
				break
			}
			if len(pkt) < off+8 {
				return 6, true
			}
			if nh == 44 {
				if binary.BigEndian.Uint16(pkt[off+2:])&0xfff8 != 0 {
					f.Proto = pkt[off]
					return 6, true
				}
				nh, off = pkt[off], off+8
				continue
			}
			nh, off = pkt[off], off+(int(pkt[off+1])+1)*8
		}
		f.Proto = nh
		if off <= len(pkt) {
			l4 = pkt[off:]
		}
		family = 6
	default:
		return 0, false
	}
	switch f.Proto {
	case header.IPProtoTCP, header.IPProtoUDP, 132, 136, 33:
		if len(l4) >= 4 {
			f.Sport, f.Dport = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		}
	case header.IPProtoICMP, 58:
		if len(l4) >= 2 {
			f.Sport, f.Dport = uint16(l4[0]), uint16(l4[1])
		}
	}
	return family, true
}
