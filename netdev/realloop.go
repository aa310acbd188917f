package netdev

import (
	"sync"
	"time"

	"github.com/softnet/softnet/packet"
)

// RealLoop runs packet work on real time with a pool of worker goroutines,
// one backlog queue each; a packet's queue is chosen by its flow hash (or
// ingress ifindex) so that a flow's packets stay in order.
type RealLoop struct {
	queues []chan rxItem
	wg     sync.WaitGroup
	once   sync.Once
	done   chan struct{}
}

// NewRealLoop starts a loop with n workers (at least one).
func NewRealLoop(n int) *RealLoop {
	if n < 1 {
		n = 1
	}
	l := &RealLoop{done: make(chan struct{})}
	for range n {
		q := make(chan rxItem, MaxBacklog)
		l.queues = append(l.queues, q)
		l.wg.Add(1)
		go l.worker(q)
	}
	return l
}

func (l *RealLoop) worker(q chan rxItem) {
	defer l.wg.Done()
	for {
		select {
		case it := <-q:
			it.dev.Receive(it.b)
		case <-l.done:
			for {
				select {
				case it := <-q:
					it.b.Free()
				default:
					return
				}
			}
		}
	}
}

// Now returns the wall-clock time.
func (l *RealLoop) Now() time.Time { return time.Now() }

// NetifRx queues b for dev.Receive on a worker, or, while a host reader's
// receive burst runs, for the end of the burst on the reader's goroutine
// (as Linux's gro_cells run in the same softirq).
func (l *RealLoop) NetifRx(dev *Device, b *packet.Buffer) {
	if ns := dev.Namespace(); ns != nil && ns.World().deferRx(dev, b) {
		return
	}
	h := b.Hash
	if h == 0 {
		h = uint32(dev.Index())
	}
	select {
	case <-l.done:
		dev.DropRx(b, DropBacklog)
		return
	default:
	}
	select {
	case l.queues[h%uint32(len(l.queues))] <- rxItem{dev, b}:
	default:
		dev.DropRx(b, DropBacklog)
	}
}

// XmitAt hands b to dev's driver at time at.
func (l *RealLoop) XmitAt(at time.Time, dev *Device, b *packet.Buffer) {
	time.AfterFunc(time.Until(at), func() { dev.xmitDriver(b) })
}

// AfterFunc runs f after d.
func (l *RealLoop) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Close stops the workers and frees queued packets.
func (l *RealLoop) Close() {
	l.once.Do(func() { close(l.done) })
	l.wg.Wait()
}
