package esp

import (
	"encoding/binary"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/internal/mode"
)

// espSA is what esp_init_state computes once per SA and the data path
// reads for every packet (x->props.header_len, the cipher's sizes, the
// outer header's constant part), kept in xfrm.State.Data so that the hot
// path makes no interface call or Config walk to find it.
type espSA struct {
	spi    uint32
	ivLen  int
	icvLen int
	bs     int // padding alignment (blockSize)
	elen   int // UDP encapsulation bytes (encapLen)
	olen   int // outer IP header bytes in tunnel mode, 0 otherwise
	tfc    bool
	esn    bool
	udp6   bool // NAT-T over IPv6: the UDP checksum is set after sealing
	proto  uint8
	tunnel bool

	// Tunnel mode over IPv4: the outer header's constant fields and the
	// one's-complement sum of its constant words.
	v4     bool
	noDSCP bool // dont-encap-dscp
	noECN  bool // noecn
	df     bool // copy DF from the inner header (no nopmtudisc)
	v4src  [4]byte
	v4dst  [4]byte
	v4csum uint32
}

// newSA builds x's espSA; x.AEAD must be set.
func newSA(x *xfrm.State) *espSA {
	c := x.Cfg()
	sa := &espSA{
		spi:    c.ID.SPI,
		ivLen:  x.AEAD.IVLen(),
		icvLen: x.AEAD.ICVLen(),
		bs:     (x.AEAD.BlockSize() + 3) &^ 3,
		elen:   encapLen(c),
		tfc:    c.TFCPad != 0,
		esn:    c.Flags&xfrm.FlagESN != 0,
		udp6:   c.Encap != nil && c.Family == 6,
		proto:  uint8(xfrm.ProtoESP),
		tunnel: c.Mode == xfrm.ModeTunnel,
		df:     c.Flags&xfrm.FlagNoPMTUDisc == 0,
		noDSCP: c.ExtraFlags&xfrm.ExtraDontEncapDSCP != 0,
		noECN:  c.Flags&xfrm.FlagNoECN != 0,
	}
	if c.Encap != nil {
		sa.proto = mode.ProtoUDP
	}
	if sa.tunnel {
		sa.olen = mode.OuterLen(c.Family)
	}
	if sa.tunnel && c.Family == 4 && c.Saddr.Is4() && c.ID.Daddr.Is4() {
		sa.v4 = true
		sa.v4src, sa.v4dst = c.Saddr.As4(), c.ID.Daddr.As4()
		// Version/IHL and the protocol byte are constant; TOS, length,
		// ID, flags and TTL are added per packet.
		s := uint32(0x4500) + uint32(sa.proto)
		for i := 0; i < 4; i += 2 {
			s += uint32(binary.BigEndian.Uint16(sa.v4src[i:]))
			s += uint32(binary.BigEndian.Uint16(sa.v4dst[i:]))
		}
		sa.v4csum = s
	}
	return sa
}

// outerTOS is the tunnel outer TOS rule of mode.PushOuter: DSCP copied
// unless dont-encap-dscp, ECN per RFC 6040 unless noecn.
func (sa *espSA) outerTOS(in uint8) uint8 {
	tos := in
	if sa.noDSCP {
		tos = 0
	}
	tos = tos&^header.ECNMask | header.ECNEncapsulate(in)
	if sa.noECN {
		tos &^= header.ECNMask
	}
	return tos
}

// saOf returns x's espSA (built by Init; built afresh for a state that
// did not go through Init).
func saOf(x *xfrm.State) *espSA {
	if sa, ok := x.Data.(*espSA); ok {
		return sa
	}
	return newSA(x)
}

// pushOuter4 is mode.PushOuter for an IPv4 outer header, from the SA's
// precomputed constant part: the same bytes, a checksum summed from
// five variable words instead of ten.
func (sa *espSA) pushOuter4(x *xfrm.State, b *packet.Buffer, in mode.Inner, ttl uint8) {
	tos := sa.outerTOS(in.TOS)
	var frag, id uint16
	if in.DF && sa.df {
		frag = header.IPv4FlagDF
	} else {
		id = x.NextIPID()
	}
	h := b.Push(header.IPv4MinimumSize)
	tot := uint16(b.Len())
	h[0], h[1] = 0x45, tos
	binary.BigEndian.PutUint16(h[2:], tot)
	binary.BigEndian.PutUint16(h[4:], id)
	binary.BigEndian.PutUint16(h[6:], frag)
	h[8], h[9] = ttl, sa.proto
	copy(h[12:16], sa.v4src[:])
	copy(h[16:20], sa.v4dst[:])
	s := sa.v4csum + uint32(tos) + uint32(tot) + uint32(id) + uint32(frag) + uint32(ttl)<<8
	s = s&0xffff + s>>16
	s = s&0xffff + s>>16
	binary.BigEndian.PutUint16(h[10:], ^uint16(s))
	b.Protocol = 0x0800
	b.SetNetworkHeader(0)
}
