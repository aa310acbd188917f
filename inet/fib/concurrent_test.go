package fib

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentReaders runs lock-free readers against a writer. Routes are
// inserted and deleted in pairs inside one Update, so every snapshot must
// hold both routes of a pair or neither, and every lookup result must be
// self-consistent.
func TestConcurrentReaders(t *testing.T) {
	var tbl Table[netip.Prefix]
	pair := func(i int) (netip.Prefix, netip.Prefix) {
		a := netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", i>>8&255, i&255))
		b := netip.MustParsePrefix(fmt.Sprintf("2001:db8:%x::/48", i))
		return a, b
	}
	tbl.Insert(netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("0.0.0.0/0"))
	const rounds = 3000
	var stop atomic.Bool
	var wg sync.WaitGroup
	var failed atomic.Value
	fail := func(format string, args ...any) { failed.CompareAndSwap(nil, fmt.Sprintf(format, args...)) }
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := r; !stop.Load(); i = (i + 7) % rounds {
				s := tbl.Snapshot()
				a, b := pair(i)
				_, okA := s.Get(a)
				_, okB := s.Get(b)
				if okA != okB {
					fail("pair %d half visible: %v %v", i, okA, okB)
					return
				}
				addr := a.Addr().Next()
				p, v, ok := s.Lookup(addr)
				if !ok || p != v || !p.Contains(addr) {
					fail("Lookup(%v) = %v %v %v", addr, p, v, ok)
					return
				}
				if s.Len()%2 != 1 {
					fail("odd snapshot length %d", s.Len())
					return
				}
			}
		}()
	}
	for i := range rounds {
		a, b := pair(i)
		tbl.Update(func(tx *Tx[netip.Prefix]) {
			tx.Insert(a, a)
			tx.Insert(b, b)
		})
		if i%3 == 0 {
			a, b := pair(i / 2)
			tbl.Update(func(tx *Tx[netip.Prefix]) {
				tx.Delete(a)
				tx.Delete(b)
			})
		}
	}
	stop.Store(true)
	wg.Wait()
	if msg := failed.Load(); msg != nil {
		t.Fatal(msg)
	}
	checkInvariants(t, tbl.Snapshot())
}
