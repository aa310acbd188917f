package sched

import (
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Action is one tc action instance (struct tc_action).
type Action interface {
	// Act runs the action on b, which is on dev (the device whose hook
	// runs). It returns the control verdict; ActConsumed and ActStolen
	// mean the packet was taken.
	Act(dev *netdev.Device, b *packet.Buffer) Verdict
	// Common returns the state every action has.
	Common() *ActionCommon
}

// Action flags (TCA_ACT_FLAGS_*); SkipHW/SkipSW are inherited from the
// filter an action is created for.
const (
	ActFlagNoPercpu uint32 = 1 << 0
	ActFlagSkipHW   uint32 = 1 << 1
	ActFlagSkipSW   uint32 = 1 << 2
)

// ActionCommon is the part of an action act_api.c manages: identity,
// reference counts, the control verdict, statistics and timestamps.
type ActionCommon struct {
	kind    string
	index   uint32
	ref     int32 // RTNL
	bind    int32 // RTNL
	control atomic.Int32
	flags   uint32
	cookie  []byte
	ns      *netdev.Namespace
	gotoCh  atomic.Pointer[Chain]

	// Stats are the action's counters (tc -s: Sent, dropped, overlimits).
	Stats ActionStats

	install, lastuse, firstuse atomic.Int64 // world-clock UnixNano
}

// ActionStats are an action's gnet_stats_basic and gnet_stats_queue.
type ActionStats struct {
	Bytes, Packets, Drops, Overlimits atomic.Uint64
}

// Kind returns the action kind ("mirred").
func (c *ActionCommon) Kind() string { return c.kind }

// Index returns the action's index in its kind's table.
func (c *ActionCommon) Index() uint32 { return c.index }

// Refs returns the reference and bind counts as tc prints them.
func (c *ActionCommon) Refs() (ref, bind int32) { return c.ref, c.bind }

// Control returns the configured control verdict.
func (c *ActionCommon) Control() Verdict { return Verdict(c.control.Load()) }

// SetControl sets the control verdict (kinds call it from Init).
func (c *ActionCommon) SetControl(v Verdict) { c.control.Store(int32(v)) }

// Flags returns TCA_ACT_FLAGS_*.
func (c *ActionCommon) Flags() uint32 { return c.flags }

// Cookie returns the user cookie, or nil.
func (c *ActionCommon) Cookie() []byte { return c.cookie }

// Namespace returns the namespace the action lives in.
func (c *ActionCommon) Namespace() *netdev.Namespace { return c.ns }

// GotoChain returns the chain a "goto chain" control verdict goes to.
func (c *ActionCommon) GotoChain() *Chain { return c.gotoCh.Load() }

// Use records one packet: bytes and packets, last use and first use
// (tcf_lastuse_update + tcf_action_update_bstats).
func (c *ActionCommon) Use(b *packet.Buffer) {
	now := c.now()
	c.lastuse.Store(now)
	if c.firstuse.Load() == 0 {
		c.firstuse.Store(now)
	}
	c.Stats.Packets.Add(1)
	c.Stats.Bytes.Add(uint64(b.Len()))
}

func (c *ActionCommon) now() int64 {
	if c.ns == nil {
		return 0
	}
	return c.ns.World().Now().UnixNano()
}

// Times returns the ages of the install, last-use and first-use stamps;
// first is false when the action never ran.
func (c *ActionCommon) Times() (installed, lastUsed, firstUsed time.Duration, first bool) {
	now := c.now()
	installed = time.Duration(now - c.install.Load())
	lastUsed = time.Duration(now - c.lastuse.Load())
	if f := c.firstuse.Load(); f != 0 {
		return installed, lastUsed, time.Duration(now - f), true
	}
	return installed, lastUsed, 0, false
}

// ActionSpec is one parsed action of a command line: its kind, index (0
// picks the smallest free one), control verdict and the kind's parameters.
type ActionSpec struct {
	Kind    string
	Index   uint32
	Control Verdict
	Cookie  []byte
	Flags   uint32
	// Params are the kind's parameters (mirred.Params, gact.Params …);
	// nil when the spec only names an existing action to bind by index.
	Params any
}

// ActionKind is an action type (struct tc_action_ops).
type ActionKind interface {
	// Name is the kind's name ("mirred").
	Name() string
	// Check validates params before anything is created, knowing whether
	// an action with the requested index exists (the kernel's early
	// checks, in its order).
	Check(params any, exists bool) error
	// Init creates an action from params (old == nil) or reconfigures old
	// in place (replace). It calls SetControl on the result.
	Init(ns *netdev.Namespace, old Action, spec *ActionSpec) (Action, error)
}

// ExistsErrorer is implemented by kinds whose init reports an existing
// index with their own extack message (tunnel_key: "TC IDR already
// exists"); others answer a bare EEXIST.
type ExistsErrorer interface{ ExistsError() error }

// Releaser is implemented by actions that hold resources to drop when
// the last reference goes (mirred's device list entry).
type Releaser interface{ Release() }

var actionKinds atomic.Pointer[map[string]ActionKind]

// RegisterAction adds an action kind; call it at package init.
func RegisterAction(k ActionKind) {
	m := map[string]ActionKind{}
	if p := actionKinds.Load(); p != nil {
		for n, v := range *p {
			m[n] = v
		}
	}
	m[k.Name()] = k
	actionKinds.Store(&m)
}

// LookupActionKind returns a registered kind or nil.
func LookupActionKind(name string) ActionKind {
	if p := actionKinds.Load(); p != nil {
		return (*p)[name]
	}
	return nil
}

type netState struct {
	ns      *netdev.Namespace
	actions map[string]map[uint32]Action // RTNL
	blocks  atomic.Pointer[map[uint32]*Block]
}

var pernet = netdev.NewPernet(func(ns *netdev.Namespace) *netState {
	return &netState{ns: ns, actions: map[string]map[uint32]Action{}}
}, nil)

func state(ns *netdev.Namespace) *netState { return pernet.Get(ns) }

func (s *netState) table(kind string) map[uint32]Action {
	t := s.actions[kind]
	if t == nil {
		t = map[uint32]Action{}
		s.actions[kind] = t
	}
	return t
}

func (s *netState) freeIndex(kind string) uint32 {
	t := s.table(kind)
	for i := uint32(1); ; i++ {
		if _, ok := t[i]; !ok {
			return i
		}
	}
}

var (
	errActNotFound = extack.New(syscall.ENOENT, "TC action with specified index not found")
	errActDelete   = extack.New(syscall.EPERM, "Failed to delete TC action")
)

// undo collects what a multi-action request did, to roll it back.
type undo struct {
	created []Action
	bound   []Action
	taken   []Action // existing actions referenced (ref++)
}

func (u *undo) rollback(s *netState) {
	for _, a := range u.created {
		c := a.Common()
		delete(s.table(c.kind), c.index)
		release(a)
	}
	for _, a := range u.bound {
		c := a.Common()
		c.ref--
		c.bind--
	}
	for _, a := range u.taken {
		a.Common().ref--
	}
}

// initActions creates, binds or replaces each spec in order
// (tcf_action_init) with RTNL held. blk is the filter's block (nil for
// standalone actions); bind is set for actions of a filter. On error
// nothing remains changed.
func initActions(ns *netdev.Namespace, blk *Block, specs []ActionSpec, bind, replace bool) ([]Action, error) {
	s := state(ns)
	if len(specs) > maxActions {
		return nil, extack.New(syscall.EINVAL, "Too many actions")
	}
	var u undo
	out := make([]Action, 0, len(specs))
	for i := range specs {
		a, err := initAction(s, blk, &specs[i], bind, replace, &u)
		if err != nil {
			u.rollback(s)
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// maxActions is TCA_ACT_MAX_PRIO.
const maxActions = 32

func initAction(s *netState, blk *Block, sp *ActionSpec, bind, replace bool, u *undo) (Action, error) {
	kind := LookupActionKind(sp.Kind)
	if kind == nil {
		return nil, extack.New(syscall.ENOENT, "Failed to load TC action module")
	}
	t := s.table(sp.Kind)
	old, exists := t[sp.Index]
	if sp.Index == 0 {
		exists = false
	}
	if exists && bind {
		c := old.Common()
		c.ref++
		c.bind++
		u.bound = append(u.bound, old)
		return old, nil
	}
	if err := kind.Check(sp.Params, exists); err != nil {
		return nil, err
	}
	if exists && !replace {
		if e, ok := kind.(ExistsErrorer); ok {
			return nil, e.ExistsError()
		}
		return nil, extack.Errno(syscall.EEXIST)
	}
	if err := checkControl(sp.Control, blk != nil); err != nil {
		return nil, err
	}
	var gotoCh *Chain
	if sp.Control.IsGotoChain() {
		gotoCh = blk.chainForAction(sp.Control.Operand())
	}
	if exists {
		a, err := kind.Init(s.ns, old, sp)
		if err != nil {
			blk.putActionChain(gotoCh)
			return nil, err
		}
		c := a.Common()
		if prev := c.gotoCh.Swap(gotoCh); prev != nil {
			prev.block.putActionChain(prev)
		}
		if sp.Cookie != nil {
			c.cookie = sp.Cookie
		}
		if !bind {
			return a, nil
		}
		c.ref++
		c.bind++
		u.bound = append(u.bound, a)
		return a, nil
	}
	a, err := kind.Init(s.ns, nil, sp)
	if err != nil {
		blk.putActionChain(gotoCh)
		return nil, err
	}
	c := a.Common()
	c.kind = sp.Kind
	c.index = sp.Index
	if c.index == 0 {
		c.index = s.freeIndex(sp.Kind)
	}
	c.ns = s.ns
	c.ref = 1
	if bind {
		c.bind = 1
	}
	c.flags = sp.Flags
	c.cookie = sp.Cookie
	c.gotoCh.Store(gotoCh)
	now := c.now()
	c.install.Store(now)
	c.lastuse.Store(now)
	t[c.index] = a
	u.created = append(u.created, a)
	return a, nil
}

// release frees an action's resources once it left the table.
func release(a Action) {
	c := a.Common()
	if ch := c.gotoCh.Swap(nil); ch != nil {
		ch.block.putActionChain(ch)
	}
	if r, ok := a.(Releaser); ok {
		r.Release()
	}
}

// releaseActions drops the references a filter held (tcf_exts_destroy),
// with RTNL held; actions whose last reference goes are deleted.
func releaseActions(ns *netdev.Namespace, acts []Action, bind bool) {
	s := state(ns)
	for _, a := range acts {
		c := a.Common()
		c.ref--
		if bind {
			c.bind--
		}
		if c.ref <= 0 {
			delete(s.table(c.kind), c.index)
			release(a)
		}
	}
}

// AddActions runs `tc actions add|replace` (replace: NLM_F_REPLACE). All
// specs are created or none.
func AddActions(ns *netdev.Namespace, specs []ActionSpec, replace bool) error {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	acts, err := initActions(ns, nil, specs, false, replace)
	if err != nil {
		return err
	}
	// A replaced action keeps its references; a created one keeps the
	// table's. Nothing else to drop: standalone creation holds ref 1.
	_ = acts
	return nil
}

// GetAction returns the action of a kind with an index (tc actions get).
func GetAction(ns *netdev.Namespace, kind string, index uint32) (Action, error) {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	if a, ok := state(ns).table(kind)[index]; ok {
		return a, nil
	}
	return nil, errActNotFound
}

// DeleteAction runs `tc actions del action KIND index N`: an action bound
// to a filter cannot be deleted (EPERM).
func DeleteAction(ns *netdev.Namespace, kind string, index uint32) error {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	s := state(ns)
	a, ok := s.table(kind)[index]
	if !ok {
		return errActNotFound
	}
	c := a.Common()
	if c.bind > 0 {
		return errActDelete
	}
	c.ref--
	if c.ref <= 0 {
		delete(s.table(kind), index)
		release(a)
	}
	return nil
}

// Actions lists a kind's actions by index (tc actions ls).
func Actions(ns *netdev.Namespace, kind string) []Action {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	return sortedActions(state(ns).table(kind))
}

func sortedActions(t map[uint32]Action) []Action {
	out := make([]Action, 0, len(t))
	for _, a := range t {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Action) int {
		x, y := a.Common().index, b.Common().index
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return out
}

// FlushActions deletes a kind's actions in index order (tcf_del_walker);
// it stops with EPERM at the first one bound to a filter, keeping the
// ones deleted before it. It returns how many it deleted.
func FlushActions(ns *netdev.Namespace, kind string) (int, error) {
	w := ns.World()
	w.Lock()
	defer w.Unlock()
	s := state(ns)
	n := 0
	for _, a := range sortedActions(s.table(kind)) {
		c := a.Common()
		if c.bind > 0 {
			return n, extack.Errno(syscall.EPERM)
		}
		c.ref--
		if c.ref <= 0 {
			delete(s.table(kind), c.index)
			release(a)
			n++
		}
	}
	return n, nil
}
