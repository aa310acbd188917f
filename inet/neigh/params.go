package neigh

import (
	"sync/atomic"
	"time"
)

// Params are the per-device (or table default) neighbour parameters, the
// sysctls net.ipv4.neigh.<dev>.* and net.ipv6.neigh.<dev>.* (struct
// neigh_parms).
type Params struct {
	// BaseReachableTime is the base of the randomized time an entry stays
	// REACHABLE after a confirmation (base_reachable_time_ms).
	BaseReachableTime time.Duration
	// RetransTime is the interval between probes (retrans_time_ms).
	RetransTime time.Duration
	// DelayProbeTime is the time a used STALE entry waits in DELAY before
	// probing (delay_first_probe_time).
	DelayProbeTime time.Duration
	// GCStaleTime is how long an unused entry lives before periodic garbage
	// collection may remove it (gc_stale_time).
	GCStaleTime time.Duration
	// UcastProbes is the number of unicast probes (ucast_solicit).
	UcastProbes uint32
	// McastProbes is the number of broadcast/multicast probes while
	// INCOMPLETE (mcast_solicit).
	McastProbes uint32
	// McastReprobes is the number of multicast probes after the unicast
	// ones in PROBE (mcast_resolicit).
	McastReprobes uint32
	// AppProbes is the number of probes through a user-space daemon
	// (app_solicit).
	AppProbes uint32
	// QueueLenBytes bounds the packets queued while INCOMPLETE, in bytes of
	// Truesize (unres_qlen_bytes).
	QueueLenBytes uint32
	// Locktime is the minimum age for ARP to replace an address (locktime;
	// used by the ARP input code, not by the table).
	Locktime time.Duration
	// AnycastDelay, ProxyDelay and ProxyQlen are carried for ip ntable
	// (anycast_delay, proxy_delay, proxy_qlen); the table does not use them.
	AnycastDelay time.Duration
	ProxyDelay   time.Duration
	ProxyQlen    uint32
	// IntervalProbeTime is the managed-entry probe interval
	// (interval_probe_time_ms; carried only).
	IntervalProbeTime time.Duration
}

// DefaultParams returns Linux's defaults for family 4 (arp_tbl) or 6
// (nd_tbl): they differ only in Locktime.
func DefaultParams(family int) Params {
	p := Params{
		BaseReachableTime: 30 * time.Second,
		RetransTime:       time.Second,
		DelayProbeTime:    5 * time.Second,
		GCStaleTime:       60 * time.Second,
		UcastProbes:       3,
		McastProbes:       3,
		QueueLenBytes:     212992, // SK_WMEM_MAX
		AnycastDelay:      time.Second,
		ProxyDelay:        800 * time.Millisecond,
		ProxyQlen:         64,
		IntervalProbeTime: 5 * time.Second,
	}
	if family == 4 {
		p.Locktime = time.Second
	}
	return p
}

// truesizeEthFrame is SKB_TRUESIZE(ETH_FRAME_LEN) on 64-bit Linux.
const truesizeEthFrame = 1514 + 256 + 320

// UnresQlen is the queue length in packets that iproute2 shows as "queue"
// (unres_qlen): QueueLenBytes over the truesize of a full Ethernet frame.
func (p Params) UnresQlen() uint32 { return p.QueueLenBytes / truesizeEthFrame }

// TableParams are the table-wide garbage-collection settings
// (net.ipv4.neigh.default.gc_*).
type TableParams struct {
	// GCInterval is shown by ip ntable (gc_interval); collection runs every
	// BaseReachableTime/2 as in Linux.
	GCInterval time.Duration
	// GCThresh1: below this many entries periodic collection keeps all.
	GCThresh1 int
	// GCThresh2: above this many, creating an entry may force a collection
	// (at most every 5 s).
	GCThresh2 int
	// GCThresh3: the hard limit on collectable entries.
	GCThresh3 int
}

// DefaultTableParams returns Linux's defaults.
func DefaultTableParams() TableParams {
	return TableParams{GCInterval: 30 * time.Second, GCThresh1: 128, GCThresh2: 512, GCThresh3: 1024}
}

// devParms is a published Params with its randomized reachable time.
type devParms struct {
	p     atomic.Pointer[Params]
	reach atomic.Int64 // nanoseconds
}

func newDevParms(p Params, rnd func() uint32) *devParms {
	d := &devParms{}
	d.set(p, rnd)
	return d
}

func (d *devParms) get() *Params { return d.p.Load() }

func (d *devParms) set(p Params, rnd func() uint32) {
	d.p.Store(&p)
	d.reach.Store(int64(randReachTime(p.BaseReachableTime, rnd)))
}

func (d *devParms) rerandomize(rnd func() uint32) {
	d.reach.Store(int64(randReachTime(d.get().BaseReachableTime, rnd)))
}

// randReachTime is neigh_rand_reach_time: uniform in [base/2, 3*base/2),
// at millisecond granularity.
func randReachTime(base time.Duration, rnd func() uint32) time.Duration {
	ms := uint32(base / time.Millisecond)
	if ms == 0 {
		return base
	}
	return base/2 + time.Duration(rnd()%ms)*time.Millisecond
}
