package hostlink

import (
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// rawBatchMax bounds the packets one sendmmsg on a raw socket carries.
const rawBatchMax = 64

// rawBatches holds the packets a host-ip device is given during a receive
// burst and sends them with one sendmmsg per socket when the burst ends
// (xmit_more): raw sockets take no super-packets, so a batch of messages
// is the most one system call can carry.
type rawBatches struct {
	mu sync.Mutex
	// v4 and v6 are the batches of the IPv4 (IP_HDRINCL) and IPv6
	// (IPPROTO_RAW) sockets.
	v4, v6 rawBatch
	// due is set while the world owes the device a Flush (World.Hold).
	due bool
	// sent counts sendmmsg calls that carried more than one packet.
	sent atomic.Uint64
}

// rawBatch is the held packets of one socket.
type rawBatch struct {
	c     *sys.Conn
	batch *sys.Batch
	held  []*packet.Buffer
}

func (r *rawBatch) init(c *sys.Conn) {
	r.c = c
	r.batch = sys.NewBatch(rawBatchMax)
	r.held = make([]*packet.Buffer, 0, rawBatchMax)
}

// add holds b (to go to dst on socket c) when a burst is running; it
// reports false when b must be sent now, alone.
func (rd *rawIPDev) add(c *sys.Conn, b *packet.Buffer, dst netip.Addr) bool {
	rb := &rd.batches
	rb.mu.Lock()
	defer rb.mu.Unlock()
	if !rb.due {
		if !rd.world.Hold(rd) {
			return false // no burst: send now (nothing is held)
		}
		rb.due = true
	}
	r := &rb.v4
	if c == rd.tx6 {
		r = &rb.v6
	}
	r.batch.Msgs[len(r.held)] = sys.Msg{Buf: b.Bytes(), Addr: netip.AddrPortFrom(dst, 0)}
	r.held = append(r.held, b)
	if len(r.held) == rawBatchMax {
		rd.flushLocked(r)
	}
	return true
}

// Flush implements netdev.Flusher: it sends what both sockets hold.
func (rd *rawIPDev) Flush() {
	rb := &rd.batches
	rb.mu.Lock()
	rd.flushLocked(&rb.v4)
	rd.flushLocked(&rb.v6)
	rb.due = false
	rb.mu.Unlock()
}

// flushLocked sends r's packets with sendmmsg; a packet the host refuses
// is counted as a host write error and dropped, the rest still go.
func (rd *rawIPDev) flushLocked(r *rawBatch) {
	n := len(r.held)
	if n == 0 {
		return
	}
	if n > 1 {
		rd.batches.sent.Add(1)
	}
	r.c.SendEach(r.batch, n, func(i int, err error) { sent(rd.dev, r.held[i], err) })
	clear(r.held)
	r.held = r.held[:0]
}

// sent counts a packet a host socket took (and frees it) or refused (a
// host write error, dropped).
func sent(d *netdev.Device, b *packet.Buffer, err error) {
	if err != nil {
		d.Stats.TxErrors.Add(1)
		d.DropTx(b, DropHostWrite)
		return
	}
	d.Stats.CountTx(b.Len())
	b.Free()
}

var _ netdev.Flusher = (*rawIPDev)(nil)
