package sched

import (
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// maxReclassify bounds reclassify and goto chain loops.
const maxReclassify = 16

// Classify runs the block's filters on b starting at chain 0
// (tcf_classify): filters in priority order whose protocol matches; the
// first that matches decides unless its actions say "continue";
// reclassify restarts at chain 0 and goto chain jumps to another chain.
// ActUnspec means nothing decided. The packet is gone when the verdict is
// ActConsumed or ActStolen.
func (blk *Block) Classify(dev *netdev.Device, b *packet.Buffer) Verdict {
	first := blk.chain0.Load()
	if first == nil {
		return ActUnspec
	}
	ch := first
	for loops := 0; ; loops++ {
		v, next, again := classifyChain(ch, dev, b)
		if !again {
			return v
		}
		if loops >= maxReclassify {
			return ActShot
		}
		if next == nil {
			next = first
		}
		ch = next
	}
}

func classifyChain(ch *Chain, dev *netdev.Device, b *packet.Buffer) (Verdict, *Chain, bool) {
	p := ch.protos.Load()
	if p == nil {
		return ActUnspec, nil, false
	}
	for _, tp := range *p {
		if tp.protocol != EthPAll && tp.protocol != b.Protocol {
			continue
		}
		v, gotoCh, ok := tp.cls.Classify(dev, b)
		if !ok {
			continue
		}
		switch {
		case v == ActReclassify:
			return v, nil, true
		case v.IsGotoChain():
			return v, gotoCh, true
		case v >= 0:
			return v, nil, false
		}
	}
	return ActUnspec, nil, false
}
