package ipcomp

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"sync"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/internal/mode"
)

// ScratchSize is IPCOMP_SCRATCH_SIZE, the largest decompressed payload.
const ScratchSize = 65400

func init() { xfrm.RegisterType(xfrm.ProtoComp, compType{}) }

type compType struct{}

// Init is ipcomp4_init_state / ipcomp_init_state.
func (compType) Init(x *xfrm.State) error {
	c := x.Cfg()
	if c.Encap != nil {
		return extack.New(syscall.EINVAL, "IPComp is not compatible with encapsulation")
	}
	switch c.Mode {
	case xfrm.ModeTransport, xfrm.ModeTunnel:
	default:
		return extack.New(syscall.EINVAL, "Unsupported XFRM mode for IPcomp")
	}
	x.Data = &comp{threshold: x.AlgComp.Threshold}
	return nil
}

type comp struct {
	threshold int
}

// worker is pooled per-operation state: a deflate writer or reader and a
// scratch buffer, so the steady state does not allocate.
type worker struct {
	w   *flate.Writer
	r   io.ReadCloser
	src bytes.Reader
	buf [ScratchSize + 1]byte
	n   int
}

func (w *worker) Write(p []byte) (int, error) {
	if w.n+len(p) > len(w.buf) {
		return 0, io.ErrShortBuffer
	}
	w.n += copy(w.buf[w.n:], p)
	return len(p), nil
}

var workers = sync.Pool{New: func() any { return new(worker) }}

// compress deflates p into w.buf[:w.n]; ok is false on error.
func (w *worker) compress(p []byte) bool {
	w.n = 0
	if w.w == nil {
		var err error
		if w.w, err = flate.NewWriter(w, flate.DefaultCompression); err != nil {
			return false
		}
	} else {
		w.w.Reset(w)
	}
	if _, err := w.w.Write(p); err != nil {
		return false
	}
	return w.w.Close() == nil
}

// decompress inflates p into w.buf[:w.n]; ok is false on a corrupt stream
// or an output larger than ScratchSize.
func (w *worker) decompress(p []byte) bool {
	w.src.Reset(p)
	if w.r == nil {
		w.r = flate.NewReader(&w.src)
	} else if err := w.r.(flate.Resetter).Reset(&w.src, nil); err != nil {
		return false
	}
	w.n = 0
	for {
		n, err := w.r.Read(w.buf[w.n:])
		w.n += n
		if err == io.EOF {
			return w.n <= ScratchSize
		}
		if err != nil || w.n > ScratchSize {
			return false
		}
	}
}

// Params are the route-dependent inputs of Output.
type Params struct {
	TTL uint8 // outer TTL in tunnel mode; 0 means 64
}

// Output applies IPComp to b in place (see package esp's Output for the
// buffer contract).
func Output(x *xfrm.State, b *packet.Buffer, p *Params) error {
	c := x.Cfg()
	mib := x.MIB()
	cd := x.Data.(*comp)
	ttl := uint8(64)
	if p != nil && p.TTL != 0 {
		ttl = p.TTL
	}
	var in mode.Inner
	olen, hlen, nhOff := 0, 0, 0
	var nh uint8
	if c.Mode == xfrm.ModeTunnel {
		var ok bool
		if in, ok = mode.Inspect(b.Bytes()); !ok {
			return mib.Count(xfrm.OutStateModeError)
		}
		olen, nh = mode.OuterLen(c.Family), in.Proto
	} else {
		var ok bool
		if hlen, nhOff, nh, ok = mode.Split(b.Bytes()); !ok {
			return mib.Count(xfrm.OutStateModeError)
		}
	}
	if !b.Reserve(olen+header.IPCompSize, 0) {
		return mib.Count(xfrm.OutError)
	}
	if _, d := x.OutputPrepare(b.Len() + olen); d != nil {
		return d
	}
	payload := b.Bytes()[hlen:]
	proto := nh
	if len(payload) >= cd.threshold {
		w := workers.Get().(*worker)
		if w.compress(payload) && w.n+header.IPCompSize < len(payload) {
			b.Trim(hlen)
			copy(b.Put(w.n), w.buf[:w.n])
			var l3 [mode.MaxL3]byte
			copy(l3[:hlen], b.Bytes())
			b.Pull(hlen)
			header.IPComp(b.Push(header.IPCompSize)).Encode(nh, uint16(c.ID.SPI))
			copy(b.Push(hlen), l3[:hlen])
			proto = uint8(xfrm.ProtoComp)
		}
		workers.Put(w)
	}
	if c.Mode == xfrm.ModeTunnel {
		mode.PushOuter(x, b, in, proto, ttl)
	} else {
		mode.Patch(b.Bytes(), nhOff, proto, false, nil, nil)
		mode.SetProtocol(b, int(b.Bytes()[0]>>4))
		b.SetNetworkHeader(0)
	}
	b.Mark = c.ApplyOutputMark(b.Mark)
	return nil
}

// Receive finds the SA of an IPComp packet in t by its CPI and calls Input.
func Receive(t *xfrm.SAD, b *packet.Buffer) (*xfrm.State, error) {
	pkt := b.Bytes()
	hlen, _, nh, ok := mode.Split(pkt)
	if !ok || nh != uint8(xfrm.ProtoComp) || len(pkt) < hlen+header.IPCompSize {
		return nil, t.MIB().Count(xfrm.InHdrError)
	}
	cpi := binary.BigEndian.Uint16(pkt[hlen+2:])
	var daddr = dstOf(pkt)
	x := t.Lookup(daddr, uint32(cpi), xfrm.ProtoComp, b.Mark)
	if x == nil {
		return nil, t.MIB().Count(xfrm.InNoStates)
	}
	if err := Input(x, b); err != nil {
		return nil, err
	}
	return x, nil
}
