package xfrm

import (
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
)

// SPD is a namespace's security policy database (the policy tables of
// struct netns_xfrm). Each direction's policies are an immutable table in
// lookup order (sub-type policies first, then by priority, then oldest
// first) behind an atomic pointer: lookups take no lock and allocate
// nothing. As Linux's policy_bydst hash, policies whose selector has
// full-length source and destination prefixes are found by hashing the
// flow's addresses; the others are scanned in order, stopping at the
// first that ranks after the exact candidate — or, for most tables,
// looked up in bins by their prefixes (spd_bins.go). Writers serialize
// on a mutex.
type SPD struct {
	mu      sync.Mutex
	dirs    [numDirs]atomic.Pointer[dirTable]
	all     []*Policy // insertion order (policy_all)
	byIndex map[uint32]*Policy
	gen     uint32 // idx_generator
	serial  uint64
	block   [numDirs]atomic.Bool // default policies (setdefault … block)
	clock   netdev.Clock
	notify  func(Msg)
	// genid moves whenever a direction's table or default changes (Gen).
	genid atomic.Uint64
}

// Gen is the SPD's generation: it changes whenever a policy is inserted,
// replaced or removed or a default policy changes, so a cached policy
// lookup taken at one generation stays what Lookup would return.
func (t *SPD) Gen() uint64 { return t.genid.Load() }

// NewSPD returns an empty policy database taking time from clock (nil: the
// wall clock); notify (may be nil) receives policy events.
func NewSPD(clock netdev.Clock, notify func(Msg)) *SPD {
	if clock == nil {
		clock = wallClock{}
	}
	return &SPD{byIndex: map[uint32]*Policy{}, clock: clock, notify: notify}
}

// Lookup returns the policy of direction dir matching flow f of a family
// (xfrm_policy_lookup): the first in lookup order whose selector, mark and
// if_id match, or nil. It does not lock or allocate.
func (t *SPD) Lookup(dir PolicyDir, family int, f *Flow, ifID uint32) *Policy {
	if dir >= numDirs {
		return nil
	}
	tab := t.dirs[dir].Load()
	if tab == nil {
		return nil
	}
	var best *Policy
	if len(tab.exact) > 0 {
		for _, pol := range tab.exact[exactKey{f.Daddr, f.Saddr}] {
			if pol.Match(f, family, ifID) {
				best = pol
				break
			}
		}
	}
	return tab.lookupInexact(best, family, f, ifID)
}

// dirTable is one direction's lookup structure.
type dirTable struct {
	all     []*Policy // lookup order
	exact   map[exactKey][]*Policy
	inexact []*Policy
	fams    [2]famBins // inexact policies binned by prefixes (spd_bins.go)
}

type exactKey struct{ daddr, saddr netip.Addr }

// ranksBefore is the lookup order: sub type first, then lower priority,
// then older.
func ranksBefore(a, b *Policy) bool {
	if a.cfg.Type != b.cfg.Type {
		return a.cfg.Type > b.cfg.Type
	}
	if a.cfg.Priority != b.cfg.Priority {
		return a.cfg.Priority < b.cfg.Priority
	}
	return a.seq < b.seq
}

func isExact(s *Selector) bool {
	return s.Daddr.IsValid() && s.Saddr.IsValid() &&
		s.Daddr.Bits() == s.Daddr.Addr().BitLen() && s.Saddr.Bits() == s.Saddr.Addr().BitLen()
}

// Count returns the number of policies of a direction (policy_count).
func (t *SPD) Count(dir PolicyDir) int {
	if dir >= numDirs {
		return 0
	}
	if tab := t.dirs[dir].Load(); tab != nil {
		return len(tab.all)
	}
	return 0
}

// Empty reports whether a direction has no policy and allows by default:
// the data path's fast exit.
func (t *SPD) Empty(dir PolicyDir) bool {
	return t.Count(dir) == 0 && !t.block[dir].Load()
}

// DefaultBlock reports whether the default policy of dir is block.
func (t *SPD) DefaultBlock(dir PolicyDir) bool { return dir < numDirs && t.block[dir].Load() }

// SetDefault sets the default policy of a direction (ip xfrm policy
// setdefault): block true drops packets no policy matches.
func (t *SPD) SetDefault(dir PolicyDir, block bool) {
	if dir < numDirs {
		t.block[dir].Store(block)
		t.genid.Add(1)
	}
}

// Touch records a use of the policy (curlft.use_time) at the SPD's clock:
// the first use, or every use for a policy with use-time limits (which
// count from the last use, as Linux's).
func (t *SPD) Touch(p *Policy) {
	if p.useLft || p.useTime.Load() == 0 {
		p.useTime.Store(t.clock.Now().UnixNano())
	}
}

// sameIdentity is xfrm_policy_insert's duplicate test: type, if_id,
// selector, mark value and mask.
func sameIdentity(a, b *PolicyConfig) bool {
	return a.Type == b.Type && a.Dir == b.Dir && a.IfID == b.IfID &&
		a.Selector.canonical() == b.Selector.canonical() && a.Mark == b.Mark
}

// canonical is s with an address prefix of length 0 written as none:
// Linux stores both as the zero address with prefix length 0, so a
// policy added without src/dst is the one `src 0.0.0.0/0 dst 0.0.0.0/0`
// names.
func (s Selector) canonical() Selector {
	if s.Saddr.IsValid() && s.Saddr.Bits() == 0 {
		s.Saddr = netip.Prefix{}
	}
	if s.Daddr.IsValid() && s.Daddr.Bits() == 0 {
		s.Daddr = netip.Prefix{}
	}
	return s
}

// Add inserts a policy (xfrm_add_policy with XFRM_MSG_NEWPOLICY): EEXIST
// when one with the same identity exists.
func (t *SPD) Add(c PolicyConfig) (*Policy, error) { return t.insert(c, true) }

// Update inserts or replaces a policy (XFRM_MSG_UPDPOLICY); a replaced
// policy keeps its index.
func (t *SPD) Update(c PolicyConfig) (*Policy, error) { return t.insert(c, false) }

func (t *SPD) insert(c PolicyConfig, excl bool) (*Policy, error) {
	if err := verifyPolicy(&c); err != nil {
		return nil, err
	}
	c.Tmpls = slices.Clone(c.Tmpls)
	t.mu.Lock()
	var old *Policy
	for _, p := range t.all {
		if sameIdentity(&p.cfg, &c) {
			old = p
			break
		}
	}
	if old != nil && excl {
		t.mu.Unlock()
		return nil, extack.Errno(syscall.EEXIST)
	}
	p := &Policy{cfg: c, added: t.clock.Now(), useLft: c.Lifetime.hasUseLimits()}
	if c.Lifetime.hasTimeLimits() {
		p.checkAt = p.added.Add(policyFirstCheck)
	}
	if old != nil {
		p.index = old.index
		t.removeLocked(old)
	} else {
		p.index = t.genIndex(c.Dir, c.Index)
	}
	p.cfg.Index = p.index
	t.serial++
	p.seq = t.serial
	t.all = append(t.all, p)
	t.byIndex[p.index] = p
	t.publish(c.Dir)
	t.mu.Unlock()
	kind := MsgNewPolicy
	if !excl {
		kind = MsgUpdPolicy
	}
	t.emit(Msg{Kind: kind, Policy: p})
	return p, nil
}

// genIndex is xfrm_gen_index: a requested index is used when free, else
// the generator advances by 8 with the direction in the low bits.
func (t *SPD) genIndex(dir PolicyDir, want uint32) uint32 {
	for {
		var idx uint32
		if want != 0 {
			idx, want = want, 0
		} else {
			idx = t.gen | uint32(dir)
			t.gen += 8
		}
		if idx == 0 {
			idx = 8
		}
		if t.byIndex[idx] == nil {
			return idx
		}
	}
}

func (t *SPD) removeLocked(p *Policy) {
	t.all = slices.DeleteFunc(t.all, func(q *Policy) bool { return q == p })
	delete(t.byIndex, p.index)
	p.dead.Store(true)
	t.publish(p.cfg.Dir)
	DevPolicyDelete(p) // delete, update, flush and hard expiry unbind an offloaded policy
}

// publish rebuilds the lookup list of a direction.
func (t *SPD) publish(dir PolicyDir) {
	var list []*Policy
	for _, p := range t.all {
		if p.cfg.Dir == dir {
			list = append(list, p)
		}
	}
	slices.SortFunc(list, func(a, b *Policy) int {
		switch {
		case ranksBefore(a, b):
			return -1
		case ranksBefore(b, a):
			return 1
		}
		return 0
	})
	tab := &dirTable{all: list}
	for _, p := range list {
		if s := &p.cfg.Selector; isExact(s) {
			if tab.exact == nil {
				tab.exact = map[exactKey][]*Policy{}
			}
			k := exactKey{s.Daddr.Addr(), s.Saddr.Addr()}
			tab.exact[k] = append(tab.exact[k], p)
		} else {
			tab.inexact = append(tab.inexact, p)
		}
	}
	tab.binInexact()
	t.dirs[dir].Store(tab)
	t.genid.Add(1)
}

// PolicyKey selects a policy for get and delete: by index when Index is
// set, else by direction, selector, mark, if_id and type.
type PolicyKey struct {
	Index    uint32
	Dir      PolicyDir
	Selector Selector
	Mark     Mark
	IfID     uint32
	Type     PolicyType
}

func (t *SPD) findLocked(k *PolicyKey) *Policy {
	if k.Index != 0 {
		p := t.byIndex[k.Index]
		if p == nil || p.cfg.Dir != k.Dir || p.cfg.Type != k.Type {
			return nil
		}
		return p
	}
	c := PolicyConfig{Selector: k.Selector, Dir: k.Dir, Mark: k.Mark, IfID: k.IfID, Type: k.Type}
	for _, p := range t.all {
		if sameIdentity(&p.cfg, &c) {
			return p
		}
	}
	return nil
}

// Get returns the policy a key selects (xfrm_get_policy): ENOENT if none.
func (t *SPD) Get(k PolicyKey) (*Policy, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.findLocked(&k); p != nil {
		return p, nil
	}
	return nil, extack.Errno(syscall.ENOENT)
}

// Delete removes the policy a key selects: ENOENT if none.
func (t *SPD) Delete(k PolicyKey) error {
	t.mu.Lock()
	p := t.findLocked(&k)
	if p == nil {
		t.mu.Unlock()
		return extack.Errno(syscall.ENOENT)
	}
	t.removeLocked(p)
	t.mu.Unlock()
	t.emit(Msg{Kind: MsgDelPolicy, Policy: p})
	return nil
}

// Flush deletes every policy of a type (xfrm_policy_flush).
func (t *SPD) Flush(typ PolicyType) {
	t.mu.Lock()
	var gone []*Policy
	for _, p := range t.all {
		if p.cfg.Type == typ {
			gone = append(gone, p)
		}
	}
	for _, p := range gone {
		t.removeLocked(p)
	}
	t.mu.Unlock()
	t.emit(Msg{Kind: MsgFlushPolicy})
}

// Dump returns the policies in insertion order.
func (t *SPD) Dump() []*Policy {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.all)
}

func (t *SPD) emit(m Msg) {
	if t.notify != nil {
		t.notify(m)
	}
}
