// Package matchall is the matchall classifier: one filter per instance
// that matches every packet and runs its actions. It mirrors Linux's
// net/sched/cls_matchall.c.
package matchall

import (
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/sched"
)

// Filter is the instance's single filter.
type Filter struct {
	handle uint32
	flags  uint32
	exts   *sched.Exts
	hits   atomic.Uint64
}

// Handle implements sched.Filter.
func (f *Filter) Handle() uint32 { return f.handle }

// Flags implements sched.Filter.
func (f *Filter) Flags() uint32 { return f.flags }

// Exts implements sched.Filter.
func (f *Filter) Exts() *sched.Exts { return f.exts }

// Hits returns how many packets the filter matched (rule hit).
func (f *Filter) Hits() uint64 { return f.hits.Load() }

type head struct {
	f atomic.Pointer[Filter]
}

func (h *head) Classify(dev *netdev.Device, b *packet.Buffer) (sched.Verdict, *sched.Chain, bool) {
	f := h.f.Load()
	if f == nil || f.flags&sched.ClsSkipSW != 0 {
		return 0, nil, false
	}
	f.hits.Add(1)
	v, ch := f.exts.Exec(dev, b)
	return v, ch, true
}

func (h *head) Get(handle uint32) sched.Filter {
	if f := h.f.Load(); f != nil && f.handle == handle {
		return f
	}
	return nil
}

func (h *head) Change(old sched.Filter, handle uint32, _ any, flags uint32, exts *sched.Exts) (uint32, *sched.Exts, error) {
	if h.f.Load() != nil {
		return 0, nil, extack.Errno(syscall.EEXIST)
	}
	if handle == 0 {
		handle = 1
	}
	h.f.Store(&Filter{handle: handle, flags: flags | sched.ClsNotInHW, exts: exts})
	return handle, nil, nil
}

func (h *head) Delete(f sched.Filter) *sched.Exts {
	cur := h.f.Load()
	if cur == nil || sched.Filter(cur) != f {
		return nil
	}
	h.f.Store(nil)
	return cur.exts
}

func (h *head) Filters() []sched.Filter {
	if f := h.f.Load(); f != nil {
		return []sched.Filter{f}
	}
	return nil
}

func (h *head) Empty() bool { return h.f.Load() == nil }

type kind struct{}

func (kind) Name() string          { return "matchall" }
func (kind) New() sched.Classifier { return &head{} }
func (kind) Check(any) error       { return nil }
func init()                        { sched.RegisterClassifier(kind{}) }
