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

// Sealing is an outbound ESP packet between Prepare and Seal: its
// headers, trailer and sequence number are in place and its payload is
// still plaintext. It is a small value the caller keeps beside the packet
// (a crypto engine's ring slot); the packet must not be pushed or pulled
// in between.
type Sealing struct {
	// Seq is the sequence number Prepare assigned (with the ESN high
	// half).
	Seq uint64
	off int32 // the ESP header's offset in the packet data
	udp int32 // offset of a UDP header over IPv6 whose checksum Seal sets; -1 none
}

// Output applies ESP to b in place, as xfrm_output_one with the SA's outer
// mode and esp_output do: Prepare then Seal. b's data starts at an IP
// header: the inner packet in tunnel mode, the whole packet in transport
// and BEET modes. On success b holds the ESP packet from its outer IP
// header, with the network header set. On failure the returned
// *xfrm.Drop names the reason and the MIB counter already bumped; b
// remains the caller's to drop.
func Output(x *xfrm.State, b *packet.Buffer, p *Params) error {
	s, err := Prepare(x, b, p)
	if err != nil {
		return err
	}
	Seal(x, b, s)
	return nil
}

// Prepare is the serial half of Output (esp_output_head and the mode's
// header building): it checks the SA, assigns the sequence number and
// counts the lifetime, writes the trailer, the ESP header (SPI and
// sequence number), the NAT-T header and the outer or patched IP header.
// Packets of one SA must be prepared in the order they are to leave; the
// Seal of each may then run on any goroutine, in any order. Errors are
// Output's.
func Prepare(x *xfrm.State, b *packet.Buffer, p *Params) (Sealing, error) {
	if p == nil {
		p = &defaultParams
	}
	sa := saOf(x)
	var s Sealing
	var d *xfrm.Drop
	switch {
	case sa.tunnel:
		s, d = prepareTunnel(x, sa, b, p)
	case x.Cfg().Mode == xfrm.ModeBEET:
		s, d = prepareBEET(x, sa, b, p)
	default:
		s, d = prepareTransport(x, sa, b, p)
	}
	if d != nil {
		return Sealing{}, d
	}
	b.Mark = x.Cfg().ApplyOutputMark(b.Mark)
	return s, nil
}

// Seal is the parallel half of Output (esp_output_tail): it writes the IV,
// encrypts the payload and trailer and writes the ICV of a packet Prepare
// left in s. With ESN the AAD is SPI | seq_hi | seq_lo, built over the 4
// bytes in front of the ESP header as Linux does and restored afterwards.
// Over IPv6 the NAT-T UDP checksum, which covers the ciphertext, is set
// last (esp_output_encap_csum).
func Seal(x *xfrm.State, b *packet.Buffer, s Sealing) {
	pkt := b.Bytes()
	off := int(s.off)
	if off < 4 || off > len(pkt) {
		return
	}
	esp := pkt[off:]
	if x.Cfg().Flags&xfrm.FlagESN == 0 {
		x.AEAD.Seal(esp, header.ESPMinimumSize, s.Seq)
	} else {
		pre := pkt[off-esnShift:]
		var saved [esnShift]byte
		copy(saved[:], pre)
		spi := binary.BigEndian.Uint32(esp)
		binary.BigEndian.PutUint32(pre[0:4], spi)
		binary.BigEndian.PutUint32(pre[4:8], uint32(s.Seq>>32))
		x.AEAD.Seal(pre, header.ESPMinimumSize+esnShift, s.Seq)
		binary.BigEndian.PutUint32(pre[4:8], spi)
		copy(pre, saved[:])
	}
	if s.udp >= 0 {
		finishUDP6(pkt, int(s.udp))
	}
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
func trailer(x *xfrm.State, sa *espSA, n int, p *Params) (tfclen, plen int) {
	if sa.tfc {
		c := x.Cfg()
		mtu := p.MTU
		if mtu == 0 {
			mtu = 1500
		}
		padto := min(int(c.TFCPad), StateMTU(x, mtu))
		if n < padto {
			tfclen = padto - n
		}
	}
	bs := sa.bs
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

func prepareTunnel(x *xfrm.State, sa *espSA, b *packet.Buffer, p *Params) (Sealing, *xfrm.Drop) {
	in, ok := mode.Inspect(b.Bytes())
	if !ok {
		return Sealing{}, x.MIB().Count(xfrm.OutStateModeError)
	}
	n := b.Len()
	tfclen, plen := trailer(x, sa, n, p)
	esph := header.ESPMinimumSize + sa.ivLen
	if !b.Reserve(sa.olen+sa.elen+esph+esnShift, tfclen+plen+sa.icvLen+gcmSpill) {
		return Sealing{}, x.MIB().Count(xfrm.OutError)
	}
	seq, d := x.OutputPrepare(sa.olen + sa.elen + esph + n)
	if d != nil {
		return Sealing{}, d
	}
	fillTrailer(b.Put(tfclen+plen+sa.icvLen), tfclen, plen, in.Proto)
	pushESP(b, sa, esph, seq)
	encapUDP(x, b)
	ttl := p.TTL
	if ttl == 0 {
		ttl = 64
	}
	if sa.v4 {
		sa.pushOuter4(x, b, in, ttl)
	} else {
		mode.PushOuter(x, b, in, sa.proto, ttl)
	}
	b.SetTransportHeader(sa.olen)
	s := Sealing{Seq: seq, off: int32(sa.olen + sa.elen), udp: -1}
	if sa.udp6 {
		s.udp = int32(sa.olen)
	}
	return s, nil
}

// pushESP pushes the ESP header and room for the IV in front of the
// payload, with the SPI and the low half of seq.
func pushESP(b *packet.Buffer, sa *espSA, esph int, seq uint64) {
	h := b.Push(esph)
	binary.BigEndian.PutUint32(h[0:4], sa.spi)
	binary.BigEndian.PutUint32(h[4:8], uint32(seq))
}

// encapUDP pushes the NAT-T UDP header (and non-IKE marker); over IPv6
// its checksum is set by Seal once the ciphertext is known.
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

// finishUDP6 sets the checksum of the UDP header at off of an IPv6 packet
// pkt: RFC 3948 leaves it zero over IPv4, IPv6 needs a real one
// (esp_output_encap_csum).
func finishUDP6(pkt []byte, off int) {
	if len(pkt) < header.IPv6MinimumSize || pkt[0]>>4 != 6 || off+header.UDPMinimumSize > len(pkt) {
		return
	}
	ip := header.IPv6(pkt)
	u := header.UDP(pkt[off:])
	u.SetChecksum(0)
	u.SetChecksum(u.CalculateChecksum(ip.SourceSlice(), ip.DestinationSlice()))
}

func prepareTransport(x *xfrm.State, sa *espSA, b *packet.Buffer, p *Params) (Sealing, *xfrm.Drop) {
	mib := x.MIB()
	pkt := b.Bytes()
	hlen, nhOff, nh, ok := mode.Split(pkt)
	if !ok {
		return Sealing{}, mib.Count(xfrm.OutStateModeError)
	}
	esph := header.ESPMinimumSize + sa.ivLen
	_, plen := trailer(x, sa, len(pkt)-hlen, p)
	if !b.Reserve(sa.elen+esph+esnShift, plen+sa.icvLen+gcmSpill) {
		return Sealing{}, mib.Count(xfrm.OutError)
	}
	seq, d := x.OutputPrepare(b.Len() + sa.elen + esph)
	if d != nil {
		return Sealing{}, d
	}
	return frameAfterHeader(x, sa, b, hlen, nhOff, nh, 0, plen, seq), nil
}

// frameAfterHeader wraps what follows the hlen-byte IP header at the
// start of b (next header nh, whose field is at nhOff) in ESP, for
// transport and BEET modes: trailer (tfclen bytes of TFC padding, plen of
// padding, room for the ICV), ESP header with seq, the NAT-T UDP header;
// the IP header goes back in front, now naming ESP (or UDP).
func frameAfterHeader(x *xfrm.State, sa *espSA, b *packet.Buffer, hlen, nhOff int, nh uint8, tfclen, plen int, seq uint64) Sealing {
	var l3 [mode.MaxL3]byte
	copy(l3[:hlen], b.Bytes())
	b.Pull(hlen)
	fillTrailer(b.Put(tfclen+plen+sa.icvLen), tfclen, plen, nh)
	pushESP(b, sa, header.ESPMinimumSize+sa.ivLen, seq)
	encapUDP(x, b)
	copy(b.Push(hlen), l3[:hlen])
	mode.Patch(b.Bytes(), nhOff, sa.proto, false, nil, nil)
	mode.SetProtocol(b, int(b.Bytes()[0]>>4))
	b.SetNetworkHeader(0)
	b.SetTransportHeader(hlen)
	s := Sealing{Seq: seq, off: int32(hlen + sa.elen), udp: -1}
	if sa.udp6 {
		s.udp = int32(hlen)
	}
	return s
}
