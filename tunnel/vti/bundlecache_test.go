package vti_test

import (
	"encoding/binary"
	"sync"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// spiTap records the SPIs of the ESP packets a device sees.
type spiTap struct {
	mu   sync.Mutex
	spis map[uint32]int
}

func (s *spiTap) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	p := b.Bytes()
	if len(p) < 14+20+8 || p[12] != 0x08 || p[13] != 0 || header.IPv4(p[14:]).Protocol() != header.IPProtoESP {
		return
	}
	s.mu.Lock()
	s.spis[binary.BigEndian.Uint32(p[14+20:])]++
	s.mu.Unlock()
}

func (s *spiTap) take() map[uint32]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.spis
	s.spis = map[uint32]int{}
	return m
}

// TestBundleCacheFollowsChanges: the vti's cached resolution of a flow is
// dropped as soon as states or policies change — a replaced SA is used at
// once, a blocking policy blocks, a deleted policy stops the tunnel, and
// an SA past its hard packet limit is not used again.
func TestBundleCacheFollowsChanges(t *testing.T) {
	tp := vtiSites(t)
	tap := &spiTap{spis: map[uint32]int{}}
	tp.Dev("r:e0").AddTap(tap)
	ping := func(n int) int { return replies(tp.Ping("ha", "203.0.113.66", inet.EchoOpts{}, n)) }
	mib := xfrm.ForNamespace(tp.NS("gwa")).MIB
	if got := ping(2); got != 2 {
		t.Fatalf("replies %d, want 2", got)
	}
	if m := tap.take(); m[0x100] != 2 {
		t.Fatalf("SPIs %v, want 2 × 0x100", m)
	}

	// A new outbound SA replaces the old one: the next packet uses it.
	ipCmds(t, tp, "gwb", "ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x300 mode tunnel aead rfc4106(gcm(aes)) "+keyAB+" 128")
	ipCmds(t, tp, "gwa",
		"ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x300 mode tunnel aead rfc4106(gcm(aes)) "+keyAB+" 128",
		"ip xfrm state del src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x100")
	if got := ping(2); got != 2 {
		t.Fatalf("after the SA change: replies %d, want 2", got)
	}
	if m := tap.take(); m[0x300] != 2 || m[0x100] != 0 {
		t.Fatalf("after the SA change: SPIs %v, want 2 × 0x300", m)
	}

	// The policy turns to block.
	ipCmds(t, tp, "gwa", "ip xfrm policy update dir out mark 10 action block tmpl src 192.0.2.1 dst 198.51.100.2 proto esp mode tunnel")
	blocked := mib.Get(xfrm.OutPolBlock)
	if got := ping(1); got != 0 {
		t.Fatalf("blocking policy: %d replies", got)
	}
	if mib.Get(xfrm.OutPolBlock) != blocked+1 {
		t.Errorf("XfrmOutPolBlock %d → %d, want +1", blocked, mib.Get(xfrm.OutPolBlock))
	}

	// Allowed again, then the SA reaches its hard packet limit (the
	// update keeps its counters: 2 packets so far, 4 more allowed).
	ipCmds(t, tp, "gwa",
		"ip xfrm policy update dir out mark 10 tmpl src 192.0.2.1 dst 198.51.100.2 proto esp mode tunnel",
		"ip xfrm state update src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x300 mode tunnel aead rfc4106(gcm(aes)) "+keyAB+" 128 limit packet-hard 6")
	tap.take()
	if got := ping(3); got != 3 {
		t.Fatalf("before the limit: %d replies", got)
	}
	ping(3)
	if m := tap.take(); m[0x300] > 4 {
		t.Errorf("the SA carried %d more packets, its hard limit allows 4", m[0x300])
	}

	// No policy at all: the vti has nothing to send with.
	ipCmds(t, tp, "gwa", "ip xfrm policy del src 0.0.0.0/0 dst 0.0.0.0/0 dir out mark 10")
	if got := ping(1); got != 0 {
		t.Fatalf("no policy: %d replies", got)
	}
	if m := tap.take(); len(m) != 0 {
		t.Errorf("ESP sent without a policy: %v", m)
	}
}
