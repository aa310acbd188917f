package xfrm

import (
	"sync"
	"syscall"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
)

// MsgKind is an xfrm notification (the XFRM_MSG_* a key manager or `ip
// xfrm monitor` receives).
type MsgKind uint8

// Notifications.
const (
	MsgNewSA       MsgKind = iota + 1 // XFRM_MSG_NEWSA
	MsgDelSA                          // XFRM_MSG_DELSA
	MsgUpdSA                          // XFRM_MSG_UPDSA
	MsgExpire                         // XFRM_MSG_EXPIRE (Hard says which)
	MsgAcquire                        // XFRM_MSG_ACQUIRE
	MsgFlushSA                        // XFRM_MSG_FLUSHSA
	MsgNewPolicy                      // XFRM_MSG_NEWPOLICY
	MsgDelPolicy                      // XFRM_MSG_DELPOLICY
	MsgUpdPolicy                      // XFRM_MSG_UPDPOLICY
	MsgFlushPolicy                    // XFRM_MSG_FLUSHPOLICY
	MsgPolExpire                      // XFRM_MSG_POLEXPIRE (Hard says which)
)

// Msg is one notification. State is set for SA messages, Policy for
// policy messages; an ACQUIRE carries the template, the flow's selector
// and the policy that asked.
type Msg struct {
	Kind   MsgKind
	State  *State
	Policy *Policy
	Hard   bool // EXPIRE: hard expiry
	Proto  Proto
	// Acquire fields (struct xfrm_user_acquire): Tmpl is the template
	// with the addresses the larval state gets (its Proto and SPI are the
	// message's id, its AAlgos/EAlgos/CAlgos the algorithm masks),
	// Selector the flow's, Seq the larval state's km.seq (never 0).
	Tmpl     Tmpl
	Selector Selector
	Seq      uint32
}

// Net is a namespace's xfrm state: its SA table, policy database, MIB and
// notification subscribers. Its lifetime timer runs on the namespace's
// World loop.
type Net struct {
	SAD *SAD
	SPD *SPD
	MIB *MIB

	ns *netdev.Namespace // owner, for device offload (nil for NewNet)

	mu      sync.Mutex
	subs    map[int]func(Msg)
	nextSub int
	loop    netdev.Loop
	timer   netdev.Timer
	timerAt time.Time
	acqSeq  uint32
	acq     map[acqKey]time.Time // outstanding acquires (larval states)
}

type acqKey struct {
	pol   *Policy
	tmpl  int
	daddr [16]byte
	saddr [16]byte
}

var pernet = netdev.NewPernet(func(ns *netdev.Namespace) *Net {
	var clock netdev.Clock
	var loop netdev.Loop
	if w := ns.World(); w != nil {
		clock, loop = w, w.Loop()
	}
	n := NewNet(clock, loop)
	n.ns = ns
	return n
}, nil)

// ForNamespace returns the namespace's xfrm state, created on first use.
func ForNamespace(ns *netdev.Namespace) *Net { return pernet.Get(ns) }

// NewNet returns an empty xfrm state whose lifetimes are driven by loop's
// timers (nil: only by explicit Tick calls) and clock.
func NewNet(clock netdev.Clock, loop netdev.Loop) *Net {
	n := &Net{MIB: new(MIB), subs: map[int]func(Msg){}, loop: loop, acq: map[acqKey]time.Time{}}
	n.SAD = NewSAD(n.MIB, clock, n.onStateEvent)
	n.SPD = NewSPD(clock, n.onPolicyMsg)
	return n
}

// Subscribe registers f for every notification (a netlink XFRMNLGRP
// listener such as `ip xfrm monitor`); cancel unregisters it. f runs on
// the goroutine that caused the event and must not block.
func (n *Net) Subscribe(f func(Msg)) (cancel func()) {
	n.mu.Lock()
	id := n.nextSub
	n.nextSub++
	n.subs[id] = f
	n.mu.Unlock()
	return func() {
		n.mu.Lock()
		delete(n.subs, id)
		n.mu.Unlock()
	}
}

// Publish sends a notification to the subscribers.
func (n *Net) Publish(m Msg) {
	n.mu.Lock()
	if len(n.subs) == 0 {
		n.mu.Unlock()
		return
	}
	fs := make([]func(Msg), 0, len(n.subs))
	for i := 0; i < n.nextSub; i++ {
		if f := n.subs[i]; f != nil {
			fs = append(fs, f)
		}
	}
	n.mu.Unlock()
	for _, f := range fs {
		f(m)
	}
}

// onPolicyMsg publishes a policy notification and arms the lifetime
// timer for a new policy with time limits.
func (n *Net) onPolicyMsg(m Msg) {
	n.Publish(m)
	if (m.Kind == MsgNewPolicy || m.Kind == MsgUpdPolicy) && m.Policy != nil && m.Policy.cfg.Lifetime.hasTimeLimits() {
		n.Arm()
	}
}

func (n *Net) onStateEvent(ev Event) {
	n.Publish(Msg{Kind: MsgExpire, State: ev.State, Hard: ev.Kind == EventHardExpire})
}

// AddState creates and inserts an SA (XFRM_MSG_NEWSA, or UPDSA with
// update), notifies subscribers and arms the lifetime timer.
func (n *Net) AddState(cfg Config, update bool) (*State, error) {
	var old *State
	if update {
		old = n.SAD.Lookup(cfg.ID.Daddr, cfg.ID.SPI, cfg.ID.Proto, cfg.Mark.Value&cfg.Mark.Mask)
		if old != nil && old.KM() == StateValid {
			nc, err := updateConfig(old, cfg)
			if err != nil {
				return nil, err
			}
			cfg = nc
		} else {
			old = nil
		}
	}
	x, err := n.SAD.NewState(cfg)
	if err != nil {
		return nil, err
	}
	if old != nil {
		x.inherit(old)
	}
	if cfg.Offload != nil && n.ns != nil {
		if err := DevStateAdd(n.ns, x, cfg.Offload); err != nil {
			return nil, err
		}
	}
	kind := MsgNewSA
	if update {
		err, kind = n.SAD.Update(x), MsgUpdSA
	} else {
		err = n.SAD.Add(x)
	}
	if err != nil {
		x.devStateDelete()
		return nil, err
	}
	n.clearAcquires()
	n.Publish(Msg{Kind: kind, State: x})
	n.Arm()
	return x, nil
}

// DeleteState removes an SA and notifies subscribers.
func (n *Net) DeleteState(x *State) error {
	if x.KernelTunnel() {
		return extack.Errno(syscall.EPERM) // xfrm_del_sa on xfrm_state_kern
	}
	c := x.Cfg()
	if err := n.SAD.Delete(c.ID.Daddr, c.ID.SPI, c.ID.Proto, c.Mark.Value&c.Mark.Mask); err != nil {
		return err
	}
	n.Publish(Msg{Kind: MsgDelSA, State: x})
	return nil
}

// FlushStates deletes every SA of proto (0: all) and notifies.
func (n *Net) FlushStates(proto Proto) {
	n.SAD.Flush(proto)
	n.Publish(Msg{Kind: MsgFlushSA, Proto: proto})
}

// Tick runs the SA lifetime timers now and re-arms the loop timer.
func (n *Net) Tick() {
	n.mu.Lock()
	n.timer, n.timerAt = nil, time.Time{}
	n.mu.Unlock()
	n.Arm()
}

// Arm evaluates the time lifetimes of SAs and policies and schedules the
// next evaluation on the loop (xfrm_timer_handler's and
// xfrm_policy_timer's re-arming).
func (n *Net) Arm() {
	next := n.SAD.Tick()
	if pn := n.SPD.Tick(); !pn.IsZero() && (next.IsZero() || pn.Before(next)) {
		next = pn
	}
	if n.loop == nil || next.IsZero() {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.timer != nil && !n.timerAt.After(next) {
		return
	}
	if n.timer != nil {
		n.timer.Stop()
	}
	d := next.Sub(n.loop.Now())
	if d < 0 {
		d = 0
	}
	n.timerAt = next
	n.timer = n.loop.AfterFunc(d, n.Tick)
}

// acquireLifetime is how long a larval (ACQUIRE) state stays, suppressing
// repeated acquires (net.core.xfrm_acq_expires, 30 s).
const acquireLifetime = 30 * time.Second

// Acquire sends an ACQUIRE for template i of policy p and the flow's
// addresses unless one is outstanding (km_query from xfrm_state_find).
// It reports whether a message was sent.
func (n *Net) Acquire(p *Policy, i int, t Tmpl, sel Selector, now time.Time) bool {
	k := acqKey{pol: p, tmpl: i, daddr: t.Daddr.As16(), saddr: t.Saddr.As16()}
	n.mu.Lock()
	if exp, ok := n.acq[k]; ok && now.Before(exp) {
		n.mu.Unlock()
		return false
	}
	n.acq[k] = now.Add(acquireLifetime)
	n.acqSeq++
	if n.acqSeq == 0 { // xfrm_get_acqseq skips 0 on wrap
		n.acqSeq++
	}
	seq := n.acqSeq
	n.mu.Unlock()
	n.Publish(Msg{Kind: MsgAcquire, Policy: p, Tmpl: t, Selector: sel, Seq: seq})
	return true
}

func (n *Net) clearAcquires() {
	n.mu.Lock()
	clear(n.acq)
	n.mu.Unlock()
}

// Gen is the namespace's xfrm generation: it moves whenever the SAD or the
// SPD changes in a way an output lookup could see (the sum of both
// generations, each only ever growing).
func (n *Net) Gen() uint64 { return n.SAD.Gen() + n.SPD.Gen() }
