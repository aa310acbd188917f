package neigh

import (
	"bytes"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

var (
	mac1 = []byte{0x02, 0, 0, 0, 0, 0x01}
	mac2 = []byte{0x02, 0, 0, 0, 0, 0x02}
	ip1  = netip.MustParseAddr("192.0.2.1")
	ip2  = netip.MustParseAddr("192.0.2.2")
)

type sentPkt struct {
	ifindex int32
	lladdr  []byte
	tag     byte
}

type sol struct {
	at      time.Duration
	target  netip.Addr
	lladdr  []byte
	hasPkt  bool
	pktTag  byte
	ifindex int32
}

// harness records what a Table asks its protocol to do.
type harness struct {
	tb    testing.TB
	start time.Time
	loop  *netdev.SimLoop
	t     *Table

	mu      sync.Mutex
	sent    []sentPkt
	sols    []sol
	reports []byte
	notes   int
}

func newHarness(tb testing.TB, mod func(*Config)) *harness {
	tb.Helper()
	h := &harness{tb: tb, start: time.Unix(1000, 0)}
	h.loop = netdev.NewSimLoop(h.start)
	cfg := Config{
		Family: 4,
		Loop:   h.loop,
		Rand:   func() uint32 { return 15000 }, // reachable time = base
		Xmit: func(ifindex int32, b *packet.Buffer, lladdr []byte) {
			h.mu.Lock()
			h.sent = append(h.sent, sentPkt{ifindex, bytes.Clone(lladdr), b.Bytes()[0]})
			h.mu.Unlock()
			b.Free()
		},
		Solicit: func(s Solicitation) {
			h.mu.Lock()
			defer h.mu.Unlock()
			r := sol{at: h.loop.Now().Sub(h.start), target: s.Target, lladdr: bytes.Clone(s.LLAddr), ifindex: s.Ifindex}
			if s.Packet != nil {
				r.hasPkt, r.pktTag = true, s.Packet.Bytes()[0]
			}
			h.sols = append(h.sols, r)
		},
		ErrorReport: func(ifindex int32, b *packet.Buffer) {
			h.mu.Lock()
			h.reports = append(h.reports, b.Bytes()[0])
			h.mu.Unlock()
		},
		Notify: func(Entry, bool) {
			h.mu.Lock()
			h.notes++
			h.mu.Unlock()
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	h.t = New(cfg)
	tb.Cleanup(func() { h.t.Close(); h.loop.Close() })
	return h
}

func pkt(tb testing.TB, tag byte) *packet.Buffer {
	tb.Helper()
	b, err := packet.FromBytes([]byte{tag, 0x45, 0, 0, 20})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func (h *harness) out(ifindex int32, addr netip.Addr, tag byte) {
	h.tb.Helper()
	if err := h.t.Output(ifindex, addr, pkt(h.tb, tag)); err != nil {
		h.tb.Fatalf("Output: %v", err)
	}
}

func (h *harness) state(ifindex int32, addr netip.Addr) State {
	h.tb.Helper()
	e := h.t.lookupNoref(key{ifindex, addr})
	if e == nil {
		h.tb.Fatalf("no entry for %v", addr)
	}
	return e.loadState()
}

func (h *harness) wantState(ifindex int32, addr netip.Addr, want State) {
	h.tb.Helper()
	if got := h.state(ifindex, addr); got != want {
		h.tb.Errorf("%v state %v, want %v (t=%v)", addr, got, want, h.loop.Now().Sub(h.start))
	}
}

func (h *harness) tags() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []byte
	for _, s := range h.sent {
		out = append(out, s.tag)
	}
	return out
}

func (h *harness) drops(r netdev.DropReason) uint64 { return h.t.drops.Get(r) }

// run advances virtual time by d.
func (h *harness) run(d time.Duration) { h.loop.RunFor(d) }

// reach makes addr REACHABLE with lladdr through an ARP-reply-like update.
func (h *harness) reach(ifindex int32, addr netip.Addr, lladdr []byte) {
	h.tb.Helper()
	if err := h.t.Update(ifindex, addr, lladdr, Reachable, Override|Create); err != nil {
		h.tb.Fatalf("Update: %v", err)
	}
}

var netip6 = netip.MustParseAddr("2001:db8::1")
