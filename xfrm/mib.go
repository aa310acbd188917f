package xfrm

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/softnet/softnet/netdev"
)

// MIBField is one /proc/net/xfrm_stat counter (LINUX_MIB_XFRM*).
type MIBField uint8

// The counters, in the order /proc/net/xfrm_stat prints them
// (net/xfrm/xfrm_proc.c). The IP-TFS counters of newer kernels are not
// included: softnet has no IP-TFS mode.
const (
	InError MIBField = iota
	InBufferError
	InHdrError
	InNoStates
	InStateProtoError
	InStateModeError
	InStateSeqError
	InStateExpired
	InStateMismatch
	InStateInvalid
	InTmplMismatch
	InNoPols
	InPolBlock
	InPolError
	OutError
	OutBundleGenError
	OutBundleCheckError
	OutNoStates
	OutStateProtoError
	OutStateModeError
	OutStateSeqError
	OutStateExpired
	OutPolBlock
	OutPolDead
	OutPolError
	FwdHdrError
	OutStateInvalid
	AcquireError
	OutStateDirError
	InStateDirError
	numMIB
)

var mibNames = [numMIB]string{
	"XfrmInError", "XfrmInBufferError", "XfrmInHdrError", "XfrmInNoStates",
	"XfrmInStateProtoError", "XfrmInStateModeError", "XfrmInStateSeqError",
	"XfrmInStateExpired", "XfrmInStateMismatch", "XfrmInStateInvalid",
	"XfrmInTmplMismatch", "XfrmInNoPols", "XfrmInPolBlock", "XfrmInPolError",
	"XfrmOutError", "XfrmOutBundleGenError", "XfrmOutBundleCheckError",
	"XfrmOutNoStates", "XfrmOutStateProtoError", "XfrmOutStateModeError",
	"XfrmOutStateSeqError", "XfrmOutStateExpired", "XfrmOutPolBlock",
	"XfrmOutPolDead", "XfrmOutPolError", "XfrmFwdHdrError",
	"XfrmOutStateInvalid", "XfrmAcquireError", "XfrmOutStateDirError",
	"XfrmInStateDirError",
}

// String returns Linux's counter name.
func (f MIBField) String() string {
	if f < numMIB {
		return mibNames[f]
	}
	return fmt.Sprintf("MIBField(%d)", f)
}

// MIB is a namespace's xfrm statistics (net->mib.xfrm_statistics).
type MIB struct {
	c [numMIB]atomic.Uint64
}

// Inc adds one to a counter.
func (m *MIB) Inc(f MIBField) { m.c[f].Add(1) }

// Get reads a counter.
func (m *MIB) Get(f MIBField) uint64 { return m.c[f].Load() }

// MIBEntry is a named counter value.
type MIBEntry struct {
	Name  string
	Value uint64
}

// Snapshot returns every counter in /proc/net/xfrm_stat order.
func (m *MIB) Snapshot() []MIBEntry {
	out := make([]MIBEntry, numMIB)
	for i := range out {
		out[i] = MIBEntry{mibNames[i], m.c[i].Load()}
	}
	return out
}

// Format renders the counters as /proc/net/xfrm_stat does ("%-24s\t%lu").
func (m *MIB) Format() string {
	var sb strings.Builder
	for _, e := range m.Snapshot() {
		fmt.Fprintf(&sb, "%-24s\t%d\n", e.Name, e.Value)
	}
	return sb.String()
}

// Drop is a data-path failure: the drop reason for the device counters and
// the MIB counter already bumped. Values are preallocated; returning one
// does not allocate.
type Drop struct {
	Reason netdev.DropReason
	Field  MIBField
}

// Error returns the MIB counter's name.
func (d *Drop) Error() string { return "xfrm: " + d.Field.String() }

var drops [numMIB]*Drop

func init() {
	for i := range drops {
		f := MIBField(i)
		drops[i] = &Drop{Reason: netdev.RegisterDropReason(mibNames[i]), Field: f}
	}
}

// DropFor returns the Drop of a MIB counter. Drop reasons are named after
// the counters (Linux frees these packets with kfree_skb, i.e.
// NOT_SPECIFIED, and the MIB is the only trace).
func DropFor(f MIBField) *Drop { return drops[f] }

// Count bumps f in m (if m is not nil) and returns the matching Drop.
func (m *MIB) Count(f MIBField) *Drop {
	if m != nil {
		m.c[f].Add(1)
	}
	return drops[f]
}
