package netdev

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/softnet/softnet/packet"
)

// DropReason says why a packet was dropped, as enum skb_drop_reason
// (include/net/dropreason-core.h). Subsystems register their own reasons at
// init time with RegisterDropReason; names are Linux's where Linux has one.
type DropReason uint8

// MaxDropReasons bounds the number of registered reasons.
const MaxDropReasons = 192

// Core drop reasons.
var (
	DropNotSpecified   = RegisterDropReason("NOT_SPECIFIED")
	DropDevReady       = RegisterDropReason("DEV_READY")       // device down
	DropBacklog        = RegisterDropReason("CPU_BACKLOG")     // backlog full
	DropUnhandledProto = RegisterDropReason("UNHANDLED_PROTO") // no protocol handler
	DropPktTooSmall    = RegisterDropReason("PKT_TOO_SMALL")   // shorter than its header
	DropNoCarrier      = RegisterDropReason("NO_CARRIER")      // no link
	DropTCIngress      = RegisterDropReason("TC_INGRESS")      // tc ingress verdict
	DropTCEgress       = RegisterDropReason("TC_EGRESS")       // tc egress verdict
	DropNoHeadroom     = RegisterDropReason("SKB_UCOPY_FAULT") // could not make room
	DropOtherHost      = RegisterDropReason("OTHERHOST")       // not for this host
	DropPktTooBig      = RegisterDropReason("PKT_TOO_BIG")     // larger than the MTU
	DropDevHdr         = RegisterDropReason("DEV_HDR")         // bad link-layer header
	DropQueuePurge     = RegisterDropReason("QUEUE_PURGE")     // device deleted with packets queued
	DropNetemLoss      = RegisterDropReason("QDISC_DROP")      // qdisc (netem) dropped it
	DropMaxRecursion   = RegisterDropReason("RECURSION_LIMIT") // device recursion too deep
	DropNeighFailed    = RegisterDropReason("NEIGH_FAILED")    // neighbour resolution failed
	DropNeighQueueFull = RegisterDropReason("NEIGH_QUEUEFULL") // neighbour pending queue full
	DropNeighDead      = RegisterDropReason("NEIGH_DEAD")      // neighbour deleted
	DropGSOSegment     = RegisterDropReason("SKB_GSO_SEG")     // a super-packet could not be segmented
	DropCsumHelp       = RegisterDropReason("SKB_CSUM")        // a partial checksum could not be completed
)

var (
	dropMu    sync.Mutex
	dropNames []string
)

// RegisterDropReason adds a reason and returns its code. Registering the
// same name twice returns the first code. It panics past MaxDropReasons
// (a programming error found at init time).
func RegisterDropReason(name string) DropReason {
	dropMu.Lock()
	defer dropMu.Unlock()
	for i, n := range dropNames {
		if n == name {
			return DropReason(i)
		}
	}
	if len(dropNames) >= MaxDropReasons {
		panic(fmt.Sprintf("netdev: too many drop reasons registering %q", name))
	}
	dropNames = append(dropNames, name)
	return DropReason(len(dropNames) - 1)
}

// String returns the reason's name.
func (r DropReason) String() string {
	dropMu.Lock()
	defer dropMu.Unlock()
	if int(r) < len(dropNames) {
		return dropNames[r]
	}
	return fmt.Sprintf("DropReason(%d)", r)
}

// DropCounters count drops per reason.
type DropCounters [MaxDropReasons]atomic.Uint64

// Add counts one drop.
func (c *DropCounters) Add(r DropReason) { c[r].Add(1) }

// Nonzero returns the reasons with a non-zero count, in code order.
func (c *DropCounters) Nonzero() []DropCount {
	var out []DropCount
	for i := range c {
		if n := c[i].Load(); n != 0 {
			out = append(out, DropCount{DropReason(i), n})
		}
	}
	return out
}

// Get returns the count for one reason.
func (c *DropCounters) Get(r DropReason) uint64 { return c[r].Load() }

// DropCount is a reason and its count.
type DropCount struct {
	Reason DropReason
	Count  uint64
}

// DropRx frees b and counts it as dropped on receive: rx_dropped and the
// reason.
func (d *Device) DropRx(b *packet.Buffer, r DropReason) {
	d.Stats.RxDropped.Add(1)
	d.Drops.Add(r)
	b.Free()
}

// DropTx frees b and counts it as dropped on transmit: tx_dropped and the
// reason.
func (d *Device) DropTx(b *packet.Buffer, r DropReason) {
	d.Stats.TxDropped.Add(1)
	d.Drops.Add(r)
	b.Free()
}

// Drop frees b and counts only the reason (the caller counted the device
// field that Linux uses for this drop, e.g. rx_frame_errors).
func (d *Device) Drop(b *packet.Buffer, r DropReason) {
	d.Drops.Add(r)
	b.Free()
}
