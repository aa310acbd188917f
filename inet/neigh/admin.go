package neigh

import (
	"net/netip"
	"syscall"

	"github.com/softnet/softnet/extack"
)

// Request is an ip neigh add / replace / change request (RTM_NEWNEIGH).
// iproute2 sends add as Create|Excl, replace as Create|Replace and change
// as Replace; its default state is Permanent.
type Request struct {
	Ifindex int32
	Addr    netip.Addr
	// LLAddr is the link-layer address (lladdr), or nil.
	LLAddr []byte
	// State is the requested state (nud).
	State State
	// Flags may hold FlagRouter, FlagExtLearned, FlagUse; FlagProxy is
	// refused (proxy entries are not supported).
	Flags Flags
	// Create, Excl and Replace are NLM_F_CREATE, NLM_F_EXCL and
	// NLM_F_REPLACE.
	Create, Excl, Replace bool
}

// Add applies an administrative add/replace/change (neigh_add). Errors as
// Linux: EEXIST when the entry exists and Excl is set; ENOENT when it does
// not and Create is not set; EINVAL "Invalid link address" for an lladdr
// shorter than the device's; EINVAL "No link layer address given" when a
// valid state needs an address and none is known (the new entry then stays
// in the table, in state NONE, as in Linux); EINVAL "Invalid network
// address" for an address of the wrong family.
func (t *Table) Add(r Request) error {
	if r.Flags&FlagProxy != 0 {
		return extack.New(syscall.EOPNOTSUPP, "Proxy neighbour entries are not supported")
	}
	addr, ok := t.norm(r.Addr)
	if !ok {
		return errBadAddr
	}
	k := key{r.Ifindex, addr}
	if r.LLAddr != nil && len(r.LLAddr) < t.addrLen(k) {
		return extack.New(syscall.EINVAL, "Invalid link address")
	}
	flags := Admin | Override | OverrideIsRouter
	e := t.lookup(k)
	if e == nil {
		if !r.Create {
			return extack.Errno(syscall.ENOENT)
		}
		exempt := r.State&Permanent != 0 || r.Flags&FlagExtLearned != 0
		var w work
		var err error
		e, err = t.create(k, exempt, &w)
		w.run(t)
		if err != nil {
			return err
		}
	} else {
		if r.Excl {
			return extack.Errno(syscall.EEXIST)
		}
		if !r.Replace {
			flags &^= Override | OverrideIsRouter
		}
	}
	if r.Flags&FlagExtLearned != 0 {
		flags |= ExtLearned
	}
	if r.Flags&FlagRouter != 0 {
		flags |= IsRouter
	}
	if r.Flags&FlagUse != 0 {
		flags |= Use
	}
	err := t.update(e, r.LLAddr, r.State, flags)
	if err == nil && r.Flags&FlagUse != 0 {
		t.eventSend(e, nil, true)
	}
	return err
}

// Del deletes the entry of addr on ifindex (ip neigh del, neigh_delete):
// it is first set FAILED (failing queued packets) and then removed.
// ENOENT (no message) when there is none.
func (t *Table) Del(ifindex int32, addr netip.Addr) error {
	addr, ok := t.norm(addr)
	if !ok {
		return errBadAddr
	}
	e := t.lookup(key{ifindex, addr})
	if e == nil {
		return extack.Errno(syscall.ENOENT)
	}
	err := t.update(e, nil, Failed, Override|Admin)
	var w work
	t.mu.Lock()
	t.removeLocked([]*entry{e}, &w)
	t.mu.Unlock()
	w.run(t)
	return err
}

// Get returns one entry (ip neigh get, neigh_get): ENOENT "Neighbour
// entry not found" when there is none.
func (t *Table) Get(ifindex int32, addr netip.Addr) (Entry, error) {
	addr, ok := t.norm(addr)
	if !ok {
		return Entry{}, errBadAddr
	}
	e := t.lookup(key{ifindex, addr})
	if e == nil {
		return Entry{}, extack.New(syscall.ENOENT, "Neighbour entry not found")
	}
	return e.snapshot(), nil
}

// Flush deletes, as Del does, every entry of ifindex (0: all) for which
// match returns true (nil matches all), and returns how many. iproute2's
// ip neigh flush matches states other than PERMANENT and NOARP unless a
// "nud" filter says otherwise.
func (t *Table) Flush(ifindex int32, match func(Entry) bool) int {
	n := 0
	for _, en := range t.Dump(ifindex) {
		if match != nil && !match(en) {
			continue
		}
		if t.Del(en.Ifindex, en.Addr) == nil {
			n++
		}
	}
	return n
}

// DeviceDown removes every entry of ifindex, PERMANENT ones included, and
// drops their queued packets (neigh_ifdown: called by ARP/NDP when the
// device goes down).
func (t *Table) DeviceDown(ifindex int32) { t.flushDev(ifindex, false) }

// CarrierDown removes the entries of ifindex except PERMANENT ones
// (neigh_carrier_down, on carrier loss when arp_evict_nocarrier /
// ndisc_evict_nocarrier is set).
func (t *Table) CarrierDown(ifindex int32) { t.flushDev(ifindex, true) }

// ChangeAddr removes every entry of ifindex after its link-layer address
// changed (neigh_changeaddr).
func (t *Table) ChangeAddr(ifindex int32) { t.flushDev(ifindex, false) }

// DeviceUnregister removes every entry of ifindex and its parameters.
func (t *Table) DeviceUnregister(ifindex int32) {
	t.flushDev(ifindex, false)
	t.mu.Lock()
	delete(t.parms, ifindex)
	t.mu.Unlock()
}

// flushDev is neigh_flush_dev.
func (t *Table) flushDev(ifindex int32, skipPerm bool) {
	var w work
	t.mu.Lock()
	var dead []*entry
	for k, e := range *t.snap.Load() {
		if ifindex != 0 && k.ifindex != ifindex {
			continue
		}
		if skipPerm && e.loadState()&Permanent != 0 {
			continue
		}
		dead = append(dead, e)
	}
	t.removeLocked(dead, &w)
	t.mu.Unlock()
	w.run(t)
}
