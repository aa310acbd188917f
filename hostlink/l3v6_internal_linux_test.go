package hostlink

import (
	"bytes"
	"fmt"
	"net/netip"
	"syscall"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/internal/sys/privtest"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

// dummyRawIP returns a rawIPDev on a lab dummy device, for the parts that
// need no socket.
func dummyRawIP(t *testing.T) *rawIPDev {
	t.Helper()
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	d, err := w.Init().NewLink(&netdev.LinkRequest{Name: "d0", Kind: "dummy"})
	if err != nil {
		t.Fatal(err)
	}
	return &rawIPDev{host: host{dev: d}}
}

// TestPushIPv6 checks the header rebuilt in front of a raw IPv6 socket's
// payload against one built independently, and the drops.
func TestPushIPv6(t *testing.T) {
	packettest.CheckBalance(t)
	rd := dummyRawIP(t)
	src, dst := netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("2001:db8::1")
	payload := []byte("0123456789abcdef")
	for _, tc := range []struct {
		name string
		msg  sys.Msg
		want build.IPv6Opts
		drop netdev.DropReason
	}{
		{"all cmsgs", sys.Msg{Addr: netip.AddrPortFrom(src, 0), Local: dst, HopLimit: 3, HasHopLimit: true, TClass: 0xb8, FlowLabel: 0xfffff},
			build.IPv6Opts{Src: src, Dst: dst, HopLimit: 3, TrafficClass: 0xb8, FlowLabel: 0xfffff}, 0},
		{"hop limit 0", sys.Msg{Addr: netip.AddrPortFrom(src, 0), Local: dst, HasHopLimit: true},
			build.IPv6Opts{Src: src, Dst: dst, ZeroHopLimit: true}, 0},
		{"no hop limit cmsg", sys.Msg{Addr: netip.AddrPortFrom(src, 0), Local: dst},
			build.IPv6Opts{Src: src, Dst: dst, HopLimit: 64}, 0},
		{"no pktinfo", sys.Msg{Addr: netip.AddrPortFrom(src, 0)}, build.IPv6Opts{}, netdev.DropDevHdr},
		{"no source", sys.Msg{Local: dst}, build.IPv6Opts{}, netdev.DropDevHdr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := packet.FromBytes(payload)
			before := rd.dev.Drops[netdev.DropDevHdr].Load()
			ok := rd.pushIPv6(b, &tc.msg, 50)
			if tc.drop != 0 {
				if ok || rd.dev.Drops[tc.drop].Load() != before+1 {
					t.Fatalf("delivered %v, drops %d", ok, rd.dev.Drops[tc.drop].Load()-before)
				}
				return
			}
			defer b.Free()
			tc.want.NextHeader = 50
			if want := build.IPv6(tc.want, payload); !ok || !bytes.Equal(b.Bytes(), want) {
				t.Fatalf("got (%v)\n% x\nwant\n% x", ok, b.Bytes(), want)
			}
			if !setL3(rd.dev, b) || b.Protocol != 0x86DD {
				t.Errorf("setL3: protocol %#x", b.Protocol)
			}
		})
	}
}

// TestPushIPv6Allocs: rebuilding the header allocates nothing.
func TestPushIPv6Allocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	rd := dummyRawIP(t)
	b, _ := packet.FromBytes(make([]byte, 1400))
	defer b.Free()
	m := &sys.Msg{Addr: netip.AddrPortFrom(netip.MustParseAddr("2001:db8::2"), 0), Local: netip.MustParseAddr("2001:db8::1"), HasHopLimit: true, HopLimit: 9}
	synth := rd.rebuild6(50)
	if n := testing.AllocsPerRun(1000, func() {
		synth(b, m)
		b.Pull(header.IPv6MinimumSize)
	}); n != 0 {
		t.Errorf("%v allocs per packet", n)
	}
}

// BenchmarkPushIPv6 measures the header rebuild of the IPv6 receive path.
func BenchmarkPushIPv6(b *testing.B) {
	w := netdev.NewWorld(netdev.Options{})
	defer w.Close()
	d, _ := w.Init().NewLink(&netdev.LinkRequest{Name: "d0", Kind: "dummy"})
	rd := &rawIPDev{host: host{dev: d}}
	p, _ := packet.FromBytes(make([]byte, 1400))
	defer p.Free()
	m := &sys.Msg{Addr: netip.AddrPortFrom(netip.MustParseAddr("2001:db8::2"), 0), Local: netip.MustParseAddr("2001:db8::1"), HasHopLimit: true, HopLimit: 9}
	b.ReportAllocs()
	b.SetBytes(1400)
	for b.Loop() {
		rd.pushIPv6(p, m, 50)
		p.Pull(header.IPv6MinimumSize)
	}
}

// TestPrivRawIPNoHostIPv6: on a host with IPv6 disabled (socket(AF_INET6)
// fails with EAFNOSUPPORT) host-ip still works for IPv4, says inet6 is
// unavailable, and counts IPv6 packets it cannot send as HOST_PROTO drops.
func TestPrivRawIPNoHostIPv6(t *testing.T) {
	privtest.Netns(t)
	packettest.CheckBalance(t)
	old := openRawIP6Out
	openRawIP6Out = func(string) (*sys.Conn, error) {
		return nil, fmt.Errorf("socket(AF_INET6, SOCK_RAW, IPPROTO_RAW): %w", syscall.EAFNOSUPPORT)
	}
	defer func() { openRawIP6Out = old }()
	w := netdev.NewWorld(netdev.Options{Loop: netdev.NewRealLoop(1)})
	defer w.Close()
	up := true
	d, err := w.Init().NewLink(&netdev.LinkRequest{Name: "hip0", Kind: "host-ip", Up: &up,
		Data: &RawIPData{Protocols: []uint8{50, 4}}})
	if err != nil {
		t.Fatal(err)
	}
	info := rawIPKind{}.LinkInfo(d).(*RawIPInfo)
	if info.Family != "inet" || info.Inet6 != "unavailable" {
		t.Errorf("info %+v, want family inet, inet6 unavailable", info)
	}
	if rd := d.Priv.(*rawIPDev); len(rd.conns) != 2 || rd.tx6 != nil {
		t.Errorf("%d sockets, tx6 %v; want the two IPv4 ones", len(rd.conns), rd.tx6)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	out, _ := packet.FromBytes(build.IPv4(build.IPv4Opts{Src: lo, Dst: lo, Proto: 50}, []byte("v4 esp")))
	d.Transmit(out)
	out, _ = packet.FromBytes(build.IPv6(build.IPv6Opts{Src: netip.MustParseAddr("2001:db8::1"),
		Dst: netip.MustParseAddr("2001:db8::2"), NextHeader: 50}, []byte("v6 esp")))
	d.Transmit(out)
	if tx, drops := d.Stats.TxPackets.Load(), d.Drops[DropHostNotPacket].Load(); tx != 1 || drops != 1 {
		t.Errorf("tx_packets %d HOST_PROTO drops %d, want 1 and 1", tx, drops)
	}
}
