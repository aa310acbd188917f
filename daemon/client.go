package daemon

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// ErrNoDaemon means nothing listens on the socket.
var ErrNoDaemon = errors.New("no softnet daemon is running")

// Client is a connection to a daemon; requests on it run one at a time.
type Client struct {
	conn net.Conn
	br   *bufio.Reader
	enc  *json.Encoder
}

// Dial connects to the daemon's socket. A missing socket or one nobody
// listens on is ErrNoDaemon (wrapped with the path).
func Dial(path string) (*Client, error) {
	c, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%w (nothing listens on %s)", ErrNoDaemon, path)
		}
		return nil, err
	}
	return &Client{conn: c, br: bufio.NewReader(c), enc: json.NewEncoder(c)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// CloseWrite tells the daemon the client is done (ending a stream
// cleanly: the daemon flushes what it has and closes); the stream's reader
// then ends with io.EOF.
func (c *Client) CloseWrite() error {
	if uc, ok := c.conn.(*net.UnixConn); ok {
		return uc.CloseWrite()
	}
	return c.conn.Close()
}

// Do sends one request and reads its response.
func (c *Client) Do(req *Request) (Response, error) {
	if err := c.enc.Encode(req); err != nil {
		return c.refused(err)
	}
	return c.readResponse()
}

// refused reads the daemon's answer after a failed write: a refused
// client's connection is answered and closed before its request is read.
func (c *Client) refused(werr error) (Response, error) {
	if resp, err := c.readResponse(); err == nil {
		return resp, nil
	}
	return Response{}, werr
}

// DoRaw sends one raw line (tests and other languages' clients use the
// same framing: a JSON object and a newline) and reads the response.
func (c *Client) DoRaw(line []byte) (Response, error) {
	if _, err := c.conn.Write(line); err != nil {
		return c.refused(err)
	}
	return c.readResponse()
}

func (c *Client) readResponse() (Response, error) {
	line, err := c.br.ReadBytes('\n')
	if err != nil {
		if err == io.EOF && len(line) == 0 {
			return Response{}, errors.New("the daemon closed the connection")
		}
		return Response{}, err
	}
	var resp Response
	if err := json.Unmarshal(line, &resp); err != nil {
		return Response{}, fmt.Errorf("bad response from the daemon: %v", err)
	}
	return resp, nil
}

// Stream sends a streaming request (monitor, capture). When the daemon
// accepts it, the returned reader yields the stream (event lines, or
// pcapng) until the daemon ends it or the client is closed; otherwise the
// response says why.
func (c *Client) Stream(req *Request) (io.Reader, Response, error) {
	resp, err := c.Do(req)
	if err != nil || resp.Status != 0 {
		return nil, resp, err
	}
	return c.br, resp, nil
}
