package ah

import (
	"crypto/subtle"
	"net/netip"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/internal/mode"
)

func dstOf(pkt []byte) netip.Addr {
	if pkt[0]>>4 == 4 {
		return header.IPv4(pkt).Destination()
	}
	return header.IPv6(pkt).Destination()
}

// Input verifies and removes AH for x in place (ah_input and the inner
// mode); see package esp's Input for the buffer contract.
func Input(x *xfrm.State, b *packet.Buffer) error {
	mib := x.MIB()
	c := x.Cfg()
	pkt := b.Bytes()
	hlen, nhOff, nh, ok := mode.Split(pkt)
	if !ok || nh != uint8(xfrm.ProtoAH) {
		return mib.Count(xfrm.InHdrError)
	}
	fam := int(pkt[0] >> 4)
	ah := header.AH(pkt[hlen:])
	if !ah.IsValid() {
		return mib.Count(xfrm.InHdrError)
	}
	if ah.SPI() != c.ID.SPI {
		return mib.Count(xfrm.InNoStates)
	}
	seq := ah.Seq()
	hi, d := x.InputCheck(seq, 0)
	if d != nil {
		return d
	}
	icvLen := x.Auth.ICVLen()
	ahlen := HeaderLen(x, fam)
	if ah.HeaderLength() != ahlen {
		return mib.Count(xfrm.InStateProtoError)
	}
	var tos uint8
	if fam == 4 {
		tos = header.IPv4(pkt).TOS()
	} else {
		tos = header.IPv6(pkt).TrafficClass()
	}
	icv := pkt[hlen+header.AHMinimumSize : hlen+header.AHMinimumSize+icvLen]
	var want, got [64]byte
	copy(want[:icvLen], icv)
	clear(icv)
	ok = computeICV(x, pkt, hlen, hi, got[:icvLen])
	copy(icv, want[:icvLen])
	if !ok {
		return mib.Count(xfrm.InStateProtoError)
	}
	if subtle.ConstantTimeCompare(got[:icvLen], want[:icvLen]) != 1 {
		return x.InputIntegrityFailed()
	}
	ps, pe := hlen+ahlen, len(pkt)
	if d := x.InputDone(seq, hi, pe-ps); d != nil {
		return d
	}
	next := ah.NextHeader()
	switch c.Mode {
	case xfrm.ModeTunnel:
		d = mode.Decap(x, b, tos, next, ps, pe)
	case xfrm.ModeBEET:
		d = mode.BEETDecap(x, b, next, ps, pe)
	default:
		d = mode.Rejoin(x, b, fam, hlen, nhOff, next, ps, pe)
	}
	if d != nil {
		return d
	}
	b.Mark = c.ApplyOutputMark(b.Mark)
	b.SecPath = x
	return nil
}
