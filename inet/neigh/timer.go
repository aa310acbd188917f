package neigh

import (
	"slices"
	"time"
)

func durationOf(ns int64) time.Duration { return time.Duration(ns) }

// timerFired is neigh_timer_handler.
func (t *Table) timerFired(e *entry, gen uint64) {
	var w work
	t.timerLocked(e, gen, &w)
	w.run(t)
}

func (t *Table) timerLocked(e *entry, gen uint64, w *work) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if gen != e.timerGen || e.dead {
		return
	}
	e.timer = nil
	st := e.loadState()
	if st&InTimer == 0 {
		return
	}
	now := t.now()
	dp := e.parms.Load()
	p := dp.get()
	reach := dp.reach.Load()
	retrans := int64(max(p.RetransTime, minRetrans))
	next := now + int64(time.Second)
	notify := false
	switch {
	case st&Reachable != 0:
		confirmed, used := e.confirmed.Load(), e.used.Load()
		switch {
		case now <= confirmed+reach:
			next = confirmed + reach
		case now <= used+int64(p.DelayProbeTime):
			e.setState(Delay)
			e.updated = now
			next = now + int64(p.DelayProbeTime)
		default:
			e.setState(Stale)
			e.updated = now
			notify = true
		}
	case st&Delay != 0:
		confirmed := e.confirmed.Load()
		if now <= confirmed+int64(p.DelayProbeTime) {
			e.setState(Reachable)
			e.updated = now
			notify = true
			next = confirmed + reach
		} else {
			e.setState(Probe)
			e.updated = now
			e.probes = 0
			notify = true
			next = now + retrans
		}
	default: // Incomplete, Probe
		next = now + retrans
	}
	st = e.loadState()
	if st&(Incomplete|Probe) != 0 && e.probes >= maxProbes(p, st) {
		e.setState(Failed)
		t.invalidateLocked(e, now, w)
		if t.cfg.Notify != nil {
			w.notify(e.snapshotLocked(), false)
		}
		return
	}
	if st&InTimer != 0 {
		next = max(next, now+int64(minRetrans))
		e.armTimer(t, durationOf(next-now))
	}
	if st&(Incomplete|Probe) != 0 {
		t.probeLocked(e, w)
	}
	if notify && t.cfg.Notify != nil {
		w.notify(e.snapshotLocked(), false)
	}
}

// armGC schedules the periodic collection if it is not pending. t.mu is
// held. The first run comes after the randomized reachable time, as
// neigh_table_init queues it; it is not rescheduled while the table is
// empty, so an idle lab has no pending timer.
func (t *Table) armGC() {
	if t.gcTimer != nil || t.closed {
		return
	}
	t.scheduleGC(time.Duration(t.dflt.reach.Load()))
}

func (t *Table) scheduleGC(d time.Duration) {
	t.gcGen++
	gen := t.gcGen
	t.gcTimer = t.loop.AfterFunc(d, func() { t.periodic(gen) })
}

func (t *Table) stopGC() {
	if t.gcTimer != nil {
		t.gcTimer.Stop()
		t.gcTimer = nil
	}
	t.gcGen++
}

// periodic is neigh_periodic_work.
func (t *Table) periodic(gen uint64) {
	var w work
	t.mu.Lock()
	if gen != t.gcGen || t.closed {
		t.mu.Unlock()
		return
	}
	t.gcTimer = nil
	t.st.periodicGC.Add(1)
	now := t.now()
	if now > t.lastRand+int64(300*time.Second) {
		t.lastRand = now
		t.dflt.rerandomize(t.rnd)
		for _, p := range t.parms {
			p.rerandomize(t.rnd)
		}
	}
	if t.entries >= t.tparams.GCThresh1 {
		var dead []*entry
		for _, e := range *t.snap.Load() {
			if t.staleLocked(e, now) {
				dead = append(dead, e)
			}
		}
		t.removeLocked(dead, &w)
	}
	if t.entries > 0 {
		t.scheduleGC(t.dflt.get().BaseReachableTime / 2)
	}
	t.mu.Unlock()
	w.run(t)
}

// staleLocked reports whether periodic collection removes e.
func (t *Table) staleLocked(e *entry, now int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.loadState()
	if st&(Permanent|InTimer) != 0 || e.flags&FlagExtLearned != 0 {
		return false
	}
	used, confirmed := e.used.Load(), e.confirmed.Load()
	if used < confirmed && confirmed <= now {
		used = confirmed
		e.used.Store(used)
	}
	if e.timer != nil {
		return false
	}
	gcStale := int64(e.parms.Load().get().GCStaleTime)
	return st == Failed || !(used <= now && now < used+gcStale)
}

// forcedGC is neigh_forced_gc: it removes collectable entries, oldest
// first, that are FAILED, NOARP, multicast or unchanged for 5 s, until the
// count is back to GCThresh2. gcEntries counts the entry being created.
// t.mu is held.
func (t *Table) forcedGC(now int64, gcEntries int, w *work) int {
	t.st.forcedGC.Add(1)
	maxClean := gcEntries - t.tparams.GCThresh2
	tref := now - int64(5*time.Second)
	var cands []*entry
	for _, e := range *t.snap.Load() {
		if e.onGC {
			cands = append(cands, e)
		}
	}
	slices.SortFunc(cands, func(a, b *entry) int {
		if a.gcSeq < b.gcSeq {
			return -1
		}
		if a.gcSeq > b.gcSeq {
			return 1
		}
		return 0
	})
	var dead []*entry
	for _, e := range cands {
		e.mu.Lock()
		idle := e.timer == nil
		st := e.loadState()
		remove := idle && (st == Failed || st == NoARP || e.key.addr.IsMulticast() ||
			!(tref <= e.updated && e.updated <= now))
		e.mu.Unlock()
		if !idle {
			continue
		}
		if remove {
			dead = append(dead, e)
		}
		if len(dead) >= maxClean {
			break
		}
	}
	t.removeLocked(dead, w)
	t.lastFlush = now
	return len(dead)
}
