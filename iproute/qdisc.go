package iproute

import (
	"github.com/softnet/softnet/netdev"
)

// QdiscStats are the counters tc -s prints for a qdisc (gnet_stats_basic
// and gnet_stats_queue).
type QdiscStats struct {
	Bytes, Packets              uint64
	Drops, Overlimits, Requeues uint32
	Backlog, Qlen               uint32
}

// QdiscInfo is implemented by qdiscs (netdev.Qdisc) that tc shows: their
// handle and parent ("8001:", "root"), options and stats. Qdiscs without it
// print as the built-in noqueue does.
type QdiscInfo interface {
	Handle() string
	PrintOptions(p *Printer)
	Stats() QdiscStats
}

// doQdisc is tc qdisc; softnet so far shows the devices' root qdisc.
func doQdisc(c *Cmd, args []string) error {
	if len(args) == 0 {
		return c.qdiscShow(nil)
	}
	switch sub := args[0]; {
	case Matches(sub, "show"), Matches(sub, "list"), sub == "lst":
		return c.qdiscShow(args[1:])
	case Matches(sub, "help"):
		return usageErr(qdiscUsage)
	case Matches(sub, "add"), Matches(sub, "replace"), Matches(sub, "change"), Matches(sub, "delete"):
		return c.qdiscModify(sub, args[1:])
	}
	return fail(1, "softnet: \"tc qdisc %s\" is not implemented yet", args[0])
}

const qdiscUsage = `Usage: tc qdisc [ add | del | replace | change | show ] dev STRING
       [ handle QHANDLE ] [ root | ingress | clsact | parent CLASSID ]
       [ estimator INTERVAL TIME_CONSTANT ]
       [ stab [ help | STAB_OPTIONS] ]
       [ ingress_block BLOCK_INDEX ] [ egress_block BLOCK_INDEX ]
       [ [ QDISC_KIND ] [ help | OPTIONS ] ]

       tc qdisc { show | list } [ dev STRING ] [ QDISC_ID ] [ invisible ]
Where:
QDISC_KIND := { [p|b]fifo | tbf | prio | red | etc. }
OPTIONS := ... try tc qdisc add <desired QDISC_KIND> help
STAB_OPTIONS := ... try tc qdisc add stab help
QDISC_ID := { root | ingress | handle QHANDLE | parent CLASSID }
`

func (c *Cmd) qdiscShow(args []string) error {
	var dev *netdev.Device
	for len(args) > 0 {
		w := args[0]
		switch w {
		case "dev":
			if len(args) < 2 {
				return incomplete()
			}
			args = args[1:]
			if dev = c.NS.DeviceByName(args[0]); dev == nil {
				return noDevice(args[0])
			}
		case "root", "ingress", "clsact", "invisible":
		default:
			return fail(255, "What is \"%s\"? Try \"tc qdisc help\".", w)
		}
		args = args[1:]
	}
	p := c.Out
	p.Begin()
	for _, d := range c.NS.Devices() {
		if dev != nil && d != dev {
			continue
		}
		c.printQdisc(d, dev == nil)
		c.printClsact(d, dev == nil)
	}
	p.End()
	return nil
}

// printQdisc prints a device's root qdisc (tc.c print_qdisc); the
// built-in noop of a down device is not listed, as Linux does not dump it.
func (c *Cmd) printQdisc(d *netdev.Device, withDev bool) {
	name := d.QdiscName()
	if name == "noop" || name == "" {
		return
	}
	p := c.Out
	handle := "0:"
	var info QdiscInfo
	if q, ok := d.Qdisc().(QdiscInfo); ok {
		info = q
		handle = q.Handle()
	}
	p.OpenObject("")
	p.PrintString("kind", "qdisc %s ", name)
	p.PrintString("handle", "%s ", handle)
	if withDev {
		p.PrintString("dev", "dev %s ", d.Name())
	}
	p.PrintBool("root", "root ", true)
	p.PrintUint("refcnt", "refcnt %d ", 2)
	p.OpenObject("options")
	if info != nil {
		info.PrintOptions(p)
	}
	p.CloseObject()
	if c.Opts.Stats > 0 {
		var st QdiscStats
		if info != nil {
			st = info.Stats()
		}
		p.Textf("\n")
		p.PrintUint("bytes", " Sent %d bytes ", st.Bytes)
		p.PrintUint("packets", "%d pkt ", st.Packets)
		p.PrintUint("drops", "(dropped %d, ", uint64(st.Drops))
		p.PrintUint("overlimits", "overlimits %d ", uint64(st.Overlimits))
		p.PrintUint("requeues", "requeues %d) ", uint64(st.Requeues))
		p.Textf("\n")
		p.PrintUint("backlog", " backlog %db ", uint64(st.Backlog))
		p.PrintUint("qlen", "%dp ", uint64(st.Qlen))
		p.Textf("requeues %d", st.Requeues)
	}
	p.Textf("\n")
	p.CloseObject()
}
