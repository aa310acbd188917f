package tunnel

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/packet"
)

// checkPMTU is tnl_update_pmtu: the MTU the inner packet sees through the
// tunnel is the outer route's path MTU minus the outer headers when DF
// will be set, else the tunnel device's. The inner route's PMTU learns it,
// and an oversize inner IPv4 packet with DF gets ICMP "fragmentation
// needed" with that MTU (GSO packets are exempt). It reports whether the
// packet may go on.
func (t *Tunnel) checkPMTU(b *packet.Buffer, rt *inet.Dst, a sendArgs) bool {
	pktSize := len(innerHeader(b))
	var mtu int
	if a.df {
		mtu = int(rt.PathMTU(a.fl.Dst)) - header.IPv4MinimumSize - a.hlen
	} else {
		mtu = int(t.dev.MTU())
	}
	if !a.innerIP {
		return true
	}
	inner := header.IPv4(innerHeader(b))
	if mtu > 0 && uint32(mtu) <= t.dev.MTU() {
		inet.UpdatePMTU(t.net.ns, inner.Destination(), uint32(mtu))
	}
	if b.GSO.Size == 0 && a.innerDF && mtu < pktSize {
		atInner(b, func() {
			inet.ICMPSend(t.net.ns, b, header.ICMPv4DestUnreach, header.ICMPv4FragNeeded, uint32(max(mtu, 0)))
		})
		return false
	}
	return true
}

// relayErrors is the link-failure relay of ip_tunnel_xmit: after ICMP
// errors about the tunnel (see Tunnel.Err), each transmission within
// ErrTimeout of the last one reports a link failure (ICMP host
// unreachable) to the inner sender, once per counted error.
func (t *Tunnel) relayErrors(b *packet.Buffer) {
	if t.errCount.Load() <= 0 {
		return
	}
	now := t.net.ns.World().Now().UnixNano()
	if now < t.errTime.Load()+int64(ErrTimeout) {
		t.errCount.Add(-1)
		atInner(b, func() { inet.LinkFailure(t.net.ns, b) })
		return
	}
	t.errCount.Store(0)
}
