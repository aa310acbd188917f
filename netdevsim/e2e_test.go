package netdevsim_test

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/netdevsim"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

const key = "0x3132333435363738393031323334353664636261"

// pair is two hosts whose netdevsim devices are joined by a simulated
// cable: a frame one transmits reaches the other's hardware receive side
// (netdevsim.Driver.Receive) on the next loop turn.
type pair struct {
	tp       *topo.Topo
	a, b     *iproute.Env
	da, db   *netdev.Device
	onWireAB func(p []byte) // sees every frame a sends
}

func run(t *testing.T, env *iproute.Env, lines ...string) {
	t.Helper()
	for _, l := range lines {
		var out bytes.Buffer
		if rc := iproute.RunLine(env, l, &out, &out); rc != 0 {
			t.Fatalf("%s: exit %d: %s", l, rc, out.String())
		}
	}
}

// newPair builds a (192.0.2.1) and b (192.0.2.2) with transport-mode ESP
// between them; a's SAs are offloaded to its netdevsim device (simOpts
// are its ip link options), b's are in software.
func newPair(t *testing.T, simOpts string) *pair {
	tp := topo.New(t)
	p := &pair{tp: tp}
	p.a = &iproute.Env{World: tp.W, NS: tp.Host("a")}
	p.b = &iproute.Env{World: tp.W, NS: tp.Host("b")}
	sa := func(src, dst, spi, extra string) string {
		return "ip xfrm state add src " + src + " dst " + dst + " proto esp spi " + spi + " reqid 1 mode transport " +
			"aead 'rfc4106(gcm(aes))' " + key + " 128 replay-window 32 sel src " + src + " dst " + dst + extra
	}
	pol := func(src, dst, dir string) string {
		return "ip xfrm policy add src " + src + " dst " + dst + " dir " + dir +
			" tmpl src " + src + " dst " + dst + " proto esp reqid 1 mode transport"
	}
	const A, B = "192.0.2.1", "192.0.2.2"
	run(t, p.a, "ip link add eni0 type netdevsim "+simOpts, "ip addr add "+A+"/24 dev eni0", "ip link set eni0 up",
		sa(A, B, "0x100", " offload dev eni0 dir out"), sa(B, A, "0x200", " offload dev eni0 dir in"),
		pol(A, B, "out"), pol(B, A, "in"))
	run(t, p.b, "ip link add eni0 type netdevsim", "ip addr add "+B+"/24 dev eni0", "ip link set eni0 up",
		sa(A, B, "0x100", ""), sa(B, A, "0x200", ""), pol(B, A, "out"), pol(A, B, "in"))
	p.da, p.db = p.a.NS.DeviceByName("eni0"), p.b.NS.DeviceByName("eni0")
	p.connect(p.da, p.db, func(b []byte) {
		if p.onWireAB != nil {
			p.onWireAB(b)
		}
	})
	p.connect(p.db, p.da, nil)
	return p
}

func (p *pair) connect(from, to *netdev.Device, see func([]byte)) {
	loop := p.tp.Loop
	netdevsim.Of(from).SetWire(func(b *packet.Buffer) {
		if see != nil {
			see(b.Bytes())
		}
		loop.AfterFunc(0, func() {
			if b.Len() >= 14 {
				copy(b.Bytes()[:6], to.HardwareAddr())
			}
			if netdev.EthTypeTrans(to, b) {
				netdevsim.Of(to).Receive(to, b)
			}
		})
	})
}

func state(t *testing.T, env *iproute.Env, spi uint32) *xfrm.State {
	t.Helper()
	for _, x := range xfrm.ForNamespace(env.NS).SAD.Dump() {
		if x.Cfg().ID.SPI == spi {
			return x
		}
	}
	t.Fatalf("no SA 0x%x", spi)
	return nil
}

func mibClean(t *testing.T, env *iproute.Env) {
	t.Helper()
	for _, e := range xfrm.ForNamespace(env.NS).MIB.Snapshot() {
		if e.Value != 0 {
			t.Errorf("%s: %d", e.Name, e.Value)
		}
	}
}

// TestE2EPing: ping over an SA pair offloaded to a's netdevsim device, to a
// peer doing ESP in software. The hardware seals a's requests and opens
// b's replies (OffloadReceive): each reply is decrypted once — the
// inbound SA counts 3 packets, not 6, and no MIB error moves.
func TestE2EPing(t *testing.T) {
	p := newPair(t, "")
	var esp int
	p.onWireAB = func(b []byte) {
		if len(b) > 23 && b[23] == 50 {
			esp++
		}
	}
	got := p.tp.Ping("a", "192.0.2.2", inet.EchoOpts{}, 3)
	if len(got) != 3 {
		t.Fatalf("%d replies, want 3: %+v", len(got), got)
	}
	sim := netdevsim.Of(p.da)
	if tx, rx := sim.Counters.Tx.Load(), sim.Counters.Rx.Load(); tx != 3 || rx != 3 || esp != 3 {
		t.Fatalf("hardware tx %d rx %d, ESP frames %d; want 3 3 3", tx, rx, esp)
	}
	if n := state(t, p.a, 0x200).Lifetime().Packets; n != 3 {
		t.Fatalf("inbound offloaded SA counted %d packets, want 3 (decrypted once)", n)
	}
	if n := state(t, p.b, 0x100).Lifetime().Packets; n != 3 {
		t.Fatalf("peer's software SA counted %d packets, want 3", n)
	}
	if s := netdevsim.Of(p.db); s.Counters.Tx.Load()+s.Counters.Rx.Load() != 0 {
		t.Fatal("b's SAs are software but its hardware worked")
	}
	mibClean(t, p.a)
	mibClean(t, p.b)
}

// TestE2EAsync: the hardware completes asynchronously (ErrInProgress);
// packets resume through stack.Resume in order, waiting on the backlog
// while the queue is stopped; the ESP sequence numbers on the wire are
// strictly increasing and the peer's replay window accepts them all.
func TestE2EAsync(t *testing.T) {
	p := newPair(t, "async")
	var seqs []uint32
	p.onWireAB = func(b []byte) {
		if len(b) > 42 && b[23] == 50 {
			seqs = append(seqs, uint32(b[38])<<24|uint32(b[39])<<16|uint32(b[40])<<8|uint32(b[41]))
		}
	}
	sim := netdevsim.Of(p.da)
	var replies int
	c, err := inet.DialICMP(p.a.NS, inet.FamilyV4, func(e inet.EchoEvent) { replies++ })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dst := netip.MustParseAddr("192.0.2.2")
	for i := range 5 {
		if err := c.SendEcho(dst, inet.EchoOpts{ID: 7, Seq: uint16(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	p.tp.Run()
	if sim.PendingAsync() != 5 || len(seqs) != 0 {
		t.Fatalf("pending %d, on wire %d; want 5 pending", sim.PendingAsync(), len(seqs))
	}
	sim.SetBusy(p.da, true)
	if sim.CompleteAsync() != 5 {
		t.Fatal("complete")
	}
	if len(seqs) != 0 {
		t.Fatal("sent while the queue was stopped")
	}
	sim.SetBusy(p.da, false) // drains the backlog
	p.tp.RunFor(time.Second)
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("sequence numbers out of order: %v", seqs)
		}
	}
	if len(seqs) != 5 || replies != 5 {
		t.Fatalf("wire seqs %v, replies %d; want 5 and 5", seqs, replies)
	}
	mibClean(t, p.b)
}

// TestE2ERemoveInFlight: the device goes away with packets in the
// hardware and on the backlog: the backlog is purged (dropped, counted),
// late completions are dropped, the SAs are flushed, nothing leaks.
func TestE2ERemoveInFlight(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	p := newPair(t, "async")
	sim := netdevsim.Of(p.da)
	c, err := inet.DialICMP(p.a.NS, inet.FamilyV4, func(inet.EchoEvent) {})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 6 {
		if err := c.SendEcho(netip.MustParseAddr("192.0.2.2"), inet.EchoOpts{ID: 9, Seq: uint16(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	p.tp.Run()
	// Three complete onto the backlog (queue stopped); three stay in the
	// hardware.
	sim.SetBusy(p.da, true)
	sim.CompleteAsyncN(3)
	run(t, p.a, "ip link del eni0")
	if n := xfrm.ForNamespace(p.a.NS).SAD.Len(); n != 0 || sim.Counters.States.Load() != 0 {
		t.Fatalf("SAs left: SAD %d, device %d", n, sim.Counters.States.Load())
	}
	sim.CompleteAsync() // late completions on a dead device
	if got := p.da.Stats.TxDropped.Load(); got != 6 {
		t.Fatalf("tx_dropped %d, want 6 (3 purged + 3 late)", got)
	}
}
