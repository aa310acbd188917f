package hostlink

import (
	"errors"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Drop reasons of host I/O.
var (
	// DropHostWrite counts packets the host refused (write/sendmsg failed).
	DropHostWrite = netdev.RegisterDropReason("HOST_WRITE")
	// DropGSOSeg counts super-packets that could not be segmented in
	// software (SKB_DROP_REASON_SKB_GSO_SEG).
	DropGSOSeg = netdev.RegisterDropReason("SKB_GSO_SEG")
	// DropHostNotPacket counts packets an L3 host device cannot send
	// (not IPv4/IPv6, or not a datagram of the bound UDP socket).
	DropHostNotPacket = netdev.RegisterDropReason("HOST_PROTO")
)

// rxHeadroom is the headroom in front of every received frame: room for
// an outer Ethernet + IPv6 + UDP + ESP header without copying.
const rxHeadroom = packet.DefaultHeadroom

// maxFrame is the largest frame a host queue can hand over: a 64 KiB GSO
// super-frame with its link-layer header.
const maxFrame = 65535 + netdev.EthHeaderLen

// rxBatch is the number of frames or messages one reader takes per wake-up.
const rxBatch = 32

// host is the state every host-bound device shares: its I/O handles and
// reader goroutines.
type host struct {
	dev    *netdev.Device
	conns  []*sys.Conn
	wg     sync.WaitGroup
	closed atomic.Bool
	once   sync.Once
}

// stop closes every handle, waits for the readers to return and frees
// what they held. It is idempotent.
func (h *host) stop() {
	h.once.Do(func() {
		h.closed.Store(true)
		for _, c := range h.conns {
			c.Close()
		}
		h.wg.Wait()
	})
}

// go starts a reader goroutine.
func (h *host) start(f func()) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		f()
	}()
}

// readerDone reports whether a reader should return after err.
func (h *host) readerDone(err error) bool {
	if h.closed.Load() || sys.IsClosed(err) {
		return true
	}
	h.dev.Stats.RxErrors.Add(1)
	return !errors.Is(err, syscall.EINTR) && !errors.Is(err, syscall.ENOBUFS) && !errors.Is(err, syscall.ENOMEM)
}

// needRealLoop refuses worlds whose loop is simulated: host readers call
// Device.Receive from their own goroutines, which only a RealLoop world
// allows.
func needRealLoop(ns *netdev.Namespace) error {
	if _, ok := ns.World().Loop().(*netdev.RealLoop); !ok {
		return extack.New(syscall.EOPNOTSUPP, "host devices need a real-time world (softnet daemon), not a lab")
	}
	return nil
}

// hostErr turns a host system error into an extack error.
func hostErr(what string, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return extack.Errorf(errno, "%s: %v", what, err)
	}
	if errors.Is(err, sys.ErrNotSupported) {
		return extack.Errorf(syscall.EOPNOTSUPP, "%s: %v", what, err)
	}
	return extack.Errorf(syscall.EINVAL, "%s: %v", what, err)
}

// bufs is a reader's batch of pooled buffers, each holding room for one
// frame behind rxHeadroom; slots whose buffer was handed on are refilled.
type bufs struct {
	b     []*packet.Buffer
	raw   [][]byte
	sizes []int
	size  int
}

func newBufs(n, size int) *bufs {
	return &bufs{b: make([]*packet.Buffer, n), raw: make([][]byte, n), sizes: make([]int, n), size: size}
}

// fill makes every slot hold a buffer; it reports false if the pool fails.
func (r *bufs) fill() bool {
	for i, b := range r.b {
		if b != nil {
			continue
		}
		b, err := packet.New(rxHeadroom, r.size)
		if err != nil {
			return false
		}
		r.b[i], r.raw[i] = b, b.Put(r.size)
	}
	return true
}

// take hands slot i's buffer, trimmed to n bytes, to the caller.
func (r *bufs) take(i, n int) *packet.Buffer {
	b := r.b[i]
	r.b[i], r.raw[i] = nil, nil
	b.Trim(n)
	return b
}

// free releases every buffer still held.
func (r *bufs) free() {
	for i, b := range r.b {
		if b != nil {
			b.Free()
			r.b[i], r.raw[i] = nil, nil
		}
	}
}

// setL3 prepares an IP packet at the data start for Receive on a
// headerless device: protocol from the version nibble, network header at 0.
func setL3(d *netdev.Device, b *packet.Buffer) bool {
	p := b.Bytes()
	if len(p) == 0 {
		d.Stats.RxLengthErrors.Add(1)
		d.DropRx(b, netdev.DropPktTooSmall)
		return false
	}
	switch p[0] >> 4 {
	case 4:
		b.Protocol = 0x0800
	case 6:
		b.Protocol = 0x86DD
	default:
		d.DropRx(b, netdev.DropUnhandledProto)
		return false
	}
	b.SetNetworkHeader(0)
	b.PktType = packet.PacketHost
	return true
}
