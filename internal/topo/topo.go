// Package topo builds small in-memory networks for tests: namespaces
// ("hosts") joined by veth pairs, with addresses and routes, on a
// deterministic SimLoop. It is a normal package so that every package's
// tests can import it; nothing outside tests should.
//
//	tp := topo.New(t)
//	tp.Host("a")
//	tp.Router("r")
//	tp.Host("b")
//	tp.Link("a:eth0", "r:eth0", "192.0.2.1/24", "192.0.2.2/24")
//	tp.Link("r:eth1", "b:eth0", "198.51.100.1/24", "198.51.100.2/24")
//	tp.Route("a", "default", "192.0.2.2")
//	tp.Route("b", "default", "198.51.100.1")
//	replies := tp.Ping("a", "198.51.100.2", inet.EchoOpts{})
//
// New registers packettest.CheckBalance and closes the world when the
// test ends.
package topo

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
)

// Topo is a test network.
type Topo struct {
	T    testing.TB
	W    *netdev.World
	Loop *netdev.SimLoop
}

// New returns an empty network on a SimLoop starting at the Unix epoch.
func New(t testing.TB) *Topo {
	t.Helper()
	packettest.CheckBalance(t)
	loop := netdev.NewSimLoop(time.Unix(1_000_000, 0))
	w := netdev.NewWorld(netdev.Options{Loop: loop})
	t.Cleanup(w.Close)
	return &Topo{T: t, W: w, Loop: loop}
}

// Host returns the namespace name, creating it with lo up.
func (tp *Topo) Host(name string) *netdev.Namespace {
	tp.T.Helper()
	if ns := tp.W.Namespace(name); ns != nil {
		return ns
	}
	ns, err := tp.W.AddNamespace(name)
	if err != nil {
		tp.T.Fatalf("topo: add namespace %s: %v", name, err)
	}
	if err := ns.Open(ns.Loopback()); err != nil {
		tp.T.Fatalf("topo: lo up in %s: %v", name, err)
	}
	return ns
}

// Router returns a host with IPv4 and IPv6 forwarding on.
func (tp *Topo) Router(name string) *netdev.Namespace {
	tp.T.Helper()
	ns := tp.Host(name)
	tp.Sysctl(name, "net.ipv4.ip_forward", "1")
	tp.Sysctl(name, "net.ipv6.conf.all.forwarding", "1")
	return ns
}

// Sysctl sets a knob in a host.
func (tp *Topo) Sysctl(host, key, val string) {
	tp.T.Helper()
	if err := tp.Host(host).SetSysctl(key, val); err != nil {
		tp.T.Fatalf("topo: sysctl %s=%s in %s: %v", key, val, host, err)
	}
}

// NS returns an existing host's namespace.
func (tp *Topo) NS(name string) *netdev.Namespace {
	tp.T.Helper()
	ns := tp.W.Namespace(name)
	if ns == nil {
		tp.T.Fatalf("topo: no host %s", name)
	}
	return ns
}

func split(spec string) (host, dev string) {
	host, dev, ok := strings.Cut(spec, ":")
	if !ok {
		return spec, "eth0"
	}
	return host, dev
}

// Dev returns the device "host:dev".
func (tp *Topo) Dev(spec string) *netdev.Device {
	tp.T.Helper()
	h, d := split(spec)
	dev := tp.NS(h).DeviceByName(d)
	if dev == nil {
		tp.T.Fatalf("topo: no device %s", spec)
	}
	return dev
}

// Link joins "hostA:devA" and "hostB:devB" with a veth pair, brings both
// ends up and assigns addrs alternately: addrs[0] to A, addrs[1] to B,
// addrs[2] to A… (so "192.0.2.1/24", "192.0.2.2/24", "2001:db8::1/64",
// "2001:db8::2/64" gives each end an IPv4 and an IPv6 address). IPv6
// addresses are added nodad so they are usable at once.
func (tp *Topo) Link(a, b string, addrs ...string) {
	tp.T.Helper()
	ha, da := split(a)
	hb, db := split(b)
	nsA, _ := tp.Host(ha), tp.Host(hb)
	up := true
	_, err := nsA.NewLink(&netdev.LinkRequest{Name: da, Kind: "veth", Up: &up,
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: db, NetNS: hb}}})
	if err != nil {
		tp.T.Fatalf("topo: veth %s-%s: %v", a, b, err)
	}
	peer := tp.Dev(b)
	if err := tp.NS(hb).Open(peer); err != nil {
		tp.T.Fatalf("topo: up %s: %v", b, err)
	}
	for i, s := range addrs {
		spec := a
		if i%2 == 1 {
			spec = b
		}
		tp.Addr(spec, s)
	}
}

// Addr adds an address ("192.0.2.1/24", "2001:db8::1/64") to "host:dev".
func (tp *Topo) Addr(spec, prefix string) {
	tp.T.Helper()
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		tp.T.Fatalf("topo: bad prefix %q: %v", prefix, err)
	}
	d := tp.Dev(spec)
	a := inet.Addr{Ifindex: d.Index(), Prefix: p}
	if p.Addr().Is4() && p.Bits() < 31 {
		a.Broadcast = lastAddr(p)
	}
	if p.Addr().Is6() {
		a.Flags = inet.AddrNoDAD
	}
	h, _ := split(spec)
	if err := inet.AddAddr(tp.NS(h), a, false); err != nil {
		tp.T.Fatalf("topo: addr %s on %s: %v", prefix, spec, err)
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(b)
}

// Route adds a route in host: dst is a prefix or "default" / "default6";
// via is a gateway address.
func (tp *Topo) Route(host, dst, via string) {
	tp.T.Helper()
	gw, err := netip.ParseAddr(via)
	if err != nil {
		tp.T.Fatalf("topo: bad gateway %q: %v", via, err)
	}
	var p netip.Prefix
	switch dst {
	case "default":
		p = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		if gw.Is6() {
			p = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		}
	default:
		if p, err = netip.ParsePrefix(dst); err != nil {
			tp.T.Fatalf("topo: bad prefix %q: %v", dst, err)
		}
	}
	r := inet.Route{Dst: p, Gateway: gw, Protocol: inet.ProtoBoot}
	if err := inet.AddRoute(tp.NS(host), r, inet.RouteCreate|inet.RouteExcl); err != nil {
		tp.T.Fatalf("topo: route %s via %s in %s: %v", dst, via, host, err)
	}
}

// SetMTU changes a device's MTU.
func (tp *Topo) SetMTU(spec string, mtu uint32) {
	tp.T.Helper()
	h, _ := split(spec)
	if err := tp.NS(h).SetLink(tp.Dev(spec), &netdev.LinkRequest{MTU: &mtu}); err != nil {
		tp.T.Fatalf("topo: mtu %d on %s: %v", mtu, spec, err)
	}
}

// Run processes everything due now.
func (tp *Topo) Run() { tp.Loop.Run() }

// RunFor advances virtual time by d.
func (tp *Topo) RunFor(d time.Duration) { tp.Loop.RunFor(d) }

// Ping sends count echo requests (default 1) from host to dst, one per
// second of virtual time, and returns what came back: replies and ICMP
// errors, in order.
func (tp *Topo) Ping(host, dst string, o inet.EchoOpts, count ...int) []inet.EchoEvent {
	tp.T.Helper()
	n := 1
	if len(count) > 0 {
		n = count[0]
	}
	addr, err := netip.ParseAddr(dst)
	if err != nil {
		tp.T.Fatalf("topo: bad address %q", dst)
	}
	fam := inet.FamilyV4
	if addr.Is6() {
		fam = inet.FamilyV6
	}
	var got []inet.EchoEvent
	c, err := inet.DialICMP(tp.NS(host), fam, func(e inet.EchoEvent) { got = append(got, e) })
	if err != nil {
		tp.T.Fatalf("topo: dial: %v", err)
	}
	defer c.Close()
	if o.ID == 0 {
		o.ID = 0x1234
	}
	for i := 0; i < n; i++ {
		o.Seq = uint16(i + 1)
		if err := c.SendEcho(addr, o); err != nil {
			tp.T.Fatalf("topo: ping %s from %s: %v", dst, host, err)
		}
		tp.RunFor(time.Second)
	}
	tp.RunFor(3 * time.Second)
	return got
}

// IP runs iproute2 command lines (ip …, tc …) in host, failing t with the
// command's output when one exits non-zero.
func (tp *Topo) IP(t testing.TB, host string, lines ...string) {
	t.Helper()
	env := &iproute.Env{World: tp.W, NS: tp.NS(host)}
	for _, l := range lines {
		var out bytes.Buffer
		if rc := iproute.RunLine(env, l, &out, &out); rc != 0 {
			t.Fatalf("%s: %s: exit %d: %s", host, l, rc, out.String())
		}
	}
}
