package neigh

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

// holdXmit keeps the last sent packet instead of freeing it, so that a
// test can send the same buffer again without touching the pool.
func holdXmit(held **packet.Buffer) func(*Config) {
	return func(c *Config) {
		c.Xmit = func(_ int32, b *packet.Buffer, _ []byte) { *held = b }
		c.Notify = nil
	}
}

func TestReachableOutputAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	var held *packet.Buffer
	h := newHarness(t, holdXmit(&held))
	h.reach(2, ip1, mac1)
	h.t.Add(add(ip2, mac2, Permanent))
	b := pkt(t, 1)
	defer b.Free()
	for _, a := range []netip.Addr{ip1, ip2} {
		n := testing.AllocsPerRun(1000, func() {
			if err := h.t.Output(2, a, b); err != nil {
				t.Fatal(err)
			}
			h.t.Confirm(2, a)
		})
		if n != 0 || held != b {
			t.Errorf("%v: %v allocs per output", a, n)
		}
	}
}

func BenchmarkOutputReachable(b *testing.B) {
	var held *packet.Buffer
	h := newHarness(b, holdXmit(&held))
	for i := range 256 {
		h.reach(2, netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), mac1)
	}
	p := pkt(b, 1)
	defer p.Free()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		h.t.Output(2, netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), p)
	}
}

func BenchmarkOutputReachableParallel(b *testing.B) {
	h := newHarness(b, func(c *Config) {
		c.Xmit = func(int32, *packet.Buffer, []byte) {}
		c.Notify = nil
	})
	h.reach(2, ip1, mac1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		p := pkt(b, 1)
		defer p.Free()
		for pb.Next() {
			h.t.Output(2, ip1, p)
		}
	})
}

func BenchmarkResolveCycle(b *testing.B) {
	h := newHarness(b, nil)
	b.ReportAllocs()
	for b.Loop() {
		h.t.Output(2, ip1, pkt(b, 1))
		h.reach(2, ip1, mac1)
		h.t.Del(2, ip1)
	}
}

// TestConcurrent drives the table from several goroutines while the loop
// runs timers; run it with -race.
func TestConcurrent(t *testing.T) {
	packettest.CheckBalance(t)
	h := newHarness(t, func(c *Config) {
		p := DefaultParams(4)
		p.BaseReachableTime = 200 * time.Millisecond
		p.DelayProbeTime = 50 * time.Millisecond
		p.RetransTime = 20 * time.Millisecond
		p.QueueLenBytes = 4 * 2048
		c.Params = &p
		c.Table = &TableParams{GCThresh1: 2, GCThresh2: 8, GCThresh3: 16}
		c.Drop = func(_ int32, b *packet.Buffer, _ netdev.DropReason) { b.Free() }
	})
	addrs := make([]netip.Addr, 12)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // the loop
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				h.loop.RunFor(10 * time.Millisecond)
			}
		}
	}()
	var workers sync.WaitGroup
	for g := range 4 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for i := range 2000 {
				a := addrs[(i*7+g)%len(addrs)]
				ifx := int32(2 + i%2)
				switch (i + g) % 10 {
				case 0, 1, 2, 3:
					b, _ := packet.FromBytes([]byte{byte(i)})
					h.t.Output(ifx, a, b)
				case 4:
					h.t.Update(ifx, a, mac1, Reachable, Override|Create)
				case 5:
					h.t.Update(ifx, a, mac2, Stale, WeakOverride|Create)
				case 6:
					h.t.Confirm(ifx, a)
				case 7:
					h.t.Del(ifx, a)
				case 8:
					h.t.Dump(0)
					h.t.Stats()
				case 9:
					if i%100 == 9 {
						h.t.DeviceDown(ifx)
					} else {
						h.t.Add(Request{Ifindex: ifx, Addr: a, LLAddr: mac1, State: Permanent, Create: true, Replace: true})
					}
				}
			}
		}()
	}
	workers.Wait()
	close(stop)
	wg.Wait()
	checkInvariants(t, h.t)
	h.t.Close()
	h.loop.Close()
}

func checkInvariants(t testing.TB, tb *Table) {
	t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	m := *tb.snap.Load()
	if len(m) != tb.entries {
		t.Fatalf("entries %d, map %d", tb.entries, len(m))
	}
	gc := 0
	for k, e := range m {
		e.mu.Lock()
		if e.onGC {
			gc++
		}
		sum := 0
		for _, b := range e.queue {
			sum += Truesize(b)
		}
		limit := int(e.parms.Load().get().QueueLenBytes)
		bad := ""
		switch {
		case sum != e.queueBytes:
			bad = fmt.Sprintf("queue bytes %d, counted %d", sum, e.queueBytes)
		case sum > limit && len(e.queue) > 1:
			bad = fmt.Sprintf("queue %d bytes over %d", sum, limit)
		case e.dead:
			bad = "dead entry in the table"
		case e.key != k:
			bad = "wrong key"
		}
		e.mu.Unlock()
		if bad != "" {
			t.Fatalf("%v: %s", k, bad)
		}
	}
	if gc != tb.gcEntries {
		t.Fatalf("gc entries %d, counted %d", gc, tb.gcEntries)
	}
}
