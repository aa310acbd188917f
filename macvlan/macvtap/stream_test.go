package macvtap_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"path/filepath"
	"testing"

	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
)

func TestStreamFraming(t *testing.T) {
	packettest.CheckBalance(t)
	e := newEnvLoop(t, netdev.NewRealLoop(1), nil)
	q0 := open(t, e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0))
	q0.SetIff("", macvtap.IffTAP|macvtap.IffNoPI)
	q1 := open(t, e.macvtap(t, "macvtap1", macvlan.ModeBridge, mac1))
	path := filepath.Join(t.TempDir(), "q1.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("unix sockets unavailable: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- macvtap.ListenStream(ctx, l, q1) }()

	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	// Guest → softnet: length-prefixed frame to macvtap0.
	out := udpFrame(mac0, mac1, ip1, ip0, 7, 8, []byte("from the guest"))
	msg := binary.BigEndian.AppendUint32(nil, uint32(len(out)))
	if _, err := c.Write(append(msg, out...)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	n, err := q0.ReadContext(ctx, buf)
	if err != nil || string(buf[:n]) != string(out) {
		t.Fatalf("q0 read %d %v", n, err)
	}
	// softnet → guest.
	in := udpFrame(mac1, mac0, ip0, ip1, 8, 7, []byte("to the guest"))
	if _, err := q0.Write(in); err != nil {
		t.Fatal(err)
	}
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != string(in) {
		t.Fatalf("guest read %q %v", got, err)
	}
	// A broken length ends this connection; the listener takes the next.
	c.Write([]byte{0xff, 0xff, 0xff, 0xff})
	if _, err := c.Read(hdr[:]); err == nil {
		t.Fatal("connection survived a bad frame length")
	}
	c.Close()
	c2, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c2.Close()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("ListenStream: %v", err)
	}
	e.w.Close()
}
