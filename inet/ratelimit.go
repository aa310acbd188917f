package inet

import (
	"net/netip"
	"sync"
	"time"
)

// icmpLimiter is the ICMP output rate limit of one namespace: Linux's
// per-destination token bucket (inet_peer_xrlim_allow with
// icmp_ratelimit) and the global one (icmp_global_allow with
// icmp_msgs_per_sec / icmp_msgs_burst), on the World's clock.
type icmpLimiter struct {
	mu          sync.Mutex
	peers       map[netip.Addr]*peerBucket
	credit      int64
	stamp       time.Time
	initialized bool
}

type peerBucket struct {
	tokens time.Duration
	last   time.Time
}

// burstFactor is XRLIM_BURST_FACTOR: a peer may bank six intervals.
const burstFactor = 6

// maxPeers bounds the peer table (inet_peer's GC threshold in spirit).
const maxPeers = 4096

func (l *icmpLimiter) init() { l.peers = map[netip.Addr]*peerBucket{} }

// peerAllow is inet_peer_xrlim_allow: one message per timeout, with a
// burst of six; a new peer starts with a full bucket.
func (l *icmpLimiter) peerAllow(dst netip.Addr, timeout time.Duration, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.peers[dst]
	if p == nil {
		if len(l.peers) >= maxPeers {
			for k := range l.peers {
				delete(l.peers, k)
				break
			}
		}
		p = &peerBucket{last: now.Add(-60 * time.Second)}
		l.peers[dst] = p
	}
	tok := p.tokens + now.Sub(p.last)
	p.last = now
	if tok > burstFactor*timeout {
		tok = burstFactor * timeout
	}
	ok := false
	if tok >= timeout {
		tok -= timeout
		ok = true
	}
	p.tokens = tok
	return ok
}

// globalAllow is icmp_global_allow: a bucket of burst credits refilled at
// perSec per second, in steps of at least 20 ms. Linux takes a random 0-2
// credits per message; softnet takes exactly one so labs are
// reproducible.
func (l *icmpLimiter) globalAllow(perSec, burst int64, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.initialized {
		l.initialized = true
		l.credit = burst
		l.stamp = now
	}
	delta := now.Sub(l.stamp)
	if delta > time.Second {
		delta = time.Second
	}
	if delta >= 20*time.Millisecond {
		if incr := perSec * int64(delta) / int64(time.Second); incr > 0 {
			l.credit += incr
			l.stamp = now
		}
	}
	if l.credit > burst {
		l.credit = burst
	}
	if l.credit <= 0 {
		return false
	}
	l.credit--
	return true
}

// allow4 decides whether an ICMP error of type/code to dst may be sent
// (icmpv4_global_allow and icmpv4_xrlim_allow); loopback output is
// never limited.
func (st *netState) allow4(typ, code uint8, dst netip.Addr, loopback bool) bool {
	if typ > 18 || (typ == 3 && code == 4) || (1<<typ)&st.sys.icmpRatemask.Load() == 0 {
		return true
	}
	now := st.ns.World().Now()
	if !st.icmp.globalAllow(st.sys.icmpMsgsPerSec.Load(), st.sys.icmpMsgsBurst.Load(), now) {
		st.mib.Icmp4.RateLimitGlobal.Add(1)
		return false
	}
	if loopback {
		return true
	}
	tmo := time.Duration(st.sys.icmpRatelimit.Load()) * time.Millisecond
	if !st.icmp.peerAllow(dst, tmo, now) {
		st.mib.Icmp4.RateLimitHost.Add(1)
		return false
	}
	return true
}

// allow6 is icmpv6_xrlim_allow: informational messages and packet too big
// are never limited; the per-peer interval shrinks for destinations on
// shorter prefixes (by plen/32 halvings).
func (st *netState) allow6(typ uint8, dst netip.Addr, plen int, loopback bool) bool {
	if typ >= 128 || typ == 2 {
		return true
	}
	now := st.ns.World().Now()
	if !st.icmp.globalAllow(st.sys.icmpMsgsPerSec.Load(), st.sys.icmpMsgsBurst.Load(), now) {
		st.mib.Icmp6.RateLimitGlobal.Add(1)
		return false
	}
	if loopback {
		return true
	}
	tmo := time.Duration(st.sys.icmp6Ratelimit.Load()) * time.Millisecond
	if plen < 128 {
		tmo >>= uint((128 - plen) >> 5)
	}
	if !st.icmp.peerAllow(dst, tmo, now) {
		st.mib.Icmp6.RateLimitHost.Add(1)
		return false
	}
	return true
}
