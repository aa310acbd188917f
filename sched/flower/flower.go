package flower

import (
	"slices"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/sched"
)

// PortRange is a port range match (TCA_FLOWER_KEY_PORT_*_MIN/MAX); Max ==
// 0 means none.
type PortRange struct{ Min, Max uint16 }

// Set reports whether the range is in use.
func (r PortRange) Set() bool { return r.Max != 0 }

func (r PortRange) has(p uint16) bool { return p >= r.Min && p <= r.Max }

// Spec is one flower filter's match: the values (as the user gave them,
// not masked: tc shows them so) and the mask. A field takes part in the
// match when its mask is not zero.
type Spec struct {
	Key, Mask          Fields
	SrcRange, DstRange PortRange
	// CTState and CTStateMask are a ct_state match; softnet has no
	// conntrack, so a filter with one is refused.
	CTState, CTStateMask uint16
}

// Filter is one flower filter.
type Filter struct {
	handle uint32
	flags  uint32
	spec   Spec
	mkey   flowKey // spec.Key masked
	mask   flowKey // the mask it is under
	ranges uint8
	exts   *sched.Exts
}

var _ sched.Filter = (*Filter)(nil)

// Handle implements sched.Filter.
func (f *Filter) Handle() uint32 { return f.handle }

// Flags implements sched.Filter.
func (f *Filter) Flags() uint32 { return f.flags }

// Exts implements sched.Filter.
func (f *Filter) Exts() *sched.Exts { return f.exts }

// Spec returns the filter's match as configured.
func (f *Filter) Spec() *Spec { return &f.spec }

func (f *Filter) inRange(k *flowKey) bool {
	p := k.unpackPorts()
	if f.spec.SrcRange.Set() && !f.spec.SrcRange.has(p[0]) {
		return false
	}
	if f.spec.DstRange.Set() && !f.spec.DstRange.has(p[1]) {
		return false
	}
	return true
}

func (k *flowKey) unpackPorts() [2]uint16 {
	return [2]uint16{uint16(k[oSrcPort])<<8 | uint16(k[oSrcPort+1]), uint16(k[oDstPort])<<8 | uint16(k[oDstPort+1])}
}

// rangeFlags say which endpoints a mask matches by range.
const (
	rangeSrc uint8 = 1 << iota
	rangeDst
)

// mask is one distinct mask (struct fl_flow_mask) with its hash table of
// masked keys. A table entry lists more than one filter only for range
// masks (same masked key, different ranges).
type mask struct {
	key    flowKey
	ranges uint8
	table  map[flowKey][]*Filter
	count  int
}

// snapshot is the classifier state readers see (RCU in spirit).
type snapshot struct {
	masks   []*mask   // in the order they were created
	filters []*Filter // by handle
}

// head is one flower instance (struct cls_fl_head).
type head struct {
	snap atomic.Pointer[snapshot]
}

var _ sched.Classifier = (*head)(nil)

func (h *head) load() *snapshot {
	if s := h.snap.Load(); s != nil {
		return s
	}
	return &snapshot{}
}

// Classify implements sched.Classifier (fl_classify): dissect once, then
// for each mask in order mask the key and probe that mask's table.
func (h *head) Classify(dev *netdev.Device, b *packet.Buffer) (sched.Verdict, *sched.Chain, bool) {
	f := h.match(dev, b)
	if f == nil {
		return 0, nil, false
	}
	v, ch := f.exts.Exec(dev, b)
	return v, ch, true
}

// match returns the first filter matching b, or nil.
func (h *head) match(dev *netdev.Device, b *packet.Buffer) *Filter {
	s := h.snap.Load()
	if s == nil || len(s.masks) == 0 {
		return nil
	}
	var k flowKey
	dissect(dev, b, &k)
	for _, m := range s.masks {
		mk := k.and(&m.key)
		for _, f := range m.table[mk] {
			if m.ranges != 0 && !f.inRange(&k) {
				continue
			}
			if f.flags&sched.ClsSkipSW != 0 {
				continue
			}
			return f
		}
	}
	return nil
}

// Get implements sched.Classifier.
func (h *head) Get(handle uint32) sched.Filter {
	fs := h.load().filters
	i, ok := slices.BinarySearchFunc(fs, handle, cmpHandle)
	if !ok {
		return nil
	}
	return fs[i]
}

func cmpHandle(f *Filter, h uint32) int {
	switch {
	case f.handle < h:
		return -1
	case f.handle > h:
		return 1
	}
	return 0
}

// Filters implements sched.Classifier.
func (h *head) Filters() []sched.Filter {
	fs := h.load().filters
	out := make([]sched.Filter, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

// Empty implements sched.Classifier.
func (h *head) Empty() bool { return len(h.load().filters) == 0 }

// maxHandle is the largest handle flower allocates (INT_MAX).
const maxHandle = 1<<31 - 1

// Change implements sched.Classifier (fl_change) under RTNL.
func (h *head) Change(old sched.Filter, handle uint32, spec any, flags uint32, exts *sched.Exts) (uint32, *sched.Exts, error) {
	sp, _ := spec.(*Spec)
	if sp == nil {
		sp = &Spec{}
	}
	s := h.load()
	var prev *Filter
	if old != nil {
		prev = old.(*Filter)
		handle = prev.handle
	} else if handle == 0 {
		handle = freeHandle(s.filters)
		if handle == 0 {
			return 0, nil, extack.Errno(syscall.ENOSPC)
		}
	}
	f := &Filter{handle: handle, flags: flags | sched.ClsNotInHW, spec: *sp, exts: exts}
	f.mask, f.ranges = maskOf(sp)
	v := sp.Key.pack()
	f.mkey = v.and(&f.mask)
	next := s.without(prev)
	if next.duplicate(f) {
		return 0, nil, extack.Errno(syscall.EEXIST)
	}
	next.insert(f)
	h.snap.Store(next)
	if prev != nil {
		return handle, prev.exts, nil
	}
	return handle, nil, nil
}

// Delete implements sched.Classifier.
func (h *head) Delete(sf sched.Filter) *sched.Exts {
	f, _ := sf.(*Filter)
	if f == nil {
		return nil
	}
	s := h.load()
	if !slices.Contains(s.filters, f) {
		return nil
	}
	h.snap.Store(s.without(f))
	return f.exts
}

func freeHandle(fs []*Filter) uint32 {
	want := uint32(1)
	for _, f := range fs {
		if f.handle > want {
			break
		}
		if f.handle == want {
			want++
		}
	}
	if want > maxHandle {
		return 0
	}
	return want
}

// maskOf packs a spec's mask; a ranged endpoint's exact port mask is
// dropped (the range decides).
func maskOf(sp *Spec) (flowKey, uint8) {
	m := sp.Mask
	var ranges uint8
	if sp.SrcRange.Set() {
		m.SrcPort, ranges = 0, ranges|rangeSrc
	}
	if sp.DstRange.Set() {
		m.DstPort, ranges = 0, ranges|rangeDst
	}
	return m.pack(), ranges
}

// without returns a copy of s with f removed (f may be nil); a mask left
// without filters goes away. Only the touched mask's table is copied.
func (s *snapshot) without(f *Filter) *snapshot {
	n := &snapshot{masks: slices.Clone(s.masks), filters: slices.Clone(s.filters)}
	if f == nil {
		return n
	}
	n.filters = slices.DeleteFunc(n.filters, func(g *Filter) bool { return g == f })
	i := n.findMask(f.mask, f.ranges)
	if i < 0 {
		return n
	}
	m := n.masks[i].clone()
	list := slices.DeleteFunc(slices.Clone(m.table[f.mkey]), func(g *Filter) bool { return g == f })
	if len(list) == 0 {
		delete(m.table, f.mkey)
	} else {
		m.table[f.mkey] = list
	}
	m.count--
	if m.count == 0 {
		n.masks = slices.Delete(n.masks, i, i+1)
	} else {
		n.masks[i] = m
	}
	return n
}

func (m *mask) clone() *mask {
	c := &mask{key: m.key, ranges: m.ranges, count: m.count, table: make(map[flowKey][]*Filter, len(m.table)+1)}
	for k, v := range m.table {
		c.table[k] = v
	}
	return c
}

func (s *snapshot) findMask(mk flowKey, ranges uint8) int {
	return slices.IndexFunc(s.masks, func(m *mask) bool { return m.key == mk && m.ranges == ranges })
}

// duplicate reports whether a filter with the same masked key (and the
// same ranges) exists under the same mask (fl_ht_insert_unique).
func (s *snapshot) duplicate(f *Filter) bool {
	i := s.findMask(f.mask, f.ranges)
	if i < 0 {
		return false
	}
	for _, g := range s.masks[i].table[f.mkey] {
		if g.spec.SrcRange == f.spec.SrcRange && g.spec.DstRange == f.spec.DstRange {
			return true
		}
	}
	return false
}

// insert adds f to a copy of its mask (created at the end of the list
// when new) and to the handle list.
func (s *snapshot) insert(f *Filter) {
	var m *mask
	if i := s.findMask(f.mask, f.ranges); i >= 0 {
		m = s.masks[i].clone()
		s.masks[i] = m
	} else {
		m = &mask{key: f.mask, ranges: f.ranges, table: map[flowKey][]*Filter{}}
		s.masks = append(s.masks, m)
	}
	list := append(slices.Clone(m.table[f.mkey]), f)
	slices.SortFunc(list, func(a, b *Filter) int { return cmpHandle(a, b.handle) })
	m.table[f.mkey] = list
	m.count++
	i, _ := slices.BinarySearchFunc(s.filters, f.handle, cmpHandle)
	s.filters = slices.Insert(s.filters, i, f)
}
