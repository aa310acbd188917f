package ipip_test

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

// lockedCapture is a capture safe for concurrent packets.
type lockedCapture struct{ n atomic.Int64 }

func (c *lockedCapture) RunHook(d *netdev.Device, b *packet.Buffer) netdev.Verdict {
	c.n.Add(1)
	b.Free()
	return netdev.VerdictConsumed
}

// TestTeardownInFlight: packets are encapsulated and decapsulated on
// several goroutines while the tunnel is reconfigured, other tunnels
// come and go, and finally the tunnel is deleted. Nothing panics, races
// or leaks a buffer.
func TestTeardownInFlight(t *testing.T) {
	packettest.CheckBalance(t)
	h := newHarnessLoop(t, "ttl 64", netdev.NewRealLoop(2), nil)
	var out, in lockedCapture
	h.under.SetEgressHook(&out)
	h.tun.SetIngressHook(&in)
	env := &iproute.Env{World: h.w, NS: h.ns}
	run := func(l string) {
		var o bytes.Buffer
		iproute.RunLine(env, l, &o, &o)
	}
	enc := inner(200, 0, false)
	dec := outer(inner(200, 0, false), 0)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for !stop.Load() {
				if g%2 == 0 {
					h.xmit(t, enc)
				} else {
					h.rcv(t, dec)
				}
			}
		}(g)
	}
	// Let traffic flow both ways before reconfiguring under it.
	deadline := time.Now().Add(5 * time.Second)
	for (out.n.Load() == 0 || in.n.Load() == 0) && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	for i := 0; i < 50; i++ {
		run(fmt.Sprintf("ip link set t0 type ipip ttl %d", i+1))
		run(fmt.Sprintf("ip link add t%d type ipip remote 203.0.113.%d", i+1, i+1))
		run(fmt.Sprintf("ip link set t%d up", i+1))
		run(fmt.Sprintf("ip link del t%d", i+1))
	}
	run("ip link del t0")
	for i := 0; i < 100; i++ {
		h.rcv(t, dec) // now to tunl0 (down): port unreachable
	}
	stop.Store(true)
	wg.Wait()
	if out.n.Load() == 0 || in.n.Load() == 0 {
		t.Errorf("no traffic flowed: out %d in %d", out.n.Load(), in.n.Load())
	}
}
