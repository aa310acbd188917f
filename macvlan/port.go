package macvlan

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

type mac = [6]byte

func toMAC(b []byte) (m mac, ok bool) {
	if len(b) < 6 {
		return m, false
	}
	copy(m[:], b)
	return m, true
}

// port is the per-lower-device state (struct macvlan_port). Its fields
// other than snap and the broadcast queue are guarded by the RTNL.
type port struct {
	lower    *netdev.Device
	vlans    []*Macvlan // every macvlan on the port, in creation order
	passthru bool
	ucCount  int // open non-passthru macvlans (their addresses in the uc list)
	cutoff   int32

	snap atomic.Pointer[snapshot]
	bc   bcQueue
}

// snapshot is what the packet path reads without locks.
type snapshot struct {
	byAddr   map[mac]*Macvlan   // open macvlans by address (vlan_hash)
	open     []*Macvlan         // open macvlans, creation order
	sources  map[mac][]*Macvlan // source-mode entries by remote address
	first    *Macvlan           // passthru's macvlan
	passthru bool
	cutoff   int32
	bcLen    int // bc_queue_len_used
}

var ports = netdev.NewDeviceSlot[port]()

func portOf(lower *netdev.Device) *port { return ports.Get(lower) }

func newPort(lower *netdev.Device) (*port, error) {
	p := &port{lower: lower, cutoff: 1}
	p.bc.port = p
	p.publish()
	if err := lower.SetRxHandler(p); err != nil {
		return nil, err
	}
	ports.Set(lower, p)
	return p, nil
}

func (p *port) destroy() {
	p.lower.ClearRxHandler()
	ports.Set(p.lower, nil)
	p.bc.purge()
}

// publish rebuilds the snapshot from the RTNL-guarded state.
func (p *port) publish() {
	s := &snapshot{byAddr: map[mac]*Macvlan{}, sources: map[mac][]*Macvlan{},
		passthru: p.passthru, cutoff: p.cutoff}
	for _, v := range p.vlans {
		if v.hashed {
			s.byAddr[v.hashAddr] = v
			s.open = append(s.open, v)
		}
		for _, a := range v.sources {
			s.sources[a] = append(s.sources[a], v)
		}
		if s.bcLen < int(v.bcQueueLenReq) {
			s.bcLen = int(v.bcQueueLenReq)
		}
	}
	if len(p.vlans) > 0 {
		s.first = p.vlans[0]
	}
	p.snap.Store(s)
}

func (p *port) remove(v *Macvlan) {
	p.vlans = slices.DeleteFunc(p.vlans, func(x *Macvlan) bool { return x == v })
	p.publish()
}

// addrBusy reports whether addr is taken on the port (macvlan_addr_busy):
// by the lower device itself (unless passthru) or an open macvlan.
func (p *port) addrBusy(addr mac, except *Macvlan) bool {
	if !p.passthru && p.lower.IsLocalAddr(addr[:]) {
		return true
	}
	for _, v := range p.vlans {
		if v != except && v.hashed && v.hashAddr == addr {
			return true
		}
	}
	return false
}

// bcItem is a queued broadcast frame and the macvlan that sent it (nil
// when it came from outside).
type bcItem struct {
	b   *packet.Buffer
	src *Macvlan
}

// bcQueue is the port's broadcast queue (bc_queue + bc_work): frames are
// queued by the receive path and flooded to the macvlans later, on the
// world's loop.
type bcQueue struct {
	port      *port
	mu        sync.Mutex
	items     []bcItem
	scheduled bool
	dead      bool
}

// enqueue queues a copy of b (data at the link-layer header) or counts a
// drop on the lower device when the queue is full.
func (q *bcQueue) enqueue(b *packet.Buffer, src *Macvlan, limit int) {
	q.mu.Lock()
	if q.dead || len(q.items) >= limit {
		q.mu.Unlock()
		q.port.lower.DropRx(b, DropBCQueueFull)
		return
	}
	q.items = append(q.items, bcItem{b, src})
	sched := !q.scheduled
	q.scheduled = true
	q.mu.Unlock()
	if sched {
		if ns := q.port.lower.Namespace(); ns != nil {
			ns.World().Loop().AfterFunc(0, q.process)
		}
	}
}

// process floods every queued frame (macvlan_process_broadcast).
func (q *bcQueue) process() {
	q.mu.Lock()
	items := q.items
	q.items = nil
	q.scheduled = false
	q.mu.Unlock()
	s := q.port.snap.Load()
	for i, it := range items {
		items[i] = bcItem{}
		switch {
		case it.src == nil:
			broadcast(it.b, s, nil, ModePrivate|ModeVEPA|ModePassthru|ModeBridge, false)
		case it.src.mode() == ModeVEPA:
			broadcast(it.b, s, it.src, ModeVEPA|ModeBridge, false)
		default:
			broadcast(it.b, s, it.src, ModeVEPA, false)
		}
		it.b.Free()
	}
}

// purge frees the queued frames when the port goes away.
func (q *bcQueue) purge() {
	q.mu.Lock()
	items := q.items
	q.items = nil
	q.dead = true
	q.mu.Unlock()
	for _, it := range items {
		q.port.lower.Drop(it.b, DropPortGone)
	}
}

// Len returns the number of queued frames.
func (q *bcQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}
