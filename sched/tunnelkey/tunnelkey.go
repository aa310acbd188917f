package tunnelkey

import (
	"net/netip"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/sched"
)

// Mode is TCA_TUNNEL_KEY_ACT_*.
type Mode uint8

// Modes.
const (
	ModeSet   Mode = 1
	ModeUnset Mode = 2
)

// Params are tunnel_key's parameters.
type Params struct {
	Mode     Mode
	Src, Dst netip.Addr
	HasKeyID bool
	KeyID    uint32
	DstPort  uint16 // 0: none
	NoCsum   bool
	TOS      uint8
	HasTOS   bool
	TTL      uint8
	HasTTL   bool
}

// TunnelKey is one tunnel_key action.
type TunnelKey struct {
	sched.ActionCommon
	p    atomic.Pointer[Params]
	info atomic.Pointer[packet.TunnelInfo]
}

var _ sched.Action = (*TunnelKey)(nil)

// Common implements sched.Action.
func (t *TunnelKey) Common() *sched.ActionCommon { return &t.ActionCommon }

// Params returns the configuration.
func (t *TunnelKey) Params() Params { return *t.p.Load() }

// Act implements sched.Action (tunnel_key_act).
func (t *TunnelKey) Act(_ *netdev.Device, b *packet.Buffer) sched.Verdict {
	t.Use(b)
	switch t.p.Load().Mode {
	case ModeSet:
		b.Tunnel = *t.info.Load()
		b.Dst = nil
	case ModeUnset:
		b.Tunnel = packet.TunnelInfo{}
		b.Dst = nil
	}
	v := t.Control()
	if v == sched.ActShot {
		t.Stats.Drops.Add(1)
	}
	return v
}

// info builds the metadata a "set" attaches (__ip_tun_set_dst).
func (p *Params) info() *packet.TunnelInfo {
	ti := &packet.TunnelInfo{Present: true, TX: true, Src: p.Src, Dst: p.Dst, TOS: p.TOS, TTL: p.TTL,
		Key: uint64(p.KeyID), TPDst: p.DstPort}
	if p.HasKeyID {
		ti.Flags |= packet.TunnelKey
	}
	if !p.NoCsum {
		ti.Flags |= packet.TunnelCsum
	}
	return ti
}

type kind struct{}

func (kind) Name() string { return "tunnel_key" }

// Check is tunnel_key_init's validation, with its extack messages.
func (kind) Check(p any, exists bool) error {
	prm, _ := p.(*Params)
	if prm == nil {
		if exists {
			return nil
		}
		return extack.New(syscall.EINVAL, "Missing tunnel key parameters")
	}
	switch prm.Mode {
	case ModeUnset:
	case ModeSet:
		ok := prm.Src.IsValid() && prm.Dst.IsValid() && prm.Src.Is4() == prm.Dst.Is4()
		if !ok {
			return extack.New(syscall.EINVAL, "Missing either ipv4 or ipv6 src and dst")
		}
	default:
		return extack.New(syscall.EINVAL, "Unknown tunnel key action")
	}
	return nil
}

// ExistsError implements sched.ExistsErrorer.
func (kind) ExistsError() error { return extack.New(syscall.EEXIST, "TC IDR already exists") }

func (kind) Init(_ *netdev.Namespace, old sched.Action, spec *sched.ActionSpec) (sched.Action, error) {
	t, _ := old.(*TunnelKey)
	if t == nil {
		t = &TunnelKey{}
	}
	prm, _ := spec.Params.(*Params)
	if prm == nil {
		prm = t.p.Load()
	}
	c := *prm
	t.info.Store(c.info())
	t.p.Store(&c)
	t.SetControl(spec.Control)
	return t, nil
}

func init() { sched.RegisterAction(kind{}) }
