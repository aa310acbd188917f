package inet

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// redirEntry is a nexthop exception learned from an ICMP redirect (the
// fnhe_gw of Linux's fib_nh_exception): packets to the destination that
// would go to old through dev go to gw instead.
type redirEntry struct {
	old, gw netip.Addr
	ifindex int32
}

// DropRedirectRejected counts redirects refused by the checks of
// __ip_do_redirect (not from the current gateway, gateway not on-link…).
var DropRedirectRejected = netdev.RegisterDropReason("ICMP_REDIRECT_REJECTED")

// Redirect applies an ICMP redirect for dst (ipv4_redirect): from is the
// router that sent it, gw the better first hop it names, dev the device it
// arrived on. It reports whether the redirect was accepted. Linux's rules:
// net.ipv4.conf.all.accept_redirects must be on; the redirect must come
// from the gateway the route to dst uses now, through dev; the new gateway
// must be a unicast address on a directly connected network of dev, not
// one of ours and not the old gateway.
func Redirect(ns *netdev.Namespace, dev *netdev.Device, from, dst, gw netip.Addr) bool {
	return stateOf(ns).redirect(dev, from, dst, gw)
}

func (st *netState) redirect(dev *netdev.Device, from, dst, gw netip.Addr) bool {
	if !dst.Is4() || !gw.Is4() || st.sys.acceptRedirects.Load() == 0 {
		return false
	}
	fr := st.lookup(dst)
	if fr == nil || fr.dst.Dev != dev || !fr.r.Gateway.IsValid() {
		return false
	}
	old := fr.r.Gateway
	if e, ok := st.redirLookup(dst); ok && e.ifindex == dev.Index() {
		old = e.gw // a redirect may itself be redirected by the new router
	}
	if from != old || gw == old || gw.IsMulticast() || gw.IsUnspecified() ||
		isLimitedBcast(gw) || st.isLocalAddr(gw) || st.isBroadcast4(gw) {
		st.mib.Icmp4.InErrors.Add(1)
		dev.Drops.Add(DropRedirectRejected)
		return false
	}
	nfr := st.lookup(gw)
	if nfr == nil || nfr.dst.Dev != dev || nfr.r.Gateway.IsValid() || nfr.r.Type != RouteUnicast {
		dev.Drops.Add(DropRedirectRejected)
		return false
	}
	for {
		cur := st.redir.Load()
		m := make(map[netip.Addr]redirEntry, len(*cur)+1)
		for k, v := range *cur {
			m[k] = v
		}
		m[dst] = redirEntry{old: fr.r.Gateway, gw: gw, ifindex: dev.Index()}
		if st.redir.CompareAndSwap(cur, &m) {
			return true
		}
	}
}

// redirLookup returns the redirect exception for dst without allocating.
func (st *netState) redirLookup(dst netip.Addr) (redirEntry, bool) {
	m := *st.redir.Load()
	if len(m) == 0 {
		return redirEntry{}, false
	}
	e, ok := m[dst]
	return e, ok
}

// redirectedNexthop returns the first hop for an IPv4 packet after
// redirects: the exception's gateway when the route would use the
// redirected one through the same device.
func (st *netState) redirectedNexthop(dev *netdev.Device, nh netip.Addr, b *packet.Buffer) netip.Addr {
	if len(*st.redir.Load()) == 0 {
		return nh
	}
	ip := header.IPv4(b.Bytes())
	if len(ip) < header.IPv4MinimumSize {
		return nh
	}
	if e, ok := st.redirLookup(ip.Destination()); ok && e.old == nh && e.ifindex == dev.Index() {
		return e.gw
	}
	return nh
}

// flushRedirects drops every exception (routes changed: rt_cache_flush).
func (st *netState) flushRedirects() {
	if len(*st.redir.Load()) == 0 {
		return
	}
	m := map[netip.Addr]redirEntry{}
	st.redir.Store(&m)
}

// Sending redirects (ip_rt_send_redirect): a router that forwards a packet
// out of the device it came in on, to a source on that device's network,
// tells the source about the better first hop. Per source, the first
// redirect goes at once, the n-th only 20 ms << n after the previous one,
// at most 9 in a row, and the count resets after 20.48 s without packets.
const (
	redirectNumber  = 9
	redirectLoad    = 20 * time.Millisecond
	redirectSilence = redirectLoad << (redirectNumber + 1)
)

type redirPeer struct {
	n    int
	last time.Time
}

// maybeSendRedirect sends ICMP redirect (host) for b, which is being
// forwarded from in back out of in towards nh.
func (st *netState) maybeSendRedirect(in *netdev.Device, b *packet.Buffer, saddr, nh netip.Addr) {
	if st.sys.sendRedirects.Load() == 0 {
		return
	}
	if rfr := st.lookup(saddr); rfr == nil || rfr.dst.Dev != in || rfr.r.Gateway.IsValid() {
		return // the source is not on the device's network
	}
	now := st.ns.World().Now()
	st.redirMu.Lock()
	if st.redirPeers == nil {
		st.redirPeers = map[netip.Addr]*redirPeer{}
	}
	p := st.redirPeers[saddr]
	if p == nil {
		p = &redirPeer{}
		st.redirPeers[saddr] = p
	}
	if now.Sub(p.last) > redirectSilence {
		p.n = 0
	}
	send := false
	switch {
	case p.n >= redirectNumber:
		p.last = now
	case p.n == 0 || now.Sub(p.last) > redirectLoad<<p.n:
		p.last = now
		p.n++
		send = true
	}
	st.redirMu.Unlock()
	if send {
		st.icmpSend4(b, header.ICMPv4Redirect, header.ICMPv4RedirectHost, binary.BigEndian.Uint32(nh.AsSlice()))
	}
}
