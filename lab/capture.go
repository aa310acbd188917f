package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/softnet/softnet/internal/pcap"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// capturer is a netdev.Tap writing one device's packets to a pcapng file,
// stamped with the world's (virtual) time.
type capturer struct {
	spec *Capture
	dev  *netdev.Device
	path string

	mu      sync.Mutex
	f       *os.File
	w       *pcap.Writer
	in, out bool
	packets int
	err     error
}

var _ netdev.Tap = (*capturer)(nil)

// openCapture creates the file and attaches the tap.
func openCapture(c *Capture, dev *netdev.Device, outDir string) (*capturer, error) {
	path := c.File
	if !filepath.IsAbs(path) && outDir != "" {
		path = filepath.Join(outDir, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	pw, err := pcap.NewWriter(f, pcap.Interface{
		Name:        fmt.Sprintf("%s:%s", c.Host, c.Dev),
		Description: "softnet lab device",
		LinkType:    pcap.LinkType(dev),
		Snaplen:     c.Snaplen,
		Application: "softnet lab",
	})
	if err != nil {
		f.Close()
		return nil, err
	}
	cp := &capturer{spec: c, dev: dev, path: path, f: f, w: pw,
		in: c.Direction != "out", out: c.Direction != "in"}
	dev.AddTap(cp)
	return cp, nil
}

// Tap writes one packet.
func (c *capturer) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	if dir == netdev.DirIn && !c.in || dir == netdev.DirOut && !c.out {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.w == nil {
		return
	}
	c.err = c.w.WritePacket(d.Namespace().World().Now(), b.Bytes(), dir)
	c.packets++
}

// close detaches the tap and flushes the file.
func (c *capturer) close() error {
	c.dev.RemoveTap(c)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.w == nil {
		return c.err
	}
	err := c.err
	if e := c.w.Flush(); err == nil {
		err = e
	}
	if e := c.f.Close(); err == nil {
		err = e
	}
	c.w = nil
	return err
}
