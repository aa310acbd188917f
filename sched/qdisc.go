package sched

import (
	"slices"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Qdisc is a device's clsact or ingress qdisc (sch_ingress.c): it owns the
// ingress (and for clsact the egress) block and installs the hooks.
type Qdisc struct {
	dev     *netdev.Device
	kind    string
	ingress *Block
	egress  *Block // nil for "ingress"

	// Stats count what the hooks saw (the qdisc's tc -s line).
	Stats QdiscStats
}

// QdiscStats are a clsact qdisc's counters.
type QdiscStats struct {
	Bytes, Packets, Drops atomic.Uint64
}

// Kind returns "clsact" or "ingress".
func (q *Qdisc) Kind() string { return q.kind }

// Device returns the device the qdisc is on.
func (q *Qdisc) Device() *netdev.Device { return q.dev }

// IngressBlock returns the ingress block.
func (q *Qdisc) IngressBlock() *Block { return q.ingress }

// EgressBlock returns the egress block (nil for the ingress qdisc).
func (q *Qdisc) EgressBlock() *Block { return q.egress }

var qdiscSlot = netdev.NewDeviceSlot[Qdisc]()

// QdiscOf returns the device's clsact/ingress qdisc, or nil.
func QdiscOf(d *netdev.Device) *Qdisc { return qdiscSlot.Get(d) }

// QdiscSpec is a parsed `tc qdisc add|replace dev D clsact|ingress`.
type QdiscSpec struct {
	Kind         string // "clsact" or "ingress"
	IngressBlock uint32 // 0: private
	EgressBlock  uint32
	HasIngress   bool // ingress_block given
	HasEgress    bool // egress_block given
}

var (
	errExclusive   = extack.New(syscall.EEXIST, "Exclusivity flag on, cannot modify")
	errInvalHandle = extack.New(syscall.EINVAL, "Invalid handle")
	errQdiscName   = extack.New(syscall.EINVAL, "Invalid qdisc name")
	errNoParent    = extack.New(syscall.EINVAL, "Parent Qdisc doesn't exists")
	errNoBlock     = extack.New(syscall.EINVAL, "Block of given index was not found")
)

// AddQdisc installs a clsact or ingress qdisc; replace keeps an existing
// one of the same kind (only its block indexes must agree).
func AddQdisc(dev *netdev.Device, spec QdiscSpec, replace bool) error {
	w := dev.Namespace().World()
	w.Lock()
	defer w.Unlock()
	if spec.Kind != "clsact" && spec.Kind != "ingress" {
		return extack.New(syscall.ENOENT, "Specified qdisc kind is unknown")
	}
	if spec.HasIngress && spec.IngressBlock == 0 {
		return extack.New(syscall.EINVAL, "Ingress block index cannot be 0")
	}
	if spec.HasEgress && spec.EgressBlock == 0 {
		return extack.New(syscall.EINVAL, "Egress block index cannot be 0")
	}
	if spec.Kind == "ingress" && spec.HasEgress {
		return extack.New(syscall.EOPNOTSUPP, "Egress block sharing is not supported")
	}
	if old := qdiscSlot.Get(dev); old != nil {
		if !replace {
			return errExclusive
		}
		if old.kind != spec.Kind {
			return extack.New(syscall.EINVAL, "Cannot graft ingress or clsact Qdiscs")
		}
		if spec.HasIngress && old.ingress.index != spec.IngressBlock {
			return extack.New(syscall.EINVAL, "Change of blocks is not supported")
		}
		if spec.HasEgress && (old.egress == nil || old.egress.index != spec.EgressBlock) {
			return extack.New(syscall.EINVAL, "Change of blocks is not supported")
		}
		return nil
	}
	s := state(dev.Namespace())
	q := &Qdisc{dev: dev, kind: spec.Kind}
	q.ingress = s.getBlock(dev, spec.IngressBlock)
	if spec.Kind == "clsact" {
		q.egress = s.getBlock(dev, spec.EgressBlock)
	}
	qdiscSlot.Set(dev, q)
	dev.SetIngressHook(&ingressHook{q})
	if q.egress != nil {
		dev.SetEgressHook(&egressHook{q})
	}
	return nil
}

// DelQdisc removes the device's clsact/ingress qdisc with its private
// blocks' filters; kind "" matches either.
func DelQdisc(dev *netdev.Device, kind string) error {
	w := dev.Namespace().World()
	w.Lock()
	defer w.Unlock()
	q := qdiscSlot.Get(dev)
	if q == nil {
		return errInvalHandle
	}
	if kind != "" && kind != q.kind {
		return errQdiscName
	}
	destroyQdisc(q)
	return nil
}

func destroyQdisc(q *Qdisc) {
	dev := q.dev
	dev.SetIngressHook(nil)
	dev.SetEgressHook(nil)
	qdiscSlot.Set(dev, nil)
	s := state(dev.Namespace())
	s.putBlock(q.ingress, dev)
	if q.egress != nil {
		s.putBlock(q.egress, dev)
	}
}

// getBlock returns a private block or the shared one with index (created
// on first use), bound to dev. RTNL held.
func (s *netState) getBlock(dev *netdev.Device, index uint32) *Block {
	var blk *Block
	if index != 0 {
		blk = s.blockByIndex(index)
	}
	if blk == nil {
		blk = &Block{ns: s.ns, index: index}
		if index != 0 {
			s.setBlock(index, blk)
		}
	}
	blk.users++
	ports := slices.Clone(blk.Ports())
	if !slices.Contains(ports, dev) {
		ports = append(ports, dev)
		slices.SortFunc(ports, func(a, b *netdev.Device) int { return int(a.Index() - b.Index()) })
		blk.ports.Store(&ports)
	}
	return blk
}

func (s *netState) putBlock(blk *Block, dev *netdev.Device) {
	blk.users--
	if blk.users <= 0 {
		blk.flush()
		blk.ports.Store(nil)
		if blk.index != 0 {
			s.setBlock(blk.index, nil)
		}
		return
	}
	// A device can bind one block twice (ingress and egress).
	if blk.boundTwice(dev) {
		return
	}
	ports := slices.DeleteFunc(slices.Clone(blk.Ports()), func(d *netdev.Device) bool { return d == dev })
	blk.ports.Store(&ports)
}

func (blk *Block) boundTwice(dev *netdev.Device) bool {
	q := qdiscSlot.Get(dev)
	return q != nil && (q.ingress == blk || q.egress == blk)
}

func (s *netState) blockByIndex(index uint32) *Block {
	if m := s.blocks.Load(); m != nil {
		return (*m)[index]
	}
	return nil
}

func (s *netState) setBlock(index uint32, blk *Block) {
	m := map[uint32]*Block{}
	if p := s.blocks.Load(); p != nil {
		for k, v := range *p {
			m[k] = v
		}
	}
	if blk == nil {
		delete(m, index)
	} else {
		m[index] = blk
	}
	s.blocks.Store(&m)
}

// LookupBlock returns the shared block with index, or nil (tcf_block_lookup;
// lock-free).
func LookupBlock(ns *netdev.Namespace, index uint32) *Block {
	return state(ns).blockByIndex(index)
}

// Direction is the clsact hook a filter attaches to.
type Direction uint8

// Hook directions (tc filter … ingress|egress).
const (
	DirNone    Direction = iota // no parent given (the root qdisc)
	DirIngress                  // ffff:fff2
	DirEgress                   // ffff:fff3
)

// FindBlock returns the block a filter command addresses: dev with a
// direction, or a shared block by index (tcf_block_find).
func FindBlock(ns *netdev.Namespace, dev *netdev.Device, dir Direction, blockIndex uint32) (*Block, error) {
	if dev == nil {
		if b := LookupBlock(ns, blockIndex); b != nil {
			return b, nil
		}
		return nil, errNoBlock
	}
	q := QdiscOf(dev)
	if q == nil || dir == DirNone {
		return nil, errNoParent
	}
	if dir == DirEgress && q.egress != nil {
		return q.egress, nil
	}
	return q.ingress, nil
}

type ingressHook struct{ q *Qdisc }

// RunHook classifies a received packet (sch_handle_ingress).
func (h *ingressHook) RunHook(d *netdev.Device, b *packet.Buffer) netdev.Verdict {
	q := h.q
	q.Stats.Bytes.Add(uint64(b.Len()))
	q.Stats.Packets.Add(1)
	return finish(q, d, b, q.ingress.Classify(d, b), netdev.DropTCIngress)
}

type egressHook struct{ q *Qdisc }

// RunHook classifies a packet about to be transmitted (sch_handle_egress).
func (h *egressHook) RunHook(d *netdev.Device, b *packet.Buffer) netdev.Verdict {
	q := h.q
	q.Stats.Bytes.Add(uint64(b.Len()))
	q.Stats.Packets.Add(1)
	return finish(q, d, b, q.egress.Classify(d, b), netdev.DropTCEgress)
}

func finish(q *Qdisc, d *netdev.Device, b *packet.Buffer, v Verdict, reason netdev.DropReason) netdev.Verdict {
	switch v {
	case ActShot:
		q.Stats.Drops.Add(1)
		d.Drop(b, reason)
		return netdev.VerdictConsumed
	case ActStolen, ActQueued, ActTrap:
		b.Free()
		return netdev.VerdictConsumed
	case ActConsumed:
		return netdev.VerdictConsumed
	case ActRedirect:
		// Only BPF programs redirect this way; softnet has none.
		q.Stats.Drops.Add(1)
		d.Drop(b, reason)
		return netdev.VerdictConsumed
	}
	return netdev.VerdictPass
}

func init() {
	netdev.RegisterNotifier(0, func(ev netdev.Event, d *netdev.Device) error {
		if ev != netdev.EventUnregister {
			return nil
		}
		if q := qdiscSlot.Get(d); q != nil {
			destroyQdisc(q)
		}
		return nil
	})
}
