package tunnel

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/packet"
)

// Err is the shared part of ipip_err / vti's error handler: e quotes an
// outer packet this namespace sent (its destination is a tunnel's remote).
// Frag-needed updates the outer path MTU; unreachable and TTL-exceeded
// errors start or extend the tunnel's link-failure relay (see
// relayErrors), except for tunnels without a remote and, for TTL
// exceeded, tunnels that inherit the TTL. It reports whether a tunnel
// took the error.
func (n *Net) Err(e inet.ICMPErr) bool {
	q := e.Payload
	if len(q) < header.IPv4MinimumSize {
		return false
	}
	outer := header.IPv4(q)
	switch e.Type {
	case header.ICMPv4DestUnreach:
		if e.Code == header.ICMPv4SourceRouteFail {
			return false
		}
	case header.ICMPv4TimeExceeded:
		if e.Code != header.ICMPv4TTLExceeded {
			return false
		}
	case header.ICMPv4Redirect:
	default:
		return false
	}
	var link int32
	if e.Dev != nil {
		link = e.Dev.Index()
	}
	t := n.Lookup(link, packet.TunnelNoKey, outer.Destination(), outer.Source(), 0)
	if t == nil {
		return false
	}
	if e.Type == header.ICMPv4DestUnreach && e.Code == header.ICMPv4FragNeeded {
		if e.MTU != 0 {
			inet.UpdatePMTU(n.ns, outer.Destination(), e.MTU)
		}
		return true
	}
	if e.Type == header.ICMPv4Redirect {
		// The route cache of the outer destination learns redirects in
		// inet (ipv4_redirect); the tunnel has nothing more to do.
		return true
	}
	c := t.Config()
	if isZero4(c.Remote) {
		return false
	}
	if c.TTL == 0 && e.Type == header.ICMPv4TimeExceeded {
		return true
	}
	t.CountError()
	return true
}

// CountError records an ICMP error about the tunnel now: within
// ErrTimeout of the previous one the count grows, else it restarts at 1.
func (t *Tunnel) CountError() {
	now := t.net.ns.World().Now().UnixNano()
	if now < t.errTime.Load()+int64(ErrTimeout) {
		t.errCount.Add(1)
	} else {
		t.errCount.Store(1)
	}
	t.errTime.Store(now)
}

// ErrCount returns the pending link-failure count.
func (t *Tunnel) ErrCount() int { return int(t.errCount.Load()) }
