package frag

import "github.com/softnet/softnet/packet"

// entry is one queued fragment. Its buffer's data starts at the IP header
// and holds hlen header bytes then the payload [off, end) of the datagram.
type entry struct {
	b        *packet.Buffer
	off, end int
	hlen     int
	truesize int64
	// runHead marks the first fragment of a run: fragments appended in
	// order at the tail, each starting where the previous one ended, form
	// a run (Linux's fragrun); duplicates are judged against runs.
	runHead bool
}

// Outcomes of queue.insert (IPFRAG_OK, IPFRAG_DUP, IPFRAG_OVERLAP).
type insertResult uint8

const (
	insertOK insertResult = iota
	insertDup
	insertOverlap
)

// insert places e in offset order (inet_frag_queue_insert). A fragment
// lying wholly inside an existing run is a duplicate; any other
// intersection is an overlap.
func (q *queue) insert(e entry) insertResult {
	n := len(q.frags)
	if n == 0 {
		e.runHead = true
		q.frags = append(q.frags, e)
		return insertOK
	}
	last := &q.frags[n-1]
	if last.end < e.end {
		// The common case: the fragment goes at the end.
		if e.off < last.end {
			return insertOverlap
		}
		e.runHead = e.off != last.end
		q.frags = append(q.frags, e)
		return insertOK
	}
	// First fragment whose end lies past e.off; fragments are disjoint
	// and sorted, so ends are sorted too. i < n since last.end >= e.end.
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if q.frags[m].end > e.off {
			hi = m
		} else {
			lo = m + 1
		}
	}
	i := lo
	if q.frags[i].off >= e.end {
		e.runHead = true
		q.frags = append(q.frags, entry{})
		copy(q.frags[i+1:], q.frags[i:])
		q.frags[i] = e
		return insertOK
	}
	s := i
	for !q.frags[s].runHead {
		s--
	}
	t := i
	for t+1 < n && !q.frags[t+1].runHead {
		t++
	}
	if e.off >= q.frags[s].off && e.end <= q.frags[t].end {
		return insertDup
	}
	return insertOverlap
}

// complete reports whether every byte of the datagram has arrived.
func (q *queue) complete() bool {
	return q.flags == firstIn|lastIn && q.meat == q.len
}

// ecnBit maps an ECN codepoint to its bit in queue.ecn (ip4_frag_ecn).
func ecnBit(ecn uint8) uint8 { return 1 << (ecn & 3) }

// Bits of queue.ecn (IPFRAG_ECN_*).
const (
	ecnNotECT = 1 << 0
	ecnECT1   = 1 << 1
	ecnECT0   = 1 << 2
	ecnCE     = 1 << 3
)

// ecnInvalid marks an impossible mix in ecnTable.
const ecnInvalid = 0xff

// ecnTable gives the ECN bits to OR into the reassembled header for a mix
// of fragment codepoints, or ecnInvalid (ip_frag_ecn_table, RFC 3168 5.3):
// CE with ECT is CE; not-ECT mixed with any ECT or CE is invalid.
var ecnTable = func() [16]uint8 {
	var t [16]uint8
	for m := range 16 {
		switch {
		case m&ecnNotECT != 0 && m&(ecnECT0|ecnECT1|ecnCE) != 0:
			t[m] = ecnInvalid
		case m&ecnCE != 0 && m&(ecnECT0|ecnECT1) != 0:
			t[m] = 3
		}
	}
	return t
}()

// truesize is what a buffer is charged against the memory limit.
func truesize(b *packet.Buffer) int64 {
	return int64(b.Headroom()+b.Len()+b.Tailroom()) + fragOverhead
}

// assemble builds the datagram in the first fragment's buffer: it grows
// that buffer to hlen+q.len bytes, copies the other fragments' payloads
// in, frees their buffers and empties q.frags. It returns nil, leaving the
// queue untouched, when the buffer cannot grow.
func (q *queue) assemble() *packet.Buffer {
	head := q.frags[0]
	b := head.b
	total := head.hlen + q.len
	grow := total - b.Len()
	// Keep a link-layer header in the headroom with the data when the
	// buffer moves (Reserve moves only the data).
	mac := 0
	if off, ok := b.MACOffset(); ok && off < 0 && -off <= b.Headroom() {
		mac = -off
		b.Push(mac)
	}
	if !b.Reserve(b.Headroom(), grow) && !b.Reserve(min(b.Headroom(), packet.DefaultHeadroom), grow) {
		b.Pull(mac)
		return nil
	}
	b.Pull(mac)
	if b.Put(grow) == nil {
		return nil
	}
	data := b.Bytes()
	for _, f := range q.frags[1:] {
		copy(data[head.hlen+f.off:], f.b.Bytes()[f.hlen:])
		f.b.Free()
	}
	clear(q.frags)
	q.frags = q.frags[:0]
	return b
}
