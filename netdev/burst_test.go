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
	w.BeginBurst()
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
	w.EndBurst()
	mu.Lock()
	if got := len(events); got != 4 || events[3] != "flush" {
		t.Errorf("after EndBurst: %v, want rx rx rx flush", events)
	}
	mu.Unlock()
	w.BeginBurst()
	w.EndBurst()
	mu.Lock()
	if len(events) != 4 {
		t.Errorf("a burst in which nothing was held flushed: %v", events)
	}
	mu.Unlock()
	if w.InBurst() {
		t.Fatal("InBurst true after the burst")
	}
}
