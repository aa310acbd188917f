package esp

import (
	"encoding/binary"
	"github.com/softnet/softnet/xfrm/internal/mode"
	"net/netip"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// outer describes a received ESP packet.
type outer struct {
	fam    int
	hlen   int // IP header (+ extension headers) length
	nhOff  int
	espOff int
	encap  xfrm.EncapType
	tos    uint8
	daddr  netip.Addr
}

// parseOuter finds the ESP header of a packet that starts at its IP
// header: directly after it, or after a NAT-T UDP header (RFC 3948; with
// the 8-byte non-IKE marker of espinudp-nonike). ike reports an IKE packet
// (non-ESP marker) on the NAT-T port.
func parseOuter(pkt []byte) (o outer, ike, ok bool) {
	hlen, nhOff, nh, ok := mode.Split(pkt)
	if !ok {
		return o, false, false
	}
	o.hlen, o.nhOff, o.espOff = hlen, nhOff, hlen
	if pkt[0]>>4 == 4 {
		ip := header.IPv4(pkt)
		o.fam, o.tos, o.daddr = 4, ip.TOS(), ip.Destination()
		if ip.FlagsFragOff()&(header.IPv4FlagMF|header.IPv4FragOffsetMask) != 0 {
			return o, false, false // fragments are reassembled before xfrm
		}
	} else {
		ip := header.IPv6(pkt)
		o.fam, o.tos, o.daddr = 6, ip.TrafficClass(), ip.Destination()
	}
	switch nh {
	case uint8(xfrm.ProtoESP):
	case mode.ProtoUDP:
		u := pkt[hlen:]
		if len(u) < header.UDPMinimumSize+8 {
			return o, false, false
		}
		p := u[header.UDPMinimumSize:]
		switch {
		case binary.BigEndian.Uint64(p) == 0:
			o.encap = xfrm.EncapESPInUDPNonIKE
			o.espOff += header.UDPMinimumSize + nonIKEBytes
		case binary.BigEndian.Uint32(p) == 0:
			return o, true, false
		default:
			o.encap = xfrm.EncapESPInUDP
			o.espOff += header.UDPMinimumSize
		}
	default:
		return o, false, false
	}
	if len(pkt) < o.espOff+header.ESPMinimumSize {
		return o, false, false
	}
	return o, false, true
}

// Receive is the ESP receive handler (xfrm4_rcv / xfrm_input up to the
// state lookup): it finds the SA by destination, SPI and the packet mark in
// t (XfrmInNoStates when none, XfrmInHdrError for a packet too short to
// hold an SPI) and calls Input. It returns the SA on success.
func Receive(t *xfrm.SAD, b *packet.Buffer) (*xfrm.State, error) {
	pkt := b.Bytes()
	o, _, ok := parseOuter(pkt)
	if !ok {
		return nil, t.MIB().Count(xfrm.InHdrError)
	}
	spi := binary.BigEndian.Uint32(pkt[o.espOff:])
	x := t.Lookup(o.daddr, spi, xfrm.ProtoESP, b.Mark)
	if x == nil {
		return nil, t.MIB().Count(xfrm.InNoStates)
	}
	if err := Input(x, b); err != nil {
		return nil, err
	}
	return x, nil
}

// Input opens ESP for x in place (xfrm_input with esp_input and the inner
// mode's decapsulation). b's data starts at the outer IP header. On
// success b holds, from its IP header, the inner packet (tunnel mode) or
// the packet rebuilt without ESP (transport and BEET modes), with the
// network header, Protocol and mark set and SecPath pointing at x. On
// failure the *xfrm.Drop names the counter already bumped; b remains the
// caller's.
func Input(x *xfrm.State, b *packet.Buffer) error {
	mib := x.MIB()
	c := x.Cfg()
	pkt := b.Bytes()
	o, _, ok := parseOuter(pkt)
	if !ok {
		return mib.Count(xfrm.InHdrError)
	}
	esp := pkt[o.espOff:]
	if binary.BigEndian.Uint32(esp) != c.ID.SPI {
		return mib.Count(xfrm.InNoStates)
	}
	seq := binary.BigEndian.Uint32(esp[4:])
	hi, d := x.InputCheck(seq, o.encap)
	if d != nil {
		return d
	}
	ivLen, icvLen := x.AEAD.IVLen(), x.AEAD.ICVLen()
	elen := len(esp) - header.ESPMinimumSize - ivLen
	if elen <= 0 || elen < icvLen+2 {
		return mib.Count(xfrm.InStateProtoError)
	}
	if !open(x, pkt, o.espOff, hi) {
		return x.InputIntegrityFailed()
	}
	end := len(pkt) - icvLen
	padlen, nh := int(pkt[end-2]), pkt[end-1]
	if padlen+2+icvLen >= elen || nh == mode.ProtoNone {
		return mib.Count(xfrm.InStateProtoError)
	}
	ps := o.espOff + header.ESPMinimumSize + ivLen
	pe := end - 2 - padlen
	if d := x.InputDone(seq, hi, pe-ps); d != nil {
		return d
	}
	switch c.Mode {
	case xfrm.ModeTunnel:
		d = mode.Decap(x, b, o.tos, nh, ps, pe)
	case xfrm.ModeBEET:
		d = mode.BEETDecap(x, b, nh, ps, pe)
	default:
		d = mode.Rejoin(x, b, o.fam, o.hlen, o.nhOff, nh, ps, pe)
	}
	if d != nil {
		return d
	}
	b.Mark = c.ApplyOutputMark(b.Mark)
	b.SecPath = x
	return nil
}

// open decrypts the ESP payload at off; with ESN it lays out the AAD as
// SPI | seq_hi | seq_lo in the 4 bytes in front (always present: the IP
// header) and restores them.
func open(x *xfrm.State, pkt []byte, off int, hi uint32) bool {
	if x.Cfg().Flags&xfrm.FlagESN == 0 {
		return x.AEAD.Open(pkt[off:], header.ESPMinimumSize)
	}
	pre := pkt[off-esnShift:]
	var saved [4]byte
	copy(saved[:], pre[:4])
	copy(pre[0:4], pre[4:8])
	binary.BigEndian.PutUint32(pre[4:8], hi)
	ok := x.AEAD.Open(pre, 12)
	copy(pre[4:8], pre[0:4])
	copy(pre[:4], saved[:])
	return ok
}
