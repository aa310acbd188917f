package ipip_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// harness is one namespace with an underlay dummy d0 (198.51.100.2/24) and
// a tunnel t0 to 198.51.100.1; packets leaving d0 and entering t0 are
// captured (or just freed) by tc hooks, so encapsulation and
// decapsulation can be driven and observed one packet at a time.
type harness struct {
	w     *netdev.World
	loop  *netdev.SimLoop
	ns    *netdev.Namespace
	under *netdev.Device
	tun   *netdev.Device
	out   capture // frames leaving d0 (Ethernet)
	in    capture // inner packets entering t0
}

// capture records copies of packets (unless discard) and consumes them.
type capture struct {
	discard bool
	pkts    [][]byte
}

func (c *capture) RunHook(d *netdev.Device, b *packet.Buffer) netdev.Verdict {
	if !c.discard {
		c.pkts = append(c.pkts, bytes.Clone(b.Bytes()))
	}
	b.Free()
	return netdev.VerdictConsumed
}

func newHarness(tb testing.TB, tunnelArgs string) *harness {
	tb.Helper()
	loop := netdev.NewSimLoop(time.Unix(1_000_000, 0))
	return newHarnessLoop(tb, tunnelArgs, loop, loop)
}

// newHarnessLoop builds the harness on any loop (sim is nil for a
// RealLoop).
func newHarnessLoop(tb testing.TB, tunnelArgs string, l netdev.Loop, sim *netdev.SimLoop) *harness {
	tb.Helper()
	w := netdev.NewWorld(netdev.Options{Loop: l})
	tb.Cleanup(w.Close)
	h := &harness{w: w, loop: sim, ns: w.Init()}
	for _, l := range []string{
		"ip link add d0 type dummy",
		"ip link set d0 up",
		"ip addr add 198.51.100.2/24 dev d0",
		"ip neigh add 198.51.100.1 lladdr 02:00:00:00:00:01 dev d0",
		"ip link add t0 type ipip remote 198.51.100.1 local 198.51.100.2 " + tunnelArgs,
		"ip link set t0 up",
		"ip addr add 203.0.113.1/30 dev t0",
	} {
		var out bytes.Buffer
		if rc := iproute.RunLine(&iproute.Env{World: w, NS: h.ns}, l, &out, &out); rc != 0 {
			tb.Fatalf("%s: %s", l, out.String())
		}
	}
	h.under = h.ns.DeviceByName("d0")
	h.tun = h.ns.DeviceByName("t0")
	h.under.SetEgressHook(&h.out)
	h.tun.SetIngressHook(&h.in)
	return h
}

// inner builds an inner IPv4 UDP packet of n bytes (n ≥ 28).
func inner(n int, tos uint8, df bool) []byte {
	return build.IPv4(build.IPv4Opts{Src: mustAddr("203.0.113.1"), Dst: mustAddr("203.0.113.2"),
		Proto: header.IPProtoUDP, TOS: tos, DF: df, TTL: 33},
		build.UDP(4000, 5000, make([]byte, n-28)))
}

// outer wraps p in the IPv4 header 198.51.100.1 → 198.51.100.2 the peer
// would send.
func outer(p []byte, tos uint8) []byte {
	return build.IPv4(build.IPv4Opts{Src: mustAddr("198.51.100.1"), Dst: mustAddr("198.51.100.2"),
		Proto: header.IPProtoIPIP, TOS: tos, DF: true}, p)
}

// xmit sends p (an inner IPv4 packet) out of the tunnel.
func (h *harness) xmit(tb testing.TB, p []byte) {
	b, err := packet.New(packet.DefaultHeadroom, len(p))
	if err != nil {
		tb.Fatal(err)
	}
	copy(b.Put(len(p)), p)
	b.Protocol = netdev.EthPIPv4
	b.SetNetworkHeader(0)
	_ = h.tun.Transmit(b)
}

// rcv feeds p (an outer IPv4 packet) into d0 as if it had arrived.
func (h *harness) rcv(tb testing.TB, p []byte) {
	b, err := packet.New(packet.DefaultHeadroom, len(p))
	if err != nil {
		tb.Fatal(err)
	}
	copy(b.Put(len(p)), p)
	b.Protocol = netdev.EthPIPv4
	b.SetNetworkHeader(0)
	h.under.Receive(b)
}
