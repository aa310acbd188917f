package iproute

import (
	"syscall"

	"fmt"
	"github.com/softnet/softnet/extack"
	"strconv"
	"sync"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/sched"
)

// FilterArgs is what a classifier's parser produces (parse_fopt).
type FilterArgs struct {
	Handle  uint32
	Flags   uint32 // sched.ClsSkipHW …
	Spec    any
	Actions []sched.ActionSpec
}

// FilterParser parses a classifier's words after its kind; handle is the
// "handle" word's argument ("" when absent) and protocol the filter's
// ethertype (tcm_info: EthPAll unless given).
type FilterParser func(c *Cmd, handle string, protocol uint16, args []string) (*FilterArgs, error)

// FilterPrinter prints a filter's options (print_fopt) inside "options".
type FilterPrinter func(c *Cmd, tp *sched.Proto, f sched.Filter)

type filterUtil struct {
	parse FilterParser
	print FilterPrinter
}

var (
	filterMu    sync.RWMutex
	filterUtils = map[string]filterUtil{}
)

// RegisterTCFilter adds a classifier kind's parser and printer.
func RegisterTCFilter(kind string, parse FilterParser, print FilterPrinter) {
	filterMu.Lock()
	defer filterMu.Unlock()
	filterUtils[kind] = filterUtil{parse, print}
}

func lookupFilterUtil(kind string) (filterUtil, bool) {
	filterMu.RLock()
	defer filterMu.RUnlock()
	u, ok := filterUtils[kind]
	return u, ok
}

// filterCmd is a parsed tc filter command line (tc_filter.c).
type filterCmd struct {
	dev       string
	block     uint32
	dir       sched.Direction
	parentSet bool
	handle    string
	prio      uint32
	protocol  uint16
	protoSet  bool
	chain     uint32
	chainSet  bool
	kind      string
	rest      []string
}

func (c *Cmd) parseFilterCmd(args []string, create bool) (*filterCmd, error) {
	fc := &filterCmd{}
	if create {
		fc.protocol = sched.EthPAll
	}
	parent := func(d sched.Direction) error {
		if fc.parentSet {
			return fail(255, "Error: Filter with parent already specified")
		}
		fc.dir, fc.parentSet = d, true
		return nil
	}
	for len(args) > 0 {
		w := args[0]
		need := func() (string, error) {
			if len(args) < 2 {
				return "", incomplete()
			}
			args = args[1:]
			return args[0], nil
		}
		var err error
		switch {
		case w == "dev":
			var v string
			if v, err = need(); err == nil {
				switch {
				case fc.dev != "":
					err = duparg("dev", v)
				case fc.block != 0:
					err = fail(255, "Error: \"dev\" and \"block\" are mutually exclusive")
				}
				fc.dev = v
			}
		case Matches(w, "block"):
			var v string
			if v, err = need(); err == nil {
				n, perr := strconv.ParseUint(v, 0, 32)
				switch {
				case fc.block != 0:
					err = duparg("block", v)
				case fc.dev != "":
					err = fail(255, "Error: \"dev\" and \"block\" are mutually exclusive")
				case perr != nil || n == 0:
					err = invarg("invalid block index value", v)
				}
				fc.block = uint32(n)
			}
		case w == "root":
			err = parent(sched.DirNone)
		case w == "ingress":
			err = parent(sched.DirIngress)
		case w == "egress":
			err = parent(sched.DirEgress)
		case w == "parent":
			var v string
			if v, err = need(); err == nil {
				switch v {
				case "ffff:fff2", "ffff:":
					err = parent(sched.DirIngress)
				case "ffff:fff3":
					err = parent(sched.DirEgress)
				default:
					err = parent(sched.DirNone)
				}
			}
		case w == "handle":
			var v string
			if v, err = need(); err == nil {
				if fc.handle != "" {
					err = duparg("handle", v)
				}
				fc.handle = v
			}
		case Matches(w, "preference") || Matches(w, "priority"):
			var v string
			if v, err = need(); err == nil {
				n, perr := strconv.ParseUint(v, 0, 32)
				switch {
				case fc.prio != 0:
					err = duparg("priority", v)
				case perr != nil || n > 0xFFFF:
					err = invarg("invalid priority value", v)
				}
				fc.prio = uint32(n)
			}
		case Matches(w, "protocol"):
			var v string
			if v, err = need(); err == nil {
				id, ok := protoA2N(v)
				switch {
				case fc.protoSet:
					err = duparg("protocol", v)
				case !ok:
					err = invarg("invalid protocol", v)
				}
				fc.protocol, fc.protoSet = id, true
			}
		case Matches(w, "chain"):
			var v string
			if v, err = need(); err == nil {
				n, perr := strconv.ParseUint(v, 0, 32)
				switch {
				case fc.chainSet:
					err = duparg("chain", v)
				case perr != nil:
					err = invarg("invalid chain index value", v)
				}
				fc.chain, fc.chainSet = uint32(n), true
			}
		case Matches(w, "help"):
			return nil, usageErr(filterUsage)
		default:
			fc.kind = w
			fc.rest = args[1:]
			return fc, nil
		}
		if err != nil {
			return nil, err
		}
		args = args[1:]
	}
	return fc, nil
}

const filterUsage = `Usage: tc filter [ add | del | change | replace | show ] [ dev STRING ]
       tc filter [ add | del | change | replace | show ] [ block BLOCK_INDEX ]
       tc filter get dev STRING parent CLASSID protocol PROTO handle FILTERID pref PRIO FILTER_TYPE
       tc filter get block BLOCK_INDEX protocol PROTO handle FILTERID pref PRIO FILTER_TYPE
       [ pref PRIO ] protocol PROTO [ chain CHAIN_INDEX ]
       [ estimator INTERVAL TIME_CONSTANT ]
       [ root | ingress | egress | parent CLASSID ]
       [ handle FILTERID ] [ [ FILTER_TYPE ] [ help | OPTIONS ] ]

       tc filter show [ dev STRING ] [ root | ingress | egress | parent CLASSID ]
       tc filter show [ block BLOCK_INDEX ]
Where:
FILTER_TYPE := { u32 | bpf | fw | route | etc. }
FILTERID := ... format depends on classifier, see there
OPTIONS := ... try tc filter add <desired FILTER_TYPE> help
`

// protoA2N reads a protocol name or number (ll_proto_a2n).
func protoA2N(s string) (uint16, bool) {
	for id, n := range protoNames {
		if n == s {
			return id, true
		}
	}
	v, err := strconv.ParseUint(s, 0, 16)
	return uint16(v), err == nil
}

var protoNames = map[uint16]string{
	0x0001: "802.3", 0x0003: "all", 0x0004: "802.2", 0x0800: "ip", 0x0806: "arp",
	0x8035: "rarp", 0x86DD: "ipv6", 0x8100: "802.1Q", 0x88A8: "802.1ad",
	0x8847: "mpls_uc", 0x8848: "mpls_mc", 0x88CC: "lldp",
}

// protoN2A names a protocol as ll_proto_n2a.
func protoN2A(id uint16) string {
	if n, ok := protoNames[id]; ok {
		return n
	}
	return fmt.Sprintf("[%d]", id)
}

// doFilter is tc filter (tc_filter.c do_filter).
func doFilter(c *Cmd, args []string) error {
	if len(args) == 0 {
		return c.filterShow(nil)
	}
	sub := args[0]
	switch {
	case Matches(sub, "add"):
		return c.filterModify(sched.FilterAdd, args[1:])
	case Matches(sub, "change"):
		return c.filterModify(sched.FilterChange, args[1:])
	case Matches(sub, "replace"):
		return c.filterModify(sched.FilterReplace, args[1:])
	case Matches(sub, "delete"):
		return c.filterDelete(args[1:])
	case Matches(sub, "get"):
		return c.filterGet(args[1:])
	case Matches(sub, "list"), Matches(sub, "show"), sub == "lst":
		return c.filterShow(args[1:])
	case Matches(sub, "help"):
		return usageErr(filterUsage)
	}
	return fail(255, "Command \"%s\" is unknown, try \"tc filter help\".", sub)
}

// resolve finds the filter's device (after the options parsed, as tc).
func (c *Cmd) resolve(fc *filterCmd) (*netdev.Device, error) {
	if fc.dev == "" {
		return nil, nil
	}
	d := c.NS.DeviceByName(fc.dev)
	if d == nil {
		return nil, noDevice(fc.dev)
	}
	return d, nil
}

func talkErr(err error) error {
	return fail(2, "%sWe have an error talking to the kernel", kernelError(err).Error())
}

func (c *Cmd) filterModify(op sched.FilterOp, args []string) error {
	fc, err := c.parseFilterCmd(args, op != sched.FilterChange)
	if err != nil {
		return err
	}
	var fa *FilterArgs
	if fc.kind != "" {
		u, ok := lookupFilterUtil(fc.kind)
		if !ok {
			if len(fc.rest) > 0 {
				return fail(1, "Unknown filter \"%s\", hence option \"%s\" is unparsable", fc.kind, fc.rest[0])
			}
			return fail(1, "Unknown filter \"%s\"", fc.kind)
		}
		if fa, err = u.parse(c, fc.handle, fc.protocol, fc.rest); err != nil {
			return err
		}
	} else if fc.handle != "" {
		return fail(255, "Must specify filter type when using \"handle\"")
	}
	dev, err := c.resolve(fc)
	if err != nil {
		return err
	}
	blk, err := sched.FindBlock(c.NS, dev, fc.dir, fc.block)
	if err != nil {
		return talkErr(err)
	}
	if fa == nil {
		return talkErr(errNoKindGiven)
	}
	req := &sched.FilterRequest{Op: op, Chain: fc.chain, Prio: fc.prio, Protocol: fc.protocol,
		Handle: fa.Handle, Kind: fc.kind, Flags: fa.Flags, Spec: fa.Spec, Actions: fa.Actions}
	if _, err := blk.ChangeFilter(req); err != nil {
		return talkErr(err)
	}
	return nil
}

func (c *Cmd) filterDelete(args []string) error {
	fc, err := c.parseFilterCmd(args, false)
	if err != nil {
		return err
	}
	var handle uint32
	if fc.handle != "" {
		if fc.kind == "" {
			return fail(255, "Must specify filter type when using \"handle\"")
		}
		h, err := strconv.ParseUint(fc.handle, 0, 32)
		if err != nil {
			return fail(1, "Illegal \"handle\"")
		}
		handle = uint32(h)
	}
	dev, err := c.resolve(fc)
	if err != nil {
		return err
	}
	blk, err := sched.FindBlock(c.NS, dev, fc.dir, fc.block)
	if err != nil {
		return talkErr(err)
	}
	if err := blk.DeleteFilter(fc.chain, fc.prio, fc.protocol, fc.kind, handle); err != nil {
		return talkErr(err)
	}
	return nil
}

func (c *Cmd) filterGet(args []string) error {
	fc, err := c.parseFilterCmd(args, false)
	if err != nil {
		return err
	}
	if fc.handle == "" || fc.kind == "" {
		return fail(1, "Must specify filter type and handle when using \"get\"")
	}
	h, err := strconv.ParseUint(fc.handle, 0, 32)
	if err != nil {
		return fail(1, "Illegal \"handle\"")
	}
	dev, err := c.resolve(fc)
	if err != nil {
		return err
	}
	blk, err := sched.FindBlock(c.NS, dev, fc.dir, fc.block)
	if err != nil {
		return talkErr(err)
	}
	tp, f, err := blk.GetFilter(fc.chain, fc.prio, fc.protocol, fc.kind, uint32(h))
	if err != nil {
		return talkErr(err)
	}
	// tc_filter_get only sets filter_ifindex: the hook, protocol, pref
	// and chain are printed.
	shown := &filterCmd{dev: fc.dev, block: fc.block, dir: fc.dir}
	c.Out.Begin()
	c.printFilter(shown, tp, f)
	c.Out.End()
	return nil
}

func (c *Cmd) filterShow(args []string) error {
	fc, err := c.parseFilterCmd(args, false)
	if err != nil {
		return err
	}
	if fc.kind != "" {
		return fail(255, "What is \"%s\"? Try \"tc filter help\"", fc.kind)
	}
	dev, err := c.resolve(fc)
	if err != nil {
		return err
	}
	p := c.Out
	p.Begin()
	defer p.End()
	if dev == nil && fc.block == 0 {
		return nil
	}
	blk, err := sched.FindBlock(c.NS, dev, fc.dir, fc.block)
	if err != nil {
		return nil
	}
	for _, ch := range blk.Chains() {
		if fc.chainSet && ch.Index() != fc.chain {
			continue
		}
		for _, tp := range ch.Protos() {
			if fc.prio != 0 && tp.Prio() != fc.prio {
				continue
			}
			if fc.protoSet && tp.Protocol() != fc.protocol {
				continue
			}
			c.printFilter(fc, tp, nil)
			for _, f := range tp.Filters() {
				c.printFilter(fc, tp, f)
			}
		}
	}
	return nil
}

// printFilter is tc_filter.c print_filter: the instance head (f == nil)
// or one filter with its options.
func (c *Cmd) printFilter(fc *filterCmd, tp *sched.Proto, f sched.Filter) {
	p := c.Out
	p.OpenObject("")
	p.Textf("filter ")
	if fc.block != 0 && fc.dev == "" {
		// filter_block_index is set: the block is not printed.
	} else if fc.dev == "" {
		p.PrintString("dev", "dev %s ", "?")
	}
	if !fc.parentSet && fc.block == 0 {
		switch fc.dir {
		case sched.DirIngress:
			p.PrintBool("ingress", "ingress ", true)
		case sched.DirEgress:
			p.PrintBool("egress", "egress ", true)
		}
	}
	if !fc.protoSet || fc.protocol != tp.Protocol() {
		p.PrintString("protocol", "protocol %s ", protoN2A(tp.Protocol()))
	}
	if fc.prio == 0 || fc.prio != tp.Prio() {
		p.PrintUint("pref", "pref %d ", uint64(tp.Prio()))
	}
	p.PrintString("kind", "%s ", tp.Kind())
	if !fc.chainSet || fc.chain != tp.Chain().Index() {
		p.PrintUint("chain", "chain %d ", uint64(tp.Chain().Index()))
	}
	if f != nil {
		p.OpenObject("options")
		if u, ok := lookupFilterUtil(tp.Kind()); ok {
			u.print(c, tp, f)
		}
		p.CloseObject()
	}
	p.Textf("\n")
	p.CloseObject()
}

// printClsFlags prints skip_hw/skip_sw and not_in_hw as the classifiers do.
func printClsFlags(p *Printer, flags uint32) {
	if flags&sched.ClsSkipHW != 0 {
		p.PrintBool("skip_hw", "\n  skip_hw", true)
	}
	if flags&sched.ClsSkipSW != 0 {
		p.PrintBool("skip_sw", "\n  skip_sw", true)
	}
	if flags&sched.ClsInHW != 0 {
		p.PrintBool("in_hw", "\n  in_hw", true)
	} else {
		p.PrintBool("not_in_hw", "\n  not_in_hw", true)
	}
}

// parseClsFlag reads the flag words every classifier accepts.
func parseClsFlag(w string, flags *uint32) bool {
	switch w {
	case "skip_hw":
		*flags |= sched.ClsSkipHW
	case "skip_sw":
		*flags |= sched.ClsSkipSW
	case "verbose":
		*flags |= sched.ClsVerbose
	default:
		return false
	}
	return true
}

func parseHandle(h string) (uint32, error) {
	if h == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(h, 0, 32)
	if err != nil {
		return 0, fail(1, "Illegal \"handle\"")
	}
	return uint32(n), nil
}

func init() { SetTCObject("filter", doFilter) }

var errNoKindGiven = extack.New(syscall.EINVAL, "Filter kind and protocol must be specified")
