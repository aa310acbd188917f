package xfrm

import "time"

// Policy lifetimes (xfrm_policy_timer in net/xfrm/xfrm_policy.c).
//
// A policy with time limits (`limit time-soft|time-hard|time-use-soft|
// time-use-hard`) is first examined one second after insertion, then at
// its next deadline. A passed hard limit deletes the policy and sends
// POLEXPIRE hard 1; a passed soft limit sends POLEXPIRE hard 0 and, as
// Linux, repeats it every XFRM_KM_TIMEOUT (30 s) while the policy lives.
// Use-time limits count from the last use (from the add time before the
// first). Byte and packet limits of policies are stored and printed only,
// as in Linux, which never counts policy traffic.

// policyKMTimeout is XFRM_KM_TIMEOUT, the period of repeated soft
// warnings.
const policyKMTimeout = 30 * time.Second

// policyFirstCheck is the delay before a new policy's first examination
// (mod_timer(jiffies + HZ) in xfrm_policy_insert).
const policyFirstCheck = time.Second

// hasTimeLimits reports whether any time lifetime is set.
func (l *LifetimeConfig) hasTimeLimits() bool {
	return l.SoftAddExpires != 0 || l.HardAddExpires != 0 || l.SoftUseExpires != 0 || l.HardUseExpires != 0
}

// hasUseLimits reports whether a use-time lifetime is set, which makes
// every use of the policy read the clock.
func (l *LifetimeConfig) hasUseLimits() bool {
	return l.SoftUseExpires != 0 || l.HardUseExpires != 0
}

// examine is one run of xfrm_policy_timer at now: whether a hard limit
// passed, whether a soft warning is due, and the delay to the next run
// (0: none).
func (p *Policy) examine(now time.Time) (hard, warn bool, next time.Duration) {
	l := &p.cfg.Lifetime
	used := p.added
	if u := p.UseTime(); !u.IsZero() {
		used = u
	}
	consider := func(limit time.Duration, from time.Time, soft bool) bool {
		if limit == 0 {
			return false
		}
		tmo := from.Add(limit).Sub(now)
		if tmo <= 0 {
			if !soft {
				return true
			}
			warn, tmo = true, policyKMTimeout
		}
		if next == 0 || tmo < next {
			next = tmo
		}
		return false
	}
	if consider(l.HardAddExpires, p.added, false) || consider(l.HardUseExpires, used, false) {
		return true, false, 0
	}
	consider(l.SoftAddExpires, p.added, true)
	consider(l.SoftUseExpires, used, true)
	return false, warn, next
}

// Tick runs the policy lifetime timers that are due at the SPD's clock:
// hard-expired policies are deleted and reported (MsgPolExpire, Hard),
// soft-expired ones reported. It returns the next time a timer is due
// (zero: none).
func (t *SPD) Tick() time.Time {
	now := t.clock.Now()
	var msgs []Msg
	var next time.Time
	t.mu.Lock()
	for i := 0; i < len(t.all); i++ {
		p := t.all[i]
		if p.checkAt.IsZero() {
			continue
		}
		if now.Before(p.checkAt) {
			if next.IsZero() || p.checkAt.Before(next) {
				next = p.checkAt
			}
			continue
		}
		hard, warn, d := p.examine(now)
		if hard {
			p.checkAt = time.Time{}
			t.removeLocked(p)
			i--
			msgs = append(msgs, Msg{Kind: MsgPolExpire, Policy: p, Hard: true})
			continue
		}
		if warn {
			msgs = append(msgs, Msg{Kind: MsgPolExpire, Policy: p})
		}
		p.checkAt = time.Time{}
		if d > 0 {
			p.checkAt = now.Add(d)
			if next.IsZero() || p.checkAt.Before(next) {
				next = p.checkAt
			}
		}
	}
	t.mu.Unlock()
	for _, m := range msgs {
		t.emit(m)
	}
	return next
}
