package sched

import (
	"syscall"

	"github.com/softnet/softnet/extack"
)

// FilterOp says how a filter request treats an existing filter
// (tc filter add / replace / change).
type FilterOp uint8

// Filter operations.
const (
	FilterAdd     FilterOp = iota // NLM_F_CREATE|NLM_F_EXCL
	FilterReplace                 // NLM_F_CREATE|NLM_F_REPLACE
	FilterChange                  // neither: the filter must exist
)

// FilterRequest is a parsed `tc filter add|replace|change`.
type FilterRequest struct {
	Op       FilterOp
	Chain    uint32
	Prio     uint32 // pref; 0 picks one
	Protocol uint16 // ethertype; EthPAll for all
	Handle   uint32 // 0: the classifier picks one
	Kind     string
	Flags    uint32 // ClsSkipHW, ClsSkipSW, ClsVerbose
	Spec     any    // the classifier's match (flower.Key …)
	Actions  []ActionSpec
}

// maxChain is the largest chain index (TC_ACT_EXT_VAL_MASK).
const maxChain = extValMask

var (
	errNoKind      = extack.New(syscall.EINVAL, "Filter kind and protocol must be specified")
	errKindMismach = extack.New(syscall.EINVAL, "Specified filter kind does not match existing one")
	errNeedCreate  = extack.New(syscall.ENOENT, "Need both RTM_NEWTFILTER and NLM_F_CREATE to create a new filter")
	errFilterExist = extack.New(syscall.EEXIST, "Filter already exists")
	errChainLimit  = extack.New(syscall.EINVAL, "Specified chain index exceeds upper limit")
	errNoHandle    = extack.New(syscall.ENOENT, "Specified filter handle not found")
)

// ChangeFilter adds, replaces or changes a filter (tc_new_tfilter). It
// leaves nothing behind on error.
func (blk *Block) ChangeFilter(req *FilterRequest) (uint32, error) {
	w := blk.ns.World()
	w.Lock()
	defer w.Unlock()
	if req.Chain > maxChain {
		return 0, errChainLimit
	}
	kind := LookupClassifier(req.Kind)
	if kind == nil {
		return 0, extack.New(syscall.ENOENT, "Error: Specified classifier kind is unknown")
	}
	create := req.Op != FilterChange
	prio, alloc := req.Prio, false
	if prio == 0 {
		if !create {
			return 0, extack.New(syscall.ENOENT, "Invalid filter command with priority of zero")
		}
		alloc = true
	}
	chNew := blk.chain(req.Chain, false) == nil
	ch := blk.chain(req.Chain, true)
	fail := func(err error) (uint32, error) {
		if chNew {
			blk.maybeDropChain(ch)
		}
		return 0, err
	}
	var tp *Proto
	if alloc {
		// tcf_auto_prio: a new instance, even when one with the same
		// priority exists (Linux then lists both).
		prio = ch.autoPrio()
	} else {
		var err error
		if tp, err = ch.findProto(prio, req.Protocol, false); err != nil {
			return fail(err)
		}
	}
	newTP := tp == nil
	if newTP {
		if !create {
			return fail(errNeedCreate)
		}
		if req.Protocol == 0 {
			return fail(errNoKind)
		}
		tp = &Proto{chain: ch, prio: prio, protocol: req.Protocol, kind: req.Kind, cls: kind.New()}
	} else if tp.kind != req.Kind {
		return fail(errKindMismach)
	}
	var old Filter
	if req.Handle != 0 {
		old = tp.cls.Get(req.Handle)
	}
	if old == nil && !create {
		return fail(errNeedCreate)
	}
	if old != nil && req.Op == FilterAdd {
		return fail(errFilterExist)
	}
	if !flagsValid(req.Flags) {
		return fail(extack.Errno(syscall.EINVAL))
	}
	if err := kind.Check(req.Spec); err != nil {
		return fail(err)
	}
	if req.Flags&ClsSkipSW != 0 {
		// No device bound to a softnet block offloads: skip_sw filters
		// cannot be placed anywhere (tc_setup_cb_add with err_stop).
		return fail(extack.Errno(syscall.EOPNOTSUPP))
	}
	specs := req.Actions
	for i := range specs {
		specs[i].Flags |= actFlagsFromCls(req.Flags)
	}
	acts, err := initActions(blk.ns, blk, specs, true, true)
	if err != nil {
		return fail(err)
	}
	exts := &Exts{acts: acts}
	h, replaced, err := tp.cls.Change(old, req.Handle, req.Spec, req.Flags&clsUserMask, exts)
	if err != nil {
		releaseActions(blk.ns, acts, true)
		return fail(err)
	}
	releaseActions(blk.ns, replaced.Actions(), true)
	if newTP {
		ch.insert(tp)
	}
	return h, nil
}

// flagsValid is tc_flags_valid: only known flags, and not both skip_hw
// and skip_sw.
func flagsValid(f uint32) bool {
	if f&^clsUserMask != 0 {
		return false
	}
	return f&(ClsSkipHW|ClsSkipSW) != ClsSkipHW|ClsSkipSW
}

func actFlagsFromCls(f uint32) uint32 {
	var a uint32
	if f&ClsSkipHW != 0 {
		a |= ActFlagSkipHW
	}
	return a
}

// DeleteFilter runs tc filter del: with prio 0 it flushes the chain; with
// a prio and no handle it removes that classifier instance; with a handle
// one filter.
func (blk *Block) DeleteFilter(chain, prio uint32, protocol uint16, kind string, handle uint32) error {
	w := blk.ns.World()
	w.Lock()
	defer w.Unlock()
	ch := blk.chain(chain, false)
	if ch == nil {
		if prio == 0 {
			return nil
		}
		return extack.New(syscall.ENOENT, "Cannot find specified filter chain")
	}
	if prio == 0 {
		for _, tp := range ch.Protos() {
			blk.destroyProto(tp)
		}
		return nil
	}
	tp, err := ch.findProto(prio, protocol, false)
	if err != nil {
		return err
	}
	if tp == nil {
		return errProtoNotFound(syscall.ENOENT)
	}
	if kind != "" && kind != tp.kind {
		return errKindMismach
	}
	if handle == 0 {
		blk.destroyProto(tp)
		return nil
	}
	f := tp.cls.Get(handle)
	if f == nil {
		return errNoHandle
	}
	exts := tp.cls.Delete(f)
	releaseActions(blk.ns, exts.Actions(), true)
	if tp.cls.Empty() {
		ch.remove(tp)
	}
	return nil
}

// GetFilter returns the instance and filter tc filter get names.
func (blk *Block) GetFilter(chain, prio uint32, protocol uint16, kind string, handle uint32) (*Proto, Filter, error) {
	w := blk.ns.World()
	w.Lock()
	defer w.Unlock()
	ch := blk.chain(chain, false)
	if ch == nil {
		return nil, nil, extack.New(syscall.EINVAL, "Cannot find specified filter chain")
	}
	tp, err := ch.findProto(prio, protocol, false)
	if err != nil {
		return nil, nil, err
	}
	if tp == nil {
		return nil, nil, errProtoNotFound(syscall.ENOENT)
	}
	if kind != "" && kind != tp.kind {
		return nil, nil, errKindMismach
	}
	f := tp.cls.Get(handle)
	if f == nil {
		return nil, nil, errNoHandle
	}
	return tp, f, nil
}

// destroyProto removes an instance with all its filters (RTNL held).
func (blk *Block) destroyProto(tp *Proto) {
	for _, f := range tp.cls.Filters() {
		exts := tp.cls.Delete(f)
		releaseActions(blk.ns, exts.Actions(), true)
	}
	tp.chain.remove(tp)
}

// flush removes every filter of every chain (block teardown).
func (blk *Block) flush() {
	for _, ch := range append([]*Chain(nil), blk.chains...) {
		for _, tp := range ch.Protos() {
			blk.destroyProto(tp)
		}
	}
}
