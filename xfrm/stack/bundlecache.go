package stack

import (
	"sync"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// bundleSlots is the number of flows a BundleCache remembers.
const bundleSlots = 16

// BundleCache remembers the policy and states LookupBundle resolved for
// the last flows of a tunnel device, as Linux keeps a resolved bundle in
// the flow's dst (xfrm_dst) until a generation moves: an entry is used
// only while the namespace's xfrm generation (xfrm.Net.Gen: any state or
// policy inserted, removed or changing validity) is the one it was
// resolved at. The outer route is looked up on every packet (routes have
// no generation). The zero value is ready; it is safe for concurrent use
// and allocates nothing.
type BundleCache struct {
	mu    sync.Mutex
	slots [bundleSlots]bundleEntry
}

// bundleKey is what a resolution depends on besides the generation.
type bundleKey struct {
	net  *xfrm.Net
	flow xfrm.Flow
	fam  int
	ifID uint32
}

type bundleEntry struct {
	key    bundleKey
	gen    uint64
	pol    *xfrm.Policy
	states [xfrm.MaxDepth]*xfrm.State
	n      int
}

func (k *bundleKey) slot() int {
	h := uint32(k.flow.Sport)<<16 | uint32(k.flow.Dport)
	h ^= uint32(k.flow.Proto)<<24 ^ k.flow.Mark ^ uint32(k.flow.Oif)*0x9e3779b1
	a, b := k.flow.Daddr.As16(), k.flow.Saddr.As16()
	for i := 12; i < 16; i++ {
		h = (h ^ uint32(a[i]) ^ uint32(b[i])<<8) * 16777619
	}
	return int(h % bundleSlots)
}

// LookupBundleCached is LookupBundle with c remembering the resolution of
// recent flows (nil c: no cache). A hit still records the policy's use
// (its use-time lifetime) and looks up the outer route.
func LookupBundleCached(ns *netdev.Namespace, b *packet.Buffer, oif int32, mark, ifID uint32, bd *Bundle, c *BundleCache) (bool, error) {
	if c == nil {
		return LookupBundle(ns, b, oif, mark, ifID, bd)
	}
	n := xfrm.ForNamespace(ns)
	k := bundleKey{net: n, ifID: ifID}
	fam, ok := decode(b.Bytes(), &k.flow)
	if !ok {
		bd.N, bd.Outer = 0, nil
		return false, nil // not IP: no policy applies
	}
	k.fam = fam
	k.flow.Oif, k.flow.Mark = oif, mark
	gen := n.Gen()
	i := k.slot()
	c.mu.Lock()
	e := &c.slots[i]
	if e.pol != nil && e.gen == gen && e.key == k {
		pol := e.pol
		bd.States, bd.N, bd.Outer = e.states, e.n, nil
		c.mu.Unlock()
		n.SPD.Touch(pol)
		return true, outerRoute(ns, n, bd, mark)
	}
	c.mu.Unlock()
	found, pol, err := lookupBundle(ns, n, k.flow, fam, mark, ifID, bd)
	if found && err == nil && pol != nil {
		c.mu.Lock()
		// gen was read before the lookup: a change during it leaves the
		// entry stale at once, never wrongly fresh.
		c.slots[i] = bundleEntry{key: k, gen: gen, pol: pol, states: bd.States, n: bd.N}
		c.mu.Unlock()
	}
	return found, err
}

// outerRoute sets bd.Outer to the route of the bundle's outermost
// tunnel-mode state.
func outerRoute(ns *netdev.Namespace, n *xfrm.Net, bd *Bundle, mark uint32) error {
	for i := 0; i < bd.N; i++ {
		c := bd.States[i].Cfg()
		if c.Mode != xfrm.ModeTunnel && c.Mode != xfrm.ModeBEET {
			continue
		}
		outer, err := inet.OutputLookup(ns, inet.Flow{Dst: c.ID.Daddr, Src: c.Saddr, Mark: c.ApplyOutputMark(mark)})
		if err != nil {
			return n.MIB.Count(xfrm.OutBundleGenError)
		}
		bd.Outer = outer
	}
	return nil
}

// cacheSlot holds each tunnel device's BundleCache.
var cacheSlot = netdev.NewDeviceSlot[BundleCache]()

// DeviceBundleCache returns d's bundle cache, made on first use (a
// route-based IPsec device's: vti, xfrm interfaces).
func DeviceBundleCache(d *netdev.Device) *BundleCache {
	if c := cacheSlot.Get(d); c != nil {
		return c
	}
	c := new(BundleCache)
	cacheSlot.Set(d, c)
	return c
}
