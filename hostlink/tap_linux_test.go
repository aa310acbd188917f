package hostlink_test

import (
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/softnet/softnet/hostlink"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/internal/sys/privtest"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

// bridge forwards every frame received on one softnet device out of
// another, unchanged, recording the GSO super-frames it carried.
type bridge struct {
	out      *netdev.Device
	maxLen   atomic.Int64
	gsoSeen  atomic.Int64
	gsoSize  atomic.Int64
	gsoTypes atomic.Uint32
}

func (br *bridge) HandleRx(d *netdev.Device, b *packet.Buffer) (netdev.RxResult, *netdev.Device) {
	if b.GSO.Size != 0 {
		br.gsoSeen.Add(1)
		br.gsoSize.Store(int64(b.GSO.Size))
		br.gsoTypes.Store(uint32(b.GSO.Type))
		if n := int64(b.Len()); n > br.maxLen.Load() {
			br.maxLen.Store(n)
		}
	}
	if !b.PushTo(b.MACStart()) {
		b.Free()
		return netdev.RxConsumed, nil
	}
	br.out.Transmit(b)
	return netdev.RxConsumed, nil
}

// TestPrivTapTSO: two host namespaces joined through softnet by two TAP
// devices with vnet headers; a TCP transfer between the host stacks
// carries 64 KiB TSO super-frames through softnet as single packets.
func TestPrivTapTSO(t *testing.T) {
	privtest.Netns(t)
	privtest.RequireTun(t)
	nsB := privtest.Another(t, "b")
	packettest.CheckBalance(t)
	w := newWorld(t)
	ipA, ipB := netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.2")

	da := addLink(t, w.Init(), "tapa", "host-tap", &hostlink.TunData{HostName: "ta"})
	var db *netdev.Device
	nsB.Do(t, func() {
		db = addLink(t, w.Init(), "tapb", "host-tap", &hostlink.TunData{HostName: "tb"})
	})
	ab, ba := &bridge{out: db}, &bridge{out: da}
	if err := da.SetRxHandler(ab); err != nil {
		t.Fatal(err)
	}
	if err := db.SetRxHandler(ba); err != nil {
		t.Fatal(err)
	}
	macA := hostSetup(t, "ta", netip.PrefixFrom(ipA, 24))
	var macB []byte
	var ln net.Listener
	nsB.Do(t, func() {
		macB = hostSetup(t, "tb", netip.PrefixFrom(ipB, 24))
		must(t, sys.AddNeigh4("tb", ipA, macA))
		var err error
		ln, err = net.Listen("tcp4", ipB.String()+":8000")
		must(t, err)
	})
	defer ln.Close()
	must(t, sys.AddNeigh4("ta", ipB, macB))

	const total = 8 << 20
	got := make(chan int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- -1
			return
		}
		defer c.Close()
		n, _ := io.Copy(io.Discard, c)
		got <- n
	}()
	c, err := net.DialTimeout("tcp4", ipB.String()+":8000", 5*time.Second)
	must(t, err)
	buf := make([]byte, 256<<10)
	for sent := 0; sent < total; sent += len(buf) {
		if _, err := c.Write(buf); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	select {
	case n := <-got:
		if n != total {
			t.Fatalf("received %d bytes, want %d", n, total)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("transfer timed out")
	}
	t.Logf("A→B: %d GSO frames, largest %d bytes, gso_size %d, type %#x; tx %d packets",
		ab.gsoSeen.Load(), ab.maxLen.Load(), ab.gsoSize.Load(), ab.gsoTypes.Load(), db.Stats.TxPackets.Load())
	if ab.gsoSeen.Load() == 0 {
		t.Fatal("no GSO super-frame crossed softnet")
	}
	if typ := packet.GSOType(ab.gsoTypes.Load()); typ&packet.GSOTCPv4 == 0 {
		t.Errorf("GSO type %#x, want TCPv4", typ)
	}
	if s := ab.gsoSize.Load(); s < 1000 || s > 1460 {
		t.Errorf("gso_size %d, want the MSS", s)
	}
	if ab.maxLen.Load() < 32<<10 {
		t.Errorf("largest super-frame %d bytes, want ≥ 32 KiB", ab.maxLen.Load())
	}
}

// hostSetup brings a host interface up with an address and returns its MAC.
func hostSetup(t testing.TB, name string, p netip.Prefix) []byte {
	t.Helper()
	must(t, sys.LinkUp(name, true))
	must(t, sys.AddAddr4(name, p))
	mac, err := sys.HardwareAddr(name)
	must(t, err)
	return mac
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
