// Package gact is the generic action: a fixed control verdict (pass,
// drop, pipe, reclassify, continue, goto chain, jump), optionally replaced
// by a second one at random (netrand) or every Nth packet (determ). It
// mirrors Linux's net/sched/act_gact.c.
package gact

import (
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/sched"
)

// RandType is the probability type (PGACT_*).
type RandType uint16

// Probability types.
const (
	RandNone    RandType = 0
	RandNetrand RandType = 1
	RandDeterm  RandType = 2
)

// String is tc's name for the type.
func (t RandType) String() string {
	switch t {
	case RandNetrand:
		return "netrand"
	case RandDeterm:
		return "determ"
	}
	return "none"
}

// Params are gact's parameters beyond the control verdict
// (struct tc_gact_p); nil means no random part.
type Params struct {
	Type   RandType
	Action sched.Verdict // the verdict taken with probability 1/Val
	Val    uint16        // 1..10000
}

// Gact is one gact action.
type Gact struct {
	sched.ActionCommon
	prob    atomic.Pointer[Params]
	packets atomic.Uint64
	rnd     atomic.Uint64
}

var _ sched.Action = (*Gact)(nil)

// Common implements sched.Action.
func (g *Gact) Common() *sched.ActionCommon { return &g.ActionCommon }

// Prob returns the random part, or nil.
func (g *Gact) Prob() *Params { return g.prob.Load() }

type kind struct{}

func (kind) Name() string { return "gact" }

func (kind) Check(p any, exists bool) error {
	if prm, ok := p.(*Params); ok && prm != nil {
		if prm.Type > RandDeterm {
			return extack.Errno(syscall.EINVAL)
		}
		if prm.Action.IsGotoChain() {
			return extack.New(syscall.EINVAL, "goto chain not allowed on fallback")
		}
	}
	return nil
}

func (kind) Init(ns *netdev.Namespace, old sched.Action, spec *sched.ActionSpec) (sched.Action, error) {
	g, _ := old.(*Gact)
	if g == nil {
		g = &Gact{}
		var seed [8]byte
		ns.World().RandBytes(seed[:])
		g.rnd.Store(uint64(seed[0]) | uint64(seed[1])<<8 | uint64(seed[2])<<16 | uint64(seed[3])<<24 |
			uint64(seed[4])<<32 | uint64(seed[5])<<40 | uint64(seed[6])<<48 | uint64(seed[7])<<56)
	}
	prm, _ := spec.Params.(*Params)
	if prm != nil && prm.Type == RandNone {
		prm = nil
	}
	g.prob.Store(prm)
	g.SetControl(spec.Control)
	return g, nil
}

func init() { sched.RegisterAction(kind{}) }

// Act implements sched.Action (tcf_gact_act).
func (g *Gact) Act(dev *netdev.Device, b *packet.Buffer) sched.Verdict {
	v := g.Control()
	if p := g.prob.Load(); p != nil {
		v = g.random(p, v)
	}
	g.Use(b)
	if v == sched.ActShot {
		g.Stats.Drops.Add(1)
	}
	return v
}

func (g *Gact) random(p *Params, v sched.Verdict) sched.Verdict {
	if p.Val == 0 {
		return p.Action
	}
	switch p.Type {
	case RandDeterm:
		if g.packets.Add(1)%uint64(p.Val) != 0 {
			return v
		}
		return p.Action
	case RandNetrand:
		if g.next()%uint64(p.Val) != 0 {
			return v
		}
		return p.Action
	}
	return v
}

// next is a lock-free splitmix64 stream seeded from the World's random
// source, so lab runs are reproducible.
func (g *Gact) next() uint64 {
	z := g.rnd.Add(0x9e3779b97f4a7c15)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
