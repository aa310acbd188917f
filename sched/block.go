package sched

import (
	"slices"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Block is a filter block (struct tcf_block): the chains a clsact or
// ingress hook classifies with. A shared block (index != 0) is named by
// ingress_block/egress_block and may serve several devices, its ports.
type Block struct {
	ns     *netdev.Namespace
	index  uint32
	chains []*Chain // RTNL, creation order
	chain0 atomic.Pointer[Chain]
	ports  atomic.Pointer[[]*netdev.Device] // by ifindex
	users  int                              // qdisc bindings (RTNL)
}

// Index returns the shared block index, or 0 for a private block.
func (blk *Block) Index() uint32 { return blk.index }

// Ports returns the devices bound to the block, by ifindex.
func (blk *Block) Ports() []*netdev.Device {
	if p := blk.ports.Load(); p != nil {
		return *p
	}
	return nil
}

// Chain is one chain of a block (struct tcf_chain): filters by priority.
type Chain struct {
	block    *Block
	index    uint32
	protos   atomic.Pointer[[]*Proto] // sorted by prio
	actRefs  int                      // goto chain references (RTNL)
	explicit bool                     // created by tc chain add
}

// Index returns the chain index.
func (ch *Chain) Index() uint32 { return ch.index }

// Protos returns the chain's filter instances by priority.
func (ch *Chain) Protos() []*Proto {
	if p := ch.protos.Load(); p != nil {
		return *p
	}
	return nil
}

// Proto is a classifier instance at one priority (struct tcf_proto).
type Proto struct {
	chain    *Chain
	prio     uint32
	protocol uint16
	kind     string
	cls      Classifier
}

// Prio returns the priority (tc's pref).
func (tp *Proto) Prio() uint32 { return tp.prio }

// Protocol returns the ethertype matched (EthPAll for all).
func (tp *Proto) Protocol() uint16 { return tp.protocol }

// Kind returns the classifier kind.
func (tp *Proto) Kind() string { return tp.kind }

// Chain returns the chain the instance is on.
func (tp *Proto) Chain() *Chain { return tp.chain }

// Filters returns the instance's filters in handle order.
func (tp *Proto) Filters() []Filter { return tp.cls.Filters() }

// EthPAll is ETH_P_ALL: a filter for every protocol.
const EthPAll uint16 = 0x0003

// Filter is one filter of a classifier instance, as tc shows it.
type Filter interface {
	Handle() uint32
	// Flags are TCA_CLS_FLAGS_*.
	Flags() uint32
	Exts() *Exts
}

// Classifier flags (TCA_CLS_FLAGS_*).
const (
	ClsSkipHW   uint32 = 1 << 0
	ClsSkipSW   uint32 = 1 << 1
	ClsInHW     uint32 = 1 << 2
	ClsNotInHW  uint32 = 1 << 3
	ClsVerbose  uint32 = 1 << 4
	clsUserMask        = ClsSkipHW | ClsSkipSW | ClsVerbose
)

// Classifier is one classifier instance's filters (tcf_proto_ops state).
type Classifier interface {
	// Classify matches b; ok is false when no filter matched. It runs the
	// matching filter's actions and returns their verdict and goto chain.
	Classify(dev *netdev.Device, b *packet.Buffer) (v Verdict, goto_ *Chain, ok bool)
	// Get returns the filter with a handle, or nil.
	Get(handle uint32) Filter
	// Change creates (old == nil) or replaces the filter; it returns the
	// handle and, for a replace, the old filter's actions to release.
	// exts are the filter's new actions, already bound.
	Change(old Filter, handle uint32, spec any, flags uint32, exts *Exts) (uint32, *Exts, error)
	// Delete removes a filter and returns its actions to release.
	Delete(f Filter) *Exts
	// Filters lists the filters in handle order.
	Filters() []Filter
	// Empty reports whether no filter is left.
	Empty() bool
}

// ClassifierKind is a filter type (struct tcf_proto_ops).
type ClassifierKind interface {
	Name() string
	// New returns an empty instance.
	New() Classifier
	// Check validates a filter's parameters before actions are created.
	Check(spec any) error
}

var clsKinds atomic.Pointer[map[string]ClassifierKind]

// RegisterClassifier adds a classifier kind; call it at package init.
func RegisterClassifier(k ClassifierKind) {
	m := map[string]ClassifierKind{}
	if p := clsKinds.Load(); p != nil {
		for n, v := range *p {
			m[n] = v
		}
	}
	m[k.Name()] = k
	clsKinds.Store(&m)
}

// LookupClassifier returns a registered classifier kind or nil.
func LookupClassifier(name string) ClassifierKind {
	if p := clsKinds.Load(); p != nil {
		return (*p)[name]
	}
	return nil
}

// Chains returns the block's chains in creation order.
func (blk *Block) Chains() []*Chain {
	w := blk.ns.World()
	w.Lock()
	defer w.Unlock()
	return slices.Clone(blk.chains)
}

func (blk *Block) chain(index uint32, create bool) *Chain {
	for _, ch := range blk.chains {
		if ch.index == index {
			return ch
		}
	}
	if !create {
		return nil
	}
	ch := &Chain{block: blk, index: index}
	blk.chains = append(blk.chains, ch)
	if index == 0 {
		blk.chain0.Store(ch)
	}
	return ch
}

// chainForAction returns the chain a goto action refers to, creating it
// (tcf_chain_get_by_act). RTNL held.
func (blk *Block) chainForAction(index uint32) *Chain {
	ch := blk.chain(index, true)
	ch.actRefs++
	return ch
}

// putActionChain drops a goto reference; an unused chain goes away.
func (blk *Block) putActionChain(ch *Chain) {
	if blk == nil || ch == nil {
		return
	}
	ch.actRefs--
	blk.maybeDropChain(ch)
}

func (blk *Block) maybeDropChain(ch *Chain) {
	if ch.actRefs > 0 || ch.explicit || len(ch.Protos()) > 0 {
		return
	}
	blk.chains = slices.DeleteFunc(blk.chains, func(c *Chain) bool { return c == ch })
	if ch.index == 0 {
		blk.chain0.Store(nil)
	}
}

func (ch *Chain) setProtos(list []*Proto) {
	if len(list) == 0 {
		ch.protos.Store(nil)
		return
	}
	ch.protos.Store(&list)
}

// findProto is tcf_chain_tp_find: the instance with prio, or where one
// would go. A different protocol at the same prio is EINVAL.
func (ch *Chain) findProto(prio uint32, protocol uint16, allocate bool) (*Proto, error) {
	for _, tp := range ch.Protos() {
		if tp.prio == prio {
			if allocate || (protocol != 0 && tp.protocol != protocol) {
				return nil, errProtoNotFound(syscall.EINVAL)
			}
			return tp, nil
		}
	}
	return nil, nil
}

func errProtoNotFound(errno syscall.Errno) error {
	return extack.New(errno, "Filter with specified priority/protocol not found")
}

// autoPrio picks a priority for a filter added without pref
// (tcf_auto_prio): 49152 for the first, one less than the lowest
// existing one below 32768 otherwise.
func (ch *Chain) autoPrio() uint32 {
	var prev *Proto
	for _, tp := range ch.Protos() {
		if tp.prio >= 0x8000 {
			break
		}
		prev = tp
	}
	if prev == nil {
		return 0xC000
	}
	return prev.prio - 1
}

func (ch *Chain) insert(tp *Proto) {
	list := slices.Clone(ch.Protos())
	i, _ := slices.BinarySearchFunc(list, tp.prio, func(p *Proto, prio uint32) int {
		switch {
		case p.prio < prio:
			return -1
		case p.prio > prio:
			return 1
		}
		return 0
	})
	list = slices.Insert(list, i, tp)
	ch.setProtos(list)
}

func (ch *Chain) remove(tp *Proto) {
	ch.setProtos(slices.DeleteFunc(slices.Clone(ch.Protos()), func(p *Proto) bool { return p == tp }))
	ch.block.maybeDropChain(ch)
}
