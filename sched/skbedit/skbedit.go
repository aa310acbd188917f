package skbedit

import (
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/sched"
)

// Params are skbedit's parameters (TCA_SKBEDIT_MARK, TCA_SKBEDIT_MASK).
type Params struct {
	HasMark bool
	Mark    uint32
	HasMask bool
	Mask    uint32 // bits of the mark to change; all when !HasMask
}

// Skbedit is one skbedit action.
type Skbedit struct {
	sched.ActionCommon
	p atomic.Pointer[Params]
}

var _ sched.Action = (*Skbedit)(nil)

// Common implements sched.Action.
func (s *Skbedit) Common() *sched.ActionCommon { return &s.ActionCommon }

// Params returns the configuration.
func (s *Skbedit) Params() Params { return *s.p.Load() }

// Act implements sched.Action (tcf_skbedit_act).
func (s *Skbedit) Act(_ *netdev.Device, b *packet.Buffer) sched.Verdict {
	s.Use(b)
	p := s.p.Load()
	if p.HasMark {
		mask := ^uint32(0)
		if p.HasMask {
			mask = p.Mask
		}
		b.Mark = b.Mark&^mask | p.Mark&mask
	}
	v := s.Control()
	if v == sched.ActShot {
		s.Stats.Drops.Add(1)
	}
	return v
}

type kind struct{}

func (kind) Name() string { return "skbedit" }

// Check is tcf_skbedit_init's validation: a new action needs something
// to edit.
func (kind) Check(p any, exists bool) error {
	prm, _ := p.(*Params)
	if !exists && (prm == nil || !prm.HasMark) {
		return extack.New(syscall.EINVAL, "No skbedit parameters")
	}
	return nil
}

func (kind) Init(_ *netdev.Namespace, old sched.Action, spec *sched.ActionSpec) (sched.Action, error) {
	s, _ := old.(*Skbedit)
	if s == nil {
		s = &Skbedit{}
	}
	prm, _ := spec.Params.(*Params)
	if prm == nil {
		if cur := s.p.Load(); cur != nil {
			prm = cur
		} else {
			prm = &Params{}
		}
	}
	c := *prm
	s.p.Store(&c)
	s.SetControl(spec.Control)
	return s, nil
}

func init() { sched.RegisterAction(kind{}) }
