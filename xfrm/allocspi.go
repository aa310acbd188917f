package xfrm

import (
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/softnet/softnet/extack"
)

// larvalLifetime is how long a larval SA made by AllocSPI waits for its
// update (net.core.xfrm_acq_expires, 30 s).
const larvalLifetime = 30 * time.Second

// AllocSPI is xfrm_alloc_spi with XFRM_MSG_ALLOCSPI: it picks a free SPI
// in [lo, hi] for (cfg.ID.Daddr, cfg.ID.Proto) and inserts a larval SA in
// the ACQUIRE state holding it, which `ip xfrm state update` with the
// same ID completes (it is never used for traffic). The larval SA expires
// after 30 s. ENOENT when no SPI is free, EINVAL for an empty range or an
// IPComp CPI above 0xffff.
func (n *Net) AllocSPI(cfg Config, lo, hi uint32) (*State, error) {
	if lo > hi || cfg.ID.Proto == ProtoComp && hi > 0xffff {
		return nil, extack.Errno(syscall.EINVAL)
	}
	t := n.SAD
	x := &State{cfg: cfg, clock: t.clock, mib: t.mib, event: t.onEvent}
	x.cfg.Lifetime = DefaultLifetime()
	x.cfg.Lifetime.HardAddExpires = larvalLifetime
	x.km = StateAcquire
	x.cur.AddTime = t.clock.Now()
	span := uint64(hi-lo) + 1
	for i := uint64(0); i < span && i < 1<<16; i++ {
		spi := lo + uint32(rand.Uint64N(span))
		if t.Lookup(cfg.ID.Daddr, spi, cfg.ID.Proto, cfg.Mark.Value&cfg.Mark.Mask) != nil {
			continue
		}
		x.cfg.ID.SPI = spi
		if err := t.Add(x); err != nil {
			continue
		}
		n.Arm()
		return x, nil
	}
	return nil, extack.Errno(syscall.ENOENT)
}
