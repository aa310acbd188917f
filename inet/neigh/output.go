package neigh

import (
	"net/netip"
	"time"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// minRetrans is the shortest probe interval (HZ/100).
const minRetrans = 10 * time.Millisecond

// Output sends b, an IP packet with data at the network header, to the
// next hop addr on ifindex (ip_finish_output2 → neigh_output). It owns b.
//
// When the entry is usable (REACHABLE, PERMANENT, NOARP, or STALE, DELAY,
// PROBE) Config.Xmit runs synchronously with the cached address; a STALE
// entry moves to DELAY. Otherwise b is queued, bounded by QueueLenBytes
// (the oldest queued packets are dropped first, NEIGH_QUEUEFULL), and
// resolution starts with a first probe sent at once. A resolved entry
// releases the queue in order through Xmit; a failed one calls
// ErrorReport for each queued packet and drops it (NEIGH_FAILED).
//
// An error is returned only when no entry could be made (the table is
// full: ENOBUFS, or Construct failed); b has then been dropped
// (NEIGH_CREATEFAIL).
//
// The lookup takes no lock, and sending through a connected entry does
// not allocate.
func (t *Table) Output(ifindex int32, addr netip.Addr, b *packet.Buffer) error {
	addr, _ = t.norm(addr)
	k := key{ifindex, addr}
	e := t.lookupNoref(k)
	if e == nil {
		var w work
		var err error
		e, err = t.create(k, false, &w)
		w.run(t)
		if err != nil {
			t.drop(ifindex, b, DropCreateFail)
			return err
		}
	}
	t.output(e, b)
	return nil
}

// output is neigh_output for one entry.
func (t *Table) output(e *entry, b *packet.Buffer) {
	if e.loadState()&Connected != 0 {
		t.cfg.Xmit(e.key.ifindex, b, e.ha.Load().bytes())
		return
	}
	if t.eventSend(e, b, true) {
		t.cfg.Xmit(e.key.ifindex, b, e.ha.Load().bytes())
	}
}

// Resolve starts resolution of addr on ifindex without a packet, creating
// the entry if needed (neigh_event_send with no skb; ip neigh … use).
func (t *Table) Resolve(ifindex int32, addr netip.Addr) error {
	addr, ok := t.norm(addr)
	if !ok {
		return errBadAddr
	}
	var w work
	e, err := t.create(key{ifindex, addr}, false, &w)
	w.run(t)
	if err != nil {
		return err
	}
	t.eventSend(e, nil, true)
	return nil
}

// eventSend is neigh_event_send: it reports whether b (if any) may be sent
// now with the cached address; otherwise the table has taken b (queued or
// dropped).
func (t *Table) eventSend(e *entry, b *packet.Buffer, immediate bool) bool {
	now := t.now()
	if e.used.Load() != now {
		e.used.Store(now)
	}
	if e.loadState()&(Connected|Delay|Probe) != 0 {
		return true
	}
	var w work
	send := t.eventSendLocked(e, b, immediate, now, &w)
	w.run(t)
	return send
}

func (t *Table) eventSendLocked(e *entry, b *packet.Buffer, immediate bool, now int64, w *work) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.loadState()
	if st&(Connected|Delay|Probe) != 0 {
		return true
	}
	if e.dead {
		if st&Stale != 0 {
			return true
		}
		if b != nil {
			w.drop(e.key.ifindex, b, netdev.DropNeighDead)
		}
		return false
	}
	p := e.parms.Load().get()
	probeNow := false
	switch {
	case st&(Stale|Incomplete) == 0:
		if p.McastProbes+p.AppProbes == 0 {
			e.setState(Failed)
			e.updated = now
			if b != nil {
				w.drop(e.key.ifindex, b, netdev.DropNeighFailed)
			}
			return false
		}
		e.probes = p.UcastProbes
		e.stopTimer()
		e.setState(Incomplete)
		e.updated = now
		if immediate {
			probeNow = true
			e.armTimer(t, max(p.RetransTime, minRetrans))
		} else {
			e.armTimer(t, time.Millisecond)
		}
	case st&Stale != 0:
		e.stopTimer()
		e.setState(Delay)
		e.updated = now
		e.armTimer(t, p.DelayProbeTime)
	}
	queued := false
	if e.loadState() == Incomplete {
		if b != nil {
			t.enqueueLocked(e, b, p, w)
		}
		queued = true
	}
	if probeNow {
		t.probeLocked(e, w)
	}
	return !queued
}

// enqueueLocked appends b to the pending queue, dropping the oldest
// packets while the queue would exceed its byte limit.
func (t *Table) enqueueLocked(e *entry, b *packet.Buffer, p *Params, w *work) {
	ts := Truesize(b)
	for e.queueBytes+ts > int(p.QueueLenBytes) && len(e.queue) > 0 {
		old := e.queue[0]
		e.queue[0] = nil
		e.queue = e.queue[1:]
		e.queueBytes -= Truesize(old)
		w.drop(e.key.ifindex, old, netdev.DropNeighQueueFull)
		t.st.unresDiscards.Add(1)
	}
	e.queue = append(e.queue, b)
	e.queueBytes += ts
}

// probeLocked prepares one solicitation (neigh_probe) and counts it.
func (t *Table) probeLocked(e *entry, w *work) {
	p := e.parms.Load().get()
	n := e.probes
	e.probes++
	s := &Solicitation{Ifindex: e.key.ifindex, Target: e.key.addr}
	switch {
	case n < p.UcastProbes:
		s.LLAddr = e.ha.Load().bytes()
	case n < p.UcastProbes+p.AppProbes:
		w.app = true
	}
	if len(e.queue) > 0 && !w.app {
		s.Packet = e.queue[len(e.queue)-1].Clone()
	}
	w.sol = s
}

// releaseQueue sends the packets queued on an entry that became valid, in
// order, through the output path; packets left when the entry stops being
// valid are dropped.
func (t *Table) releaseQueue(e *entry) {
	for {
		e.mu.Lock()
		if len(e.queue) == 0 {
			e.mu.Unlock()
			return
		}
		if e.loadState()&Valid == 0 {
			q := e.takeQueue()
			e.mu.Unlock()
			for _, b := range q {
				t.drop(e.key.ifindex, b, netdev.DropNotSpecified)
			}
			return
		}
		b := e.queue[0]
		e.queue[0] = nil
		e.queue = e.queue[1:]
		e.queueBytes -= Truesize(b)
		e.mu.Unlock()
		t.output(e, b)
	}
}

// maxProbes is neigh_max_probes.
func maxProbes(p *Params, s State) uint32 {
	n := p.UcastProbes + p.AppProbes
	if s&Probe != 0 {
		return n + p.McastReprobes
	}
	return n + p.McastProbes
}
