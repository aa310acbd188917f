package neigh

import (
	"errors"
	"strconv"
	"strings"
)

// State is a neighbour cache entry state, a NUD_* value of
// include/uapi/linux/neighbour.h. An entry is in exactly one state; masks
// such as Valid combine several for tests.
type State uint8

// Neighbour states, with Linux's values.
const (
	None       State = 0x00 // NUD_NONE: just created, nothing known
	Incomplete State = 0x01 // NUD_INCOMPLETE: resolution in progress
	Reachable  State = 0x02 // NUD_REACHABLE: confirmed recently
	Stale      State = 0x04 // NUD_STALE: usable, not confirmed recently
	Delay      State = 0x08 // NUD_DELAY: used while stale, waiting before probing
	Probe      State = 0x10 // NUD_PROBE: unicast probes in progress
	Failed     State = 0x20 // NUD_FAILED: resolution failed
	NoARP      State = 0x40 // NUD_NOARP: no resolution needed
	Permanent  State = 0x80 // NUD_PERMANENT: static entry
)

// State masks, as include/net/neighbour.h.
const (
	// InTimer are the states that keep a timer running (NUD_IN_TIMER).
	InTimer = Incomplete | Reachable | Delay | Probe
	// Valid are the states with a usable link-layer address (NUD_VALID).
	Valid = Permanent | NoARP | Reachable | Probe | Stale | Delay
	// Connected are the states whose address is used without checks
	// (NUD_CONNECTED).
	Connected = Permanent | NoARP | Reachable
)

var stateNames = [8]string{"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "NOARP", "PERMANENT"}

// String returns the state as iproute2 prints it: "REACHABLE", "NONE"…;
// a mask of several states prints each name, separated by spaces.
func (s State) String() string {
	if s == None {
		return "NONE"
	}
	if s&(s-1) == 0 {
		for i := range stateNames {
			if s == 1<<i {
				return stateNames[i]
			}
		}
	}
	var parts []string
	for i := range stateNames {
		if s&(1<<i) != 0 {
			parts = append(parts, stateNames[i])
		}
	}
	return strings.Join(parts, " ")
}

// ErrBadState is returned by ParseState for a word that is not a state.
var ErrBadState = errors.New("nud state is bad")

// ParseState parses a state as iproute2's "nud" argument does
// (nud_state_a2n): "permanent", "reachable" and "failed" may be
// abbreviated; "noarp", "none", "stale", "incomplete", "delay" and "probe"
// must be spelled out; a number (decimal, 0x hex or 0 octal) must be zero
// or a single state bit.
func ParseState(arg string) (State, error) {
	switch {
	case arg == "":
		return 0, ErrBadState
	case strings.HasPrefix("permanent", arg):
		return Permanent, nil
	case strings.HasPrefix("reachable", arg):
		return Reachable, nil
	case arg == "noarp":
		return NoARP, nil
	case arg == "none":
		return None, nil
	case arg == "stale":
		return Stale, nil
	case arg == "incomplete":
		return Incomplete, nil
	case arg == "delay":
		return Delay, nil
	case arg == "probe":
		return Probe, nil
	case strings.HasPrefix("failed", arg):
		return Failed, nil
	}
	v, err := strconv.ParseUint(arg, 0, 32)
	if err != nil || v >= 0x100 || v&(v-1) != 0 {
		return 0, ErrBadState
	}
	return State(v), nil
}

// Flags are an entry's NTF_* flags (struct ndmsg ndm_flags).
type Flags uint8

// Entry and request flags, with Linux's values.
const (
	FlagUse        Flags = 0x01 // NTF_USE: trigger resolution (requests only)
	FlagSelf       Flags = 0x02 // NTF_SELF
	FlagMaster     Flags = 0x04 // NTF_MASTER
	FlagProxy      Flags = 0x08 // NTF_PROXY: proxy entry (not supported)
	FlagExtLearned Flags = 0x10 // NTF_EXT_LEARNED: learned by an external control plane
	FlagOffloaded  Flags = 0x20 // NTF_OFFLOADED
	FlagSticky     Flags = 0x40 // NTF_STICKY
	FlagRouter     Flags = 0x80 // NTF_ROUTER: the neighbour is a router (IPv6)
)

// UpdateFlags say how Update may change an entry (NEIGH_UPDATE_F_*).
type UpdateFlags uint32

// Update flags, with Linux's values, plus Create.
const (
	// Override allows replacing a different cached link-layer address.
	Override UpdateFlags = 1 << 0
	// WeakOverride makes a connected entry with a different address
	// STALE instead of replacing the address.
	WeakOverride UpdateFlags = 1 << 1
	// OverrideIsRouter allows changing the router flag (to IsRouter).
	OverrideIsRouter UpdateFlags = 1 << 2
	// Use marks a user-triggered update (NTF_USE).
	Use UpdateFlags = 1 << 3
	// Managed marks an auto-refreshed entry (NTF_MANAGED; not supported).
	Managed UpdateFlags = 1 << 4
	// ExtLearned sets NTF_EXT_LEARNED (administrative updates only).
	ExtLearned UpdateFlags = 1 << 5
	// IsRouter is the router flag to set when OverrideIsRouter is given.
	IsRouter UpdateFlags = 1 << 6
	// Admin marks an administrative change: it may modify PERMANENT and
	// NOARP entries.
	Admin UpdateFlags = 1 << 7
	// Create creates the entry when it does not exist (softnet's; Linux's
	// __neigh_lookup with creat set, as neigh_event_ns does).
	Create UpdateFlags = 1 << 16
)
