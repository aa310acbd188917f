package ah

import (
	"encoding/binary"
	"sync"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/internal/mode"
)

func init() { xfrm.RegisterType(xfrm.ProtoAH, ahType{}) }

type ahType struct{}

// Init is ah_init_state.
func (ahType) Init(x *xfrm.State) error {
	c := x.Cfg()
	if x.AlgAuth == nil {
		return extack.New(syscall.EINVAL, "AH requires a state with an AUTH algorithm")
	}
	if c.Encap != nil {
		return extack.New(syscall.EINVAL, "AH is not compatible with encapsulation")
	}
	switch c.Mode {
	case xfrm.ModeTransport, xfrm.ModeTunnel, xfrm.ModeBEET:
	default:
		return extack.New(syscall.EINVAL, "Invalid mode requested for AH, must be one of TRANSPORT, TUNNEL, BEET")
	}
	a, err := xfrm.NewAuthenticator(x.AlgAuth, c.Auth.Key, x.ICVBits)
	if err != nil {
		return err
	}
	x.Auth = a
	return nil
}

// HeaderLen is the AH header length with ICV and padding: 8-byte aligned,
// or 4-byte aligned for IPv4 with flag align4.
func HeaderLen(x *xfrm.State, fam int) int {
	n := header.AHMinimumSize + x.Auth.ICVLen()
	if fam == 4 && x.Cfg().Flags&xfrm.FlagAlign4 != 0 {
		return (n + 3) &^ 3
	}
	return (n + 7) &^ 7
}

// Params are the route-dependent inputs of Output.
type Params struct {
	TTL uint8 // outer TTL in tunnel mode; 0 means 64
}

// Output applies AH to b in place (see package esp's Output for the buffer
// contract). On failure the returned *xfrm.Drop names the counter bumped
// and b remains the caller's.
func Output(x *xfrm.State, b *packet.Buffer, p *Params) error {
	c := x.Cfg()
	mib := x.MIB()
	ttl := uint8(64)
	if p != nil && p.TTL != 0 {
		ttl = p.TTL
	}
	var in mode.Inner
	olen := 0
	if c.Mode == xfrm.ModeTunnel {
		var ok bool
		if in, ok = mode.Inspect(b.Bytes()); !ok {
			return mib.Count(xfrm.OutStateModeError)
		}
		olen = mode.OuterLen(c.Family)
	}
	fam := c.Family
	if c.Mode == xfrm.ModeTransport && b.Len() > 0 {
		fam = int(b.Bytes()[0] >> 4)
	}
	ahlen := HeaderLen(x, fam)
	var sp split
	if c.Mode == xfrm.ModeBEET {
		// The outer header replaces the inner one first (BEET's
		// encap_add), AH goes right behind it.
		var d *xfrm.Drop
		if sp.hlen, sp.nhOff, sp.nh, d = mode.BEETEncap(x, b); d != nil {
			return d
		}
	}
	if !b.Reserve(olen+ahlen, 0) {
		return mib.Count(xfrm.OutError)
	}
	seq, d := x.OutputPrepare(b.Len() + olen + ahlen)
	if d != nil {
		return d
	}
	if c.Mode == xfrm.ModeTunnel {
		mode.PushOuter(x, b, in, in.Proto, ttl)
	}
	if c.Mode != xfrm.ModeBEET {
		var ok bool
		if sp.hlen, sp.nhOff, sp.nh, ok = mode.Split(b.Bytes()); !ok {
			return mib.Count(xfrm.OutStateModeError)
		}
	}
	if d := insert(x, b, seq, ahlen, sp); d != nil {
		return d
	}
	b.Mark = c.ApplyOutputMark(b.Mark)
	return nil
}

// split is where AH goes: behind hlen bytes of IP header, with the
// next-header byte at nhOff (holding nh) to become AH's.
type split struct {
	hlen, nhOff int
	nh          uint8
}

// insert puts the AH header at sp.hlen of the packet at the front of b and
// computes its ICV.
func insert(x *xfrm.State, b *packet.Buffer, seq uint64, ahlen int, sp split) *xfrm.Drop {
	c := x.Cfg()
	hlen := sp.hlen
	var l3 [mode.MaxL3]byte
	copy(l3[:hlen], b.Bytes())
	b.Pull(hlen)
	h := header.AH(b.Push(ahlen))
	clear(h)
	h.SetNextHeader(sp.nh)
	h.SetHeaderLength(ahlen)
	h.SetSPI(c.ID.SPI)
	h.SetSeq(uint32(seq))
	copy(b.Push(hlen), l3[:hlen])
	mode.Patch(b.Bytes(), sp.nhOff, uint8(xfrm.ProtoAH), false, nil, nil)
	mode.SetProtocol(b, int(l3[0]>>4))
	pkt := b.Bytes()
	if !computeICV(x, pkt, hlen, uint32(seq>>32), pkt[hlen+header.AHMinimumSize:hlen+header.AHMinimumSize+x.Auth.ICVLen()]) {
		return x.MIB().Count(xfrm.OutStateProtoError)
	}
	b.SetNetworkHeader(0)
	b.SetTransportHeader(hlen)
	return nil
}

// computeICV computes the ICV of pkt (whose AH header is at hlen and whose
// ICV field is zero) into out, zeroing the mutable fields temporarily.
func computeICV(x *xfrm.State, pkt []byte, hlen int, seqHi uint32, out []byte) bool {
	var saved [mode.MaxL3]byte
	copy(saved[:hlen], pkt[:hlen])
	ok := zeroMutable(pkt[:hlen])
	if ok {
		h := x.Auth.Get()
		sc := scratchPool.Get().(*[68]byte)
		h.Write(pkt)
		if x.Cfg().Flags&xfrm.FlagESN != 0 {
			binary.BigEndian.PutUint32(sc[64:], seqHi)
			h.Write(sc[64:68])
		}
		copy(out, h.Sum(sc[:0]))
		scratchPool.Put(sc)
		x.Auth.Put(h)
	}
	copy(pkt[:hlen], saved[:hlen])
	return ok
}

var scratchPool = sync.Pool{New: func() any { return new([68]byte) }}

// zeroMutable clears the fields AH does not protect (ip_clear_mutable_options
// and ipv6_clear_mutable_options) and puts a routing header with segments
// left in its final-destination form (finalRoute).
func zeroMutable(l3 []byte) bool {
	if l3[0]>>4 == 4 {
		l3[1] = 0
		l3[6], l3[7], l3[8], l3[10], l3[11] = 0, 0, 0, 0, 0
		return zeroIPv4Options(l3)
	}
	l3[0] &= 0xf0
	l3[1], l3[2], l3[3] = 0, 0, 0
	l3[7] = 0
	off, nh := header.IPv6MinimumSize, l3[6]
	for off+2 <= len(l3) {
		n := (int(l3[off+1]) + 1) * 8
		if off+n > len(l3) {
			return false
		}
		switch nh {
		case 0, 60:
			zeroIPv6Options(l3[off+2 : off+n])
		case 43:
			if !finalRoute(l3, l3[off:off+n]) {
				return false
			}
		}
		nh = l3[off]
		off += n
	}
	return true
}

func zeroIPv4Options(l3 []byte) bool {
	opts := l3[header.IPv4MinimumSize:]
	for i := 0; i < len(opts); {
		switch opts[i] {
		case 0:
			return true
		case 1:
			i++
			continue
		}
		if i+1 >= len(opts) || opts[i+1] < 2 || i+int(opts[i+1]) > len(opts) {
			return false
		}
		n := int(opts[i+1])
		switch opts[i] {
		case 130, 133, 134, 148: // security, extended security, CIPSO, router alert
		case 131, 137: // LSRR, SSRR: the final destination is used
			if n < 6 {
				return false
			}
			copy(l3[16:20], opts[i+n-4:i+n])
			clear(opts[i : i+n])
		default:
			clear(opts[i : i+n])
		}
		i += n
	}
	return true
}

func zeroIPv6Options(o []byte) {
	for i := 0; i < len(o); {
		if o[i] == 0 { // Pad1
			i++
			continue
		}
		if i+1 >= len(o) {
			return
		}
		n := int(o[i+1])
		if o[i]&0x20 != 0 && i+2+n <= len(o) {
			clear(o[i+2 : i+2+n])
		}
		i += 2 + n
	}
}

// Receive finds the SA of an AH packet in t and calls Input.
func Receive(t *xfrm.SAD, b *packet.Buffer) (*xfrm.State, error) {
	pkt := b.Bytes()
	hlen, _, nh, ok := mode.Split(pkt)
	if !ok || nh != uint8(xfrm.ProtoAH) || len(pkt) < hlen+header.AHMinimumSize {
		return nil, t.MIB().Count(xfrm.InHdrError)
	}
	x := t.Lookup(finalDestination(pkt, hlen), binary.BigEndian.Uint32(pkt[hlen+4:]), xfrm.ProtoAH, b.Mark)
	if x == nil {
		return nil, t.MIB().Count(xfrm.InNoStates)
	}
	if err := Input(x, b); err != nil {
		return nil, err
	}
	return x, nil
}
