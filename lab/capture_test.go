package lab

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

func TestCapturePcapng(t *testing.T) {
	packettest.CheckBalance(t)
	loop := netdev.NewSimLoop(Epoch)
	w := netdev.NewWorld(netdev.Options{Loop: loop})
	defer w.Close()
	ns := w.Init()
	// Keep IPv6 from sending DAD and router solicitations on link-up, so
	// the capture holds only the test's frames.
	if err := ns.SetSysctl("net.ipv6.conf.all.disable_ipv6", "1"); err != nil {
		t.Fatal(err)
	}
	up := true
	a, err := ns.NewLink(&netdev.LinkRequest{Name: "a", Kind: "veth", Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	b := ns.DeviceByName("b")
	for _, d := range []*netdev.Device{a, b} {
		if err := ns.SetLink(d, &netdev.LinkRequest{Up: &up}); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	spec := &Capture{Host: "h", Dev: "b", Direction: "in", File: "sub/b.pcapng", Snaplen: 40}
	cp, err := openCapture(spec, b, dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		loop.RunFor(time.Second)
		p, _ := packet.New(packet.DefaultHeadroom, 60)
		f := p.Put(60)
		clear(f)
		copy(f, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x88, 0xb5, byte(i)})
		if err := a.Transmit(p); err != nil {
			t.Fatal(err)
		}
		loop.Run()
	}
	if err := cp.close(); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(filepath.Join(dir, "sub/b.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r, err := pcapgo.NewNgReader(fh, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Errorf("link type %v", r.LinkType())
	}
	for i := range 3 {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if want := Epoch.Add(time.Duration(i+1) * time.Second); !ci.Timestamp.Equal(want) {
			t.Errorf("packet %d at %v, want %v", i, ci.Timestamp, want)
		}
		if len(data) != 40 || ci.Length != 60 || data[14] != byte(i) {
			t.Errorf("packet %d: %d of %d bytes, marker %d", i, len(data), ci.Length, data[14])
		}
	}
	if _, _, err := r.ReadPacketData(); err == nil {
		t.Error("outbound packets captured with direction in")
	}
}
