package neigh

import (
	"cmp"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// DropCreateFail counts packets dropped because no entry could be created
// for their next hop (SKB_DROP_REASON_NEIGH_CREATEFAIL).
var DropCreateFail = netdev.RegisterDropReason("NEIGH_CREATEFAIL")

// MaxAddrLen is the longest link-layer address (MAX_ADDR_LEN).
const MaxAddrLen = 32

// Setup is what a protocol's constructor decides for a new entry
// (arp_constructor, ndisc_constructor).
type Setup struct {
	// State is the initial state: None for entries to resolve, NoARP for
	// entries whose address is known without resolution (multicast,
	// broadcast, loopback, point-to-point, devices without ARP).
	State State
	// LLAddr is the address of a NoARP entry.
	LLAddr []byte
	// AddrLen is the device's link-layer address length (dev->addr_len);
	// 0 means the device has no addresses.
	AddrLen int
	// ExemptGC keeps the entry out of garbage collection (entries on
	// loopback devices).
	ExemptGC bool
}

// Solicitation is one probe the table asks the protocol to send.
type Solicitation struct {
	Ifindex int32
	// Target is the address to resolve.
	Target netip.Addr
	// LLAddr is the cached address for a unicast probe, or nil for a
	// broadcast (ARP) or solicited-node multicast (NDP) probe. It aliases
	// immutable storage and may be kept.
	LLAddr []byte
	// Packet is a copy of the most recent queued packet, for choosing the
	// probe's source address, or nil. It is freed after Solicit returns.
	Packet *packet.Buffer
}

// Config configures a Table. Xmit and Solicit are required.
type Config struct {
	// Family is 4 (ARP) or 6 (NDP).
	Family int
	// Loop gives the clock and runs the timers.
	Loop netdev.Loop
	// Params are the default per-device parameters; zero means
	// DefaultParams(Family).
	Params *Params
	// Table are the garbage-collection settings; zero means
	// DefaultTableParams().
	Table *TableParams
	// Rand randomizes reachable times; nil uses math/rand/v2. Tests pass
	// a deterministic one.
	Rand func() uint32
	// Xmit sends b to lladdr on ifindex (neigh->output): it pushes the
	// link-layer header and transmits. It owns b. lladdr aliases the
	// entry's immutable address storage; Xmit may keep it.
	Xmit func(ifindex int32, b *packet.Buffer, lladdr []byte)
	// Solicit sends a probe (neigh_ops.solicit: arp_solicit,
	// ndisc_solicit).
	Solicit func(s Solicitation)
	// AppSolicit, if set, asks a user-space resolver (app_probes,
	// neigh_app_ns).
	AppSolicit func(ifindex int32, target netip.Addr)
	// ErrorReport is called for each queued packet when resolution fails
	// (neigh_ops.error_report): inet sends ICMP host unreachable or ICMPv6
	// address unreachable. It does not own b; the table drops b afterwards
	// with reason NEIGH_FAILED.
	ErrorReport func(ifindex int32, b *packet.Buffer)
	// Drop frees b and counts it with reason (e.g. on the device); nil
	// frees it. The table counts every drop in Drops too.
	Drop func(ifindex int32, b *packet.Buffer, reason netdev.DropReason)
	// Construct decides the initial state of a new entry; nil makes
	// every entry resolvable with 6-byte addresses. An error (ENODEV for a
	// vanished device) refuses the creation.
	Construct func(ifindex int32, addr netip.Addr) (Setup, error)
	// Notify, if set, is called after an entry changes in a way Linux
	// reports with RTM_NEWNEIGH, or with deleted set when it is removed
	// (RTM_DELNEIGH). It runs with no table lock held.
	Notify func(e Entry, deleted bool)
}

// Stats are the table's counters, as ip -s ntable shows (struct
// ndt_stats).
type Stats struct {
	Allocs             uint64 `json:"allocs"`
	Destroys           uint64 `json:"destroys"`
	HashGrows          uint64 `json:"hash_grows"`
	ResFailed          uint64 `json:"res_failed"`
	Lookups            uint64 `json:"lookups"`
	Hits               uint64 `json:"hits"`
	RcvProbesMcast     uint64 `json:"rcv_probes_mcast"`
	RcvProbesUcast     uint64 `json:"rcv_probes_ucast"`
	PeriodicGCRuns     uint64 `json:"periodic_gc_runs"`
	ForcedGCRuns       uint64 `json:"forced_gc_runs"`
	UnresolvedDiscards uint64 `json:"unresolved_discards"`
	TableFulls         uint64 `json:"table_fulls"`
}

type stats struct {
	allocs, destroys, hashGrows, resFailed, lookups, hits               atomic.Uint64
	rcvMcast, rcvUcast, periodicGC, forcedGC, unresDiscards, tableFulls atomic.Uint64
}

// Info is the table configuration ip ntable shows (NDTA_CONFIG).
type Info struct {
	Family    int
	KeyLen    int
	Entries   int // all entries
	GCEntries int // entries subject to garbage collection
	HashMask  uint32
	LastFlush time.Time
	LastRand  time.Time
	Table     TableParams
}

type key struct {
	ifindex int32
	addr    netip.Addr
}

type hwAddr struct {
	n int
	b [MaxAddrLen]byte
}

func (h *hwAddr) bytes() []byte { return h.b[:h.n] }

var noAddr = &hwAddr{}

// Table is one neighbour table (struct neigh_table) of one namespace and
// family. Its methods are safe for concurrent use.
type Table struct {
	cfg    Config
	loop   netdev.Loop
	rnd    func() uint32
	keyLen int

	snap atomic.Pointer[map[key]*entry] // readers: lock-free lookups

	mu        sync.Mutex // writers; before any entry's mu
	tparams   TableParams
	dflt      *devParms
	parms     map[int32]*devParms
	entries   int
	gcEntries int
	gcSeq     uint64
	hashShift uint
	lastFlush int64
	lastRand  int64
	gcTimer   netdev.Timer
	gcGen     uint64
	closed    bool

	st    stats
	drops netdev.DropCounters
}

// New returns an empty table.
func New(cfg Config) *Table {
	t := &Table{cfg: cfg, loop: cfg.Loop, rnd: cfg.Rand, hashShift: 3, parms: map[int32]*devParms{}}
	if t.rnd == nil {
		t.rnd = rand.Uint32
	}
	p := DefaultParams(cfg.Family)
	if cfg.Params != nil {
		p = *cfg.Params
	}
	t.dflt = newDevParms(p, t.rnd)
	t.tparams = DefaultTableParams()
	if cfg.Table != nil {
		t.tparams = *cfg.Table
	}
	t.keyLen = 4
	if cfg.Family == 6 {
		t.keyLen = 16
	}
	m := map[key]*entry{}
	t.snap.Store(&m)
	now := t.now()
	t.lastFlush = now
	t.lastRand = now + 20*t.dflt.reach.Load()
	return t
}

func (t *Table) now() int64 { return t.loop.Now().UnixNano() }

// norm maps the address to the table's family form.
func (t *Table) norm(addr netip.Addr) (netip.Addr, bool) {
	if t.cfg.Family == 4 {
		addr = addr.Unmap()
		return addr, addr.Is4()
	}
	return addr, addr.Is6() && !addr.Is4In6()
}

// lookupNoref finds an entry without counting (__neigh_lookup_noref).
func (t *Table) lookupNoref(k key) *entry { return (*t.snap.Load())[k] }

// lookup finds an entry and counts the lookup (neigh_lookup).
func (t *Table) lookup(k key) *entry {
	t.st.lookups.Add(1)
	e := t.lookupNoref(k)
	if e != nil {
		t.st.hits.Add(1)
	}
	return e
}

func (t *Table) parmsFor(ifindex int32) *devParms {
	if p := t.parms[ifindex]; p != nil {
		return p
	}
	return t.dflt
}

// create finds or makes the entry for k (___neigh_create).
func (t *Table) create(k key, exempt bool, w *work) (*entry, error) {
	if e := t.lookupNoref(k); e != nil {
		return e, nil
	}
	setup := Setup{AddrLen: 6}
	if t.cfg.Construct != nil {
		var err error
		if setup, err = t.cfg.Construct(k.ifindex, k.addr); err != nil {
			return nil, err
		}
	}
	exempt = exempt || setup.ExemptGC
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.lookupNoref(k); e != nil {
		return e, nil
	}
	if t.closed {
		return nil, extack.Errno(syscall.ENODEV)
	}
	if !exempt {
		n := t.gcEntries
		if n >= t.tparams.GCThresh3 || (n >= t.tparams.GCThresh2 && now > t.lastFlush+int64(5*time.Second)) {
			if t.forcedGC(now, n+1, w) == 0 && n >= t.tparams.GCThresh3 {
				t.st.tableFulls.Add(1)
				return nil, extack.Errno(syscall.ENOBUFS)
			}
		}
	}
	e := newEntry(k, t.parmsFor(k.ifindex), setup, now)
	t.st.allocs.Add(1)
	t.entries++
	if t.entries > 1<<t.hashShift {
		t.hashShift++
		t.st.hashGrows.Add(1)
	}
	if !exempt {
		t.gcAdd(e)
	}
	old := *t.snap.Load()
	m := make(map[key]*entry, len(old)+1)
	for kk, v := range old {
		m[kk] = v
	}
	m[k] = e
	t.snap.Store(&m)
	t.armGC()
	return e, nil
}

func (t *Table) gcAdd(e *entry) {
	t.gcSeq++
	e.gcSeq = t.gcSeq
	e.onGC = true
	t.gcEntries++
}

// updateGCList moves e on or off the collectable list after its
// PERMANENT state or EXT_LEARNED flag changed (neigh_update_gc_list).
func (t *Table) updateGCList(e *entry) {
	t.mu.Lock()
	e.mu.Lock()
	exempt := State(e.state.Load())&Permanent != 0 || e.flags&FlagExtLearned != 0
	if !e.dead {
		switch {
		case exempt && e.onGC:
			e.onGC = false
			t.gcEntries--
		case !exempt && !e.onGC:
			t.gcAdd(e)
		}
	}
	e.mu.Unlock()
	t.mu.Unlock()
}

// removeLocked unlinks entries from the table, marks them dead, stops
// their timers and hands their queued packets to w for dropping. t.mu is
// held.
func (t *Table) removeLocked(es []*entry, w *work) {
	if len(es) == 0 {
		return
	}
	old := *t.snap.Load()
	m := make(map[key]*entry, len(old))
	for k, v := range old {
		m[k] = v
	}
	for _, e := range es {
		if m[e.key] != e {
			continue
		}
		delete(m, e.key)
		e.mu.Lock()
		e.dead = true
		e.stopTimer()
		for _, b := range e.takeQueue() {
			w.drop(e.key.ifindex, b, netdev.DropNeighDead)
		}
		if t.cfg.Notify != nil {
			w.notify(e.snapshotLocked(), true)
		}
		e.mu.Unlock()
		t.entries--
		if e.onGC {
			e.onGC = false
			t.gcEntries--
		}
		t.st.destroys.Add(1)
	}
	t.snap.Store(&m)
}

// Stats returns a snapshot of the counters.
func (t *Table) Stats() Stats {
	s := &t.st
	return Stats{
		Allocs: s.allocs.Load(), Destroys: s.destroys.Load(), HashGrows: s.hashGrows.Load(),
		ResFailed: s.resFailed.Load(), Lookups: s.lookups.Load(), Hits: s.hits.Load(),
		RcvProbesMcast: s.rcvMcast.Load(), RcvProbesUcast: s.rcvUcast.Load(),
		PeriodicGCRuns: s.periodicGC.Load(), ForcedGCRuns: s.forcedGC.Load(),
		UnresolvedDiscards: s.unresDiscards.Load(), TableFulls: s.tableFulls.Load(),
	}
}

// Drops returns the packets the table dropped, per reason.
func (t *Table) Drops() []netdev.DropCount { return t.drops.Nonzero() }

// RcvProbe counts a received solicitation (rcv_probes_mcast or
// rcv_probes_ucast), for the protocol's input code.
func (t *Table) RcvProbe(multicast bool) {
	if multicast {
		t.st.rcvMcast.Add(1)
	} else {
		t.st.rcvUcast.Add(1)
	}
}

// Info returns the table configuration and sizes.
func (t *Table) Info() Info {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Info{
		Family: t.cfg.Family, KeyLen: t.keyLen, Entries: t.entries, GCEntries: t.gcEntries,
		HashMask: 1<<t.hashShift - 1, LastFlush: time.Unix(0, t.lastFlush), LastRand: time.Unix(0, t.lastRand),
		Table: t.tparams,
	}
}

// SetTableParams changes the garbage-collection settings.
func (t *Table) SetTableParams(p TableParams) {
	t.mu.Lock()
	t.tparams = p
	t.mu.Unlock()
}

// Params returns the parameters of ifindex, or the table default for 0.
func (t *Table) Params(ifindex int32) Params {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ifindex == 0 {
		return *t.dflt.get()
	}
	return *t.parmsFor(ifindex).get()
}

// ReachableTime returns the current randomized reachable time of ifindex
// (0: the default), as ip ntable shows ("reachable").
func (t *Table) ReachableTime(ifindex int32) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ifindex == 0 {
		return time.Duration(t.dflt.reach.Load())
	}
	return time.Duration(t.parmsFor(ifindex).reach.Load())
}

// SetParams sets the parameters of ifindex, or the table default for 0;
// existing entries of the device follow the change.
func (t *Table) SetParams(ifindex int32, p Params) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ifindex == 0 {
		t.dflt.set(p, t.rnd)
		return
	}
	d := t.parms[ifindex]
	if d != nil {
		d.set(p, t.rnd)
		return
	}
	d = newDevParms(p, t.rnd)
	t.parms[ifindex] = d
	for k, e := range *t.snap.Load() {
		if k.ifindex == ifindex {
			e.parms.Store(d)
		}
	}
}

// Dump returns the entries of ifindex (0: all), sorted by ifindex and
// address. (Linux dumps in hash order, which is random.)
func (t *Table) Dump(ifindex int32) []Entry {
	m := *t.snap.Load()
	out := make([]Entry, 0, len(m))
	for k, e := range m {
		if ifindex != 0 && k.ifindex != ifindex {
			continue
		}
		out = append(out, e.snapshot())
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if c := cmp.Compare(a.Ifindex, b.Ifindex); c != 0 {
			return c
		}
		return a.Addr.Compare(b.Addr)
	})
	return out
}

// Len returns the number of entries.
func (t *Table) Len() int { return len(*t.snap.Load()) }

// Close removes every entry, dropping queued packets, and stops the
// timers. Later calls that would create entries fail with ENODEV.
func (t *Table) Close() {
	var w work
	t.mu.Lock()
	t.closed = true
	t.stopGC()
	var all []*entry
	for _, e := range *t.snap.Load() {
		all = append(all, e)
	}
	t.removeLocked(all, &w)
	t.mu.Unlock()
	w.run(t)
}
