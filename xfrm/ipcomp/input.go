package ipcomp

import (
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

// Input decompresses an IPComp packet for x in place (ipcomp_input and the
// inner mode); see package esp's Input for the buffer contract. A corrupt
// or oversized stream counts XfrmInStateProtoError.
func Input(x *xfrm.State, b *packet.Buffer) error {
	mib := x.MIB()
	c := x.Cfg()
	pkt := b.Bytes()
	hlen, nhOff, nh, ok := mode.Split(pkt)
	if !ok || nh != uint8(xfrm.ProtoComp) || len(pkt) < hlen+header.IPCompSize {
		return mib.Count(xfrm.InHdrError)
	}
	ipc := header.IPComp(pkt[hlen:])
	if uint32(ipc.CPI()) != c.ID.SPI {
		return mib.Count(xfrm.InNoStates)
	}
	if _, d := x.InputCheck(0, 0); d != nil {
		return d
	}
	fam := int(pkt[0] >> 4)
	var tos uint8
	if fam == 4 {
		tos = header.IPv4(pkt).TOS()
	} else {
		tos = header.IPv6(pkt).TrafficClass()
	}
	next := ipc.NextHeader()
	w := workers.Get().(*worker)
	defer workers.Put(w)
	if !w.decompress(pkt[hlen+header.IPCompSize:]) {
		return mib.Count(xfrm.InStateProtoError)
	}
	ps := hlen + header.IPCompSize
	b.Trim(ps)
	if !b.Reserve(0, w.n) {
		return mib.Count(xfrm.InBufferError)
	}
	copy(b.Put(w.n), w.buf[:w.n])
	pe := b.Len()
	if d := x.InputDone(0, 0, pe-ps); d != nil {
		return d
	}
	var d *xfrm.Drop
	if c.Mode == xfrm.ModeTunnel {
		d = mode.Decap(x, b, tos, next, ps, pe)
	} else {
		d = mode.Rejoin(x, b, fam, hlen, nhOff, next, ps, pe)
	}
	if d != nil {
		return d
	}
	b.Mark = c.ApplyOutputMark(b.Mark)
	b.SecPath = x
	return nil
}
