package netem_test

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"testing"
	"time"

	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/sched/netem"
)

// arrival is one frame seen leaving the device.
type arrival struct {
	seq  uint32
	at   time.Duration
	data []byte
}

// recorder taps the transmitting device and records what its driver gets.
type recorder struct {
	start time.Time
	loop  netdev.Loop
	got   []arrival
}

func (r *recorder) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	if dir != netdev.DirOut {
		return
	}
	p := b.Bytes()
	r.got = append(r.got, arrival{binary.BigEndian.Uint32(p[14:]), r.loop.Now().Sub(r.start), append([]byte(nil), p...)})
}

type rig struct {
	w    *netdev.World
	loop *netdev.SimLoop
	dev  *netdev.Device
	rec  *recorder
}

func newRig(t *testing.T) *rig {
	t.Helper()
	packettest.CheckBalance(t)
	loop := netdev.NewSimLoop(time.Unix(1000, 0))
	w := netdev.NewWorld(netdev.Options{Loop: loop})
	t.Cleanup(w.Close)
	ns := w.Init()
	up := true
	a, err := ns.NewLink(&netdev.LinkRequest{Name: "a", Kind: "veth", Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*netdev.Device{a, ns.DeviceByName("b")} {
		if err := ns.SetLink(d, &netdev.LinkRequest{Up: &up}); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{start: loop.Now(), loop: loop}
	a.AddTap(rec)
	return &rig{w, loop, a, rec}
}

func (r *rig) install(t *testing.T, cfg netem.Config) *netem.Netem {
	t.Helper()
	q, err := netem.NewSeeded(r.loop, cfg, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	r.dev.SetQdisc(q)
	return q
}

// frame builds an Ethernet frame of n bytes carrying seq (ethertype 0x88b5).
func frame(t testing.TB, seq uint32, n int) *packet.Buffer {
	b, err := packet.New(packet.DefaultHeadroom, n)
	if err != nil {
		t.Fatal(err)
	}
	p := b.Put(n)
	clear(p)
	copy(p, []byte{0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5})
	binary.BigEndian.PutUint32(p[14:], seq)
	return b
}

// send transmits count frames of size n, one every gap, then runs the
// loop until everything has left.
func (r *rig) send(t *testing.T, count, n int, gap time.Duration) []error {
	t.Helper()
	var errs []error
	for i := range count {
		errs = append(errs, r.dev.Transmit(frame(t, uint32(i), n)))
		if gap > 0 {
			r.loop.RunFor(gap)
		}
	}
	r.loop.RunIdle(time.Hour)
	return errs
}

func pct(p float64) netem.Prob { return netem.ProbFromPercent(p) }

func TestPassThrough(t *testing.T) {
	r := newRig(t)
	q := r.install(t, netem.Config{})
	r.send(t, 10, 64, 0)
	if len(r.rec.got) != 10 {
		t.Fatalf("got %d frames, want 10", len(r.rec.got))
	}
	for i, a := range r.rec.got {
		if a.seq != uint32(i) || a.at != 0 {
			t.Errorf("frame %d: seq %d at %v, want seq %d at 0", i, a.seq, a.at, i)
		}
	}
	if s := q.Stats(); s.Packets != 10 || s.Bytes != 640 || s.Dropped != 0 || s.Backlog != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestDelayAndJitter(t *testing.T) {
	tests := []struct {
		name          string
		delay, jitter time.Duration
	}{
		{"fixed", 10 * time.Millisecond, 0},
		{"jitter", 20 * time.Millisecond, 5 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.install(t, netem.Config{Delay: tc.delay, Jitter: tc.jitter})
			const n = 200
			r.send(t, n, 64, time.Millisecond)
			if len(r.rec.got) != n {
				t.Fatalf("got %d frames, want %d", len(r.rec.got), n)
			}
			lo, hi := time.Hour, time.Duration(0)
			for _, a := range r.rec.got {
				lat := a.at - time.Duration(a.seq)*time.Millisecond
				lo, hi = min(lo, lat), max(hi, lat)
			}
			if lo < tc.delay-tc.jitter || hi > tc.delay+tc.jitter {
				t.Errorf("latency in [%v, %v], want within %v ± %v", lo, hi, tc.delay, tc.jitter)
			}
			if tc.jitter > 0 && hi-lo < tc.jitter {
				t.Errorf("latency spread %v, want about 2×%v", hi-lo, tc.jitter)
			}
		})
	}
}

func TestLoss(t *testing.T) {
	tests := []struct {
		name    string
		loss    float64
		min, mx int // received out of 10000
	}{
		{"none", 0, 10000, 10000},
		{"all", 100, 0, 0},
		{"ten-percent", 10, 8800, 9200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			q := r.install(t, netem.Config{Loss: pct(tc.loss)})
			errs := r.send(t, 10000, 64, 0)
			for _, err := range errs {
				if err != nil {
					t.Fatalf("Transmit: %v (netem loss must look like success)", err)
				}
			}
			got := len(r.rec.got)
			if got < tc.min || got > tc.mx {
				t.Errorf("received %d, want %d..%d", got, tc.min, tc.mx)
			}
			s := q.Stats()
			if s.Dropped != uint64(10000-got) {
				t.Errorf("stats dropped %d, want %d", s.Dropped, 10000-got)
			}
			if n := r.dev.Drops.Get(netem.DropLoss); n != s.Dropped {
				t.Errorf("device drop reason %v = %d, want %d", netem.DropLoss, n, s.Dropped)
			}
		})
	}
}

func TestDuplicate(t *testing.T) {
	r := newRig(t)
	q := r.install(t, netem.Config{Duplicate: pct(100)})
	r.send(t, 5, 64, 0)
	if len(r.rec.got) != 10 {
		t.Fatalf("got %d frames, want 10", len(r.rec.got))
	}
	for i, a := range r.rec.got {
		if a.seq != uint32(i/2) {
			t.Errorf("frame %d has seq %d, want %d", i, a.seq, i/2)
		}
	}
	if s := q.Stats(); s.Duplicated != 5 || s.Packets != 10 {
		t.Errorf("stats %+v", s)
	}
}

func TestReorder(t *testing.T) {
	r := newRig(t)
	q := r.install(t, netem.Config{Delay: 10 * time.Millisecond, Reorder: pct(25)})
	const n = 2000
	r.send(t, n, 64, time.Millisecond)
	if len(r.rec.got) != n {
		t.Fatalf("got %d frames, want %d", len(r.rec.got), n)
	}
	immediate, late := 0, 0
	var maxSeq uint32
	for i, a := range r.rec.got {
		if a.at == time.Duration(a.seq)*time.Millisecond {
			immediate++
		}
		if i > 0 && a.seq < maxSeq {
			late++
		}
		maxSeq = max(maxSeq, a.seq)
	}
	s := q.Stats()
	if uint64(immediate) != s.Reordered {
		t.Errorf("%d sent at once, stats say %d", immediate, s.Reordered)
	}
	if immediate < n*20/100 || immediate > n*30/100 {
		t.Errorf("%d of %d reordered, want about 25%%", immediate, n)
	}
	if late == 0 {
		t.Error("no packet arrived after a later one")
	}
}

func TestGap(t *testing.T) {
	// gap 5, reorder 100%: every fifth packet goes at once.
	r := newRig(t)
	r.install(t, netem.Config{Delay: 10 * time.Millisecond, Reorder: pct(100), Gap: 5})
	r.send(t, 20, 64, time.Millisecond)
	var immediate []uint32
	for _, a := range r.rec.got {
		if a.at == time.Duration(a.seq)*time.Millisecond {
			immediate = append(immediate, a.seq)
		}
	}
	want := []uint32{4, 9, 14, 19}
	if len(immediate) != len(want) {
		t.Fatalf("immediate %v, want %v", immediate, want)
	}
	for i := range want {
		if immediate[i] != want[i] {
			t.Fatalf("immediate %v, want %v", immediate, want)
		}
	}
}

func TestCorrupt(t *testing.T) {
	r := newRig(t)
	q := r.install(t, netem.Config{Corrupt: pct(100)})
	const n = 50
	// Record the original frames: the same seeds built by frame().
	r.send(t, n, 100, 0)
	if len(r.rec.got) != n {
		t.Fatalf("got %d frames", len(r.rec.got))
	}
	for i, a := range r.rec.got {
		orig := frame(t, uint32(i), 100)
		diff := 0
		for j, c := range orig.Bytes() {
			diff += bits.OnesCount8(c ^ a.data[j])
		}
		orig.Free()
		if diff != 1 {
			t.Errorf("frame %d differs in %d bits, want 1", i, diff)
		}
	}
	if s := q.Stats(); s.Corrupted != n {
		t.Errorf("corrupted %d, want %d", s.Corrupted, n)
	}
}

func TestRate(t *testing.T) {
	r := newRig(t)
	// 1 Mbit/s: a 1000-byte frame takes 8 ms.
	r.install(t, netem.Config{Rate: 125000, Delay: 5 * time.Millisecond})
	r.send(t, 5, 1000, 0)
	want := []time.Duration{13, 21, 29, 37, 45}
	for i, a := range r.rec.got {
		if a.at != want[i]*time.Millisecond {
			t.Errorf("frame %d left at %v, want %v", i, a.at, want[i]*time.Millisecond)
		}
	}
}

func TestLimit(t *testing.T) {
	r := newRig(t)
	q := r.install(t, netem.Config{Limit: 10, Delay: time.Second})
	errs := r.send(t, 15, 64, 0)
	dropped := 0
	for _, err := range errs {
		if errors.Is(err, netdev.ErrDropped) {
			dropped++
		}
	}
	if dropped != 5 || len(r.rec.got) != 10 {
		t.Errorf("dropped %d sent %d, want 5 and 10", dropped, len(r.rec.got))
	}
	s := q.Stats()
	if s.Overlimits != 5 || r.dev.Drops.Get(netem.DropOverlimit) != 5 || s.Backlog != 0 {
		t.Errorf("stats %+v, device overlimit drops %d", s, r.dev.Drops.Get(netem.DropOverlimit))
	}
}

func TestDeterministic(t *testing.T) {
	run := func() []arrival {
		r := newRig(t)
		r.install(t, netem.Config{Delay: 10 * time.Millisecond, Jitter: 3 * time.Millisecond,
			Loss: pct(5), Duplicate: pct(2), Reorder: pct(3), Corrupt: pct(1)})
		r.send(t, 500, 64, time.Millisecond)
		return r.rec.got
	}
	a, b := run(), run()
	if len(a) != len(b) {
		t.Fatalf("runs differ: %d vs %d frames", len(a), len(b))
	}
	for i := range a {
		if a[i].seq != b[i].seq || a[i].at != b[i].at || string(a[i].data) != string(b[i].data) {
			t.Fatalf("runs differ at frame %d", i)
		}
	}
}

func TestCorrelatedLoss(t *testing.T) {
	// With 90% correlation losses come in bursts: the number of loss runs
	// is far smaller than with independent draws at the same rate.
	runs := func(corr float64) (lost, bursts int) {
		r := newRig(t)
		r.install(t, netem.Config{Loss: pct(30), LossCorr: pct(corr)})
		r.send(t, 5000, 64, 0)
		seen := make([]bool, 5000)
		for _, a := range r.rec.got {
			seen[a.seq] = true
		}
		for i, ok := range seen {
			if !ok {
				lost++
				if i == 0 || seen[i-1] {
					bursts++
				}
			}
		}
		return
	}
	_, indep := runs(0)
	lost, corr := runs(90)
	if lost == 0 || corr*2 > indep {
		t.Errorf("bursts: %d independent, %d correlated (lost %d)", indep, corr, lost)
	}
}

// nullLoop is a Loop whose XmitAt frees the packet: it isolates netem's
// own allocations.
type nullLoop struct{ now time.Time }

func (l *nullLoop) Now() time.Time                             { return l.now }
func (l *nullLoop) NetifRx(d *netdev.Device, b *packet.Buffer) { b.Free() }
func (l *nullLoop) XmitAt(_ time.Time, _ *netdev.Device, b *packet.Buffer) {
	l.now = l.now.Add(time.Microsecond)
	b.Free()
}
func (l *nullLoop) AfterFunc(time.Duration, func()) netdev.Timer { return nil }

func TestEnqueueAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	r := newRig(t)
	q, err := netem.NewSeeded(&nullLoop{now: time.Unix(0, 0)}, netem.Config{Delay: time.Millisecond, Jitter: 100 * time.Microsecond,
		Loss: pct(10), Reorder: pct(5), Corrupt: pct(5), Rate: 1e6}, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	for range 2000 { // grow the pending heap
		_ = q.Enqueue(r.dev, frame(t, 0, 64))
	}
	allocs := testing.AllocsPerRun(1000, func() {
		_ = q.Enqueue(r.dev, frame(t, 0, 64))
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet, want 0", allocs)
	}
}

func BenchmarkEnqueue(b *testing.B) {
	r := newRig(&testing.T{})
	q, _ := netem.NewSeeded(&nullLoop{now: time.Unix(0, 0)}, netem.Config{Delay: time.Millisecond, Jitter: 100 * time.Microsecond,
		Loss: pct(1), Reorder: pct(1), Rate: 1e9}, 1, 2)
	b.ReportAllocs()
	b.SetBytes(1000)
	for b.Loop() {
		_ = q.Enqueue(r.dev, frame(b, 0, 1000))
	}
}
