package neigh

import (
	"bytes"
	"net/netip"
	"syscall"

	"github.com/softnet/softnet/extack"
)

var (
	errBadAddr  = extack.New(syscall.EINVAL, "Invalid network address")
	errDead     = extack.New(syscall.EPERM, "Neighbor entry is now dead")
	errNoLLAddr = extack.New(syscall.EINVAL, "No link layer address given")
)

// Update applies what the protocol learned from a received packet (ARP
// request or reply, NS, NA, RS, redirect) to the entry of addr on ifindex
// (neigh_update). lladdr is the advertised link-layer address or nil.
//
// Without Create in flags a missing entry is left alone and ENOENT is
// returned; with it the entry is created (neigh_event_ns is
// Update(…, Stale, Override|Create)). The rules are Linux's:
//
//   - PERMANENT and NOARP entries change only with Admin (else EPERM);
//   - a state outside Valid (FAILED, NONE, INCOMPLETE) stops the timer;
//     INCOMPLETE or PROBE to FAILED fails the queued packets;
//   - with no lladdr the cached one is kept (EINVAL "No link layer
//     address given" when there is none);
//   - a different lladdr on a valid entry is taken only with Override;
//     with WeakOverride a connected entry becomes STALE instead, otherwise
//     nothing changes;
//   - the same lladdr with new state STALE keeps the current state unless
//     Admin;
//   - a connected new state refreshes the confirmation time;
//   - an entry that becomes valid sends its queued packets;
//   - the router flag is set to IsRouter when OverrideIsRouter is given
//     and the address was accepted.
func (t *Table) Update(ifindex int32, addr netip.Addr, lladdr []byte, state State, flags UpdateFlags) error {
	addr, ok := t.norm(addr)
	if !ok {
		return errBadAddr
	}
	k := key{ifindex, addr}
	e := t.lookup(k)
	if e == nil {
		if flags&Create == 0 || (lladdr == nil && t.addrLen(k) != 0) {
			return extack.Errno(syscall.ENOENT)
		}
		var w work
		var err error
		e, err = t.create(k, false, &w)
		w.run(t)
		if err != nil {
			return err
		}
	}
	return t.update(e, lladdr, state, flags)
}

// addrLen is the device address length a new entry would get.
func (t *Table) addrLen(k key) int {
	if t.cfg.Construct == nil {
		return 6
	}
	s, err := t.cfg.Construct(k.ifindex, k.addr)
	if err != nil {
		return 6
	}
	return s.AddrLen
}

// Confirm records a reachability confirmation from an upper layer
// (neigh_confirm, dst_confirm_neigh): a DELAY entry becomes REACHABLE when
// its timer runs. It takes no lock and does not allocate.
func (t *Table) Confirm(ifindex int32, addr netip.Addr) {
	addr, _ = t.norm(addr)
	e := t.lookupNoref(key{ifindex, addr})
	if e == nil {
		return
	}
	if now := t.now(); e.confirmed.Load() != now {
		e.confirmed.Store(now)
	}
}

// Lookup returns the entry of addr on ifindex (neigh_lookup, counted in
// lookups and hits).
func (t *Table) Lookup(ifindex int32, addr netip.Addr) (Entry, bool) {
	addr, _ = t.norm(addr)
	e := t.lookup(key{ifindex, addr})
	if e == nil {
		return Entry{}, false
	}
	return e.snapshot(), true
}

// update is __neigh_update.
func (t *Table) update(e *entry, lladdr []byte, state State, flags UpdateFlags) error {
	var w work
	old, err, gcUpdate := t.updateLocked(e, lladdr, state, flags, &w)
	if ((e.loadState()^old)&Permanent != 0) || gcUpdate {
		t.updateGCList(e)
	}
	w.run(t)
	return err
}

func (t *Table) updateLocked(e *entry, lladdr []byte, state State, flags UpdateFlags, w *work) (old State, err error, gcUpdate bool) {
	now := t.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	old = e.loadState()
	notify := false
	defer func() {
		if notify && t.cfg.Notify != nil {
			w.notify(e.snapshotLocked(), false)
		}
	}()
	if e.dead {
		return old, errDead, false
	}
	if flags&Admin == 0 && old&(NoARP|Permanent) != 0 {
		return old, extack.Errno(syscall.EPERM), false
	}
	if flags&Admin != 0 {
		want := flags&ExtLearned != 0
		if want != (e.flags&FlagExtLearned != 0) {
			e.flags ^= FlagExtLearned
			notify, gcUpdate = true, true
		}
	}
	if flags&(Use|Managed) != 0 {
		e.setState(old &^ Permanent)
		return old, nil, gcUpdate
	}
	if state&Valid == 0 {
		e.stopTimer()
		e.setState(state)
		notify = notify || old&Valid != 0
		if old&(Incomplete|Probe) != 0 && state&Failed != 0 {
			t.invalidateLocked(e, now, w)
			notify = true
		}
		return old, nil, gcUpdate
	}
	cur := e.ha.Load()
	var next *hwAddr // nil: keep cur
	switch {
	case e.addrLen == 0:
	case lladdr != nil:
		if old&Valid == 0 || !bytes.Equal(lladdr[:min(len(lladdr), e.addrLen)], cur.bytes()) {
			next = makeHW(lladdr, e.addrLen)
		}
	default:
		if old&Valid == 0 {
			return old, errNoLLAddr, gcUpdate
		}
	}
	if state&Connected != 0 {
		e.confirmed.Store(now)
	}
	updateIsRouter := flags&OverrideIsRouter != 0
	if old&Valid != 0 {
		if next != nil && flags&Override == 0 {
			updateIsRouter = false
			if flags&WeakOverride == 0 || old&Connected == 0 {
				return old, nil, gcUpdate
			}
			next, state = nil, Stale
		} else if next == nil && state == Stale && flags&Admin == 0 {
			state = old
		}
	}
	if state != old || next != nil {
		e.updated = now
	}
	if state != old {
		e.stopTimer()
		if state&Probe != 0 {
			e.probes = 0
		}
		if state&InTimer != 0 {
			var d int64
			if state&Reachable != 0 {
				d = e.parms.Load().reach.Load()
			}
			e.armTimer(t, durationOf(d))
		}
		e.setState(state)
		notify = true
	}
	if next != nil {
		e.ha.Store(next)
		if state&Connected == 0 {
			e.confirmed.Store(now - 2*int64(e.parms.Load().get().BaseReachableTime))
		}
		notify = true
	}
	if updateIsRouter {
		want := flags&IsRouter != 0
		if want != (e.flags&FlagRouter != 0) {
			e.flags ^= FlagRouter
			notify = true
		}
	}
	if state != old && old&Valid == 0 && len(e.queue) > 0 {
		w.release = e
	}
	return old, nil, gcUpdate
}

// invalidateLocked fails the queued packets (neigh_invalidate).
func (t *Table) invalidateLocked(e *entry, now int64, w *work) {
	t.st.resFailed.Add(1)
	e.updated = now
	for _, b := range e.takeQueue() {
		w.reports = append(w.reports, dropItem{e.key.ifindex, b, 0})
	}
}
