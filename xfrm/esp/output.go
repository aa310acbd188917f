package esp

import (
	"encoding/binary"
	"github.com/softnet/softnet/xfrm/internal/mode"

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

func outputTunnel(x *xfrm.State, b *packet.Buffer, p *Params) *xfrm.Drop {
	c := x.Cfg()
	mib := x.MIB()
	in, ok := mode.Inspect(b.Bytes())
	if !ok {
		return mib.Count(xfrm.OutStateModeError)
	}
	n := b.Len()
	ivLen, icvLen := x.AEAD.IVLen(), x.AEAD.ICVLen()
	tfclen, plen := trailer(x, n, p)
	olen := mode.OuterLen(c.Family)
	elen := encapLen(c)
	if !b.Reserve(olen+elen+header.ESPMinimumSize+ivLen+esnShift, tfclen+plen+icvLen+gcmSpill) {
		return mib.Count(xfrm.OutError)
	}
	seq, d := x.OutputPrepare(olen + elen + header.ESPMinimumSize + ivLen + n)
	if d != nil {
		return d
	}
	fillTrailer(b.Put(tfclen+plen+icvLen), tfclen, plen, in.Proto)
	seal(x, b, seq)
	encapUDP(x, b)
	ttl := p.TTL
	if ttl == 0 {
		ttl = 64
	}
	proto := uint8(xfrm.ProtoESP)
	if c.Encap != nil {
		proto = mode.ProtoUDP
	}
	mode.PushOuter(x, b, in, proto, ttl)
	finishUDP(x, b, olen)
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

func outputTransport(x *xfrm.State, b *packet.Buffer, p *Params) *xfrm.Drop {
	c := x.Cfg()
	mib := x.MIB()
	pkt := b.Bytes()
	hlen, nhOff, nh, ok := mode.Split(pkt)
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
	var l3 [mode.MaxL3]byte
	copy(l3[:hlen], b.Bytes())
	b.Pull(hlen)
	fillTrailer(b.Put(plen+icvLen), 0, plen, nh)
	seal(x, b, seq)
	encapUDP(x, b)
	copy(b.Push(hlen), l3[:hlen])
	proto := uint8(xfrm.ProtoESP)
	if c.Encap != nil {
		proto = mode.ProtoUDP
	}
	var sa, da [16]byte
	var src, dst []byte
	if beet {
		src, dst = mode.BEETAddrs(x, fam, &sa, &da)
	}
	mode.Patch(b.Bytes(), nhOff, proto, beet, src, dst)
	mode.SetProtocol(b, fam)
	finishUDP(x, b, hlen)
	b.SetNetworkHeader(0)
	b.SetTransportHeader(hlen)
	return nil
}
