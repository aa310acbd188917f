package pcap

import (
	"bytes"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/softnet/softnet/netdev"
)

func TestWriterRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Interface{Name: "ns:d0", LinkType: layers.LinkTypeEthernet, Snaplen: 16})
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(1, 500)
	frames := []struct {
		data []byte
		dir  netdev.Direction
	}{{bytes.Repeat([]byte{1}, 60), netdev.DirIn}, {bytes.Repeat([]byte{2}, 10), netdev.DirOut}}
	for _, f := range frames {
		if err := w.WritePacket(ts, f.data, f.dir); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if w.Packets() != 2 {
		t.Fatalf("Packets() = %d, want 2", w.Packets())
	}
	r, err := pcapgo.NewNgReader(&buf, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Errorf("link type %v", r.LinkType())
	}
	for i, f := range frames {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		wantCap := min(len(f.data), 16)
		if len(data) != wantCap || ci.Length != len(f.data) || !ci.Timestamp.Equal(ts) {
			t.Errorf("packet %d: caplen %d len %d ts %v", i, len(data), ci.Length, ci.Timestamp)
		}
	}
}

func TestLinkType(t *testing.T) {
	w := netdev.NewWorld(netdev.Options{})
	defer w.Close()
	if got := LinkType(w.Init().Loopback()); got != layers.LinkTypeEthernet {
		t.Errorf("loopback link type %v", got)
	}
}
