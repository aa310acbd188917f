package hostlink

import (
	"sync"

	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Limits of one UDP_SEGMENT send: the kernel's UDP_MAX_SEGMENTS (64 on
// older kernels) and the 64 KiB an IP packet may carry.
const (
	trainMaxSegs  = 64
	trainMaxBytes = 65535 - 60 - 8 // room for the largest IPv4 and a UDP header
)

// maxTrains bounds the trains a host-udp device builds at once (one per
// peer and source address); all leave in one sendmmsg.
const maxTrains = 8

// udpTrains holds the datagrams a host-udp device is given during a
// receive burst: per peer (and source address), consecutive datagrams
// all of one size but the last make a train, sent as one UDP_SEGMENT
// message (the host segments it, or hands the super-packet whole to a
// GSO-capable path such as veth); the trains to up to maxTrains peers
// leave together in one sendmmsg.
type udpTrains struct {
	mu sync.Mutex
	t  [maxTrains]udpTrain
	n  int // trains in use: t[:n], in the order they began
	// due is set while the world owes the device a Flush (World.Hold).
	due   bool
	batch *sys.Batch
}

// udpTrain is the datagrams held for one peer.
type udpTrain struct {
	held  []*packet.Buffer
	bufs  [][]byte
	m     sys.Msg // destination, source and segment size of the train
	seg   int
	bytes int
	// closed is set when a shorter datagram ended the train.
	closed bool
}

// add queues b (whose datagram m describes) on its peer's train when a
// burst is running, sending what that train held first when b cannot
// join it (or every train, when all are in use for other peers). It
// reports false when b must be sent alone, now.
func (ud *udpDev) add(b *packet.Buffer, m *sys.Msg) bool {
	ts := &ud.trains
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if m.GSOSize != 0 {
		ud.flushLocked()
		return false
	}
	n := len(m.Buf)
	i := ts.find(m)
	if i >= 0 {
		if t := &ts.t[i]; t.closed || n > t.seg || len(t.held) >= trainMaxSegs || t.bytes+n > trainMaxBytes {
			ud.sendLocked(i, i+1) // this peer's train first, in order
			ts.remove(i)
			i = -1
		}
	}
	if i < 0 && ts.n == maxTrains {
		ud.flushLocked()
	}
	if !ts.due {
		if !ud.world.Hold(ud) {
			return false // no burst: send now (nothing is held)
		}
		ts.due = true
	}
	if i < 0 {
		i = ts.n
		ts.n++
		t := &ts.t[i]
		t.m, t.seg = *m, n
		t.m.Buf = nil
	}
	t := &ts.t[i]
	t.held = append(t.held, b)
	t.bufs = append(t.bufs, m.Buf)
	t.bytes += n
	if n < t.seg {
		t.closed = true
	}
	return true
}

// find returns the index of the train to m's peer from m's source, or -1.
func (ts *udpTrains) find(m *sys.Msg) int {
	for i := range ts.n {
		if ts.t[i].m.Addr == m.Addr && ts.t[i].m.Local == m.Local {
			return i
		}
	}
	return -1
}

// remove drops the (sent) train i, keeping the others in order.
func (ts *udpTrains) remove(i int) {
	sent := ts.t[i]
	copy(ts.t[i:ts.n], ts.t[i+1:ts.n])
	ts.n--
	ts.t[ts.n] = sent // keep its slices' capacity for reuse
}

// Flush implements netdev.Flusher: it sends every train held.
func (ud *udpDev) Flush() {
	ts := &ud.trains
	ts.mu.Lock()
	ud.flushLocked()
	ts.due = false
	ts.mu.Unlock()
}

// flushLocked sends every train, in one sendmmsg.
func (ud *udpDev) flushLocked() {
	ts := &ud.trains
	ud.sendLocked(0, ts.n)
	ts.n = 0
}

// sendLocked sends trains t[lo:hi] with sendmmsg (each one message,
// UDP_SEGMENT when it has several datagrams), going on past a message the
// host refuses, and frees their buffers; the trains are left empty.
func (ud *udpDev) sendLocked(lo, hi int) {
	ts := &ud.trains
	if ts.batch == nil {
		ts.batch = sys.NewBatch(maxTrains)
	}
	var which [maxTrains]int // the train of each message
	k := 0
	for i := lo; i < hi; i++ {
		t := &ts.t[i]
		if len(t.held) == 0 {
			continue
		}
		m := t.m
		if len(t.held) == 1 {
			m.Buf = t.bufs[0]
		} else {
			m.Bufs, m.GSOSize = t.bufs, uint16(t.seg)
		}
		ts.batch.Msgs[k], which[k] = m, i
		k++
	}
	ud.c.SendEach(ts.batch, k, func(j int, err error) {
		t := &ts.t[which[j]]
		for _, b := range t.held {
			sent(ud.dev, b, err)
		}
		if err == nil && len(t.held) > 1 {
			ud.trainsSent.Add(1)
		}
	})
	for i := lo; i < hi; i++ {
		t := &ts.t[i]
		clear(t.held)
		clear(t.bufs)
		t.held, t.bufs = t.held[:0], t.bufs[:0]
		t.bytes, t.closed = 0, false
	}
}

var _ netdev.Flusher = (*udpDev)(nil)
