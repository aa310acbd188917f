package hostlink_test

import (
	"bytes"
	"errors"
	"net/netip"
	"syscall"
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

var (
	v6Host = netip.MustParseAddr("2001:db8::1")
	v6Peer = netip.MustParseAddr("2001:db8::2")
)

// requireIPv6 skips when the host has IPv6 disabled.
func requireIPv6(t testing.TB) {
	t.Helper()
	c, err := sys.OpenRawIP6Out("")
	if errors.Is(err, syscall.EAFNOSUPPORT) {
		t.Skip("privileged test: the host has IPv6 disabled")
	}
	must(t, err)
	c.Close()
}

// espLike is an IPv6 packet of protocol 50 carrying an SPI, a sequence
// number and payload, as ESP would.
func espLike(o build.IPv6Opts, payload string) []byte {
	o.NextHeader = 50
	body := append([]byte{0, 0, 0x10, 0x01, 0, 0, 0, 1}, payload...)
	return build.IPv6(o, body)
}

// hasSuffix keeps IPv6 packets of next header nh ending in payload.
func hasSuffix(nh uint8, payload string) func(*packet.Buffer) bool {
	return func(b *packet.Buffer) bool {
		p := b.Bytes()
		return len(p) >= header.IPv6MinimumSize && p[0]>>4 == 6 && p[6] == nh && bytes.HasSuffix(p, []byte(payload))
	}
}

// recvHost waits on a host socket for a message ending in payload; after
// five seconds it closes the socket, which ends the wait.
func recvHost(t *testing.T, c *sys.Conn, payload string) sys.Msg {
	t.Helper()
	timer := time.AfterFunc(5*time.Second, func() { c.Close() })
	defer timer.Stop()
	rb := sys.NewBatch(4)
	for {
		for i := range rb.Msgs {
			rb.Msgs[i].Buf = make([]byte, 2048)
		}
		n, err := c.RecvBatch(rb)
		if err != nil {
			t.Fatalf("host socket got no %q: %v", payload, err)
		}
		for _, m := range rb.Msgs[:n] {
			if bytes.HasSuffix(m.Buf[:m.N], []byte(payload)) {
				m.Buf = m.Buf[:m.N]
				return m
			}
		}
	}
}

// TestPrivRawIP6RoundTrip: an ESP-like IPv6 packet a host raw socket sends
// to the host's own address arrives in softnet with its IPv6 header put
// back (source, destination, hop limit, traffic class, flow label, payload
// length, next header); an IPv6 packet softnet sends leaves through the
// host (a host raw socket gets it, with softnet's hop limit and traffic
// class, and the payload length set from its size); packets the host
// cannot route are counted HOST_WRITE drops.
func TestPrivRawIP6RoundTrip(t *testing.T) {
	privtest.Netns(t)
	packettest.CheckBalance(t)
	requireIPv6(t)
	hostIPCmd(t, "addr", "add", v6Host.String()+"/128", "dev", "lo", "nodad")
	w := newWorld(t)
	d := addLink(t, w.Init(), "hip0", "host-ip", &hostlink.RawIPData{Protocols: []uint8{50}})
	info := d.Kind().(netdev.InfoFiller).LinkInfo(d).(*hostlink.RawIPInfo)
	if info.Family != "inet,inet6" || info.Inet6 != "" {
		t.Errorf("info %+v, want family inet,inet6", info)
	}
	s := newSink(t, d)
	hostOut, err := sys.OpenRawIP6Out("")
	must(t, err)
	defer hostOut.Close()
	hostIn, err := sys.OpenRawIP6(50, "")
	must(t, err)
	defer hostIn.Close()

	// host → softnet
	const fromHost = "esp payload from the host"
	pkt := espLike(build.IPv6Opts{Src: v6Peer, Dst: v6Host, HopLimit: 17, TrafficClass: 0x28, FlowLabel: 0xabcde}, fromHost)
	must(t, hostOut.SendMsg(&sys.Msg{Buf: pkt, Addr: netip.AddrPortFrom(v6Host, 0)}))
	b := s.next(t, hasSuffix(50, fromHost))
	if !bytes.Equal(b.Bytes(), pkt) {
		t.Errorf("softnet got\n% x\nwant\n% x", b.Bytes(), pkt)
	}
	ip := header.IPv6(b.Bytes())
	if ip.Source() != v6Peer || ip.Destination() != v6Host || ip.HopLimit() != 17 || ip.NextHeader() != 50 ||
		int(ip.PayloadLength()) != len(pkt)-header.IPv6MinimumSize || ip.TrafficClass() != 0x28 || ip.FlowLabel() != 0xabcde {
		t.Errorf("rebuilt header %+v", ip.Fields())
	}
	if off, ok := b.NetworkOffset(); b.Protocol != 0x86DD || off != 0 || !ok {
		t.Errorf("protocol %#x, network header at %d (%v), want 0x86dd at 0", b.Protocol, off, ok)
	}
	b.Free()

	// softnet → host
	const fromSoftnet = "esp payload from softnet"
	pkt = espLike(build.IPv6Opts{Src: v6Host, Dst: v6Host, HopLimit: 33, TrafficClass: 0x10}, fromSoftnet)
	header.IPv6(pkt).SetPayloadLength(1000) // wrong: hostlink sets it from the size
	out, _ := packet.FromBytes(pkt)
	must(t, d.Transmit(out))
	m := recvHost(t, hostIn, fromSoftnet)
	if m.Addr.Addr() != v6Host || m.Local != v6Host || !m.HasHopLimit || m.HopLimit != 33 || m.TClass != 0x10 || m.FlowLabel != 0 {
		t.Errorf("host got %+v", m)
	}
	// softnet's own socket saw it come back from the host too.
	s.next(t, hasSuffix(50, fromSoftnet)).Free()

	// No route to 2001:db8:ffff::1 in this namespace: the host refuses.
	out, _ = packet.FromBytes(espLike(build.IPv6Opts{Src: v6Host, Dst: netip.MustParseAddr("2001:db8:ffff::1")}, "x"))
	d.Transmit(out)
	// Not an IP packet.
	out, _ = packet.FromBytes([]byte{0x50, 1, 2, 3})
	d.Transmit(out)
	if got := d.Drops[hostlink.DropHostWrite].Load(); got != 1 {
		t.Errorf("HOST_WRITE drops %d, want 1", got)
	}
	if got := d.Drops[hostlink.DropHostNotPacket].Load(); got != 1 {
		t.Errorf("HOST_PROTO drops %d, want 1", got)
	}
	if got := d.Stats.TxPackets.Load(); got != 1 {
		t.Errorf("tx_packets %d, want 1", got)
	}
}
