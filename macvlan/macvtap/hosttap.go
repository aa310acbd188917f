package macvtap

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/internal/sys"
)

// DefaultHostOffload is the TUN_F_* set a HostTAP offers both ways unless
// its config says otherwise: checksum, TSO (v4, v6, ECN) and USO (dropped
// on host kernels before 6.2).
const DefaultHostOffload = TunFCsum | TunFTSO4 | TunFTSO6 | TunFTSOECN | TunFUSO4 | TunFUSO6

// HostTAPConfig configures OpenHostTAP.
type HostTAPConfig struct {
	// Name is the host interface name; empty lets the kernel pick tap%d.
	// An existing persistent TAP of that name is attached to.
	Name string
	// Offload is the TUN_F_* set requested of the host TAP (zero:
	// DefaultHostOffload); the queue is given what the host granted.
	Offload uint32
	// NoOffload offers no offloads: every frame crosses whole, GSO
	// frames are segmented by softnet (towards the host) and by the host
	// kernel (towards softnet).
	NoOffload bool
	// NoVnetHdr opens both sides without virtio-net headers (implies
	// NoOffload).
	NoVnetHdr bool
	// KeepMAC leaves the host TAP's own MAC address; by default it takes
	// the macvtap's, as a hypervisor gives its guest NIC the macvtap's
	// address (frames to any other address do not reach the queue).
	KeepMAC bool
}

// HostTAP binds one macvtap queue to a host TAP device (/dev/net/tun,
// IFF_TAP|IFF_NO_PI): what the host sends into the TAP is written to the
// queue, what the queue holds is written into the TAP, with the
// virtio-net header passed through unchanged (both sides use a 10-byte
// header in the host's byte order and the same offloads). It is the
// "host TAP per queue" consumer: a VM or any program on the host uses a
// softnet macvtap through an ordinary TAP.
type HostTAP struct {
	q       *Queue
	tun     *sys.Tun
	conn    *sys.Conn // the TAP's one queue
	name    string
	offload uint32
	vnet    bool

	closeOnce sync.Once
	closeErr  error

	// In counts frames written from the host TAP into the queue;
	// InErrors the ones the queue refused (bad vnet header, runt).
	In, InErrors atomic.Uint64
	// Out counts frames written from the queue into the host TAP;
	// OutErrors the ones the host refused (TAP down: EIO; bad header).
	Out, OutErrors atomic.Uint64
}

// hostLE reports whether legacy virtio-net headers are little-endian here
// (they are native-endian).
var hostLE = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// OpenHostTAP creates (or attaches to) the host TAP in the calling
// thread's network namespace and configures q to match it: IFF_VNET_HDR
// with a 10-byte header in host byte order and TUNSETOFFLOAD with the
// offloads the host TAP granted (so GSO frames cross whole both ways),
// or plain frames with NoVnetHdr. The host TAP is left down: configure it
// on the host (ip link set NAME up, addresses). Call Serve to move
// frames, Close to release the TAP; the queue stays the caller's.
func OpenHostTAP(q *Queue, cfg HostTAPConfig) (*HostTAP, error) {
	if q.isClosed() {
		return nil, syscall.EBADF
	}
	off := cfg.Offload
	if off == 0 {
		off = DefaultHostOffload
	}
	if cfg.NoOffload || cfg.NoVnetHdr {
		off = 0
	}
	tun, err := sys.OpenTun(sys.TunConfig{Name: cfg.Name, TAP: true, VnetHdr: !cfg.NoVnetHdr,
		VnetHdrLen: header.VirtioNetHdrSize, Offload: off &^ TunFUFO})
	if err != nil {
		return nil, err
	}
	h := &HostTAP{q: q, tun: tun, conn: tun.Queues[0], name: tun.Name, offload: tun.Offload, vnet: !cfg.NoVnetHdr}
	err = h.setupFlags()
	if err == nil {
		err = q.SetOffload(h.offload)
	}
	if err == nil && !cfg.KeepMAC {
		var mac net.HardwareAddr
		if mac, err = q.HardwareAddr(); err == nil {
			err = tun.SetHardwareAddr(mac)
		}
	}
	if err != nil {
		tun.Close()
		return nil, err
	}
	return h, nil
}

// setupFlags gives the queue the host TAP's framing: IFF_VNET_HDR (or
// not), a 10-byte header in host byte order. It takes no lock.
func (h *HostTAP) setupFlags() error {
	q := h.q
	flags := IffTAP | IffNoPI
	if h.vnet {
		flags |= IffVnetHdr
	}
	if err := q.SetIff("", flags); err != nil {
		return err
	}
	if h.vnet {
		if err := q.SetVnetHdrSize(header.VirtioNetHdrSize); err != nil {
			return err
		}
		q.SetVnetLE(hostLE)
	}
	return nil
}

// Name returns the host interface name.
func (h *HostTAP) Name() string { return h.name }

// Offload returns the TUN_F_* set both sides use.
func (h *HostTAP) Offload() uint32 { return h.offload }

// Queue returns the bound queue.
func (h *HostTAP) Queue() *Queue { return h.q }

// Serve moves frames both ways until ctx is done (returning nil), the
// queue is closed (EBADF) or its device deleted (ENOLINK), or the host
// TAP fails or is closed; it then closes the host TAP, so the host
// interface disappears unless it is persistent. Frames either side
// refuses are counted and skipped. Serve may be called once.
func (h *HostTAP) Serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var inErr, outErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		inErr = h.hostToQueue()
		cancel()
	}()
	go func() {
		defer wg.Done()
		outErr = h.queueToHost(ctx)
		cancel()
	}()
	<-ctx.Done()
	h.Close() // unblocks hostToQueue
	wg.Wait()
	for _, err := range []error{outErr, inErr} {
		if err != nil && !errors.Is(err, context.Canceled) && !sys.IsClosed(err) {
			return err
		}
	}
	return nil
}

// hostToQueue copies frames from the host TAP into the queue.
func (h *HostTAP) hostToQueue() error {
	c := h.conn
	buf := make([]byte, header.VirtioNetHdrSize+MaxFrame+64)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		if _, err := h.q.Write(buf[:n]); err != nil {
			if h.q.isClosed() {
				return syscall.EBADF
			}
			h.InErrors.Add(1)
			continue
		}
		h.In.Add(1)
	}
}

// queueToHost copies frames from the queue into the host TAP.
func (h *HostTAP) queueToHost(ctx context.Context) error {
	c := h.conn
	buf := make([]byte, header.VirtioNetHdrSize+MaxFrame+64)
	for {
		n, err := h.q.ReadContext(ctx, buf)
		if err != nil {
			return err
		}
		if _, err := c.Write(buf[:n]); err != nil {
			if sys.IsClosed(err) {
				return err
			}
			h.OutErrors.Add(1)
			continue
		}
		h.Out.Add(1)
	}
}

// Close closes the host TAP (ending Serve); the queue is left open.
func (h *HostTAP) Close() error {
	h.closeOnce.Do(func() { h.closeErr = h.tun.Close() })
	return h.closeErr
}

// ServeHostTAP opens a host TAP for q (OpenHostTAP) and serves it until
// ctx is done or either side goes away (Serve).
func ServeHostTAP(ctx context.Context, q *Queue, cfg HostTAPConfig) error {
	h, err := OpenHostTAP(q, cfg)
	if err != nil {
		return err
	}
	return h.Serve(ctx)
}
