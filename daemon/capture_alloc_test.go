package daemon

import (
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// TestCaptureTapAllocs: once warm, copying a frame for a capture and
// handing its buffer back allocates nothing.
func TestCaptureTapAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	tap := &captureTap{in: true, out: true, snaplen: 65535, now: time.Now,
		ch: make(chan capPkt, 16), free: make(chan []byte, 16)}
	b, _ := packet.FromBytes(build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2"), Proto: header.IPProtoUDP},
		build.UDP(1, 2, make([]byte, 1000))))
	defer b.Free()
	round := func() {
		tap.Tap(nil, b, netdev.DirIn)
		p := <-tap.ch
		if len(p.data) != b.Len() {
			t.Fatalf("copied %d of %d bytes", len(p.data), b.Len())
		}
		tap.recycle(p.data)
	}
	round()
	if n := testing.AllocsPerRun(100, round); n != 0 {
		t.Errorf("%v allocs per captured frame", n)
	}
}
