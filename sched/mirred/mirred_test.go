package mirred_test

import (
	"bytes"
	"sync"
	"syscall"
	"testing"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/sched"
	_ "github.com/softnet/softnet/sched/gact"
	"github.com/softnet/softnet/sched/matchall"
	"github.com/softnet/softnet/sched/mirred"
)

var _ = matchall.Filter{}

type capture struct {
	mu     sync.Mutex
	frames [][]byte
	dirs   []netdev.Direction
}

func (c *capture) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frames = append(c.frames, bytes.Clone(b.Bytes()))
	c.dirs = append(c.dirs, dir)
}

type env struct {
	w      *netdev.World
	ns     *netdev.Namespace
	d0, d1 *netdev.Device
	cap1   *capture
}

func setup(t testing.TB) *env {
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	ns := w.Init()
	up := true
	mk := func(name string, mac byte) *netdev.Device {
		d, err := ns.NewLink(&netdev.LinkRequest{Name: name, Kind: "dummy", Up: &up,
			Address: netdev.HWAddr{2, 0, 0, 0, 0, mac}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	e := &env{w: w, ns: ns, d0: mk("d0", 1), d1: mk("d1", 2), cap1: &capture{}}
	e.d1.AddTap(e.cap1)
	return e
}

func frame() []byte {
	f := []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 9, 0x08, 0x00}
	ip := make([]byte, 28)
	ip[0] = 0x45
	ip[3] = 28
	ip[8] = 64
	ip[9] = 17
	return append(f, ip...)
}

func (e *env) filter(t testing.TB, dev *netdev.Device, dir sched.Direction, acts ...sched.ActionSpec) {
	t.Helper()
	if sched.QdiscOf(dev) == nil {
		if err := sched.AddQdisc(dev, sched.QdiscSpec{Kind: "clsact"}, false); err != nil {
			t.Fatal(err)
		}
	}
	blk, err := sched.FindBlock(e.ns, dev, dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blk.ChangeFilter(&sched.FilterRequest{Kind: "matchall", Protocol: sched.EthPAll, Actions: acts}); err != nil {
		t.Fatal(err)
	}
}

func mirredSpec(e mirred.Eaction, dev *netdev.Device, ctl sched.Verdict) sched.ActionSpec {
	return sched.ActionSpec{Kind: "mirred", Control: ctl, Params: &mirred.Params{Eaction: e, Ifindex: dev.Index()}}
}

func (e *env) receive(t testing.TB, d *netdev.Device) {
	b, err := packet.FromBytes(frame())
	if err != nil {
		t.Fatal(err)
	}
	if !netdev.EthTypeTrans(d, b) {
		t.Fatal("runt")
	}
	d.Receive(b)
	e.w.Loop().(*netdev.SimLoop).Run()
}

func actionOf(t testing.TB, e *env, dev *netdev.Device, dir sched.Direction) *mirred.Mirred {
	blk, _ := sched.FindBlock(e.ns, dev, dir, 0)
	for _, ch := range blk.Chains() {
		for _, tp := range ch.Protos() {
			for _, f := range tp.Filters() {
				return f.Exts().Actions()[0].(*mirred.Mirred)
			}
		}
	}
	t.Fatal("no action")
	return nil
}

// TestIngressToEgress checks the MAC push: a packet at ingress (data at the
// network header) leaves d1 with its Ethernet header, byte-exact.
func TestIngressToEgress(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    mirred.Eaction
		ctl  sched.Verdict
		// what the receive path of d0 sees afterwards
		delivered bool
	}{
		{"mirror", mirred.EgressMirror, sched.ActPipe, true},
		{"redirect", mirred.EgressRedir, sched.ActStolen, false},
		{"redirect-pass", mirred.EgressRedir, sched.ActOK, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			packettest.CheckBalance(t)
			e := setup(t)
			e.filter(t, e.d0, sched.DirIngress, mirredSpec(tc.e, e.d1, tc.ctl))
			before := e.d0.Drops.Get(netdev.DropUnhandledProto)
			e.receive(t, e.d0)
			if len(e.cap1.frames) != 1 || !bytes.Equal(e.cap1.frames[0], frame()) {
				t.Fatalf("d1 sent %x, want %x", e.cap1.frames, frame())
			}
			delivered := e.d0.Drops.Get(netdev.DropUnhandledProto) > before ||
				e.d0.Stats.RxNoHandler.Load() > 0
			if delivered != tc.delivered {
				t.Errorf("original delivered = %v, want %v", delivered, tc.delivered)
			}
			m := actionOf(t, e, e.d0, sched.DirIngress)
			if m.Stats.Packets.Load() != 1 || m.Stats.Bytes.Load() != uint64(len(frame())-14) {
				t.Errorf("stats %d pkt %d bytes", m.Stats.Packets.Load(), m.Stats.Bytes.Load())
			}
		})
	}
}

// TestTargetDownAndGone checks overlimits and the redirect→drop rule.
func TestTargetDownAndGone(t *testing.T) {
	packettest.CheckBalance(t)
	e := setup(t)
	e.filter(t, e.d0, sched.DirIngress, mirredSpec(mirred.EgressRedir, e.d1, sched.ActStolen))
	m := actionOf(t, e, e.d0, sched.DirIngress)
	e.ns.Close(e.d1)
	e.receive(t, e.d0)
	q := sched.QdiscOf(e.d0)
	if m.Stats.Overlimits.Load() != 1 || q.Stats.Drops.Load() != 1 {
		t.Fatalf("down: overlimits %d qdisc drops %d", m.Stats.Overlimits.Load(), q.Stats.Drops.Load())
	}
	if err := e.ns.DelLink(e.d1); err != nil {
		t.Fatal(err)
	}
	if m.Device() != nil {
		t.Fatal("target kept after unregister")
	}
	e.receive(t, e.d0)
	if m.Stats.Overlimits.Load() != 2 {
		t.Fatalf("gone: overlimits %d", m.Stats.Overlimits.Load())
	}
}

// TestEgressToIngress redirects d0's transmit into d1's receive: the MAC
// header is pulled and the packet reaches d1's protocol dispatch.
func TestEgressToIngress(t *testing.T) {
	packettest.CheckBalance(t)
	e := setup(t)
	e.filter(t, e.d0, sched.DirEgress, mirredSpec(mirred.IngressRedir, e.d1, sched.ActStolen))
	b, _ := packet.FromBytes(frame())
	b.SetMACHeader()
	b.SetNetworkHeader(14)
	b.Protocol = netdev.EthPIPv4
	if err := e.d0.Transmit(b); err != nil {
		t.Fatal(err)
	}
	e.w.Loop().(*netdev.SimLoop).Run()
	if len(e.cap1.frames) != 1 || e.cap1.dirs[0] != netdev.DirIn || !bytes.Equal(e.cap1.frames[0], frame()) {
		t.Fatalf("d1 saw %x %v", e.cap1.frames, e.cap1.dirs)
	}
	if e.d1.Stats.RxNoHandler.Load()+e.d1.Drops.Get(netdev.DropUnhandledProto) == 0 {
		t.Error("packet did not reach d1's protocol dispatch")
	}
}

// TestLoopAndNest: d0 ingress redirects to d1 egress, whose egress
// redirects back to d0 egress, whose egress redirects to d1 … the path
// check stops it and counts an overlimit.
func TestLoopAndNest(t *testing.T) {
	packettest.CheckBalance(t)
	e := setup(t)
	e.filter(t, e.d0, sched.DirIngress, mirredSpec(mirred.EgressRedir, e.d1, sched.ActStolen))
	e.filter(t, e.d1, sched.DirEgress, mirredSpec(mirred.EgressRedir, e.d0, sched.ActStolen))
	e.filter(t, e.d0, sched.DirEgress, mirredSpec(mirred.EgressRedir, e.d1, sched.ActStolen))
	e.receive(t, e.d0)
	m := actionOf(t, e, e.d0, sched.DirEgress)
	if m.Stats.Overlimits.Load() != 1 {
		t.Fatalf("loop not detected: overlimits %d", m.Stats.Overlimits.Load())
	}
}

func TestNestLimit(t *testing.T) {
	packettest.CheckBalance(t)
	e := setup(t)
	b, _ := packet.FromBytes(frame())
	netdev.EthTypeTrans(e.d0, b)
	b.RedirDepth = mirred.NestLimit
	e.filter(t, e.d0, sched.DirIngress, mirredSpec(mirred.EgressMirror, e.d1, sched.ActPipe))
	m := actionOf(t, e, e.d0, sched.DirIngress)
	b.AtIngress = true
	if v := m.Act(e.d0, b); v != sched.ActShot {
		t.Fatalf("verdict %v at the nest limit", v)
	}
	b.Free()
}

func TestBlockTargets(t *testing.T) {
	packettest.CheckBalance(t)
	e := setup(t)
	up := true
	d2, _ := e.ns.NewLink(&netdev.LinkRequest{Name: "d2", Kind: "dummy", Up: &up})
	cap2 := &capture{}
	d2.AddTap(cap2)
	for _, d := range []*netdev.Device{e.d0, e.d1, d2} {
		if err := sched.AddQdisc(d, sched.QdiscSpec{Kind: "clsact", IngressBlock: 7, HasIngress: true}, false); err != nil {
			t.Fatal(err)
		}
	}
	blk := sched.LookupBlock(e.ns, 7)
	_, err := blk.ChangeFilter(&sched.FilterRequest{Kind: "matchall", Protocol: sched.EthPAll,
		Actions: []sched.ActionSpec{{Kind: "mirred", Control: sched.ActPipe,
			Params: &mirred.Params{Eaction: mirred.EgressMirror, BlockID: 7}}}})
	if err != nil {
		t.Fatal(err)
	}
	e.receive(t, e.d0)
	if len(e.cap1.frames) != 1 || len(cap2.frames) != 1 {
		t.Fatalf("block mirror reached d1 %d d2 %d times", len(e.cap1.frames), len(cap2.frames))
	}
}

func TestBadRequests(t *testing.T) {
	e := setup(t)
	for _, tc := range []struct {
		name string
		p    *mirred.Params
		msg  string
	}{
		{"both", &mirred.Params{Eaction: mirred.EgressMirror, Ifindex: e.d1.Index(), BlockID: 1}, "act_mirred: Cannot specify Block ID and dev simultaneously"},
		{"neither", &mirred.Params{Eaction: mirred.EgressMirror}, "act_mirred: Must specify device or block"},
		{"eaction", &mirred.Params{Eaction: 9, Ifindex: e.d1.Index()}, "act_mirred: Unknown mirred option"},
		{"nodev", &mirred.Params{Eaction: mirred.EgressMirror, Ifindex: 99}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := sched.AddActions(e.ns, []sched.ActionSpec{{Kind: "mirred", Params: tc.p}}, false)
			if err == nil || extack.MessageOf(err) != tc.msg {
				t.Fatalf("err %v, want %q", err, tc.msg)
			}
			if len(sched.Actions(e.ns, "mirred")) != 0 {
				t.Fatal("half-made action left behind")
			}
		})
	}
	err := sched.AddActions(e.ns, []sched.ActionSpec{
		{Kind: "mirred", Control: sched.ActPipe, Params: &mirred.Params{Eaction: mirred.EgressMirror, Ifindex: e.d1.Index()}},
		{Kind: "mirred", Params: &mirred.Params{Eaction: mirred.EgressMirror, Ifindex: 99}},
	}, false)
	if extack.ErrnoOf(err) != syscall.ENODEV || len(sched.Actions(e.ns, "mirred")) != 0 {
		t.Fatalf("second action failing left %d actions (%v)", len(sched.Actions(e.ns, "mirred")), err)
	}
}

func TestZeroAllocMirror(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	e := setup(t)
	e.d1.RemoveTap(e.cap1)
	e.filter(t, e.d0, sched.DirIngress, mirredSpec(mirred.EgressMirror, e.d1, sched.ActPipe))
	hook := e.d0.IngressHook()
	f := frame()
	n := testing.AllocsPerRun(200, func() {
		b, _ := packet.FromBytes(f)
		netdev.EthTypeTrans(e.d0, b)
		b.AtIngress = true
		if hook.RunHook(e.d0, b) == netdev.VerdictPass {
			b.Free()
		}
	})
	if n != 0 {
		t.Fatalf("%v allocs per classify+mirror", n)
	}
}

func BenchmarkClassifyMirror(b *testing.B) {
	e := setup(b)
	e.d1.RemoveTap(e.cap1)
	e.filter(b, e.d0, sched.DirIngress, mirredSpec(mirred.EgressMirror, e.d1, sched.ActPipe))
	hook := e.d0.IngressHook()
	f := frame()
	b.ReportAllocs()
	b.SetBytes(int64(len(f)))
	for b.Loop() {
		p, _ := packet.FromBytes(f)
		netdev.EthTypeTrans(e.d0, p)
		p.AtIngress = true
		if hook.RunHook(e.d0, p) == netdev.VerdictPass {
			p.Free()
		}
	}
}
