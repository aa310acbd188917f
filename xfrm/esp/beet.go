package esp

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/internal/mode"
)

// prepareBEET is Prepare in BEET mode: the inner header becomes the SA's
// outer one, of either family (mode.BEETEncap, xfrm4/6_beet_encap_add),
// and ESP goes right behind it with the inner protocol (or the BEET
// pseudo header's) as next header, as esp_output does. TFC padding
// applies as in every mode.
func prepareBEET(x *xfrm.State, sa *espSA, b *packet.Buffer, p *Params) (Sealing, *xfrm.Drop) {
	hlen, nhOff, nh, d := mode.BEETEncap(x, b)
	if d != nil {
		return Sealing{}, d
	}
	esph := header.ESPMinimumSize + sa.ivLen
	n := b.Len() - hlen
	tfclen, plen := trailer(x, sa, n, p)
	if !b.Reserve(sa.elen+esph+esnShift, tfclen+plen+sa.icvLen+gcmSpill) {
		return Sealing{}, x.MIB().Count(xfrm.OutError)
	}
	seq, d := x.OutputPrepare(b.Len() + sa.elen + esph)
	if d != nil {
		return Sealing{}, d
	}
	return frameAfterHeader(x, sa, b, hlen, nhOff, nh, tfclen, plen, seq), nil
}
