package netdev_test

import (
	"sync"
	"testing"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
)

type flusher struct{ f func() }

func (f *flusher) Flush() { f.f() }

// TestBurstDefersNetifRx: during a receive burst a RealLoop's netif_rx
// work (here a veth's) is received when the burst ends, in order, on the
// goroutine ending it, and the drivers that held packets (Hold) are
// flushed after it — once; outside a burst Hold says no.
func TestBurstDefersNetifRx(t *testing.T) {
	packettest.CheckBalance(t)
	w := netdev.NewWorld(netdev.Options{Loop: netdev.NewRealLoop(1)})
	defer w.Close()
	ns := w.Init()
	v0, _ := ns.NewLink(&netdev.LinkRequest{Name: "v0", Kind: "veth", Up: up(),
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "v1"}}})
	v1 := ns.DeviceByName("v1")
	ns.Open(v1)
	var mu sync.Mutex
	var events []string
	add := func(s string) { mu.Lock(); events = append(events, s); mu.Unlock() }
	v1.AddTap(tapFunc(func() { add("rx") }))
	fl := &flusher{func() { add("flush") }}
	if w.Hold(fl) {
		t.Fatal("Hold granted outside a burst")
	}
	send := func() {
		b := frame(t, nil, "")
		netdev.PushEthernet(v0, b, v1.HardwareAddr(), 0x9999)
		v0.Transmit(b)
	}
	bt := w.BeginBurst()
	if !w.InBurst() {
		t.Fatal("InBurst false inside a burst")
	}
	if !w.Hold(fl) {
		t.Fatal("Hold refused inside a burst")
	}
	for range 3 {
		send()
	}
	mu.Lock()
	if len(events) != 0 {
		t.Errorf("delivered before the burst ended: %v", events)
	}
	mu.Unlock()
	w.EndBurst(bt)
	mu.Lock()
	if got := len(events); got != 4 || events[3] != "flush" {
		t.Errorf("after EndBurst: %v, want rx rx rx flush", events)
	}
	mu.Unlock()
	w.EndBurst(w.BeginBurst())
	mu.Lock()
	if len(events) != 4 {
		t.Errorf("a burst in which nothing was held flushed: %v", events)
	}
	mu.Unlock()
	if w.InBurst() {
		t.Fatal("InBurst true after the burst")
	}
}

// TestBurstOverlap: a driver let hold waits for every burst running when
// it was let hold, and only those: the end of another reader's burst does
// not flush it early, and a burst begun after it does not delay it.
func TestBurstOverlap(t *testing.T) {
	// Each step: "bN" begins burst N, "eN" ends it, "h" lets the driver
	// hold; flushedAfter is the step after which it must have been flushed.
	tests := []struct {
		name         string
		steps        []string
		flushedAfter int
	}{
		{"alone", []string{"b1", "h", "e1"}, 2},
		{"earlier burst ends first", []string{"b1", "b2", "h", "e1", "e2"}, 4},
		{"later burst ends first", []string{"b1", "b2", "h", "e2", "e1"}, 4},
		{"burst begun after hold", []string{"b1", "h", "b2", "e1", "e2"}, 3},
		{"three readers", []string{"b1", "b2", "b3", "h", "e2", "e3", "b4", "e1", "e4"}, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := netdev.NewWorld(netdev.Options{})
			defer w.Close()
			flushes := 0
			fl := &flusher{func() { flushes++ }}
			running := map[string]netdev.Burst{}
			for i, s := range tc.steps {
				switch s[0] {
				case 'b':
					running[s[1:]] = w.BeginBurst()
				case 'e':
					w.EndBurst(running[s[1:]])
				case 'h':
					if !w.Hold(fl) {
						t.Fatalf("step %d: Hold refused during a burst", i)
					}
				}
				want := 0
				if i >= tc.flushedAfter {
					want = 1
				}
				if flushes != want {
					t.Fatalf("after step %d (%s): %d flushes, want %d", i, s, flushes, want)
				}
			}
			if w.InBurst() {
				t.Error("InBurst after every burst ended")
			}
		})
	}
}
