package daemon

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultSocket is where the daemon listens unless told otherwise.
const DefaultSocket = "/run/softnet/softnet.sock"

// idleTimeout closes a connection that sends no request for this long.
const idleTimeout = 5 * time.Minute

// server tracks listeners and connections so Close can end them.
type server struct {
	mu        sync.Mutex
	closing   bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup
}

func (s *server) init() {
	s.listeners = map[net.Listener]struct{}{}
	s.conns = map[net.Conn]struct{}{}
}

func (s *server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
}

func (s *server) wait() { s.wg.Wait() }

// track registers a connection; false when the server is closing.
func (s *server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
	s.wg.Done()
}

// Listen creates the daemon's Unix socket at path, mode 0600, in a
// directory it creates (0755) if needed. A stale socket left by a crashed
// daemon is replaced; a live one is an error.
func Listen(path string) (*net.UnixListener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("a softnet daemon is already listening on %s", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// Serve accepts connections on l until Close; it returns nil after Close.
func (d *Daemon) Serve(l net.Listener) error {
	d.srv.mu.Lock()
	if d.srv.closing {
		d.srv.mu.Unlock()
		l.Close()
		return nil
	}
	d.srv.listeners[l] = struct{}{}
	d.srv.mu.Unlock()
	defer func() {
		d.srv.mu.Lock()
		delete(d.srv.listeners, l)
		d.srv.mu.Unlock()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			d.srv.mu.Lock()
			closing := d.srv.closing
			d.srv.mu.Unlock()
			if closing {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		if !d.srv.track(c) {
			c.Close()
			return nil
		}
		go d.serveConn(c)
	}
}

// serveConn answers requests, one JSON line each, until the client closes
// or a stream (monitor, capture) takes the connection over.
func (d *Daemon) serveConn(c net.Conn) {
	defer d.srv.untrack(c)
	enc := json.NewEncoder(c)
	cred, err := d.peerCred(c)
	if err == nil {
		err = authorize(cred, d.uid)
	}
	if err != nil {
		d.log.Warn("connection refused", "err", err)
		_ = enc.Encode(errorResponse("%v", err))
		return
	}
	br := bufio.NewReaderSize(c, 64<<10)
	for {
		_ = c.SetReadDeadline(time.Now().Add(idleTimeout))
		line, err := readLine(br)
		if err == io.EOF {
			return
		}
		if errors.Is(err, ErrTooLarge) {
			_ = enc.Encode(errorResponse("%v", err))
			return // the rest of the line is unread: the stream is lost
		}
		if err != nil {
			return // closed, timed out
		}
		req, err := DecodeRequest(line)
		if err != nil {
			_ = enc.Encode(errorResponse("%v", err))
			continue
		}
		switch req.Cmd {
		case CmdMonitor:
			d.monitor(c, br, req)
			return
		case CmdCapture:
			d.capture(c, br, req)
			return
		}
		resp := d.Exec(req)
		_ = c.SetWriteDeadline(time.Now().Add(idleTimeout))
		if err := enc.Encode(resp); err != nil {
			return
		}
	}
}

// readLine reads one newline-terminated line of at most MaxRequestSize
// bytes. io.EOF means the client closed between requests.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > MaxRequestSize+1 {
			return nil, ErrTooLarge
		}
		switch {
		case err == nil:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(line) > 0:
			return line, nil // last request without its newline
		default:
			return nil, err
		}
	}
}
