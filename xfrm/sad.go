package xfrm

import (
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
)

// SAD is a namespace's SA table (the xfrm_state hash tables of struct
// netns_xfrm). Readers are lock-free: each of the table's shards is an
// immutable map behind an atomic pointer, replaced copy-on-write by
// writers, which serialize on one mutex. Lookups are O(1) and do not
// allocate.
type SAD struct {
	mu     sync.Mutex
	byID   [nShards]atomic.Pointer[map[idKey][]*State]
	byOut  [nShards]atomic.Pointer[map[outKey][]*State]
	all    map[*State]uint64 // insertion order for dumps
	serial uint64
	count  atomic.Int64

	mib     *MIB
	clock   netdev.Clock
	onEvent func(Event)

	tun6     map[netip.Addr]uint32 // kernel tunnel state SPIs by IPv6 source (xfrm6_tunnel_spi)
	tun6Next uint32

	// gen moves whenever what an output lookup can find changes: a state
	// inserted or removed, or one's validity or dying flag (Gen).
	gen atomic.Uint64
}

// Gen is the SAD's generation (state_genid): it changes whenever a state
// is inserted or removed or a state's validity or soft-expiry changes, so
// a cached output resolution taken at one generation is still what a
// lookup would find while the generation has not moved.
func (t *SAD) Gen() uint64 { return t.gen.Load() }

const nShards = 1024

type idKey struct {
	daddr netip.Addr
	spi   uint32
	proto Proto
}

type outKey struct {
	daddr, saddr netip.Addr
	reqid        uint32
	proto        Proto
}

// NewSAD returns an empty table whose states count into mib and take time
// from clock; onEvent (may be nil) receives expiry events of its states.
func NewSAD(mib *MIB, clock netdev.Clock, onEvent func(Event)) *SAD {
	if mib == nil {
		mib = new(MIB)
	}
	if clock == nil {
		clock = wallClock{}
	}
	return &SAD{all: map[*State]uint64{}, mib: mib, clock: clock, onEvent: onEvent}
}

func addrHash(a netip.Addr) uint32 {
	b := a.As16()
	h := uint32(2166136261)
	for _, c := range b[8:] {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

func (k idKey) shard() int {
	h := k.spi*0x9e3779b1 ^ addrHash(k.daddr) ^ uint32(k.proto)
	return int(h>>7) % nShards
}

func (k outKey) shard() int {
	h := addrHash(k.daddr)*31 ^ addrHash(k.saddr) ^ k.reqid*0x9e3779b1 ^ uint32(k.proto)
	return int(h>>7) % nShards
}

func keysOf(x *State) (idKey, outKey) {
	c := &x.cfg
	return idKey{c.ID.Daddr, c.ID.SPI, c.ID.Proto}, outKey{c.ID.Daddr, c.Saddr, c.Reqid, c.ID.Proto}
}

// NewState creates a state that counts into the table's MIB and clock and
// reports events to its callback; Add inserts it.
func (t *SAD) NewState(cfg Config) (*State, error) {
	return NewState(cfg, Options{Clock: t.clock, MIB: t.mib, OnEvent: t.onEvent})
}

// MIB returns the table's counters.
func (t *SAD) MIB() *MIB { return t.mib }

// Len returns the number of states.
func (t *SAD) Len() int { return int(t.count.Load()) }

// Lookup finds the SA for an inbound packet (xfrm_state_lookup): by
// destination, SPI and protocol, with the packet mark matched against each
// SA's mark/mask. It does not lock or allocate.
func (t *SAD) Lookup(daddr netip.Addr, spi uint32, proto Proto, mark uint32) *State {
	k := idKey{daddr, spi, proto}
	m := t.byID[k.shard()].Load()
	if m == nil {
		return nil
	}
	for _, x := range (*m)[k] {
		if x.cfg.Mark.Matches(mark) {
			return x
		}
	}
	return nil
}

// OutputQuery is the template and flow an output lookup resolves
// (xfrm_state_find's arguments).
type OutputQuery struct {
	Daddr, Saddr netip.Addr
	Reqid        uint32
	Proto        Proto
	Mode         Mode
	SPI          uint32 // 0: any
	Mark         uint32
	IfID         uint32
	Flow         *Flow // selector match; nil skips it
}

// FindOutput returns the best VALID SA for output (xfrm_state_find and
// xfrm_state_look_at): matching addresses, reqid, protocol, mode, mark and
// if_id, and whose selector matches the flow; non-dying SAs win over dying
// ones, then the most recently added. A second pass accepts SAs with a
// wildcard source address.
func (t *SAD) FindOutput(q *OutputQuery) *State {
	if x := t.findOut(q, q.Saddr); x != nil {
		return x
	}
	var zero netip.Addr
	if q.Saddr.Is4() {
		zero = netip.IPv4Unspecified()
	} else {
		zero = netip.IPv6Unspecified()
	}
	if q.Saddr == zero {
		return nil
	}
	return t.findOut(q, zero)
}

// outSelectorOK is xfrm_state_look_at's selector test: a selector of
// another family than the flow's never matches; one of no family (an SA
// added with af-unspec and no sel) matches every flow.
func outSelectorOK(s *Selector, f *Flow) bool {
	if s.Family == 0 {
		return true
	}
	return s.Family == familyOf(f.Daddr) && s.Match(f)
}

func (t *SAD) findOut(q *OutputQuery, saddr netip.Addr) *State {
	k := outKey{q.Daddr, saddr, q.Reqid, q.Proto}
	m := t.byOut[k.shard()].Load()
	if m == nil {
		return nil
	}
	var best *State
	var bestDying bool
	var bestAdded time.Time
	for _, x := range (*m)[k] {
		c := &x.cfg
		if c.Mode != q.Mode || !c.Mark.Matches(q.Mark) || c.IfID != q.IfID ||
			c.Flags&FlagWildRecv != 0 || (q.SPI != 0 && q.SPI != c.ID.SPI) || c.Dir == DirIn {
			continue
		}
		if q.Flow != nil && !outSelectorOK(&c.Selector, q.Flow) {
			continue
		}
		x.mu.Lock()
		valid, dying, added := x.km == StateValid, x.dying, x.cur.AddTime
		x.mu.Unlock()
		if !valid {
			continue
		}
		if best == nil || (bestDying && !dying) ||
			(bestDying == dying && bestAdded.Before(added)) {
			best, bestDying, bestAdded = x, dying, added
		}
	}
	return best
}

// Add inserts a new state (xfrm_state_add): EEXIST when an SA with the same
// destination, SPI, protocol and mark is present.
func (t *SAD) Add(x *State) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.locate(x) != nil {
		return extack.Errno(syscall.EEXIST)
	}
	if err := t.tunnelFor(x); err != nil {
		return err
	}
	t.insertLocked(x)
	return nil
}

// tunnelFor attaches a tunnel-mode IPComp SA to its kernel tunnel state
// (ipcomp_tunnel_attach), inserted before the SA as Linux does it while
// constructing the SA.
func (t *SAD) tunnelFor(x *State) error {
	if !needsTunnel(&x.cfg) || x.tunnel != nil {
		return nil
	}
	return t.attachTunnelLocked(x)
}

// Update replaces the state with the same identity (xfrm_state_update):
// ESRCH when there is none.
func (t *SAD) Update(x *State) error {
	t.mu.Lock()
	old := t.locate(x)
	if old == nil {
		t.mu.Unlock()
		return extack.Errno(syscall.ESRCH)
	}
	if old.KernelTunnel() {
		t.mu.Unlock()
		return extack.Errno(syscall.EEXIST) // xfrm_state_update on xfrm_state_kern
	}
	if err := t.tunnelFor(x); err != nil {
		t.mu.Unlock()
		return err
	}
	t.removeLocked(old)
	t.insertLocked(x)
	t.mu.Unlock()
	old.kill()
	return nil
}

func (t *SAD) locate(x *State) *State {
	c := &x.cfg
	k, _ := keysOf(x)
	m := t.byID[k.shard()].Load()
	if m == nil {
		return nil
	}
	for _, y := range (*m)[k] {
		if y.cfg.Mark.Matches(c.Mark.Value&c.Mark.Mask) && y.cfg.IfID == c.IfID {
			return y
		}
	}
	return nil
}

// Delete removes the SA found by Lookup's key (xfrm_del_sa): ESRCH when
// absent.
func (t *SAD) Delete(daddr netip.Addr, spi uint32, proto Proto, mark uint32) error {
	t.mu.Lock()
	x := t.Lookup(daddr, spi, proto, mark)
	if x == nil {
		t.mu.Unlock()
		return extack.Errno(syscall.ESRCH)
	}
	t.removeLocked(x)
	t.mu.Unlock()
	x.kill()
	return nil
}

// Flush deletes every SA of proto (0: all), as `ip xfrm state flush`.
// Kernel tunnel states in use stay (xfrm_state_flush skips
// xfrm_state_kern); they go with their last IPComp SA.
func (t *SAD) Flush(proto Proto) {
	for _, x := range t.Dump() {
		if proto != 0 && x.cfg.ID.Proto != proto {
			continue
		}
		t.mu.Lock()
		kern := x.KernelTunnel()
		if !kern {
			t.removeLocked(x)
		}
		t.mu.Unlock()
		if !kern {
			x.kill()
		}
	}
}

// Dump returns the states in insertion order (xfrm_state_walk).
func (t *SAD) Dump() []*State {
	t.mu.Lock()
	out := make([]*State, 0, len(t.all))
	for x := range t.all {
		out = append(out, x)
	}
	all := t.all
	slices.SortFunc(out, func(a, b *State) int {
		if all[a] < all[b] {
			return -1
		}
		return 1
	})
	t.mu.Unlock()
	return out
}

// Tick runs every state's lifetime timer at the table clock's time and
// returns the earliest next deadline (zero if none).
func (t *SAD) Tick() time.Time {
	now := t.clock.Now()
	var next time.Time
	for _, x := range t.Dump() {
		if n := x.Tick(now); !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
	}
	return next
}

func (t *SAD) insertLocked(x *State) {
	ik, ok := keysOf(x)
	cowAdd(&t.byID[ik.shard()], ik, x)
	cowAdd(&t.byOut[ok.shard()], ok, x)
	t.serial++
	t.all[x] = t.serial
	t.count.Add(1)
	t.gen.Add(1)
	x.mu.Lock()
	x.owner = t
	x.mu.Unlock()
}

func (t *SAD) remove(x *State) {
	t.mu.Lock()
	t.removeLocked(x)
	t.mu.Unlock()
}

func (t *SAD) removeLocked(x *State) {
	if _, ok := t.all[x]; !ok {
		return
	}
	ik, ok := keysOf(x)
	cowDel(&t.byID[ik.shard()], ik, x)
	cowDel(&t.byOut[ok.shard()], ok, x)
	delete(t.all, x)
	t.count.Add(-1)
	t.gen.Add(1)
	x.devStateDelete()
	t.detachTunnelLocked(x)
}

func (x *State) kill() {
	x.mu.Lock()
	x.km = StateDead
	x.bumpLocked()
	x.owner = nil
	x.mu.Unlock()
}

func cowAdd[K comparable](p *atomic.Pointer[map[K][]*State], k K, x *State) {
	old := p.Load()
	n := make(map[K][]*State, mapLen(old)+1)
	if old != nil {
		for kk, v := range *old {
			n[kk] = v
		}
	}
	n[k] = append(slices.Clip(n[k]), x)
	p.Store(&n)
}

func cowDel[K comparable](p *atomic.Pointer[map[K][]*State], k K, x *State) {
	old := p.Load()
	if old == nil {
		return
	}
	n := make(map[K][]*State, len(*old))
	for kk, v := range *old {
		n[kk] = v
	}
	v := slices.DeleteFunc(slices.Clone(n[k]), func(y *State) bool { return y == x })
	if len(v) == 0 {
		delete(n, k)
	} else {
		n[k] = v
	}
	p.Store(&n)
}

func mapLen[K comparable](m *map[K][]*State) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
