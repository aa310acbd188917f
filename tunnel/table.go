package tunnel

import (
	"net/netip"

	"github.com/softnet/softnet/packet"
)

// bucketKey is a hash bucket of the tunnel table (ip_tunnel_hash of key and
// remote). Linux's buckets may mix several keys; since every lookup pass
// compares the key and remote exactly, a bucket per exact (key, remote)
// visits matching tunnels in the same order.
type bucketKey struct {
	key    uint32
	remote netip.Addr
}

// table is an immutable snapshot of a namespace's tunnels of one family.
// Within a bucket, the newest tunnel comes first (hlist_add_head).
type table struct {
	buckets map[bucketKey][]*Tunnel
	md      *Tunnel // the collect_md tunnel, if any
	fb      *Tunnel // the fallback device, if any
}

// bucketOf is ip_bucket: the bucket a tunnel with parameters p lives in.
func bucketOf(p *Parms) bucketKey {
	remote := p.Remote
	if isZero4(remote) || remote.IsMulticast() {
		remote = any4
	}
	key := p.IKey
	if p.IFlags&packet.TunnelKey == 0 && p.VTI {
		key = 0
	}
	return bucketKey{key, remote}
}

// keyMatch is ip_tunnel_key_match.
func keyMatch(p *Parms, flags packet.TunnelFlags, key uint32) bool {
	if flags&packet.TunnelKey == 0 {
		return p.IFlags&packet.TunnelKey == 0
	}
	return p.IFlags&packet.TunnelKey != 0 && p.IKey == key
}

// with returns a copy of tb with t added at the head of its bucket.
func (tb *table) with(t *Tunnel) *table {
	n := tb.clone()
	k := bucketOf(&t.Config().Parms)
	n.buckets[k] = append([]*Tunnel{t}, n.buckets[k]...)
	if t.collectMD {
		n.md = t
	}
	return n
}

// without returns a copy of tb without t.
func (tb *table) without(t *Tunnel) *table {
	n := tb.clone()
	for k, list := range n.buckets {
		for i, x := range list {
			if x == t {
				nl := append(append([]*Tunnel{}, list[:i]...), list[i+1:]...)
				if len(nl) == 0 {
					delete(n.buckets, k)
				} else {
					n.buckets[k] = nl
				}
				break
			}
		}
	}
	if n.md == t {
		n.md = nil
	}
	if n.fb == t {
		n.fb = nil
	}
	return n
}

func (tb *table) clone() *table {
	n := &table{buckets: make(map[bucketKey][]*Tunnel, len(tb.buckets)+1), md: tb.md, fb: tb.fb}
	for k, v := range tb.buckets {
		n.buckets[k] = v
	}
	return n
}

// lookup is ip_tunnel_lookup: the receive-side tunnel for a packet from
// remote to local with key (flags: TunnelKey if the packet carries one,
// TunnelNoKey to match any key in the wildcard pass), arriving on link.
// Each pass prefers a tunnel bound to link and otherwise remembers the
// first candidate; then come the collect_md tunnel and the fallback
// device. Only tunnels that are up match.
func (tb *table) lookup(link int32, flags packet.TunnelFlags, remote, local netip.Addr, key uint32) *Tunnel {
	var cand *Tunnel
	head := tb.buckets[bucketKey{key, remote}]
	for _, t := range head {
		p := &t.Config().Parms
		if local != p.Local || remote != p.Remote || !t.dev.IsUp() || !keyMatch(p, flags, key) {
			continue
		}
		if p.Link == link {
			return t
		}
		cand = t
	}
	for _, t := range head {
		p := &t.Config().Parms
		if remote != p.Remote || p.Local != any4 || !t.dev.IsUp() || !keyMatch(p, flags, key) {
			continue
		}
		if p.Link == link {
			return t
		}
		if cand == nil {
			cand = t
		}
	}
	head = tb.buckets[bucketKey{key, any4}]
	for _, t := range head {
		p := &t.Config().Parms
		if (local != p.Local || p.Remote != any4) && (local != p.Remote || !local.IsMulticast()) {
			continue
		}
		if !t.dev.IsUp() || !keyMatch(p, flags, key) {
			continue
		}
		if p.Link == link {
			return t
		}
		if cand == nil {
			cand = t
		}
	}
	for _, t := range head {
		p := &t.Config().Parms
		if (flags&packet.TunnelNoKey == 0 && p.IKey != key) || p.Local != any4 || p.Remote != any4 || !t.dev.IsUp() {
			continue
		}
		if p.Link == link {
			return t
		}
		if cand == nil {
			cand = t
		}
	}
	if cand != nil {
		return cand
	}
	if tb.md != nil && tb.md.dev.IsUp() {
		return tb.md
	}
	if tb.fb != nil && tb.fb.dev.IsUp() {
		return tb.fb
	}
	return nil
}

// find is ip_tunnel_find: the configured tunnel with exactly these
// endpoints, link, device type and key, newest first.
func (tb *table) find(p *Parms, devType uint16) *Tunnel {
	for _, t := range tb.buckets[bucketOf(p)] {
		q := &t.Config().Parms
		if p.Local == q.Local && p.Remote == q.Remote && p.Link == q.Link &&
			devType == t.dev.Type && keyMatch(q, p.IFlags, p.IKey) {
			return t
		}
	}
	return nil
}
