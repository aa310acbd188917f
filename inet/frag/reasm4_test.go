package frag

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

func TestReassembleIPv4Orders(t *testing.T) {
	packettest.CheckBalance(t)
	orig := datagram4(8000, 7, nil)
	frags := split(t, orig, 1500)
	if len(frags) != 6 {
		t.Fatalf("%d fragments, want 6", len(frags))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name  string
		order [][]byte
	}{
		{"in-order", frags},
		{"reverse", reverse(frags)},
		{"random", shuffle(rng, frags)},
		{"last-first", append([][]byte{frags[len(frags)-1]}, frags[:len(frags)-1]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := testReasm(t, 4, nil)
			res := feed(t, r, tc.order)
			if !res.Reassembled || res.MaxFragSize != 1500 || res.FragPMTU {
				t.Errorf("result %+v", res)
			}
			if off, _ := res.Packet.TransportOffset(); off != 20 {
				t.Errorf("transport offset %d", off)
			}
			got := take(t, res)
			if !bytes.Equal(got, orig) {
				t.Fatalf("reassembled datagram differs from the original")
			}
			if !header.IPv4(got).IsChecksumValid() {
				t.Error("bad header checksum")
			}
			st := r.Stats()
			if st.ReasmReqds.Load() != 6 || st.ReasmOKs.Load() != 1 || st.ReasmFails.Load() != 0 {
				t.Errorf("stats reqds %d oks %d fails %d", st.ReasmReqds.Load(), st.ReasmOKs.Load(), st.ReasmFails.Load())
			}
			if r.Queues() != 0 || r.Mem() != 0 {
				t.Errorf("queues %d mem %d after completion", r.Queues(), r.Mem())
			}
		})
	}
}

func TestReassembleIPv4NotFragment(t *testing.T) {
	packettest.CheckBalance(t)
	r, _ := testReasm(t, 4, nil)
	orig := datagram4(100, 1, nil)
	if got := take(t, r.Add(buf(t, orig))); !bytes.Equal(got, orig) {
		t.Fatal("unfragmented packet changed")
	}
	res := r.Add(buf(t, []byte{0x45, 0, 0}))
	if res.Status != Dropped || res.Reason != DropInvalid || r.Drops.Get(DropInvalid) != 1 {
		t.Fatalf("malformed: %+v", res)
	}
}

// step is one fragment of a scripted test and the status it must get.
type step struct {
	off  int
	n    int
	more bool
	want Status
	why  netdev.DropReason
}

func runSteps(t *testing.T, r *Reassembler, steps []step) Result {
	t.Helper()
	var res Result
	for i, s := range steps {
		res = r.Add(buf(t, frag4(9, s.off, s.more, payload(s.n, byte(s.off)))))
		if res.Status != s.want || (s.want == Dropped && res.Reason != s.why) {
			t.Fatalf("step %d (%d+%d): %v/%v, want %v/%v", i, s.off, s.n, res.Status, res.Reason, s.want, s.why)
		}
		if res.Status == Done && i != len(steps)-1 {
			res.Packet.Free()
		}
	}
	return res
}

func TestReassembleIPv4Scripts(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		steps                 []step
		fails, overlaps, dups uint64
		queues                int
	}{
		{name: "exact duplicate kept out", dups: 1, steps: []step{
			{0, 16, true, Queued, 0}, {0, 16, true, Dropped, DropDup}, {16, 8, false, Done, 0}}},
		{name: "duplicate inside a run", dups: 1, steps: []step{
			{0, 8, true, Queued, 0}, {8, 8, true, Queued, 0}, {4 * 2, 8, true, Dropped, DropDup}, {16, 8, false, Done, 0}}},
		{name: "straddling two runs overlaps", fails: 1, overlaps: 1, steps: []step{
			{8, 8, true, Queued, 0}, {0, 8, true, Queued, 0}, {24, 8, false, Queued, 0}, {0, 16, true, Dropped, DropOverlap}}},
		{name: "tail overlap", fails: 1, overlaps: 1, steps: []step{
			{0, 16, true, Queued, 0}, {8, 16, false, Dropped, DropOverlap}}},
		{name: "duplicate after the last", dups: 1, queues: 1, steps: []step{
			{16, 8, false, Queued, 0}, {16, 8, false, Dropped, DropDup}}},
		{name: "second last with another end", fails: 1, steps: []step{
			{16, 8, false, Queued, 0}, {24, 8, false, Dropped, DropInvalid}}},
		{name: "last before queued data", fails: 1, steps: []step{
			{16, 16, true, Queued, 0}, {8, 8, false, Dropped, DropInvalid}}},
		{name: "past the end", fails: 1, steps: []step{
			{8, 8, false, Queued, 0}, {16, 8, true, Dropped, DropInvalid}}},
		{name: "empty fragment", fails: 1, steps: []step{
			{0, 8, true, Queued, 0}, {8, 0, true, Dropped, DropInvalid}}},
		{name: "non-multiple of 8 is trimmed", steps: []step{
			{0, 13, true, Queued, 0}, {8, 8, false, Done, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			packettest.CheckBalance(t)
			r, _ := testReasm(t, 4, nil)
			res := runSteps(t, r, tc.steps)
			if res.Status == Done {
				res.Packet.Free()
			}
			st := r.Stats()
			if st.ReasmFails.Load() != tc.fails || st.ReasmOverlaps.Load() != tc.overlaps || r.Drops.Get(DropDup) != tc.dups {
				t.Errorf("fails %d overlaps %d dups %d, want %d %d %d", st.ReasmFails.Load(), st.ReasmOverlaps.Load(),
					r.Drops.Get(DropDup), tc.fails, tc.overlaps, tc.dups)
			}
			if r.Queues() != tc.queues {
				t.Errorf("%d queues left, want %d", r.Queues(), tc.queues)
			}
		})
	}
}

func TestReassembleIPv4Oversize(t *testing.T) {
	packettest.CheckBalance(t)
	r, _ := testReasm(t, 4, nil)
	// 65535 - 20 = 65515 bytes of payload is the most; send 65520.
	res := runSteps(t, r, []step{{0, 32760, true, Queued, 0}, {32760, 32760, false, Dropped, DropInvalid}})
	_ = res
	if r.Stats().ReasmFails.Load() != 1 || r.Queues() != 0 || r.Mem() != 0 {
		t.Fatalf("fails %d queues %d mem %d", r.Stats().ReasmFails.Load(), r.Queues(), r.Mem())
	}
	// The largest datagram goes through.
	res = runSteps(t, r, []step{{0, 32760, true, Queued, 0}, {32760, 65515 - 32760, false, Done, 0}})
	if res.Packet.Len() != 65535 {
		t.Fatalf("length %d", res.Packet.Len())
	}
	res.Packet.Free()
}

func TestReassembleIPv4Timeout(t *testing.T) {
	for _, withFirst := range []bool{true, false} {
		t.Run(map[bool]string{true: "first-in", false: "no-first"}[withFirst], func(t *testing.T) {
			packettest.CheckBalance(t)
			var got []byte
			var gotIif int32
			r, loop := testReasm(t, 4, func(c *Config) {
				c.OnTimeout = func(first *packet.Buffer, iif int32) { got, gotIif = bytes.Clone(first.Bytes()), iif }
			})
			frags := split(t, datagram4(3000, 5, nil), 1500)
			start := 0
			if !withFirst {
				start = 1
			}
			for _, f := range frags[start : len(frags)-1] {
				b := buf(t, f)
				b.InIfindex = 3
				if res := r.Add(b); res.Status != Queued {
					t.Fatal(res.Status)
				}
			}
			loop.RunFor(29 * time.Second)
			if r.Queues() != 1 || got != nil {
				t.Fatal("expired early")
			}
			loop.RunFor(2 * time.Second)
			if r.Queues() != 0 || r.Mem() != 0 {
				t.Fatalf("queue left after timeout: %d, mem %d", r.Queues(), r.Mem())
			}
			st := r.Stats()
			if st.ReasmTimeout.Load() != 1 || st.ReasmFails.Load() != 1 {
				t.Errorf("timeout %d fails %d", st.ReasmTimeout.Load(), st.ReasmFails.Load())
			}
			if withFirst {
				if !bytes.Equal(got, frags[0]) || gotIif != 3 {
					t.Errorf("OnTimeout got %d bytes iif %d, want the first fragment", len(got), gotIif)
				}
			} else if got != nil {
				t.Error("OnTimeout called without the first fragment")
			}
			if n := r.Drops.Get(DropReasmTimeout); n != uint64(len(frags)-1-start) {
				t.Errorf("%d timeout drops", n)
			}
			if _, timers := loop.Pending(); timers != 0 {
				t.Errorf("%d timers pending", timers)
			}
		})
	}
}

func TestReassembleIPv4TimerStaggered(t *testing.T) {
	packettest.CheckBalance(t)
	r, loop := testReasm(t, 4, nil)
	for i := range 3 {
		r.Add(buf(t, frag4(uint16(i), 0, true, payload(8, 0))))
		loop.RunFor(10 * time.Second)
	}
	// Queues were made at 0, 10, 20 s; now is 30 s.
	for _, want := range []int{2, 1, 0} {
		if r.Queues() != want {
			t.Fatalf("at %v: %d queues, want %d", loop.Now(), r.Queues(), want)
		}
		loop.RunFor(10 * time.Second)
	}
}

func TestReassembleIPv4MemoryLimit(t *testing.T) {
	packettest.CheckBalance(t)
	r, loop := testReasm(t, 4, func(c *Config) { c.Limits.HighThresh = 20000 })
	accepted := 0
	for id := range 40 {
		res := r.Add(buf(t, frag4(uint16(id), 0, true, payload(1000, 0))))
		if res.Status == Dropped {
			if res.Reason != DropMemory {
				t.Fatalf("reason %v", res.Reason)
			}
			break
		}
		accepted++
	}
	if accepted == 0 || accepted == 40 || r.Mem() <= 20000 {
		t.Fatalf("accepted %d, mem %d", accepted, r.Mem())
	}
	// Over the limit even a queue that exists is refused.
	if res := r.Add(buf(t, frag4(0, 1000, false, payload(8, 0)))); res.Status != Dropped {
		t.Fatalf("existing queue: %v", res.Status)
	}
	if r.Stats().ReasmFails.Load() != 2 {
		t.Errorf("fails %d", r.Stats().ReasmFails.Load())
	}
	loop.RunFor(31 * time.Second)
	if r.Mem() != 0 {
		t.Fatalf("mem %d after timeouts", r.Mem())
	}
	if res := r.Add(buf(t, frag4(99, 0, true, payload(8, 0)))); res.Status != Queued {
		t.Fatalf("after timeouts: %v", res.Status)
	}
	// High threshold 0 disables reassembly.
	l := r.Limits()
	l.HighThresh = 0
	r.SetLimits(l)
	if res := r.Add(buf(t, frag4(99, 8, false, payload(8, 0)))); res.Status != Dropped {
		t.Fatalf("disabled: %v", res.Status)
	}
}

func TestReassembleIPv4MaxDist(t *testing.T) {
	packettest.CheckBalance(t)
	r, _ := testReasm(t, 4, func(c *Config) { c.Limits.MaxDist = 2 })
	add := func(id uint16, off int, more bool) Result {
		return r.Add(buf(t, frag4(id, off, more, payload(8, byte(off)))))
	}
	add(1, 0, true)
	for i := range 3 {
		add(2, 8*i, true)
	}
	// Queue 1 has not heard from its source for 3 fragments > 2: restart.
	if res := add(1, 8, false); res.Status != Queued {
		t.Fatalf("%v", res.Status)
	}
	if r.Drops.Get(DropTooFar) != 1 || r.Stats().ReasmFails.Load() != 1 {
		t.Fatalf("too far drops %d fails %d", r.Drops.Get(DropTooFar), r.Stats().ReasmFails.Load())
	}
	res := add(1, 0, true)
	if res.Status != Done {
		t.Fatalf("%v", res.Status)
	}
	res.Packet.Free()
}

func TestReassembleIPv4ECNAndDF(t *testing.T) {
	mk := func(tos uint8, df bool, off int, more bool) []byte {
		p := frag4(4, off, more, payload(16, 0))
		ip := header.IPv4(p)
		ip.SetTOS(tos)
		ip.SetDontFragment(df)
		ip.UpdateChecksum()
		return p
	}
	for _, tc := range []struct {
		name     string
		a, b     uint8
		dfA, dfB bool
		wantTOS  uint8
		wantDF   bool
		drop     bool
	}{
		{name: "ect0+ce", a: header.ECNECT0, b: header.ECNCE, wantTOS: header.ECNCE},
		{name: "ce+ect1", a: header.ECNCE, b: header.ECNECT1, wantTOS: header.ECNCE},
		{name: "not-ect+ce", a: header.ECNNotECT, b: header.ECNCE, drop: true},
		{name: "not-ect+ect0", a: header.ECNNotECT | 0x10, b: header.ECNECT0 | 0x10, drop: true},
		{name: "df both", a: 0x10, b: 0x10, dfA: true, dfB: true, wantTOS: 0x10, wantDF: true},
		{name: "df on the small one", dfB: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			packettest.CheckBalance(t)
			r, _ := testReasm(t, 4, nil)
			r.Add(buf(t, mk(tc.a, tc.dfA, 0, true)))
			last := mk(tc.b, tc.dfB, 16, false)
			if tc.name == "df on the small one" {
				last = frag4(4, 16, false, payload(8, 0))
				header.IPv4(last).SetDontFragment(true)
				header.IPv4(last).UpdateChecksum()
			}
			res := r.Add(buf(t, last))
			if tc.drop {
				if res.Status != Dropped || r.Stats().ReasmFails.Load() != 1 {
					t.Fatalf("%v", res.Status)
				}
				return
			}
			ip := header.IPv4(take(t, res))
			if ip.TOS() != tc.wantTOS || ip.DontFragment() != tc.wantDF || res.FragPMTU != tc.wantDF || !ip.IsChecksumValid() {
				t.Fatalf("tos %#x df %v pmtu %v", ip.TOS(), ip.DontFragment(), res.FragPMTU)
			}
		})
	}
}

func TestReassembleClose(t *testing.T) {
	packettest.CheckBalance(t)
	loop := netdev.NewSimLoop(time.Unix(0, 0))
	defer loop.Close()
	r := New(Config{Family: 4, Clock: loop, Limits: DefaultLimits(4)})
	for id := range 5 {
		r.Add(buf(t, frag4(uint16(id), 8, true, payload(8, 0))))
	}
	r.Close()
	if r.Queues() != 0 || r.Drops.Get(DropPurge) != 5 {
		t.Fatalf("queues %d purged %d", r.Queues(), r.Drops.Get(DropPurge))
	}
	if res := r.Add(buf(t, frag4(1, 0, true, payload(8, 0)))); res.Status != Dropped {
		t.Fatal("closed reassembler took a fragment")
	}
	loop.RunFor(time.Minute)
}

func TestReassembleConcurrent(t *testing.T) {
	packettest.CheckBalance(t)
	// All datagrams come from one source: without max_dist off, a slow
	// goroutine's queue may be restarted, as Linux would.
	r, loop := testReasm(t, 4, func(c *Config) { c.Limits.MaxDist = 0 })
	frags := make([][][]byte, 8)
	for i := range frags {
		frags[i] = split(t, datagram4(4000, uint16(i), nil), 1000)
	}
	done := make(chan int, len(frags))
	for i := range frags {
		go func() {
			ok := 0
			for range 50 {
				for _, f := range frags[i] {
					b, _ := packet.FromBytes(f)
					if res := r.Add(b); res.Status == Done {
						res.Packet.Free()
						ok++
					}
				}
			}
			done <- ok
		}()
	}
	total := 0
	for range frags {
		total += <-done
	}
	loop.Run()
	if total != 8*50 || r.Queues() != 0 {
		t.Fatalf("%d datagrams, %d queues", total, r.Queues())
	}
}
