package sys_test

import (
	"bytes"
	"net/netip"
	"os"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/internal/sys/privtest"
)

func TestPrivTunOpen(t *testing.T) {
	privtest.Netns(t)
	privtest.RequireTun(t)
	tun, err := sys.OpenTun(sys.TunConfig{Name: "sn0", TAP: true, VnetHdr: true, Queues: 4,
		Offload: sys.TunFCsum | sys.TunFTSO4 | sys.TunFTSO6 | sys.TunFUSO4 | sys.TunFUSO6})
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	if tun.Name != "sn0" || len(tun.Queues) != 4 || tun.VnetHdrLen != 10 {
		t.Fatalf("tun = %q, %d queues, vnet %d", tun.Name, len(tun.Queues), tun.VnetHdrLen)
	}
	if tun.Offload&sys.TunFTSO4 == 0 {
		t.Errorf("offload %#x lacks TSO4", tun.Offload)
	}
	if _, err := sys.InterfaceIndex("sn0"); err != nil {
		t.Fatal(err)
	}
	if mac, err := sys.HardwareAddr("sn0"); err != nil || len(mac) != 6 {
		t.Fatalf("mac %x %v", mac, err)
	}
}

func TestPrivUDPBatch(t *testing.T) {
	privtest.Netns(t)
	lo := netip.MustParseAddr("127.0.0.1")
	rx, tx := udpPair(t, true)
	dst, _ := rx.LocalAddr()
	src, _ := tx.LocalAddr()
	sb := sys.NewBatch(4)
	for i := range sb.Msgs {
		sb.Msgs[i] = sys.Msg{Buf: bytes.Repeat([]byte{byte(i)}, 100), Addr: dst}
	}
	if n, err := tx.SendBatch(sb, 4); n != 4 || err != nil {
		t.Fatalf("send %d %v", n, err)
	}
	rb := sys.NewBatch(8)
	got := 0
	for got < 400 {
		for i := range rb.Msgs {
			rb.Msgs[i].Buf = make([]byte, 65536)
		}
		n, err := rx.RecvBatch(rb)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range rb.Msgs[:n] {
			if m.Addr != src || m.Local != lo {
				t.Errorf("msg from %v to %v, want %v to %v", m.Addr, m.Local, src, lo)
			}
			got += m.N
		}
	}
	if !sys.UDPSegmentSupported() {
		t.Skip("kernel lacks UDP_SEGMENT")
	}
	big := bytes.Repeat([]byte("x"), 1000*10)
	if err := tx.SendMsg(&sys.Msg{Buf: big, Addr: dst, GSOSize: 1000}); err != nil {
		t.Fatal(err)
	}
	got = 0
	for got < len(big) {
		n, err := rx.RecvBatch(rb)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range rb.Msgs[:n] {
			got += m.N
			t.Logf("received %d bytes, gro segment %d", m.N, m.GSOSize)
		}
	}
}

// TestSocketBuffers: sockets ask for SocketBuffer (root may exceed
// rmem_max; the kernel reports twice what was set).
func TestSocketBuffers(t *testing.T) {
	c, err := sys.OpenUDP(sys.UDPConfig{Addr: netip.MustParseAddrPort("127.0.0.1:0")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var rcv, snd int
	if err := c.Control(func(fd int) error {
		var err error
		if rcv, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF); err != nil {
			return err
		}
		snd, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 && (rcv < sys.SocketBuffer || snd < sys.SocketBuffer) {
		t.Errorf("SO_RCVBUF %d SO_SNDBUF %d, want at least %d", rcv, snd, sys.SocketBuffer)
	}
	if rcv < 200<<10 {
		t.Errorf("SO_RCVBUF %d: smaller than the default", rcv)
	}
}

// TestPrivSendBatchGather: several messages of one sendmmsg each sent
// from a gather list (and one from Buf) arrive as the concatenations.
func TestPrivSendBatchGather(t *testing.T) {
	privtest.Netns(t)
	rx, tx := udpPair(t, false)
	dst, _ := rx.LocalAddr()
	sb := sys.NewBatch(3)
	sb.Msgs[0] = sys.Msg{Bufs: [][]byte{[]byte("ab"), []byte("cd")}, Addr: dst}
	sb.Msgs[1] = sys.Msg{Buf: []byte("x"), Addr: dst}
	sb.Msgs[2] = sys.Msg{Bufs: [][]byte{[]byte("ef"), nil, []byte("gh")}, Addr: dst}
	if n, err := tx.SendBatch(sb, 3); n != 3 || err != nil {
		t.Fatalf("send %d %v", n, err)
	}
	var got []string
	rb := sys.NewBatch(4)
	for len(got) < 3 {
		for i := range rb.Msgs {
			rb.Msgs[i].Buf = make([]byte, 100)
		}
		n, err := rx.RecvBatch(rb)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range rb.Msgs[:n] {
			got = append(got, string(m.Buf[:m.N]))
		}
	}
	if want := []string{"abcd", "x", "efgh"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// udpPair opens a receiving (with UDP_GRO when gro) and a sending UDP
// socket on loopback, closed when the test ends.
func udpPair(t *testing.T, gro bool) (rx, tx *sys.Conn) {
	t.Helper()
	lo := netip.MustParseAddr("127.0.0.1")
	rx, err := sys.OpenUDP(sys.UDPConfig{Addr: netip.AddrPortFrom(lo, 0), GRO: gro})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rx.Close() })
	tx, err = sys.OpenUDP(sys.UDPConfig{Addr: netip.AddrPortFrom(lo, 0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Close() })
	return rx, tx
}
