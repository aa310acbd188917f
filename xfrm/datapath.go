package xfrm

import "time"

// The per-packet SA operations the transforms call, in the order
// xfrm_output_one and xfrm_input perform them. Each takes the SA lock once.

// OutputPrepare runs xfrm_output_one's checks for one packet of length n
// (the packet as counted by Linux: outer headers included, trailer not):
// state valid (XfrmOutStateInvalid), direction (XfrmOutStateDirError),
// lifetime (XfrmOutStateExpired), sequence overflow (XfrmOutStateSeqError);
// then it charges the lifetime and returns the 64-bit sequence number.
func (x *State) OutputPrepare(n int) (uint64, *Drop) {
	if x.cfg.Dir == DirIn {
		return 0, x.mib.Count(OutStateDirError)
	}
	x.updatePacketOffloadStats()
	x.mu.Lock()
	if x.km != StateValid {
		x.mu.Unlock()
		return 0, x.mib.Count(OutStateInvalid)
	}
	ev, expired := x.checkExpireLocked()
	if expired {
		x.mu.Unlock()
		x.emit(ev)
		return 0, x.mib.Count(OutStateExpired)
	}
	var seq uint64
	if x.cfg.ID.Proto != ProtoComp {
		var ok bool
		seq, ok = x.replay.nextOutput(x.cfg.ExtraFlags&ExtraOSeqMayWrap != 0)
		if !ok {
			x.mu.Unlock()
			x.emit(ev)
			return 0, x.mib.Count(OutStateSeqError)
		}
	}
	x.cur.Bytes += uint64(n)
	x.cur.Packets++
	x.mu.Unlock()
	x.emit(ev)
	return seq, nil
}

// InputCheck runs xfrm_input's checks before decryption for a packet with
// sequence number seq (low half) arriving with NAT-T encapsulation encap
// (0 for none): direction (XfrmInStateDirError), state valid
// (XfrmInStateInvalid), encapsulation match (XfrmInStateMismatch), replay
// (XfrmInStateSeqError) and lifetime (XfrmInStateExpired). It returns the
// inferred high half of the sequence number.
func (x *State) InputCheck(seq uint32, encap EncapType) (uint32, *Drop) {
	if x.cfg.Dir == DirOut {
		return 0, x.mib.Count(InStateDirError)
	}
	x.updatePacketOffloadStats()
	x.mu.Lock()
	if x.km != StateValid {
		x.mu.Unlock()
		return 0, x.mib.Count(InStateInvalid)
	}
	var want EncapType
	if x.cfg.Encap != nil {
		want = x.cfg.Encap.Type
	}
	if want != encap {
		x.mu.Unlock()
		return 0, x.mib.Count(InStateMismatch)
	}
	if x.cfg.ID.Proto != ProtoComp && x.replay.check(seq) != replayOK {
		x.mu.Unlock()
		return 0, x.mib.Count(InStateSeqError)
	}
	ev, expired := x.checkExpireLocked()
	hi := x.replay.InferSeqHi(seq)
	x.mu.Unlock()
	x.emit(ev)
	if expired {
		return 0, x.mib.Count(InStateExpired)
	}
	return hi, nil
}

// InputIntegrityFailed records an ICV failure (x->stats.integrity_failed,
// XfrmInStateProtoError).
func (x *State) InputIntegrityFailed() *Drop {
	x.mu.Lock()
	x.replay.IntegrityFailed++
	x.mu.Unlock()
	return x.mib.Count(InStateProtoError)
}

// InputDone runs after a successful decryption: the replay recheck
// (XfrmInStateSeqError), advancing the window and charging n bytes.
// When the window's high half moves (ESN), an offloading device is told
// (xfrm_replay_advance_esn's xfrm_dev_state_advance_esn).
func (x *State) InputDone(seq, hi uint32, n int) *Drop {
	x.mu.Lock()
	esnMoved := false
	if x.cfg.ID.Proto != ProtoComp {
		if x.replay.recheck(seq, hi) != replayOK {
			x.mu.Unlock()
			return x.mib.Count(InStateSeqError)
		}
		old := x.replay.SeqHi
		x.replay.advance(seq)
		esnMoved = x.replay.SeqHi != old
	}
	x.cur.Bytes += uint64(n)
	x.cur.Packets++
	x.mu.Unlock()
	if esnMoved {
		x.AdvanceESN()
	}
	return nil
}

// checkExpireLocked is xfrm_state_check_expire: hard byte/packet limits
// expire the SA, soft ones mark it dying and raise a soft event. The clock
// is read only for the first use (curlft.use_time), keeping it off the
// per-packet path.
func (x *State) checkExpireLocked() (Event, bool) {
	if x.cur.UseTime.IsZero() {
		x.cur.UseTime = x.clock.Now()
	}
	l := &x.cfg.Lifetime
	if x.cur.Bytes >= l.HardByteLimit || x.cur.Packets >= l.HardPacketLimit {
		x.km = StateExpired
		x.bumpLocked()
		return Event{Kind: EventHardExpire, State: x}, true
	}
	if !x.dying && (x.cur.Bytes >= l.SoftByteLimit || x.cur.Packets >= l.SoftPacketLimit) {
		x.dying = true
		x.bumpLocked()
		return Event{Kind: EventSoftExpire, State: x}, false
	}
	return Event{}, false
}

func (x *State) emit(ev Event) {
	if ev.Kind == 0 {
		return
	}
	if ev.Kind == EventHardExpire {
		x.expireHard()
		return
	}
	if x.event != nil {
		x.event(ev)
	}
}

// expireHard deletes an expired SA and sends the hard event once.
func (x *State) expireHard() {
	x.mu.Lock()
	if x.km == StateDead {
		x.mu.Unlock()
		return
	}
	x.km = StateDead
	x.bumpLocked()
	owner := x.owner
	x.mu.Unlock()
	if owner != nil {
		owner.remove(x)
	}
	if x.event != nil {
		x.event(Event{Kind: EventHardExpire, State: x})
	}
}

// Tick evaluates the time lifetimes at now (xfrm_timer_handler): hard add
// and use limits delete the SA, soft ones raise one soft event. It returns
// when it next needs to run (zero if never).
func (x *State) Tick(now time.Time) time.Time {
	x.UpdateOffloadStats() // xfrm_timer_handler reads the device's counters first
	x.mu.Lock()
	if x.km == StateDead {
		x.mu.Unlock()
		return time.Time{}
	}
	if x.km == StateExpired {
		x.mu.Unlock()
		x.expireHard()
		return time.Time{}
	}
	l := &x.cfg.Lifetime
	var next time.Time
	earlier := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	use := x.cur.UseTime
	if use.IsZero() {
		use = now
	}
	hard := false
	if l.HardAddExpires > 0 {
		t := x.cur.AddTime.Add(l.HardAddExpires)
		if !now.Before(t) {
			hard = true
		}
		earlier(t)
	}
	if l.HardUseExpires > 0 {
		t := use.Add(l.HardUseExpires)
		if !now.Before(t) {
			hard = true
		}
		earlier(t)
	}
	if hard {
		x.mu.Unlock()
		x.expireHard()
		return time.Time{}
	}
	warn := false
	if !x.dying {
		if l.SoftAddExpires > 0 {
			t := x.cur.AddTime.Add(l.SoftAddExpires)
			if !now.Before(t) {
				warn = true
			} else {
				earlier(t)
			}
		}
		if l.SoftUseExpires > 0 {
			t := use.Add(l.SoftUseExpires)
			if !now.Before(t) {
				warn = true
			} else {
				earlier(t)
			}
		}
		if x.dying != warn {
			x.dying = warn
			x.bumpLocked()
		}
	}
	x.mu.Unlock()
	if warn && x.event != nil {
		x.event(Event{Kind: EventSoftExpire, State: x})
	}
	return next
}
