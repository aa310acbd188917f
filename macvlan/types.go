package macvlan

import (
	"github.com/softnet/softnet/netdev"
)

// Mode is a macvlan mode (enum macvlan_mode, include/uapi/linux/if_link.h).
type Mode uint32

// Modes.
const (
	ModePrivate  Mode = 1
	ModeVEPA     Mode = 2
	ModeBridge   Mode = 4
	ModePassthru Mode = 8
	ModeSource   Mode = 16
)

// String returns the name ip link prints.
func (m Mode) String() string {
	switch m {
	case ModePrivate:
		return "private"
	case ModeVEPA:
		return "vepa"
	case ModeBridge:
		return "bridge"
	case ModePassthru:
		return "passthru"
	case ModeSource:
		return "source"
	}
	return "unknown"
}

// ParseMode parses a mode name.
func ParseMode(s string) (Mode, bool) {
	for _, m := range []Mode{ModePrivate, ModeVEPA, ModeBridge, ModePassthru, ModeSource} {
		if m.String() == s {
			return m, true
		}
	}
	return 0, false
}

// Flags are the macvlan flags (MACVLAN_FLAG_*).
type Flags uint16

// Flag bits.
const (
	FlagNoPromisc Flags = 1 // passthru: do not make the lower device promiscuous
	FlagNoDst     Flags = 2 // source: deliver only by source address
)

// MacaddrMode is the source-address list operation (enum macvlan_macaddr_mode).
type MacaddrMode uint32

// Source-address list operations.
const (
	MacaddrAdd   MacaddrMode = 0
	MacaddrDel   MacaddrMode = 1
	MacaddrFlush MacaddrMode = 2
	MacaddrSet   MacaddrMode = 3
)

// DefaultBCQueueLen is the default broadcast queue length
// (MACVLAN_DEFAULT_BC_QUEUE_LEN).
const DefaultBCQueueLen = 1000

// Data is the kind's request data (IFLA_MACVLAN_* attributes); nil
// pointers are attributes not given.
type Data struct {
	Mode        *Mode         `json:"mode,omitempty"`
	Flags       *Flags        `json:"flags,omitempty"`
	MacaddrMode *MacaddrMode  `json:"macaddr_mode,omitempty"`
	Macaddr     netdev.HWAddr `json:"macaddr,omitempty"`
	// MacaddrData is the address list of macaddr set (IFLA_MACVLAN_MACADDR_DATA);
	// MacaddrDataGiven distinguishes an empty list from none.
	MacaddrData      []netdev.HWAddr `json:"macaddr_data,omitempty"`
	MacaddrDataGiven bool            `json:"macaddr_data_given,omitempty"`
	// MacaddrCount is read-only; a request carrying it is refused.
	MacaddrCount *uint32 `json:"macaddr_count,omitempty"`
	BCQueueLen   *uint32 `json:"bcqueuelen,omitempty"`
	BCCutoff     *int32  `json:"bclim,omitempty"`
}

// Info is the kind data ip -d link shows (macvlan_fill_info).
type Info struct {
	Mode  Mode  `json:"mode"`
	Flags Flags `json:"flags"`
	// MacaddrCount and Macaddrs are set in source mode.
	MacaddrCount   *uint32         `json:"macaddr_count,omitempty"`
	Macaddrs       []netdev.HWAddr `json:"macaddr_data,omitempty"`
	BCQueueLen     uint32          `json:"bcqueuelen"`
	BCQueueLenUsed uint32          `json:"usedbcqueuelen"`
	// BCCutoff is reported only when it differs from the default of 1.
	BCCutoff *int32 `json:"bclim,omitempty"`
}

// Drop reasons of the macvlan path.
var (
	// DropBCQueueFull: the broadcast queue was full (rx_dropped on the lower).
	DropBCQueueFull = netdev.RegisterDropReason("MACVLAN_BC_QUEUE_FULL")
	// DropNoDst: a source-mode nodst device took the frame; normal delivery skipped.
	DropNoDst = netdev.RegisterDropReason("MACVLAN_NODST")
	// DropPortGone: the lower device went away with frames queued.
	DropPortGone = netdev.RegisterDropReason("MACVLAN_PORT_GONE")
)
