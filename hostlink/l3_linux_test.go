package hostlink_test

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/hostlink"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/internal/sys/privtest"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

var loIP = netip.MustParseAddr("127.0.0.1")

func ipip(src, dst netip.Addr, payload string) []byte {
	inner := build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("198.51.100.1"), Dst: netip.MustParseAddr("203.0.113.1"),
		Proto: header.IPProtoUDP}, build.UDP(1, 2, []byte(payload)))
	return build.IPv4(build.IPv4Opts{Src: src, Dst: dst, Proto: 4}, inner)
}

func isIPIP(payload string) func(*packet.Buffer) bool {
	return func(b *packet.Buffer) bool {
		p := b.Bytes()
		return len(p) > 20 && p[9] == 4 && bytes.HasSuffix(p, []byte(payload))
	}
}

// TestPrivRawIPRoundTrip: softnet sends an ipip packet through a host raw
// socket (the host routes it), and an ipip packet the host receives
// reaches softnet whole.
func TestPrivRawIPRoundTrip(t *testing.T) {
	privtest.Netns(t)
	packettest.CheckBalance(t)
	w := newWorld(t)
	d := addLink(t, w.Init(), "hip0", "host-ip", &hostlink.RawIPData{Protocols: []uint8{4}})
	s := newSink(t, d)
	host, err := sys.OpenRawIP(4, "")
	must(t, err)
	defer host.Close()

	// softnet → host: the host's raw socket sees the packet softnet built.
	out, _ := packet.FromBytes(ipip(loIP, loIP, "from softnet"))
	must(t, d.Transmit(out))
	rb := sys.NewBatch(4)
	deadline := time.Now().Add(5 * time.Second)
	for found := false; !found; {
		if time.Now().After(deadline) {
			t.Fatal("host raw socket got nothing")
		}
		for i := range rb.Msgs {
			rb.Msgs[i].Buf = make([]byte, 2048)
		}
		n, err := host.RecvBatch(rb)
		must(t, err)
		for _, m := range rb.Msgs[:n] {
			found = found || bytes.HasSuffix(m.Buf[:m.N], []byte("from softnet"))
		}
	}
	// softnet's own socket saw it come back from the host too.
	s.next(t, isIPIP("from softnet")).Free()

	// host → softnet
	src := netip.MustParseAddr("127.0.0.2")
	must(t, host.SendMsg(&sys.Msg{Buf: ipip(src, loIP, "from host"), Addr: netip.AddrPortFrom(loIP, 0)}))
	b := s.next(t, isIPIP("from host"))
	if ip := header.IPv4(b.Bytes()); ip.Source() != src || b.Protocol != 0x0800 {
		t.Errorf("got %v proto %#x", ip.Source(), b.Protocol)
	}
	b.Free()
}

// TestPrivRawIPBatch: packets softnet transmits on a host-ip device
// during a receive burst are held and leave together when it ends (one
// sendmmsg), in order; a packet the host refuses in the middle is counted
// as a write error and the rest still go.
func TestPrivRawIPBatch(t *testing.T) {
	privtest.Netns(t)
	packettest.CheckBalance(t)
	w := newWorld(t)
	d := addLink(t, w.Init(), "hip0", "host-ip", &hostlink.RawIPData{Protocols: []uint8{4}})
	newSink(t, d) // softnet's own socket reads the packets back: drop them
	host, err := sys.OpenRawIP(4, "")
	must(t, err)
	defer host.Close()
	info := func() *hostlink.RawIPInfo { return d.Kind().(netdev.InfoFiller).LinkInfo(d).(*hostlink.RawIPInfo) }
	unroutable := netip.MustParseAddr("203.0.113.9") // the namespace has no route to it
	bt := w.BeginBurst()
	for i := range 6 {
		dst := loIP
		if i == 3 {
			dst = unroutable
		}
		out, _ := packet.FromBytes(ipip(loIP, dst, fmt.Sprintf("batch %d", i)))
		must(t, d.Transmit(out))
	}
	if got := d.Stats.TxPackets.Load(); got != 0 {
		t.Errorf("tx_packets %d during the burst, want 0 (held)", got)
	}
	w.EndBurst(bt)
	var got []string
	rb := sys.NewBatch(8)
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < 5 && time.Now().Before(deadline) {
		for i := range rb.Msgs {
			rb.Msgs[i].Buf = make([]byte, 2048)
		}
		n, err := host.RecvBatch(rb)
		must(t, err)
		for _, m := range rb.Msgs[:n] {
			if p := m.Buf[:m.N]; isIPIPBytes(p) {
				got = append(got, string(p[len(p)-7:]))
			}
		}
	}
	if want := []string{"batch 0", "batch 1", "batch 2", "batch 4", "batch 5"}; !slices.Equal(got, want) {
		t.Errorf("host got %q, want %q", got, want)
	}
	if tx, txErr := d.Stats.TxPackets.Load(), d.Stats.TxErrors.Load(); tx != 5 || txErr != 1 {
		t.Errorf("tx_packets %d tx_errors %d, want 5 and 1", tx, txErr)
	}
	if n := info().TxBatches; n != 1 {
		t.Errorf("tx_batches %d, want 1", n)
	}
}

func isIPIPBytes(p []byte) bool {
	return len(p) > 40 && p[9] == 4 && bytes.Contains(p, []byte("batch "))
}

func udpInfo(d *netdev.Device) *hostlink.UDPInfo {
	return d.Kind().(netdev.InfoFiller).LinkInfo(d).(*hostlink.UDPInfo)
}

// TestPrivUDPDevice: datagrams to a host-udp socket arrive in softnet as
// IPv4/UDP packets, GRO trains split into datagrams; softnet's UDP
// packets leave as datagrams, super-packets by UDP_SEGMENT.
func TestPrivUDPDevice(t *testing.T) {
	privtest.Netns(t)
	packettest.CheckBalance(t)
	w := newWorld(t)
	d := addLink(t, w.Init(), "hudp0", "host-udp", &hostlink.UDPData{Local: netip.AddrPortFrom(loIP, 0)})
	s := newSink(t, d)
	port := udpInfo(d).Local.Port()
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: loIP.AsSlice()})
	must(t, err)
	defer peer.Close()
	pap := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	pap = netip.AddrPortFrom(pap.Addr().Unmap(), pap.Port())

	_, err = peer.WriteToUDPAddrPort([]byte("esp-in-udp"), netip.AddrPortFrom(loIP, port))
	must(t, err)
	b := s.next(t, isUDPTo(port))
	ip := header.IPv4(b.Bytes())
	u := header.UDP(ip.Payload())
	if ip.Source() != loIP || u.SourcePort() != pap.Port() || string(u.Payload()) != "esp-in-udp" || !ip.IsChecksumValid() {
		t.Errorf("got %v:%d %q", ip.Source(), u.SourcePort(), u.Payload())
	}
	b.Free()

	out, _ := packet.FromBytes(build.IPv4(build.IPv4Opts{Src: loIP, Dst: loIP, Proto: header.IPProtoUDP},
		build.UDP(port, pap.Port(), []byte("reply"))))
	must(t, d.Transmit(out))
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 65536)
	n, err := peer.Read(buf)
	must(t, err)
	if string(buf[:n]) != "reply" {
		t.Errorf("peer got %q", buf[:n])
	}

	if !udpInfo(d).GSO {
		t.Skip("kernel lacks UDP_SEGMENT")
	}
	// Sockets belong to the namespace of the thread that opens them, so
	// these run on the test goroutine, not in subtests.
	host, err := sys.OpenUDP(sys.UDPConfig{Addr: netip.AddrPortFrom(loIP, 0)})
	must(t, err)
	defer host.Close()
	{ // GSO: one super-packet leaves as ten datagrams
		payload := bytes.Repeat([]byte("0123456789"), 1000)
		out, _ := packet.FromBytes(build.IPv4(build.IPv4Opts{Src: loIP, Dst: loIP, Proto: header.IPProtoUDP},
			build.UDP(port, pap.Port(), payload)))
		out.GSO = packet.GSO{Type: packet.GSOUDPL4, Size: 1000, Segs: 10}
		must(t, d.Transmit(out))
		for i := range 10 {
			n, err := peer.Read(buf)
			must(t, err)
			if n != 1000 {
				t.Fatalf("datagram %d: %d bytes", i, n)
			}
		}
	}
	{ // GRO: a train of eight datagrams arrives as eight packets, in order
		var payload []byte
		for i := range 8 {
			payload = append(payload, bytes.Repeat([]byte{byte(i)}, 1200)...)
		}
		must(t, host.SendMsg(&sys.Msg{Buf: payload, Addr: netip.AddrPortFrom(loIP, port), GSOSize: 1200}))
		for i := range 8 {
			b := s.next(t, isUDPTo(port))
			u := header.UDP(header.IPv4(b.Bytes()).Payload())
			if u.Length() != 1208 || u.Payload()[0] != byte(i) {
				t.Errorf("datagram %d: udp length %d, first byte %d", i, u.Length(), u.Payload()[0])
			}
			b.Free()
		}
	}
	{ // burst: datagrams sent during a receive burst leave as one train
		bt := w.BeginBurst()
		for i := range 12 {
			n := 900
			if i == 11 {
				n = 300 // a shorter last datagram ends the train
			}
			out, _ := packet.FromBytes(build.IPv4(build.IPv4Opts{Src: loIP, Dst: loIP, Proto: header.IPProtoUDP},
				build.UDP(port, pap.Port(), bytes.Repeat([]byte{byte(i)}, n))))
			must(t, d.Transmit(out))
		}
		if got := d.Stats.TxPackets.Load(); got != 2 {
			t.Errorf("tx_packets %d before the burst ends, want 2 (held)", got)
		}
		w.EndBurst(bt)
		for i := range 12 {
			n, err := peer.Read(buf)
			must(t, err)
			if want := map[bool]int{true: 300, false: 900}[i == 11]; n != want || buf[0] != byte(i) {
				t.Fatalf("datagram %d: %d bytes of %d, want %d of %d", i, n, buf[0], want, i)
			}
		}
		// The train may have been flushed by the end of a burst of the
		// device's own reader that overlapped the test's (and counted just
		// after the peer could read it): give the counters a moment.
		deadline := time.Now().Add(5 * time.Second)
		for (d.Stats.TxPackets.Load() != 14 || udpInfo(d).TxTrains != 1) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := udpInfo(d).TxTrains; got != 1 {
			t.Errorf("tx_trains %d, want 1", got)
		}
		if got := d.Stats.TxPackets.Load(); got != 14 {
			t.Errorf("tx_packets %d, want 14", got)
		}
	}
	{ // two peers interleaved: a train each, both in one sendmmsg
		peer2, err := net.ListenUDP("udp4", &net.UDPAddr{IP: loIP.AsSlice()})
		must(t, err)
		defer peer2.Close()
		p2 := uint16(peer2.LocalAddr().(*net.UDPAddr).Port)
		bt := w.BeginBurst()
		for i := range 8 {
			dport := pap.Port()
			if i%2 == 1 {
				dport = p2
			}
			out, _ := packet.FromBytes(build.IPv4(build.IPv4Opts{Src: loIP, Dst: loIP, Proto: header.IPProtoUDP},
				build.UDP(port, dport, bytes.Repeat([]byte{byte(i)}, 700))))
			must(t, d.Transmit(out))
		}
		w.EndBurst(bt)
		peer2.SetReadDeadline(time.Now().Add(5 * time.Second))
		for p, c := range map[int]*net.UDPConn{0: peer, 1: peer2} {
			for j := range 4 {
				n, err := c.Read(buf)
				must(t, err)
				if want := byte(2*j + p); n != 700 || buf[0] != want {
					t.Fatalf("peer %d datagram %d: %d bytes of %d, want 700 of %d", p, j, n, buf[0], want)
				}
			}
		}
		deadline := time.Now().Add(5 * time.Second)
		for udpInfo(d).TxTrains != 3 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := udpInfo(d).TxTrains; got != 3 {
			t.Errorf("tx_trains %d, want 3 (one more per peer)", got)
		}
	}
}
