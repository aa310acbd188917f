package neigh

import (
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

// FuzzOps drives a table with random sequences of operations and checks
// its invariants after each: queued bytes match the queue and stay within
// the limit (one oversize packet aside), valid entries have nothing
// queued, counts agree, and every packet is freed in the end.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 7, 7, 7, 7})
	f.Add([]byte{2, 0, 0, 0x10, 7, 0x17, 0x27, 0x37, 0x47, 0x57})
	f.Add([]byte{0, 0x20, 0x40, 0x60, 0x80, 5, 6, 0x18, 0x19, 0x1a, 0xb, 0xc, 0xd})
	f.Add([]byte{6, 0x16, 0x26, 8, 0x28, 9, 0x2a, 0, 0x20, 0x40, 3, 4, 0xa})
	f.Fuzz(runOps)
}

func runOps(t *testing.T, ops []byte) {
	if len(ops) > 400 {
		return
	}
	packettest.CheckBalance(t)
	h := newHarness(t, func(c *Config) {
		p := DefaultParams(4)
		p.QueueLenBytes = 3 * 2048
		p.McastReprobes = 1
		c.Params = &p
		c.Table = &TableParams{GCThresh1: 2, GCThresh2: 3, GCThresh3: 5}
	})
	for i, op := range ops {
		a := netip.AddrFrom4([4]byte{198, 51, 100, op >> 5})
		ifx := int32(2 + (op>>4)&1)
		ll := []byte{2, 0, 0, 0, 0, op >> 6}
		switch op & 0xf {
		case 0, 1:
			size := 1
			if op&0x80 != 0 {
				size = 9000
			}
			b, _ := packet.New(packet.DefaultHeadroom, size)
			b.Put(size)[0] = byte(i)
			h.t.Output(ifx, a, b)
		case 2:
			h.t.Update(ifx, a, ll, Reachable, Override|Create)
		case 3:
			h.t.Update(ifx, a, ll, Stale, Override|Create)
		case 4:
			h.t.Update(ifx, a, ll, Reachable, WeakOverride)
		case 5:
			h.t.Confirm(ifx, a)
		case 6:
			h.t.Del(ifx, a)
		case 7:
			h.run(time.Duration(op>>4+1) * 700 * time.Millisecond)
		case 8:
			h.t.Add(Request{Ifindex: ifx, Addr: a, LLAddr: ll, State: Permanent, Create: true, Excl: op&0x40 != 0})
		case 9:
			h.t.Add(Request{Ifindex: ifx, Addr: a, State: State(1 << (op >> 5)), Create: true, Replace: true,
				Flags: Flags(op>>5) & (FlagUse | FlagRouter)})
		case 10:
			h.t.DeviceDown(ifx)
		case 11:
			h.t.CarrierDown(ifx)
		case 12:
			h.t.Flush(0, func(e Entry) bool { return e.State&Permanent == 0 })
		case 13:
			h.t.Resolve(ifx, a)
		case 14:
			h.t.Update(ifx, a, nil, Failed, Admin|Override)
		case 15:
			h.run(time.Duration(op>>4+1) * 10 * time.Second)
		}
		checkInvariants(t, h.t)
		checkValidQueues(t, h.t)
	}
}

func checkValidQueues(t *testing.T, tb *Table) {
	t.Helper()
	for k, e := range *tb.snap.Load() {
		e.mu.Lock()
		bad := e.loadState()&Valid != 0 && len(e.queue) > 0
		e.mu.Unlock()
		if bad {
			t.Fatalf("%v: valid entry with %d queued packets", k, len(e.queue))
		}
	}
}
