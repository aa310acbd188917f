package mirred

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/sched"
)

// Eaction is what mirred does (TCA_EGRESS_REDIR …).
type Eaction int32

// Mirred actions, as in include/uapi/linux/tc_act/tc_mirred.h.
const (
	EgressRedir   Eaction = 1
	EgressMirror  Eaction = 2
	IngressRedir  Eaction = 3
	IngressMirror Eaction = 4
)

// IsRedirect reports whether e takes the packet away.
func (e Eaction) IsRedirect() bool { return e == EgressRedir || e == IngressRedir }

// WantsIngress reports whether e delivers to the target's receive path.
func (e Eaction) WantsIngress() bool { return e == IngressRedir || e == IngressMirror }

// Valid reports whether e is one of the four actions.
func (e Eaction) Valid() bool { return e >= EgressRedir && e <= IngressMirror }

// String is tc's "Egress Mirror" etc.
func (e Eaction) String() string {
	switch e {
	case EgressRedir:
		return "Egress Redirect"
	case EgressMirror:
		return "Egress Mirror"
	case IngressRedir:
		return "Ingress Redirect"
	case IngressMirror:
		return "Ingress Mirror"
	}
	return "unknown"
}

// Params are the kind parameters (struct tc_mirred + TCA_MIRRED_BLOCKID).
type Params struct {
	Eaction Eaction
	Ifindex int32  // target device; 0 for none
	BlockID uint32 // target block; 0 for none
}

// NestLimit is MIRRED_NEST_LIMIT.
const NestLimit = 4

type config struct {
	eaction Eaction
	dev     *netdev.Device
	macXmit bool
	blockID uint32
}

// Mirred is one mirred action.
type Mirred struct {
	sched.ActionCommon
	cfg atomic.Pointer[config]
}

var _ sched.Action = (*Mirred)(nil)

// Common implements sched.Action.
func (m *Mirred) Common() *sched.ActionCommon { return &m.ActionCommon }

// Eaction returns the configured mirred action.
func (m *Mirred) Eaction() Eaction { return m.cfg.Load().eaction }

// Device returns the target device, or nil (block target or deleted).
func (m *Mirred) Device() *netdev.Device { return m.cfg.Load().dev }

// BlockID returns the target block, or 0.
func (m *Mirred) BlockID() uint32 { return m.cfg.Load().blockID }

// MACHeaderXmit reports whether a device transmits with a link-layer
// header (dev_is_mac_header_xmit): false for tunnels and headerless
// devices.
func MACHeaderXmit(d *netdev.Device) bool {
	switch d.Type {
	case netdev.ARPHRDTunnel, netdev.ARPHRDTunnel6, netdev.ARPHRDSit, netdev.ARPHRDIPGRE,
		netdev.ARPHRDVoid, netdev.ARPHRDNone, arphrdIP6GRE, arphrdRawIP, arphrdPPP:
		return false
	}
	return true
}

const (
	arphrdPPP    = 512
	arphrdIP6GRE = 823
	arphrdRawIP  = 519
)

type kind struct{}

func (kind) Name() string { return "mirred" }

func (kind) Check(p any, exists bool) error {
	prm, _ := p.(*Params)
	if prm == nil {
		prm = &Params{}
	}
	if prm.BlockID != 0 && prm.Ifindex != 0 {
		return extack.New(syscall.EINVAL, "act_mirred: Cannot specify Block ID and dev simultaneously")
	}
	if !prm.Eaction.Valid() {
		return extack.New(syscall.EINVAL, "act_mirred: Unknown mirred option")
	}
	if !exists && prm.Ifindex == 0 && prm.BlockID == 0 {
		return extack.New(syscall.EINVAL, "act_mirred: Must specify device or block")
	}
	return nil
}

func (kind) Init(ns *netdev.Namespace, old sched.Action, spec *sched.ActionSpec) (sched.Action, error) {
	prm, _ := spec.Params.(*Params)
	if prm == nil {
		prm = &Params{}
	}
	var m *Mirred
	cfg := &config{eaction: prm.Eaction}
	if old != nil {
		m = old.(*Mirred)
		*cfg = *m.cfg.Load()
		cfg.eaction = prm.Eaction
	}
	switch {
	case prm.Ifindex != 0:
		d := ns.Device(prm.Ifindex)
		if d == nil {
			return nil, extack.Errno(syscall.ENODEV)
		}
		cfg.dev, cfg.macXmit, cfg.blockID = d, MACHeaderXmit(d), 0
	case prm.BlockID != 0:
		cfg.dev, cfg.macXmit, cfg.blockID = nil, false, prm.BlockID
	}
	if m == nil {
		m = &Mirred{}
		register(m)
	}
	m.cfg.Store(cfg)
	m.SetControl(spec.Control)
	return m, nil
}

// Release implements sched.Releaser: the action leaves the device list.
func (m *Mirred) Release() { unregister(m) }

var (
	listMu sync.Mutex
	list   = map[*Mirred]struct{}{}
)

func register(m *Mirred) {
	listMu.Lock()
	list[m] = struct{}{}
	listMu.Unlock()
}

func unregister(m *Mirred) {
	listMu.Lock()
	delete(list, m)
	listMu.Unlock()
}

// deviceGone forgets a deleted target (mirred_device_event). Like the
// seed, any unregistration also clears every block target.
func deviceGone(d *netdev.Device) {
	listMu.Lock()
	defer listMu.Unlock()
	for m := range list {
		c := m.cfg.Load()
		switch {
		case c.dev == d:
			n := *c
			n.dev = nil
			m.cfg.Store(&n)
		case c.blockID != 0:
			n := *c
			n.blockID = 0
			m.cfg.Store(&n)
		}
	}
}

func init() {
	sched.RegisterAction(kind{})
	netdev.RegisterNotifier(0, func(ev netdev.Event, d *netdev.Device) error {
		if ev == netdev.EventUnregister {
			deviceGone(d)
		}
		return nil
	})
}

// Act implements sched.Action (tcf_mirred_act).
func (m *Mirred) Act(dev *netdev.Device, b *packet.Buffer) sched.Verdict {
	retval := m.Control()
	level := int(b.RedirDepth) + 1
	if level > NestLimit {
		return sched.ActShot
	}
	m.Use(b)
	c := m.cfg.Load()
	if c.blockID != 0 {
		return m.blockcast(dev, b, c, retval)
	}
	if c.dev == nil {
		m.Stats.Overlimits.Add(1)
		return retval
	}
	return m.toDev(dev, b, c.dev, c.macXmit, c.eaction, retval, level)
}

func canReinsert(v sched.Verdict) bool {
	switch v {
	case sched.ActShot, sched.ActStolen, sched.ActQueued, sched.ActTrap:
		return true
	}
	return false
}

// toDev is tcf_mirred_to_dev: one copy (or the packet) to one device.
func (m *Mirred) toDev(cur *netdev.Device, b *packet.Buffer, dev *netdev.Device, macXmit bool,
	e Eaction, retval sched.Verdict, level int) sched.Verdict {
	redirect := e.IsRedirect()
	if !dev.IsUp() || !dev.Carrier() || dev.IsDead() {
		return m.failed(redirect, retval)
	}
	if onPath(b, level, dev) {
		m.Stats.Overlimits.Add(1)
		return retval
	}
	atIngress := b.AtIngress
	send := b
	if !(atIngress && redirect && canReinsert(retval)) {
		send = cloneWithMAC(b)
		if send == nil {
			return m.failed(redirect, retval)
		}
	}
	wantIngress := e.WantsIngress()
	if wantIngress && !atIngress {
		send.Dst = nil
	}
	expectsNH := wantIngress || !macXmit
	nhOff, hasNH := b.NetworkOffset()
	atNH := hasNH && nhOff == 0
	if atNH != expectsNH {
		macLen := nhOff
		if atIngress {
			macLen = b.MACLen()
		}
		if !hasNH || macLen < 0 {
			macLen = 0
		}
		if expectsNH {
			send.Pull(macLen)
		} else {
			send.Push(macLen)
		}
	}
	send.InIfindex = cur.Index()
	if redirect {
		if send == b {
			retval = sched.ActConsumed
		}
		send.FromIngress = send.AtIngress
	}
	recordPath(send, level, dev)
	if err := forward(wantIngress, dev, send, level); err != nil {
		m.Stats.Overlimits.Add(1)
		if redirect {
			retval = sched.ActShot
		}
	}
	return retval
}

func (m *Mirred) failed(redirect bool, retval sched.Verdict) sched.Verdict {
	m.Stats.Overlimits.Add(1)
	if redirect {
		return sched.ActShot
	}
	return retval
}

// cloneWithMAC copies b including a pulled link-layer header, which
// packet.Buffer.Clone (a copy of the data only) would otherwise lose.
func cloneWithMAC(b *packet.Buffer) *packet.Buffer {
	off, ok := b.MACOffset()
	if !ok || off >= 0 {
		return b.Clone()
	}
	if b.Push(-off) == nil {
		return b.Clone()
	}
	c := b.Clone()
	b.Pull(-off)
	if c != nil {
		c.Pull(-off)
	}
	return c
}

// forward hands the packet to the target (tcf_mirred_forward): transmit,
// or receive — directly at the first nesting level, through the backlog
// when nested.
func forward(wantIngress bool, dev *netdev.Device, b *packet.Buffer, level int) error {
	b.RedirDepth = uint8(level)
	if !wantIngress {
		b.AtIngress = false
		return dev.Transmit(b)
	}
	if level > 1 {
		b.RedirDepth = 0
		dev.Namespace().World().Loop().NetifRx(dev, b)
		return nil
	}
	dev.Receive(b)
	return nil
}

// The devices a packet was mirred to at each nesting level are kept in
// its scratch area, tagged so that stale bytes are never mistaken for a
// path (the per-CPU sched_mirred_dev array of newer kernels).
const (
	pathTag = 0x6d697264 // "mird"
	pathOff = 32         // Scratch[32:48]: tag + 3 ifindexes
)

func onPath(b *packet.Buffer, level int, dev *netdev.Device) bool {
	if level <= 1 || binary.LittleEndian.Uint32(b.Scratch[pathOff:]) != pathTag {
		return false
	}
	for i := 0; i < level-1 && i < 3; i++ {
		if int32(binary.LittleEndian.Uint32(b.Scratch[pathOff+4+4*i:])) == dev.Index() {
			return true
		}
	}
	return false
}

func recordPath(b *packet.Buffer, level int, dev *netdev.Device) {
	if level == 1 {
		binary.LittleEndian.PutUint32(b.Scratch[pathOff:], pathTag)
	}
	if level <= 3 {
		binary.LittleEndian.PutUint32(b.Scratch[pathOff+4*level:], uint32(dev.Index()))
	}
}

// blockcast mirrors or redirects to every port of a block except the
// device the packet is on (tcf_blockcast).
func (m *Mirred) blockcast(cur *netdev.Device, b *packet.Buffer, c *config, retval sched.Verdict) sched.Verdict {
	blk := sched.LookupBlock(cur.Namespace(), c.blockID)
	var ports []*netdev.Device
	if blk != nil {
		ports = blk.Ports()
	}
	if len(ports) == 0 {
		m.Stats.Overlimits.Add(1)
		return retval
	}
	level := int(b.RedirDepth) + 1
	if !c.eaction.IsRedirect() {
		for _, d := range ports {
			if d.Index() != cur.Index() {
				m.toDev(cur, b, d, MACHeaderXmit(d), c.eaction, retval, level)
			}
		}
		return retval
	}
	mirror := EgressMirror
	if c.eaction.WantsIngress() {
		mirror = IngressMirror
	}
	var prev *netdev.Device
	for _, d := range ports {
		if d.Index() == cur.Index() {
			continue
		}
		if prev != nil {
			// As the seed: the header decision for prev uses the next
			// port's type.
			m.toDev(cur, b, prev, MACHeaderXmit(d), mirror, retval, level)
		}
		prev = d
	}
	if prev == nil {
		return retval
	}
	return m.toDev(cur, b, prev, MACHeaderXmit(prev), c.eaction, retval, level)
}
