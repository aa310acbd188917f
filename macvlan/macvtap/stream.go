package macvtap

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// ErrStreamFrame reports a peer that sent a frame length outside 1 to
// MaxFrame bytes: the stream cannot be resynchronised.
var ErrStreamFrame = errors.New("macvtap: bad frame length in stream")

// ServeStream joins q to conn using QEMU's -netdev stream framing (and
// -netdev socket's): every Ethernet frame travels as a 4-byte big-endian
// length followed by the frame, without a vnet header. The queue is
// switched to IFF_TAP|IFF_NO_PI. Frames from conn are written to the
// queue; frames read from the queue are sent to conn. ServeStream
// returns, closing conn, when ctx is done, the peer closes the
// connection (nil), the peer breaks the framing (ErrStreamFrame), or
// the queue is closed or its device deleted (the queue's error).
func ServeStream(ctx context.Context, q *Queue, conn net.Conn) error {
	if err := q.SetIff("", IffTAP|IffNoPI); err != nil {
		conn.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		errs <- streamIn(q, conn)
		cancel()
	}()
	go func() {
		defer wg.Done()
		errs <- streamOut(ctx, q, conn)
		cancel()
	}()
	<-ctx.Done()
	conn.Close() // unblocks streamIn
	wg.Wait()
	close(errs)
	var first error
	for err := range errs {
		if first == nil && err != nil && !errors.Is(err, context.Canceled) {
			first = err
		}
	}
	return first
}

// streamIn copies frames from the connection into the queue.
func streamIn(q *Queue, conn net.Conn) error {
	var lenBuf [4]byte
	buf := make([]byte, MaxFrame)
	for {
		if _, err := io.ReadFull(conn, lenBuf[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		n := binary.BigEndian.Uint32(lenBuf[:])
		if n == 0 || n > MaxFrame {
			return fmt.Errorf("%w: %d", ErrStreamFrame, n)
		}
		if _, err := io.ReadFull(conn, buf[:n]); err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		// A refused frame (a runt) is counted by the queue; keep going.
		if _, err := q.Write(buf[:n]); err != nil && q.isClosed() {
			return err
		}
	}
}

// streamOut copies frames from the queue to the connection.
func streamOut(ctx context.Context, q *Queue, conn net.Conn) error {
	buf := make([]byte, 4+MaxFrame)
	for {
		n, err := q.ReadContext(ctx, buf[4:])
		if err != nil {
			return err
		}
		binary.BigEndian.PutUint32(buf[:4], uint32(n))
		if _, err := conn.Write(buf[:4+n]); err != nil {
			return err
		}
	}
}

// ListenStream accepts connections on l, one at a time, and serves each
// with ServeStream on q: the server side of QEMU's
// -netdev stream,server=off,addr.type=unix,addr.path=PATH. It returns
// when ctx is done (closing l) or the queue fails; a peer that goes away
// is replaced by the next connection.
func ListenStream(ctx context.Context, l net.Listener, q *Queue) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		err = ServeStream(ctx, q, conn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && !errors.Is(err, ErrStreamFrame) {
			return err
		}
	}
}
