package iproute

import (
	"bytes"
	"io"
	"strconv"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/xfrm"
)

// ip monitor (ip/ipmonitor.c): link, address, route and xfrm events as
// iproute2 prints them.

// MonitorObjects are the `ip monitor` objects softnet reports.
var MonitorObjects = []string{"link", "address", "route", "xfrm"}

// Monitor renders one namespace's events as `ip monitor` prints them.
// Its methods are called from event callbacks (netdev notifiers and
// inet listeners run with the RTNL held; they only read), so it never
// locks; a Monitor is used by one event source at a time (the RTNL
// serializes link and inet events; xfrm events come under xfrm's lock).
type Monitor struct {
	env   *Env
	ns    *netdev.Namespace
	links map[int32]string // last text of each link, for "Deleted"
}

// NewMonitor returns a Monitor for ns, remembering how each current link
// prints (call it with the RTNL held, or before any change can happen).
func NewMonitor(env *Env, ns *netdev.Namespace) *Monitor {
	m := &Monitor{env: env, ns: ns, links: map[int32]string{}}
	for _, d := range ns.Devices() {
		m.links[d.Index()] = m.linkText(d)
	}
	return m
}

func (m *Monitor) cmd(w io.Writer) *Cmd {
	c := &Cmd{Env: m.env, NS: m.ns, Stdout: w, Stderr: io.Discard, tool: "ip"}
	c.Out = NewPrinter(w, false, false)
	return c
}

func (m *Monitor) linkText(d *netdev.Device) string {
	var b bytes.Buffer
	m.cmd(&b).printLink(d, true)
	return b.String()
}

// Link renders a device event (print_linkinfo; "Deleted " and the last
// known text for an unregistered device). Events ip monitor does not
// show (pre-events, vetoable checks) render as "".
func (m *Monitor) Link(ev netdev.Event, d *netdev.Device) string {
	switch ev {
	case netdev.EventRegister, netdev.EventUp, netdev.EventDown, netdev.EventChange,
		netdev.EventChangeName, netdev.EventChangeMTU, netdev.EventChangeAddr:
		text := m.linkText(d)
		m.links[d.Index()] = text
		return text
	case netdev.EventUnregister:
		text, ok := m.links[d.Index()]
		delete(m.links, d.Index())
		if !ok {
			text = m.linkText(d)
		}
		return "Deleted " + text
	}
	return ""
}

// Inet renders an address event as print_addrinfo does for ip monitor
// ("2: d0    inet 192.0.2.1/24 … \n       valid_lft …") or a route event
// as print_route ("Deleted " before a removal).
func (m *Monitor) Inet(ev inet.Event) string {
	var b bytes.Buffer
	c := m.cmd(&b)
	switch ev.Type {
	case inet.EventNewAddr, inet.EventDelAddr:
		if ev.Type == inet.EventDelAddr {
			b.WriteString("Deleted ")
		}
		a := ev.Addr
		b.WriteString(strconv.Itoa(int(a.Ifindex)) + ": " + c.ifName(a.Ifindex))
		c.printAddrInfo(nil, &a, &addrFilter{})
	case inet.EventNewRoute, inet.EventDelRoute:
		if ev.Type == inet.EventDelRoute {
			b.WriteString("Deleted ")
		}
		r := ev.Route
		c.printRoute(&r, &routeFilter{})
	}
	return b.String()
}

// Xfrm renders an xfrm notification as `ip monitor xfrm` (and `ip xfrm
// monitor`) prints it.
func (m *Monitor) Xfrm(msg xfrm.Msg) string {
	var b bytes.Buffer
	m.cmd(&b).printXfrmMsg(msg)
	return b.String()
}

// ipMonitor is do_ipmonitor: it prints the namespace's events of the
// chosen objects while the loop runs (on a lab's SimLoop, until nothing
// is due within monitorHorizon, as ip xfrm monitor does).
func (c *Cmd) ipMonitor(args []string) error {
	want := map[string]bool{}
	for _, w := range args {
		switch {
		case w == "all":
		case Matches(w, "link"):
			want["link"] = true
		case Matches(w, "address"):
			want["address"] = true
		case Matches(w, "route"):
			want["route"] = true
		case w == "xfrm":
			want["xfrm"] = true
		case Matches(w, "help"):
			return usageErr("Usage: ip monitor [ all | OBJECTS ]\nOBJECTS :=  address | link | route | xfrm\n")
		default:
			return fail(255, "Argument \"%s\" is unknown, try \"ip monitor help\".", w)
		}
	}
	all := len(want) == 0
	mon := NewMonitor(c.Env, c.NS)
	out := func(s string) {
		if s != "" {
			io.WriteString(c.Stdout, s)
		}
	}
	if all || want["link"] {
		defer c.NS.Subscribe(func(ev netdev.Event, d *netdev.Device) error {
			out(mon.Link(ev, d))
			return nil
		})()
	}
	if all || want["address"] || want["route"] {
		defer inet.Subscribe(c.NS, func(ev inet.Event) {
			isAddr := ev.Type == inet.EventNewAddr || ev.Type == inet.EventDelAddr
			if all || isAddr && want["address"] || !isAddr && want["route"] {
				out(mon.Inet(ev))
			}
		})()
	}
	if all || want["xfrm"] {
		defer xfrm.ForNamespace(c.NS).Subscribe(func(m xfrm.Msg) { out(mon.Xfrm(m)) })()
	}
	if l, ok := c.Env.World.Loop().(*netdev.SimLoop); ok {
		l.RunIdle(monitorHorizon)
	}
	return nil
}

func init() { SetIPObject("monitor", func(c *Cmd, args []string) error { return c.ipMonitor(args) }) }
