package engine_test

import (
	"bytes"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/netdevsim"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/engine"
	"github.com/softnet/softnet/xfrm/esp"
)

// rig is a namespace with a netdevsim device (no IPsec of its own) whose
// wire is the test's, and the engine attached to it.
type rig struct {
	ns  *netdev.Namespace
	d   *netdev.Device
	e   *engine.Driver
	sim *netdevsim.Driver
}

func newRig(t testing.TB, cfg engine.Config, wire func(*packet.Buffer)) *rig {
	t.Helper()
	w := netdev.NewWorld(netdev.Options{})
	ns, err := w.AddNamespace("a")
	if err != nil {
		t.Fatal(err)
	}
	up := true
	d, err := ns.NewLink(&netdev.LinkRequest{Name: "eni0", Kind: "netdevsim", Up: &up, Data: &netdevsim.Config{NoIPsec: true}})
	if err != nil {
		t.Fatal(err)
	}
	sim := netdevsim.Of(d)
	sim.SetWire(wire)
	e, err := engine.Attach(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Detach(d) })
	return &rig{ns: ns, d: d, e: e, sim: sim}
}

func (r *rig) addSA(t testing.TB, spi uint32) *xfrm.State {
	t.Helper()
	c := xfrm.Config{ID: xfrm.ID{Daddr: netip.MustParseAddr("192.0.2.2"), SPI: spi, Proto: xfrm.ProtoESP},
		Saddr: netip.MustParseAddr("192.0.2.1"), Family: 4, Mode: xfrm.ModeTunnel, Reqid: 1,
		AEAD:    &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: make([]byte, 20), ICVBits: 128},
		Offload: &xfrm.Offload{Ifindex: r.d.Index(), Dir: xfrm.DirOut}}
	x, err := xfrm.ForNamespace(r.ns).AddState(c, false)
	if err != nil {
		t.Fatal(err)
	}
	if x.Offload() == nil {
		t.Fatal("SA not offloaded to the engine")
	}
	return x
}

var inner = build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("203.0.113.2"), Dst: netip.MustParseAddr("203.0.113.130"), TTL: 64},
	build.ICMPEcho(1, 1, make([]byte, 56)))

// pending builds a packet as the offload output path leaves it:
// Ethernet, the provisional outer header, the inner packet, the binding.
func pending(t testing.TB, d *netdev.Device, x *xfrm.State, payload []byte) *packet.Buffer {
	outer := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2"), TTL: 64, Proto: 50}, payload)
	b, err := packet.FromBytes(outer)
	if err != nil {
		t.Fatal(err)
	}
	b.SetNetworkHeader(0)
	netdev.PushEthernet(d, b, []byte{2, 0, 0, 0, 0, 2}, 0x0800)
	b.SecPath = x.Offload()
	return b
}

func espSPISeq(p []byte) (spi, seq uint32, ok bool) {
	if len(p) < 42 || p[14+9] != 50 {
		return 0, 0, false
	}
	be := func(q []byte) uint32 { return uint32(q[0])<<24 | uint32(q[1])<<16 | uint32(q[2])<<8 | uint32(q[3]) }
	return be(p[34:]), be(p[38:]), true
}

// TestOrdering: four producers offer packets of four SAs at once to two
// workers; on the wire each SA's sequence numbers are strictly
// increasing (so a peer's replay window never sees reordering).
func TestOrdering(t *testing.T) {
	packettest.CheckBalance(t)
	const sas, producers, per = 4, 4, 200
	var mu sync.Mutex
	var wg sync.WaitGroup
	last := map[uint32]uint32{}
	var bad []string
	wg.Add(sas * producers * per)
	r := newRig(t, engine.Config{Workers: 2, QueueLen: sas * producers * per}, func(b *packet.Buffer) {
		spi, seq, ok := espSPISeq(b.Bytes())
		mu.Lock()
		if !ok || seq <= last[spi] {
			bad = append(bad, "out of order or not ESP")
		}
		last[spi] = seq
		mu.Unlock()
		b.Free()
		wg.Done()
	})
	var xs []*xfrm.State
	for i := range sas {
		xs = append(xs, r.addSA(t, uint32(0x100+i)))
	}
	var start sync.WaitGroup
	start.Add(producers)
	for range producers {
		go func() {
			start.Done()
			start.Wait()
			for i := range per * sas {
				r.d.XmitDirect(pending(t, r.d, xs[i%sas], inner))
			}
		}()
	}
	wg.Wait()
	if len(bad) != 0 {
		t.Fatalf("%d frames out of order", len(bad))
	}
	for _, x := range xs {
		if got := last[x.Cfg().ID.SPI]; got != producers*per {
			t.Errorf("SA 0x%x: last seq %d, want %d", x.Cfg().ID.SPI, got, producers*per)
		}
	}
	if s := &r.e.Stats; s.Offered.Load() != sas*producers*per || s.Dropped.Load() != 0 {
		t.Fatalf("offered %d dropped %d", s.Offered.Load(), s.Dropped.Load())
	}
}

// blockingWire holds the first frame until release is closed.
type blockingWire struct {
	entered, release chan struct{}
	once             sync.Once
	wg               sync.WaitGroup
	mu               sync.Mutex
	n                int
}

func newBlockingWire() *blockingWire {
	return &blockingWire{entered: make(chan struct{}), release: make(chan struct{})}
}

func (w *blockingWire) send(b *packet.Buffer) {
	w.once.Do(func() {
		close(w.entered)
		<-w.release
	})
	w.mu.Lock()
	w.n++
	w.mu.Unlock()
	b.Free()
	w.wg.Done()
}

// TestBackpressure: one worker stuck on a slow wire, a queue of 4: of 11
// packets offered, 1 is on the wire, 4 wait, 6 are dropped and counted
// (engine Stats and the device's tx_dropped); sent + dropped = offered.
func TestBackpressure(t *testing.T) {
	packettest.CheckBalance(t)
	bw := newBlockingWire()
	r := newRig(t, engine.Config{Workers: 1, QueueLen: 4}, bw.send)
	x := r.addSA(t, 0x200)
	bw.wg.Add(5)
	r.d.XmitDirect(pending(t, r.d, x, inner))
	<-bw.entered
	for range 10 {
		r.d.XmitDirect(pending(t, r.d, x, inner))
	}
	close(bw.release)
	bw.wg.Wait()
	s := &r.e.Stats
	if s.Offered.Load() != 11 || s.Sent.Load() != 5 || s.Dropped.Load() != 6 || s.Errors.Load() != 0 {
		t.Fatalf("offered %d sent %d dropped %d errors %d", s.Offered.Load(), s.Sent.Load(), s.Dropped.Load(), s.Errors.Load())
	}
	if s.Sent.Load()+s.Dropped.Load() != s.Offered.Load() || r.d.Stats.TxDropped.Load() != 6 || bw.n != 5 {
		t.Fatalf("counters do not add up: tx_dropped %d wire %d", r.d.Stats.TxDropped.Load(), bw.n)
	}
}

// TestRemoveInFlight: the device is deleted while the worker is stuck
// with packets queued: no panic, the SA is flushed, the queued packets
// complete onto a dead device and are dropped, the workers exit, the pool
// balances.
func TestRemoveInFlight(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	packettest.CheckBalance(t)
	bw := newBlockingWire()
	bw.wg.Add(1)
	r := newRig(t, engine.Config{Workers: 1, QueueLen: 16}, bw.send)
	x := r.addSA(t, 0x300)
	for range 10 {
		r.d.XmitDirect(pending(t, r.d, x, inner))
	}
	<-bw.entered
	done := make(chan error)
	go func() { done <- r.ns.DelLink(r.d) }()
	for !r.d.IsDead() {
		runtime.Gosched()
	}
	close(bw.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	bw.wg.Wait()
	if n := xfrm.ForNamespace(r.ns).SAD.Len(); n != 0 {
		t.Fatalf("%d SAs left", n)
	}
	if got := r.d.Stats.TxDropped.Load(); got != 9 {
		t.Fatalf("tx_dropped %d, want 9", got)
	}
	r.d.XmitDirect(pending(t, r.d, x, inner)) // after removal: dropped, no panic
}

// TestEnableCommand: the engine is one option of ip link, visible in
// ip -d link show and on ip xfrm state's offload line; turning it off
// flushes the device's SAs (as esp-hw-offload off and DOWN do).
func TestEnableCommand(t *testing.T) {
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	env := &iproute.Env{World: w, NS: w.Init()}
	sh := func(line string) string {
		t.Helper()
		var out bytes.Buffer
		if rc := iproute.RunLine(env, line, &out, &out); rc != 0 {
			t.Fatalf("%s: exit %d: %s", line, rc, out.String())
		}
		return out.String()
	}
	sh("ip link add eni0 type netdevsim no-ipsec crypto-engine on workers 2 engine-queue 64")
	sh("ip link set eni0 up")
	if out := sh("ip -d link show eni0"); !strings.Contains(out, "netdevsim no-ipsec crypto-engine on workers 2 engine-queue 64 ipsec-sas 0 features esp-hw-offload ") {
		t.Fatalf("ip -d link show:\n%s", out)
	}
	sh("ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 9 reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' 0x3132333435363738393031323334353664636261 128 offload dev eni0 dir out")
	if out := sh("ip xfrm state"); !strings.Contains(out, "\tcrypto offload parameters: dev eni0 dir out mode crypto engine workers 2\n") {
		t.Fatalf("ip xfrm state:\n%s", out)
	}
	if out := sh("ip -d link show eni0"); !strings.Contains(out, "ipsec-sas 1 ") {
		t.Fatalf("ip -d link show:\n%s", out)
	}
	sh("ip link set eni0 type netdevsim crypto-engine off")
	out := sh("ip -d link show eni0")
	if strings.Contains(out, "crypto-engine") || strings.Contains(out, "esp-hw-offload") {
		t.Fatalf("engine still on:\n%s", out)
	}
	if out := sh("ip xfrm state"); out != "" {
		t.Fatalf("ip xfrm state after engine off (the device's SAs are flushed):\n%s", out)
	}
	sh("ip link set eni0 type netdevsim crypto-engine on")
	sh("ip link del eni0")
}

// TestZeroAlloc: offering a packet to the engine, sealing it on a worker
// and completing it to the wire allocate nothing in steady state.
func TestZeroAlloc(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	done := make(chan struct{}, 1)
	r := newRig(t, engine.Config{Workers: 1, QueueLen: 4}, func(b *packet.Buffer) { b.Free(); done <- struct{}{} })
	x := r.addSA(t, 0x700)
	xo := x.Offload()
	src := append([]byte(nil), inner...)
	one := func() {
		b, err := packet.New(128, len(src))
		if err != nil {
			t.Fatal(err)
		}
		copy(b.Put(len(src)), src)
		b.SetNetworkHeader(0)
		b.Scratch[len(b.Scratch)-1] = 0
		_ = r.e.XmitCrypto(r.d, xo, b)
		<-done
	}
	for range 10 {
		one()
	}
	if n := testing.AllocsPerRun(200, one); n != 0 {
		t.Fatalf("%.1f allocations per packet", n)
	}
}

// TestOneSASpray: one SA's packets are sealed by both workers (not pinned
// to one) and still reach the wire in sequence-number order. The first
// worker is held on the wire with packet 1 while the other seals the
// next 39, which wait in the ring behind it.
func TestOneSASpray(t *testing.T) {
	packettest.CheckBalance(t)
	bw := newBlockingWire()
	var mu sync.Mutex
	var seqs []uint32
	wire := func(b *packet.Buffer) {
		_, seq, _ := espSPISeq(b.Bytes())
		mu.Lock()
		seqs = append(seqs, seq)
		mu.Unlock()
		bw.send(b)
	}
	const n = 40
	bw.wg.Add(n)
	r := newRig(t, engine.Config{Workers: 2, QueueLen: 64}, wire)
	x := r.addSA(t, 0x800)
	r.d.XmitDirect(pending(t, r.d, x, inner))
	<-bw.entered
	for range n - 1 {
		r.d.XmitDirect(pending(t, r.d, x, inner))
	}
	for {
		s := r.e.Sealed()
		if s[0]+s[1] == n {
			if s[0] == 0 || s[1] == 0 {
				t.Fatalf("sealed per worker %v: one SA did not use both", s)
			}
			break
		}
		runtime.Gosched()
	}
	close(bw.release)
	bw.wg.Wait()
	for i, seq := range seqs {
		if seq != uint32(i+1) {
			t.Fatalf("wire order %v", seqs)
		}
	}
	if s := &r.e.Stats; s.Sent.Load() != n || s.Offered.Load() != n {
		t.Fatalf("sent %d offered %d", s.Sent.Load(), s.Offered.Load())
	}
}

// TestOverloadCounts: four producers flood two workers through a ring of
// 8 with one SA: whatever the interleaving, sent + dropped + errors =
// offered, the device counted every drop, the wire got every sent packet
// in sequence order, and the pool balances.
func TestOverloadCounts(t *testing.T) {
	packettest.CheckBalance(t)
	var mu sync.Mutex
	var last uint32
	var wired, bad int
	r := newRig(t, engine.Config{Workers: 2, QueueLen: 8}, func(b *packet.Buffer) {
		_, seq, _ := espSPISeq(b.Bytes())
		mu.Lock()
		if seq <= last {
			bad++
		}
		last = seq
		wired++
		mu.Unlock()
		b.Free()
	})
	x := r.addSA(t, 0x900)
	const producers, per = 4, 500
	var wg sync.WaitGroup
	for range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				r.d.XmitDirect(pending(t, r.d, x, inner))
			}
		}()
	}
	wg.Wait()
	r.e.Stop() // completes what the ring holds
	s := &r.e.Stats
	if got := s.Sent.Load() + s.Dropped.Load() + s.Errors.Load(); got != producers*per || s.Offered.Load() != producers*per {
		t.Fatalf("offered %d, sent %d + dropped %d + errors %d", s.Offered.Load(), s.Sent.Load(), s.Dropped.Load(), s.Errors.Load())
	}
	if r.d.Stats.TxDropped.Load() != s.Dropped.Load() || uint64(wired) != s.Sent.Load() || bad != 0 {
		t.Fatalf("tx_dropped %d, wire %d (%d out of order)", r.d.Stats.TxDropped.Load(), wired, bad)
	}
}

// TestPrepareError: a packet whose SA cannot give a sequence number
// (overflow without oseq-may-wrap) is dropped at once, counted as an
// engine error and XfrmOutStateProtoError, and later packets are unaffected.
func TestPrepareError(t *testing.T) {
	packettest.CheckBalance(t)
	r := newRig(t, engine.Config{Workers: 1, QueueLen: 4}, func(b *packet.Buffer) { b.Free() })
	c := xfrm.Config{ID: xfrm.ID{Daddr: netip.MustParseAddr("192.0.2.2"), SPI: 0xa00, Proto: xfrm.ProtoESP},
		Saddr: netip.MustParseAddr("192.0.2.1"), Family: 4, Mode: xfrm.ModeTunnel, Reqid: 1,
		AEAD:    &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: make([]byte, 20), ICVBits: 128},
		Replay:  xfrm.ReplayState{OSeq: 0xffffffff},
		Offload: &xfrm.Offload{Ifindex: r.d.Index(), Dir: xfrm.DirOut}}
	x, err := xfrm.ForNamespace(r.ns).AddState(c, false)
	if err != nil || x.Offload() == nil {
		t.Fatal(err)
	}
	r.d.XmitDirect(pending(t, r.d, x, inner))
	r.e.Stop()
	mib := xfrm.ForNamespace(r.ns).MIB
	if s := &r.e.Stats; s.Errors.Load() != 1 || s.Sent.Load() != 0 || mib.Get(xfrm.OutStateProtoError) != 1 || mib.Get(xfrm.OutStateSeqError) != 1 {
		t.Fatalf("errors %d sent %d proto %d seq %d", s.Errors.Load(), s.Sent.Load(), mib.Get(xfrm.OutStateProtoError), mib.Get(xfrm.OutStateSeqError))
	}
}

// TestSprayedPacketsOpen: packets of one ESN SA (crossing the 2^32
// sequence boundary) sealed by two workers in parallel open on the peer,
// in wire order, and carry the inner packet unchanged — the parallel
// Seal writes the right IV, ESN high bits and ICV for each.
func TestSprayedPacketsOpen(t *testing.T) {
	packettest.CheckBalance(t)
	const n = 300
	var mu sync.Mutex
	var wire [][]byte
	var wg sync.WaitGroup
	wg.Add(n)
	r := newRig(t, engine.Config{Workers: 2, QueueLen: n}, func(b *packet.Buffer) {
		mu.Lock()
		wire = append(wire, append([]byte(nil), b.Bytes()[14:]...)) // past the Ethernet header
		mu.Unlock()
		b.Free()
		wg.Done()
	})
	c := xfrm.Config{ID: xfrm.ID{Daddr: netip.MustParseAddr("192.0.2.2"), SPI: 0xb00, Proto: xfrm.ProtoESP},
		Saddr: netip.MustParseAddr("192.0.2.1"), Family: 4, Mode: xfrm.ModeTunnel, Reqid: 1,
		Flags: xfrm.FlagESN, ReplayWindow: 256,
		AEAD: &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: []byte("0123456789abcdefSALT"), ICVBits: 128}}
	out := c
	out.Replay.OSeq = 0xffffff00
	out.Offload = &xfrm.Offload{Ifindex: r.d.Index(), Dir: xfrm.DirOut}
	x, err := xfrm.ForNamespace(r.ns).AddState(out, false)
	if err != nil || x.Offload() == nil {
		t.Fatalf("not offloaded: %v", err)
	}
	in := c
	in.Replay.Seq = 0xffffff00
	peer, err := xfrm.NewState(in, xfrm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		r.d.XmitDirect(pending(t, r.d, x, inner))
	}
	wg.Wait()
	if s := r.e.Sealed(); s[0] == 0 || s[1] == 0 {
		t.Logf("sealed per worker %v (the scheduler kept one worker idle)", s)
	}
	for i, p := range wire {
		b, _ := packet.FromBytes(p)
		if err := esp.Input(peer, b); err != nil {
			t.Fatalf("packet %d does not open: %v", i, err)
		}
		if !bytes.Equal(b.Bytes(), inner) {
			t.Fatalf("packet %d: inner packet changed", i)
		}
		b.Free()
	}
	if r := peer.ReplaySnapshot(); r.SeqHi != 1 || r.Seq != n-0x100 {
		t.Fatalf("peer window seq-hi %d seq %#x", r.SeqHi, r.Seq)
	}
}
