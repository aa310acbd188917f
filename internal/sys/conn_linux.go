package sys

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Conn is a non-blocking file descriptor parked on Go's network poller: a
// TUN queue or a socket. Reads may run on one goroutine while writes run
// on others; Close wakes a blocked reader, which then returns an error
// for which IsClosed is true.
type Conn struct {
	fd     int
	family int // AF_INET, AF_INET6, AF_PACKET, or 0 for a TUN fd
	f      *os.File
	rc     syscall.RawConn

	// receive state, used by the single reader goroutine
	rb     *Batch
	rn     int
	rerr   error
	recvFn func(uintptr) bool
	rbufs  [][]byte
	rsizes []int
	readFn func(uintptr) bool

	// send state, serialized by txMu
	txMu   sync.Mutex
	tx     *Batch
	sb     *Batch
	sn     int
	serr   error
	sendFn func(uintptr) bool

	// writev state, serialized by txMu
	wiov     []unix.Iovec
	wn       int
	werr     error
	writevFn func(uintptr) bool
}

// NewConn takes ownership of fd, makes it non-blocking and registers it
// with the poller.
func NewConn(fd int, name string) (*Conn, error) {
	return newConn(fd, 0, name)
}

func newConn(fd, family int, name string) (*Conn, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		return nil, err
	}
	if family != 0 {
		setBuffers(fd)
	}
	f := os.NewFile(uintptr(fd), name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	c := &Conn{fd: fd, family: family, f: f, rc: rc, tx: NewBatch(1)}
	c.recvFn = c.doRecv
	c.readFn = c.doRead
	c.sendFn = c.doSend
	c.writevFn = c.doWritev
	return c, nil
}

// SocketBuffer is the receive and send buffer size asked for every socket
// (as wireguard-go does): a reader that is busy with one burst must not
// lose the next 64 KiB GRO trains to a full default-sized (208 KiB)
// buffer. The FORCE options let root exceed net.core.rmem_max/wmem_max;
// without CAP_NET_ADMIN the sizes are capped by those sysctls.
const SocketBuffer = 7 << 20

func setBuffers(fd int) {
	for _, o := range [][2]int{{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF}, {unix.SO_SNDBUFFORCE, unix.SO_SNDBUF}} {
		if unix.SetsockoptInt(fd, unix.SOL_SOCKET, o[0], SocketBuffer) != nil {
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, o[1], SocketBuffer)
		}
	}
}

// IsClosed reports whether err says the Conn was closed.
func IsClosed(err error) bool { return errors.Is(err, os.ErrClosed) }

// Close closes the descriptor and wakes its reader.
func (c *Conn) Close() error { return c.f.Close() }

// Read reads one frame (a TUN queue read).
func (c *Conn) Read(p []byte) (int, error) { return c.f.Read(p) }

// Write writes one frame (a TUN queue write).
func (c *Conn) Write(p []byte) (int, error) { return c.f.Write(p) }

// ReadBatch reads frames into bufs (one read(2) each, as a TUN queue
// delivers them), blocking until the first is available and then taking
// whatever else is already queued, up to len(bufs). sizes[i] is set to
// the length of bufs[i]'s frame; it returns the number of frames read.
func (c *Conn) ReadBatch(bufs [][]byte, sizes []int) (int, error) {
	c.rbufs, c.rsizes, c.rn, c.rerr = bufs, sizes, 0, nil
	err := c.rc.Read(c.readFn)
	c.rbufs, c.rsizes = nil, nil
	if c.rn > 0 {
		return c.rn, nil
	}
	if err != nil {
		return 0, err
	}
	return 0, c.rerr
}

func (c *Conn) doRead(fd uintptr) bool {
	for c.rn < len(c.rbufs) && c.rn < len(c.rsizes) {
		p := c.rbufs[c.rn]
		n, _, e := unix.Syscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		switch e {
		case 0:
			c.rsizes[c.rn] = int(n)
			c.rn++
			continue
		case unix.EAGAIN, unix.EINTR:
			return c.rn > 0
		default:
			c.rerr = e
			return true
		}
	}
	return true
}

// RecvBatch receives up to len(b.Msgs) messages (recvmmsg), blocking until
// at least one is available, and returns how many it filled.
func (c *Conn) RecvBatch(b *Batch) (int, error) {
	b.prepRecv()
	c.rb, c.rn, c.rerr = b, 0, nil
	if err := c.rc.Read(c.recvFn); err != nil {
		return 0, err
	}
	if c.rerr != nil {
		return 0, c.rerr
	}
	b.finishRecv(c.rn)
	return c.rn, nil
}

func (c *Conn) doRecv(fd uintptr) bool {
	b := c.rb
	n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.hdrs[0])),
		uintptr(len(b.hdrs)), unix.MSG_DONTWAIT, 0, 0)
	switch e {
	case 0:
		c.rn = int(n)
	case unix.EAGAIN, unix.EINTR:
		return false
	default:
		c.rerr = e
	}
	return true
}

// SendBatch sends b.Msgs[:n] (sendmmsg) and returns how many the kernel
// took; it blocks while the socket buffer is full.
func (c *Conn) SendBatch(b *Batch, n int) (int, error) {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	return c.sendLocked(b, n)
}

// SendEach sends b.Msgs[:n] with as few sendmmsg calls as it takes,
// going on past a message the host refuses (sendmmsg stops at the first
// failing message: it is reported and the rest go in a new call). done
// is called once per message, in order, with its index and nil or the
// error that refused it. The messages are cleared afterwards.
func (c *Conn) SendEach(b *Batch, n int, done func(i int, err error)) {
	n = min(n, len(b.Msgs))
	for base := 0; base < n; {
		k, err := c.SendBatch(b, n-base)
		switch {
		case err != nil || k <= 0:
			if err == nil {
				err = unix.EIO
			}
			done(base, err)
			k = 1
		default:
			for j := range k {
				done(base+j, nil)
			}
		}
		base += k
		copy(b.Msgs, b.Msgs[k:n-base+k]) // the rest to the front
	}
	clear(b.Msgs[:n])
}

func (c *Conn) sendLocked(b *Batch, n int) (int, error) {
	n = min(n, len(b.Msgs))
	if n == 0 {
		return 0, nil
	}
	if err := b.prepSend(c.family, n); err != nil {
		return 0, err
	}
	c.sb, c.sn, c.serr = b, n, nil
	err := c.rc.Write(c.sendFn)
	clear(b.gather) // drop references to the caller's buffers
	if err != nil {
		return 0, err
	}
	return c.sn, c.serr
}

func (c *Conn) doSend(fd uintptr) bool {
	b := c.sb
	r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.hdrs[0])),
		uintptr(c.sn), 0, 0, 0)
	switch e {
	case 0:
		c.sn = int(r)
	case unix.EAGAIN, unix.EINTR:
		return false
	default:
		c.sn, c.serr = 0, e
	}
	return true
}

// SendMsg sends one message; it is safe for concurrent use.
func (c *Conn) SendMsg(m *Msg) error {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	c.tx.Msgs[0] = *m
	_, err := c.sendLocked(c.tx, 1)
	c.tx.Msgs[0] = Msg{}
	clear(c.tx.gather)
	return err
}

// Writev writes one frame gathered from bufs (a TUN queue's writev: the
// concatenation is one packet); it is safe for concurrent use.
func (c *Conn) Writev(bufs [][]byte) (int, error) {
	if len(bufs) > MaxIov {
		return 0, unix.EINVAL
	}
	c.txMu.Lock()
	defer c.txMu.Unlock()
	c.wiov = fillIovs(c.wiov[:0], bufs)
	c.wn, c.werr = 0, nil
	err := c.rc.Write(c.writevFn)
	clear(c.wiov) // drop references to the caller's buffers
	if err != nil {
		return 0, err
	}
	return c.wn, c.werr
}

func (c *Conn) doWritev(fd uintptr) bool {
	r, _, e := unix.Syscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&c.wiov[0])), uintptr(len(c.wiov)))
	switch e {
	case 0:
		c.wn = int(r)
	case unix.EAGAIN, unix.EINTR:
		return false
	default:
		c.werr = e
	}
	return true
}

// Control runs f with the raw descriptor (for socket options).
func (c *Conn) Control(f func(fd int) error) error {
	var ferr error
	if err := c.rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
