package macvtap_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
)

// TestConcurrentQueuesAndDelete opens and closes queues, switches them
// on and off and reads and writes from several goroutines on a RealLoop,
// then deletes the devices while traffic flows. Run with -race; the pool
// must balance and no goroutine may leak.
func TestConcurrentQueuesAndDelete(t *testing.T) {
	packettest.CheckBalance(t)
	e := newEnvLoop(t, netdev.NewRealLoop(2), nil)
	tap0 := e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	tap1 := e.macvtap(t, "macvtap1", macvlan.ModeBridge, mac1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	writer := func(tap *macvtap.Tap, dst, src header.MAC) {
		defer wg.Done()
		q, err := macvtap.Open(tap)
		if err != nil {
			return
		}
		defer q.Close()
		for i := 0; ctx.Err() == nil; i++ {
			f := withHdr(header.VirtioNetHdrFields{}, udpFrame(dst, src, ip0, ip1, uint16(i), 9, make([]byte, 64)))
			if _, err := q.Write(f); err != nil && !errors.Is(err, syscall.EBADF) {
				t.Errorf("write: %v", err)
				return
			}
		}
	}
	reader := func(tap *macvtap.Tap, nonblock bool) {
		defer wg.Done()
		buf := make([]byte, 2048)
		for ctx.Err() == nil {
			q, err := macvtap.Open(tap)
			if err != nil {
				return // device deleted
			}
			q.SetNonblock(nonblock)
			rctx, rcancel := context.WithTimeout(ctx, time.Millisecond)
			for range 50 {
				_, err := q.ReadContext(rctx, buf)
				if err != nil && !errors.Is(err, syscall.EAGAIN) {
					break
				}
			}
			rcancel()
			q.SetQueue(macvtap.IffDetachQueue)
			q.SetQueue(macvtap.IffAttachQueue)
			q.Close()
		}
	}
	wg.Add(6)
	go writer(tap0, mac1, mac0)
	go writer(tap1, mac0, mac1)
	go reader(tap1, false)
	go reader(tap1, true)
	go reader(tap0, false)
	go reader(tap0, true)
	// Let traffic flow before and after the first delete.
	waitRx(tap1.Device(), 2000)
	if err := e.ns.DelLink(tap1.Device()); err != nil {
		t.Fatal(err)
	}
	for n := tap0.Device().Stats.TxPackets.Load() + 500; tap0.Device().Stats.TxPackets.Load() < n; {
		runtime.Gosched()
	}
	if err := e.ns.DelLink(tap0.Device()); err != nil {
		t.Fatal(err)
	}
	cancel()
	wg.Wait()
	e.w.Close()
}

// waitRx yields until d has received n frames (the peers keep writing).
func waitRx(d *netdev.Device, n uint64) {
	for d.Stats.RxPackets.Load() < n {
		runtime.Gosched()
	}
}
