package inet

import (
	"net/netip"
	"time"

	"github.com/softnet/softnet/netdev"
)

// UpdatePMTU records a PMTU exception for dst (as __ip_rt_update_pmtu /
// rt6_do_update_pmtu): the path to dst is mtu bytes until
// net.ipv4.route.mtu_expires (600 s) passes. IPv4 values below
// net.ipv4.route.min_pmtu are raised to it; IPv6 values below 1280 are
// raised to 1280. An exception never raises a smaller cached value.
func UpdatePMTU(ns *netdev.Namespace, dst netip.Addr, mtu uint32) {
	st := stateOf(ns)
	if dst.Is4() {
		if min := uint32(st.sys.minPMTU.Load()); mtu < min {
			mtu = min
		}
	} else if mtu < 1280 {
		mtu = 1280
	}
	now := ns.World().Now()
	exp := now.Add(time.Duration(st.sys.mtuExpires.Load()) * time.Second)
	for {
		old := st.pmtu.Load()
		if e, ok := (*old)[dst]; ok && e.expires.After(now) && e.mtu <= mtu {
			if e.mtu == mtu {
				return
			}
			return
		}
		m := make(map[netip.Addr]pmtuEntry, len(*old)+1)
		for k, v := range *old {
			if v.expires.After(now) {
				m[k] = v
			}
		}
		m[dst] = pmtuEntry{mtu: mtu, expires: exp}
		if st.pmtu.CompareAndSwap(old, &m) {
			return
		}
	}
}

// PMTU returns the cached path MTU to dst and its remaining lifetime, if
// an exception is live.
func PMTU(ns *netdev.Namespace, dst netip.Addr) (mtu uint32, expires time.Duration, ok bool) {
	return stateOf(ns).pmtuGet(dst)
}

// pmtuLookup returns a live exception's MTU without allocating.
func (st *netState) pmtuLookup(a netip.Addr) (uint32, bool) {
	m := *st.pmtu.Load()
	if len(m) == 0 {
		return 0, false
	}
	e, ok := m[a]
	if !ok || !e.expires.After(st.ns.World().Now()) {
		return 0, false
	}
	return e.mtu, true
}

// flushPMTU drops every exception (routes changed: rt_cache_flush).
func (st *netState) flushPMTU() {
	st.flushRedirects()
	if len(*st.pmtu.Load()) == 0 {
		return
	}
	m := map[netip.Addr]pmtuEntry{}
	st.pmtu.Store(&m)
}
