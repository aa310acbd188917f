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

// udpTrain holds the datagrams a host-udp device is given during a
// receive burst that go to the same peer, all of one size but the last,
// and sends them as one UDP_SEGMENT sendmsg (the host segments them, or
// hands the super-packet whole to a GSO-capable path such as veth).
type udpTrain struct {
	mu    sync.Mutex
	held  []*packet.Buffer
	bufs  [][]byte
	m     sys.Msg // destination, source and segment size of the train
	seg   int
	bytes int
	// closed is set when a shorter datagram ended the train.
	closed bool
	// due is set while the world owes the device a Flush (World.Hold).
	due bool
}

// add queues b (whose datagram m describes) on the train when a burst is
// running, sending what the train held first when b cannot join it. It
// reports false when b must be sent alone, now.
func (ud *udpDev) add(b *packet.Buffer, m *sys.Msg) bool {
	t := &ud.train
	t.mu.Lock()
	defer t.mu.Unlock()
	if m.GSOSize != 0 {
		ud.flushLocked()
		return false
	}
	n := len(m.Buf)
	if len(t.held) > 0 && (t.closed || n > t.seg || m.Addr != t.m.Addr || m.Local != t.m.Local ||
		len(t.held) >= trainMaxSegs || t.bytes+n > trainMaxBytes) {
		ud.flushLocked()
	}
	if !t.due {
		if !ud.world.Hold(ud) {
			return false // no burst: send now (nothing is held)
		}
		t.due = true
	}
	if len(t.held) == 0 {
		t.m, t.seg = *m, n
		t.m.Buf = nil
	}
	t.held = append(t.held, b)
	t.bufs = append(t.bufs, m.Buf)
	t.bytes += n
	if n < t.seg {
		t.closed = true
	}
	return true
}

// Flush implements netdev.Flusher: it sends the train held.
func (ud *udpDev) Flush() {
	t := &ud.train
	t.mu.Lock()
	ud.flushLocked()
	t.due = false
	t.mu.Unlock()
}

// flushLocked sends the train as one message (UDP_SEGMENT when it has
// more than one datagram) and frees its buffers.
func (ud *udpDev) flushLocked() {
	t := &ud.train
	if len(t.held) == 0 {
		return
	}
	m := t.m
	if len(t.held) == 1 {
		m.Buf = t.bufs[0]
	} else {
		m.Bufs, m.GSOSize = t.bufs, uint16(t.seg)
	}
	err := ud.c.SendMsg(&m)
	d := ud.dev
	for _, b := range t.held {
		if err != nil {
			d.Stats.TxErrors.Add(1)
			d.DropTx(b, DropHostWrite)
			continue
		}
		d.Stats.CountTx(b.Len())
		b.Free()
	}
	if err == nil && len(t.held) > 1 {
		ud.trains.Add(1)
	}
	clear(t.held)
	clear(t.bufs)
	t.held, t.bufs = t.held[:0], t.bufs[:0]
	t.bytes, t.closed = 0, false
}

var _ netdev.Flusher = (*udpDev)(nil)
