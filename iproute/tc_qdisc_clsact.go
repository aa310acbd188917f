package iproute

import (
	"strconv"
	"syscall"

	"github.com/softnet/softnet/extack"
	"strings"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/sched"
)

// qdiscModify is tc qdisc add|replace|change|del for the clsact and
// ingress qdiscs (tc_qdisc.c tc_qdisc_modify → sch_ingress.c).
func (c *Cmd) qdiscModify(sub string, args []string) error {
	del := Matches(sub, "delete")
	var (
		dev             *netdev.Device
		kind            string
		spec            sched.QdiscSpec
		root, parentSet bool
	)
	for len(args) > 0 {
		w := args[0]
		switch {
		case w == "dev":
			if len(args) < 2 {
				return incomplete()
			}
			args = args[1:]
			if dev != nil {
				return duparg("dev", args[0])
			}
			d := c.NS.DeviceByName(args[0])
			if d == nil {
				return noDevice(args[0])
			}
			dev = d
		case w == "handle":
			if len(args) < 2 {
				return incomplete()
			}
			args = args[1:]
			if h := strings.TrimSuffix(args[0], "0"); h != "ffff:" && args[0] != "ffff:" {
				return fail(1, "softnet: only the clsact/ingress handle ffff: is supported")
			}
		case w == "parent":
			if len(args) < 2 {
				return incomplete()
			}
			args = args[1:]
			if args[0] != "ffff:fff1" {
				return fail(1, "softnet: only the clsact/ingress parent ffff:fff1 is supported")
			}
			parentSet = true
			if kind == "" && del {
				kind = "-"
			}
		case w == "root":
			root = true
		case w == "ingress_block" || w == "egress_block":
			if len(args) < 2 {
				return incomplete()
			}
			n, err := strconv.ParseUint(args[1], 10, 32)
			if err != nil {
				return invarg("block index is invalid", args[1])
			}
			if w == "ingress_block" {
				spec.IngressBlock, spec.HasIngress = uint32(n), true
			} else {
				spec.EgressBlock, spec.HasEgress = uint32(n), true
			}
			args = args[1:]
		case w == "clsact" || w == "ingress":
			kind = w
			if len(args) > 1 {
				return fail(1, "What is \"%s\"?", args[1])
			}
		case w == "help":
			return usageErr(qdiscUsage)
		default:
			// A kind tc has no parser for: its options cannot be read,
			// and without options the kernel judges it.
			if len(args) > 1 {
				if Matches(args[1], "help") {
					return usageErr(qdiscUsage)
				}
				return fail(1, "Unknown qdisc \"%s\", hence option \"%s\" is unparsable", w, args[1])
			}
			if dev == nil {
				return fail(1, "Cannot find device \"\"")
			}
			if !root && !parentSet {
				return kernelError(extack.New(syscall.EINVAL, "Handle cannot be zero"))
			}
			return kernelError(extack.New(syscall.ENOENT, "Specified qdisc kind is unknown"))
		}
		args = args[1:]
	}
	if dev == nil {
		return fail(1, "Cannot find device \"\"")
	}
	if root {
		if del && dev.Qdisc() == nil {
			return kernelError(errZeroHandle)
		}
		return fail(1, "softnet: \"tc qdisc %s root\" is not implemented", sub)
	}
	if del {
		if kind == "-" {
			kind = ""
		}
		if err := sched.DelQdisc(dev, kind); err != nil {
			return kernelError(err)
		}
		return nil
	}
	if kind == "" {
		return fail(1, "softnet: only the clsact and ingress qdiscs can be added")
	}
	spec.Kind = kind
	if Matches(sub, "change") {
		if sched.QdiscOf(dev) == nil {
			return kernelError(errNoQdisc)
		}
		return nil
	}
	if err := sched.AddQdisc(dev, spec, Matches(sub, "replace")); err != nil {
		return kernelError(err)
	}
	return nil
}

var (
	errZeroHandle = extack.New(syscall.EINVAL, "Cannot delete qdisc with handle of zero")
	errNoQdisc    = extack.New(syscall.ENOENT, "Qdisc not found. To create specify NLM_F_CREATE flag")
)

// printClsact prints the clsact/ingress qdisc line after the root qdisc.
func (c *Cmd) printClsact(d *netdev.Device, withDev bool) {
	q := sched.QdiscOf(d)
	if q == nil {
		return
	}
	p := c.Out
	p.OpenObject("")
	p.PrintString("kind", "qdisc %s ", q.Kind())
	p.PrintString("handle", "%s ", "ffff:")
	if withDev {
		p.PrintString("dev", "dev %s ", d.Name())
	}
	p.PrintString("parent", "parent %s ", "ffff:fff1")
	if b := q.IngressBlock(); b != nil && b.Index() != 0 {
		p.PrintUint("ingress_block", "ingress_block %d ", uint64(b.Index()))
	}
	if b := q.EgressBlock(); b != nil && b.Index() != 0 {
		p.PrintUint("egress_block", "egress_block %d ", uint64(b.Index()))
	}
	p.OpenObject("options")
	if q.Kind() == "ingress" {
		p.Textf("---------------- ")
	}
	p.CloseObject()
	if c.Opts.Stats > 0 {
		p.Textf("\n")
		p.PrintUint("bytes", " Sent %d bytes ", q.Stats.Bytes.Load())
		p.PrintUint("packets", "%d pkt ", q.Stats.Packets.Load())
		p.PrintUint("drops", "(dropped %d, ", q.Stats.Drops.Load())
		p.PrintUint("overlimits", "overlimits %d ", 0)
		p.PrintUint("requeues", "requeues %d) ", 0)
		p.Textf("\n")
		p.PrintUint("backlog", " backlog %db ", 0)
		p.PrintUint("qlen", "%dp ", 0)
		p.Textf("requeues %d", 0)
	}
	p.Textf("\n")
	p.CloseObject()
}
