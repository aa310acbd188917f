package esp

import (
	"encoding/binary"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// Params are the route-dependent inputs of Output.
type Params struct {
	// TTL is the outer TTL / hop limit in tunnel mode (the route's
	// hoplimit); 0 means 64.
	TTL uint8
	// MTU is the path MTU TFC padding is bounded by; 0 means 1500.
	MTU int
}

var defaultParams = Params{TTL: 64, MTU: 1500}

// Output applies ESP to b in place, as xfrm_output_one with the SA's outer
// mode and esp_output do. b's data starts at an IP header: the inner packet
// in tunnel mode, the whole packet in transport and BEET modes. On success
// b holds the ESP packet from its outer IP header, with the network header
// set. On failure the returned *xfrm.Drop names the reason and the MIB
// counter already bumped; b remains the caller's to drop.
func Output(x *xfrm.State, b *packet.Buffer, p *Params) error {
	if p == nil {
		p = &defaultParams
	}
	var d *xfrm.Drop
	switch x.Cfg().Mode {
	case xfrm.ModeTunnel:
		d = outputTunnel(x, b, p)
	default:
		d = outputTransport(x, b, p)
	}
	if d != nil {
		return d
	}
	b.Mark = x.Cfg().ApplyOutputMark(b.Mark)
	return nil
}

// encapLen is the UDP encapsulation overhead.
func encapLen(c *xfrm.Config) int {
	if c.Encap == nil {
		return 0
	}
	if c.Encap.Type == xfrm.EncapESPInUDPNonIKE {
		return header.UDPMinimumSize + nonIKEBytes
	}
	return header.UDPMinimumSize
}

// trailer computes TFC and padding lengths for a payload of n bytes
// (esp_output): clen = ALIGN(n + 2 + tfclen, blksize).
func trailer(x *xfrm.State, n int, p *Params) (tfclen, plen int) {
	c := x.Cfg()
	if c.TFCPad != 0 {
		mtu := p.MTU
		if mtu == 0 {
			mtu = 1500
		}
		padto := min(int(c.TFCPad), StateMTU(x, mtu))
		if n < padto {
			tfclen = padto - n
		}
	}
	bs := blockSize(x)
	clen := (n + 2 + tfclen + bs - 1) / bs * bs
	return tfclen, clen - n - tfclen
}

// fillTrailer writes TFC zeros, the monotonic padding, pad length and next
// header (esp_output_fill_trailer).
func fillTrailer(t []byte, tfclen, plen int, nh uint8) {
	clear(t[:tfclen])
	t = t[tfclen:]
	for i := 0; i < plen-2; i++ {
		t[i] = byte(i + 1)
	}
	t[plen-2] = byte(plen - 2)
	t[plen-1] = nh
}

// innerInfo is what the outer header takes from the inner one
// (XFRM_MODE_SKB_CB: tos, frag_off, flow label).
type innerInfo struct {
	tos     uint8
	df      bool
	flowLbl uint32
	proto   uint8 // IPIP or IPv6 as the ESP next header
}

func inspectInner(pkt []byte) (innerInfo, bool) {
	if len(pkt) < 1 {
		return innerInfo{}, false
	}
	switch pkt[0] >> 4 {
	case 4:
		ip := header.IPv4(pkt)
		if len(pkt) < header.IPv4MinimumSize || ip.HeaderLength() < header.IPv4MinimumSize || ip.HeaderLength() > len(pkt) {
			return innerInfo{}, false
		}
		return innerInfo{tos: ip.TOS(), df: ip.FlagsFragOff()&0x4000 != 0, proto: protoIPIP}, true
	case 6:
		if len(pkt) < header.IPv6MinimumSize {
			return innerInfo{}, false
		}
		ip := header.IPv6(pkt)
		return innerInfo{tos: ip.TrafficClass(), df: true, flowLbl: ip.FlowLabel(), proto: protoIPv6}, true
	}
	return innerInfo{}, false
}

// ecnEncap is INET_ECN_encapsulate.
func ecnEncap(outer, inner uint8) uint8 {
	return outer&^header.ECNMask | header.ECNEncapsulate(inner)
}

func outputTunnel(x *xfrm.State, b *packet.Buffer, p *Params) *xfrm.Drop {
	c := x.Cfg()
	mib := x.MIB()
	in, ok := inspectInner(b.Bytes())
	if !ok {
		return mib.Count(xfrm.OutStateModeError)
	}
	n := b.Len()
	ivLen, icvLen := x.AEAD.IVLen(), x.AEAD.ICVLen()
	tfclen, plen := trailer(x, n, p)
	olen := outerLen(c.Family)
	elen := encapLen(c)
	if !b.Reserve(olen+elen+header.ESPMinimumSize+ivLen+esnShift, tfclen+plen+icvLen+gcmSpill) {
		return mib.Count(xfrm.OutError)
	}
	seq, d := x.OutputPrepare(olen + elen + header.ESPMinimumSize + ivLen + n)
	if d != nil {
		return d
	}
	fillTrailer(b.Put(tfclen+plen+icvLen), tfclen, plen, in.proto)
	seal(x, b, seq)
	encapUDP(x, b)
	ttl := p.TTL
	if ttl == 0 {
		ttl = 64
	}
	tos := in.tos
	if c.ExtraFlags&xfrm.ExtraDontEncapDSCP != 0 {
		tos = 0
	}
	tos = ecnEncap(tos, in.tos)
	if c.Flags&xfrm.FlagNoECN != 0 {
		tos &^= header.ECNMask
	}
	proto := uint8(xfrm.ProtoESP)
	if c.Encap != nil {
		proto = protoUDP
	}
	if c.Family == 4 {
		ip := header.IPv4(b.Push(header.IPv4MinimumSize))
		var frag uint16
		if in.df && c.Flags&xfrm.FlagNoPMTUDisc == 0 {
			frag = 0x4000
		}
		var id uint16
		if frag == 0 {
			id = x.NextIPID()
		}
		ip.Encode(&header.IPv4Fields{TOS: tos, TotalLength: uint16(b.Len()), ID: id, Flags: frag,
			TTL: ttl, Protocol: proto, Src: c.Saddr, Dst: c.ID.Daddr})
		ip.UpdateChecksum()
		b.Protocol = 0x0800
	} else {
		ip := header.IPv6(b.Push(header.IPv6MinimumSize))
		ip.Encode(&header.IPv6Fields{TrafficClass: tos, FlowLabel: in.flowLbl, PayloadLength: uint16(b.Len() - header.IPv6MinimumSize),
			NextHeader: proto, HopLimit: ttl, Src: c.Saddr, Dst: c.ID.Daddr})
		b.Protocol = 0x86DD
	}
	finishUDP(x, b, olen)
	b.SetNetworkHeader(0)
	b.SetTransportHeader(olen)
	return nil
}

// seal pushes the ESP header and IV in front of the payload (whose trailer
// is already in place) and encrypts. With ESN the AAD is SPI | seq_hi |
// seq_lo, built 4 bytes in front of the header as Linux does and undone
// afterwards.
func seal(x *xfrm.State, b *packet.Buffer, seq uint64) {
	ivLen := x.AEAD.IVLen()
	h := b.Push(header.ESPMinimumSize + ivLen)
	spi := x.Cfg().ID.SPI
	binary.BigEndian.PutUint32(h[0:4], spi)
	binary.BigEndian.PutUint32(h[4:8], uint32(seq))
	if x.Cfg().Flags&xfrm.FlagESN == 0 {
		x.AEAD.Seal(b.Bytes(), header.ESPMinimumSize, seq)
		return
	}
	pre := b.Push(esnShift)
	var saved [4]byte
	copy(saved[:], pre[:4])
	binary.BigEndian.PutUint32(pre[0:4], spi)
	binary.BigEndian.PutUint32(pre[4:8], uint32(seq>>32))
	x.AEAD.Seal(b.Bytes(), 12, seq)
	binary.BigEndian.PutUint32(pre[4:8], spi)
	copy(pre[:4], saved[:])
	b.Pull(esnShift)
}

// encapUDP pushes the NAT-T UDP header (and non-IKE marker); the length
// and checksum are set by finishUDP once the IP header is known.
func encapUDP(x *xfrm.State, b *packet.Buffer) {
	e := x.Cfg().Encap
	if e == nil {
		return
	}
	if e.Type == xfrm.EncapESPInUDPNonIKE {
		clear(b.Push(nonIKEBytes))
	}
	u := header.UDP(b.Push(header.UDPMinimumSize))
	u.SetSourcePort(e.Sport)
	u.SetDestinationPort(e.Dport)
	u.SetLength(uint16(b.Len()))
	u.SetChecksum(0)
}

// finishUDP completes the UDP header at off: zero checksum over IPv4
// (RFC 3948), a real one over IPv6 (esp_output_encap_csum).
func finishUDP(x *xfrm.State, b *packet.Buffer, off int) {
	if x.Cfg().Encap == nil || x.Cfg().Family != 6 {
		return
	}
	pkt := b.Bytes()
	ip := header.IPv6(pkt)
	u := header.UDP(pkt[off:])
	u.SetChecksum(0)
	u.SetChecksum(u.CalculateChecksum(ip.SourceSlice(), ip.DestinationSlice()))
}
