package daemon

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/softnet/softnet/daemon/capfilter"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/pcap"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// streamSetup answers a streaming request's header and starts watching
// for the client going away. The returned channel closes when it has;
// stop must be called before returning to close the connection and wait.
func (d *Daemon) streamSetup(c net.Conn, br *bufio.Reader) (gone chan struct{}, stop func()) {
	_ = c.SetReadDeadline(time.Time{})
	_ = json.NewEncoder(c).Encode(Response{})
	gone = make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, br)
		close(gone)
	}()
	return gone, func() {
		c.Close()
		<-gone
	}
}

// monitorObjects returns which of iproute.MonitorObjects a request asks
// for (none named: all).
func monitorObjects(req *Request) map[string]bool {
	want := map[string]bool{}
	for _, o := range req.Objects {
		want[o] = true
	}
	if len(want) == 0 || want["all"] {
		for _, o := range iproute.MonitorObjects {
			want[o] = true
		}
	}
	return want
}

// monitor streams one namespace's link, address, route and xfrm events
// as `ip monitor` prints them, until the client closes or the daemon
// stops. Events are rendered where they happen (notifiers hold the RTNL,
// so names and link texts are those of the moment) and queued; a client
// too slow for the queue loses events, and is told how many.
func (d *Daemon) monitor(c net.Conn, br *bufio.Reader, req *Request) {
	var stderr bytes.Buffer
	ns, rc := d.namespace(req.Netns, &stderr)
	if ns == nil {
		_ = json.NewEncoder(c).Encode(Response{Stderr: stderr.String(), Status: rc})
		return
	}
	want := monitorObjects(req)
	events := make(chan string, 1024)
	var lost atomic.Uint64
	queue := func(text string) {
		if text == "" {
			return
		}
		select {
		case events <- text:
		default:
			lost.Add(1)
		}
	}
	mon := iproute.NewMonitor(&iproute.Env{World: d.world, NS: ns}, ns)
	if want["link"] {
		defer ns.Subscribe(func(ev netdev.Event, dev *netdev.Device) error {
			queue(mon.Link(ev, dev))
			return nil
		})()
	}
	if want["address"] || want["route"] {
		defer inet.Subscribe(ns, func(ev inet.Event) {
			isAddr := ev.Type == inet.EventNewAddr || ev.Type == inet.EventDelAddr
			if isAddr && want["address"] || !isAddr && want["route"] {
				queue(mon.Inet(ev))
			}
		})()
	}
	if want["xfrm"] {
		defer xfrm.ForNamespace(ns).Subscribe(func(m xfrm.Msg) { queue(mon.Xfrm(m)) })()
	}
	gone, stop := d.streamSetup(c, br)
	defer stop()
	d.log.Info("monitor started", "netns", ns.Name(), "objects", req.Objects)
	for {
		select {
		case <-d.done:
			return
		case <-gone:
			return
		case text := <-events:
			if n := lost.Swap(0); n > 0 {
				text = "softnet monitor: " + itoa(n) + " events lost (client too slow)\n" + text
			}
			_ = c.SetWriteDeadline(time.Now().Add(idleTimeout))
			if _, err := io.WriteString(c, text); err != nil {
				return
			}
		}
	}
}

func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// capPkt is one captured frame, copied out of the data path.
type capPkt struct {
	ts     time.Time
	dir    netdev.Direction
	length int
	data   []byte
}

// captureTap copies a device's frames into a bounded queue; when the
// client cannot keep up frames are counted as lost, never waited for.
type captureTap struct {
	in, out bool
	filter  *capfilter.Filter // nil: every frame
	link    capfilter.Link
	snaplen int
	now     func() time.Time
	ch      chan capPkt
	// free holds copy buffers the writer is done with, so a running
	// capture copies frames without allocating.
	free chan []byte
	lost atomic.Uint64
}

// copyFrame copies data into a recycled buffer (a new one while the
// capture warms up).
func (t *captureTap) copyFrame(data []byte) []byte {
	var buf []byte
	select {
	case buf = <-t.free:
	default:
	}
	return append(buf[:0], data...)
}

// recycle returns a written frame's buffer.
func (t *captureTap) recycle(p []byte) {
	select {
	case t.free <- p:
	default:
	}
}

var _ netdev.Tap = (*captureTap)(nil)

// Tap copies one frame.
func (t *captureTap) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	if dir == netdev.DirIn && !t.in || dir == netdev.DirOut && !t.out {
		return
	}
	data := b.Bytes()
	if t.filter != nil && !t.filter.Match(data, t.link) {
		return
	}
	p := capPkt{ts: t.now(), dir: dir, length: len(data)}
	p.data = t.copyFrame(data[:min(len(data), t.snaplen)])
	select {
	case t.ch <- p:
	default:
		t.lost.Add(1)
		t.recycle(p.data)
	}
}

// capture streams a pcapng capture of one device (both directions unless
// asked) until the client closes, the device goes or the daemon stops.
func (d *Daemon) capture(c net.Conn, br *bufio.Reader, req *Request) {
	var stderr bytes.Buffer
	ns, rc := d.namespace(req.Netns, &stderr)
	var dev *netdev.Device
	if ns != nil {
		if dev = ns.DeviceByName(req.Dev); dev == nil {
			stderr.WriteString("Cannot find device \"" + req.Dev + "\"\n")
			rc = 1
		}
	}
	var filter *capfilter.Filter
	if dev != nil && req.Filter != "" {
		var err error
		if filter, err = capfilter.Parse(req.Filter); err != nil {
			stderr.WriteString("softnet capture: filter: " + err.Error() + "\n")
			dev, rc = nil, 1
		}
	}
	if dev == nil {
		_ = json.NewEncoder(c).Encode(Response{Stderr: stderr.String(), Status: rc})
		return
	}
	link := capfilter.Ethernet
	if pcap.LinkType(dev) != layers.LinkTypeEthernet {
		link = capfilter.Raw
	}
	snap := req.Snaplen
	if snap <= 0 {
		snap = pcap.DefaultSnaplen
	}
	tap := &captureTap{in: req.Direction != "out", out: req.Direction != "in", filter: filter, link: link, snaplen: snap,
		now: d.world.Now, ch: make(chan capPkt, 4096), free: make(chan []byte, 4096)}
	devGone := make(chan struct{})
	var goneOnce atomic.Bool
	cancel := ns.Subscribe(func(ev netdev.Event, x *netdev.Device) error {
		if ev == netdev.EventUnregister && x == dev && goneOnce.CompareAndSwap(false, true) {
			close(devGone)
		}
		return nil
	})
	defer cancel()
	dev.AddTap(tap)
	defer dev.RemoveTap(tap)
	gone, stop := d.streamSetup(c, br)
	defer stop()
	w, err := pcap.NewWriter(c, pcap.Interface{Name: ns.Name() + ":" + dev.Name(),
		Description: "softnet device " + dev.Name(), LinkType: pcap.LinkType(dev), Snaplen: snap,
		Application: "softnet capture"})
	if err != nil {
		return
	}
	d.log.Info("capture started", "netns", ns.Name(), "dev", dev.Name(), "filter", filter.String())
	lostLog := newLimiter(5 * time.Second)
	defer func() {
		d.log.Info("capture ended", "netns", ns.Name(), "dev", dev.Name(),
			"packets", w.Packets(), "lost", tap.lost.Load())
	}()
	for {
		select {
		case <-d.done:
			_ = w.Flush()
			return
		case <-gone:
			_ = w.Flush()
			return
		case <-devGone:
			// The device is gone: write what it captured before it went,
			// then end the stream.
			for len(tap.ch) > 0 {
				p := <-tap.ch
				if err := w.WriteTruncated(p.ts, p.data, p.length, p.dir); err != nil {
					return
				}
			}
			_ = w.Flush()
			return
		case p := <-tap.ch:
			_ = c.SetWriteDeadline(time.Now().Add(idleTimeout))
			if err := w.WriteTruncated(p.ts, p.data, p.length, p.dir); err != nil {
				return
			}
			tap.recycle(p.data)
			if len(tap.ch) == 0 {
				if err := w.Flush(); err != nil {
					return
				}
			}
			if n := tap.lost.Load(); n > 0 && lostLog.allow() {
				d.log.Warn("capture is losing packets (client too slow)", "dev", dev.Name(), "lost", n)
			}
		}
	}
}
