package esp

import (
	"encoding/binary"
	"net/netip"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// maxL3 bounds the IP header plus unfragmentable extension headers that
// transport mode moves.
const maxL3 = 512

// l3Split finds where ESP goes in an IP packet (ip6_find_1stfragopt for
// IPv6: after hop-by-hop, routing, and destination options that precede a
// routing header). It returns the length of the part kept in front, the
// offset of the next-header byte to patch and that byte's value.
func l3Split(pkt []byte) (hlen, nhOff int, nh uint8, ok bool) {
	if len(pkt) < 1 {
		return 0, 0, 0, false
	}
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) < header.IPv4MinimumSize {
			return 0, 0, 0, false
		}
		h := header.IPv4(pkt).HeaderLength()
		if h < header.IPv4MinimumSize || h > len(pkt) {
			return 0, 0, 0, false
		}
		return h, 9, pkt[9], true
	case 6:
		if len(pkt) < header.IPv6MinimumSize {
			return 0, 0, 0, false
		}
		off, nhOff, nh := header.IPv6MinimumSize, 6, pkt[6]
		routing := false
		for {
			switch nh {
			case 0, 43, 60:
			default:
				return off, nhOff, nh, off <= maxL3
			}
			if nh == 60 && routing {
				return off, nhOff, nh, off <= maxL3
			}
			if nh == 43 {
				routing = true
			}
			if off+8 > len(pkt) {
				return 0, 0, 0, false
			}
			nhOff = off
			nh = pkt[off]
			off += (int(pkt[off+1]) + 1) * 8
			if off > len(pkt) {
				return 0, 0, 0, false
			}
		}
	}
	return 0, 0, 0, false
}

// patchL3 sets the next header byte and the length fields of the IP header
// at the front of pkt (whose total length is len(pkt)); for BEET it also
// replaces the addresses.
func patchL3(pkt []byte, nhOff int, nh uint8, beet bool, src, dst []byte) {
	if pkt[0]>>4 == 4 {
		ip := header.IPv4(pkt)
		ip.SetProtocol(nh)
		ip.SetTotalLength(uint16(len(pkt)))
		if beet {
			copy(ip.SourceSlice(), src)
			copy(ip.DestinationSlice(), dst)
		}
		ip.UpdateChecksum()
		return
	}
	pkt[nhOff] = nh
	binary.BigEndian.PutUint16(pkt[4:6], uint16(len(pkt)-header.IPv6MinimumSize))
	if beet {
		copy(pkt[8:24], src)
		copy(pkt[24:40], dst)
	}
}

func outputTransport(x *xfrm.State, b *packet.Buffer, p *Params) *xfrm.Drop {
	c := x.Cfg()
	mib := x.MIB()
	pkt := b.Bytes()
	hlen, nhOff, nh, ok := l3Split(pkt)
	if !ok {
		return mib.Count(xfrm.OutStateModeError)
	}
	fam := int(pkt[0] >> 4)
	beet := c.Mode == xfrm.ModeBEET
	if beet && (fam != c.Family || (fam == 4 && hlen != header.IPv4MinimumSize)) {
		// Cross-family BEET and the BEET pseudo header are not done.
		return mib.Count(xfrm.OutStateModeError)
	}
	ivLen, icvLen := x.AEAD.IVLen(), x.AEAD.ICVLen()
	elen := encapLen(c)
	n := len(pkt) - hlen
	_, plen := trailer(x, n, p)
	if !b.Reserve(elen+header.ESPMinimumSize+ivLen+esnShift, plen+icvLen+gcmSpill) {
		return mib.Count(xfrm.OutError)
	}
	seq, d := x.OutputPrepare(b.Len() + elen + header.ESPMinimumSize + ivLen)
	if d != nil {
		return d
	}
	var l3 [maxL3]byte
	copy(l3[:hlen], b.Bytes())
	b.Pull(hlen)
	fillTrailer(b.Put(plen+icvLen), 0, plen, nh)
	seal(x, b, seq)
	encapUDP(x, b)
	copy(b.Push(hlen), l3[:hlen])
	proto := uint8(xfrm.ProtoESP)
	if c.Encap != nil {
		proto = protoUDP
	}
	var sa, da [16]byte
	al := addrLen(fam)
	if beet {
		putAddr(sa[:], c.Saddr)
		putAddr(da[:], c.ID.Daddr)
	}
	patchL3(b.Bytes(), nhOff, proto, beet, sa[:al], da[:al])
	if fam == 4 {
		b.Protocol = 0x0800
	} else {
		b.Protocol = 0x86DD
	}
	if c.Family == 6 || fam == 6 {
		finishUDP(x, b, hlen)
	}
	b.SetNetworkHeader(0)
	b.SetTransportHeader(hlen)
	return nil
}

func addrLen(fam int) int {
	if fam == 4 {
		return 4
	}
	return 16
}

func putAddr(dst []byte, a netip.Addr) {
	if a.Is4() {
		v := a.As4()
		copy(dst, v[:])
		return
	}
	v := a.As16()
	copy(dst, v[:])
}
