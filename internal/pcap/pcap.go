package pcap

import (
	"bufio"
	"io"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/softnet/softnet/netdev"
)

// DefaultSnaplen is the capture length used when Interface.Snaplen is 0
// (tcpdump's default).
const DefaultSnaplen = 262144

// Interface describes the captured device in the file's interface block.
type Interface struct {
	Name        string // e.g. "h1:eth0"
	Description string
	LinkType    layers.LinkType
	Snaplen     int // bytes kept per packet; 0 means DefaultSnaplen
	Application string
}

// LinkType returns the pcap link type for a device's frames: Ethernet for
// devices with an Ethernet header (ARPHRD_ETHER, and loopback, whose frames
// carry a zeroed one as on Linux), raw IP (LINKTYPE_RAW) for the rest.
func LinkType(d *netdev.Device) layers.LinkType {
	if d.Type == netdev.ARPHRDEther || d.HardHeaderLen == netdev.EthHeaderLen {
		return layers.LinkTypeEthernet
	}
	return layers.LinkTypeRaw
}

// Writer writes packets to a pcapng stream. It is safe for concurrent
// use; the first write error sticks and is returned by later calls.
type Writer struct {
	mu      sync.Mutex
	bw      *bufio.Writer
	ng      *pcapgo.NgWriter
	snaplen int
	packets int
	err     error
}

// NewWriter writes the section header and interface block to w.
func NewWriter(w io.Writer, iface Interface) (*Writer, error) {
	if iface.Snaplen <= 0 {
		iface.Snaplen = DefaultSnaplen
	}
	app := iface.Application
	if app == "" {
		app = "softnet"
	}
	bw := bufio.NewWriter(w)
	ng, err := pcapgo.NewNgWriterInterface(bw, pcapgo.NgInterface{
		Name:                iface.Name,
		Description:         iface.Description,
		OS:                  "softnet",
		LinkType:            iface.LinkType,
		SnapLength:          uint32(iface.Snaplen),
		TimestampResolution: 9, // nanoseconds
	}, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: app}})
	if err != nil {
		return nil, err
	}
	return &Writer{bw: bw, ng: ng, snaplen: iface.Snaplen}, nil
}

// WritePacket writes one frame seen at ts in direction dir, truncated to
// the snap length.
func (w *Writer) WritePacket(ts time.Time, data []byte, dir netdev.Direction) error {
	return w.WriteTruncated(ts, data, len(data), dir)
}

// WriteTruncated writes a frame of length bytes of which data holds the
// first ones (a capture that copied only the snap length).
func (w *Writer) WriteTruncated(ts time.Time, data []byte, length int, dir netdev.Direction) error {
	n := max(length, len(data))
	if len(data) > w.snaplen {
		data = data[:w.snaplen]
	}
	flags := &pcapgo.NgEpbFlags{Direction: pcapgo.NgEpbFlagDirectionInbound}
	if dir == netdev.DirOut {
		flags.Direction = pcapgo.NgEpbFlagDirectionOutbound
	}
	ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: n}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	w.err = w.ng.WritePacketWithOptions(ci, data, pcapgo.NgPacketOptions{Flags: flags})
	if w.err == nil {
		w.packets++
	}
	return w.err
}

// Flush writes buffered packets to the underlying writer.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.err = w.ng.Flush(); w.err == nil {
		w.err = w.bw.Flush()
	}
	return w.err
}

// Packets returns how many packets were written.
func (w *Writer) Packets() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.packets
}
