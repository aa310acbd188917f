package sys_test

import (
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/internal/sys/privtest"
)

// benchUDP sends b.N datagrams of size bytes over loopback in batches of
// 32 messages (sendmmsg), each message a super-datagram of segs segments
// when segs > 1 (UDP_SEGMENT), and receives them with recvmmsg (with
// UDP_GRO when gro).
func benchUDP(b *testing.B, size, segs int, gro bool) {
	privtest.Netns(b)
	if segs > 1 && !sys.UDPSegmentSupported() {
		b.Skip("kernel lacks UDP_SEGMENT")
	}
	lo := netip.MustParseAddr("127.0.0.1")
	rx, err := sys.OpenUDP(sys.UDPConfig{Addr: netip.AddrPortFrom(lo, 0), GRO: gro})
	if err != nil {
		b.Fatal(err)
	}
	tx, err := sys.OpenUDP(sys.UDPConfig{Addr: netip.AddrPortFrom(lo, 0)})
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Close()
	dst, _ := rx.LocalAddr()
	var got atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		rb := sys.NewBatch(64)
		for i := range rb.Msgs {
			rb.Msgs[i].Buf = make([]byte, 65536)
		}
		for {
			n, err := rx.RecvBatch(rb)
			if err != nil {
				return
			}
			for _, m := range rb.Msgs[:n] {
				got.Add(int64(m.N))
			}
		}
	}()
	sb := sys.NewBatch(32)
	payload := make([]byte, size*segs)
	for i := range sb.Msgs {
		sb.Msgs[i] = sys.Msg{Buf: payload, Addr: dst}
		if segs > 1 {
			sb.Msgs[i].GSOSize = uint16(size)
		}
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < b.N; {
		n := min(32, (b.N-sent+segs-1)/segs)
		k, err := tx.SendBatch(sb, n)
		if err != nil {
			b.Fatal(err)
		}
		sent += k * segs
	}
	b.StopTimer()
	rx.Close()
	<-done
	b.ReportMetric(float64(got.Load())/float64(int64(b.N)*int64(size))*100, "%recv")
}

func BenchmarkUDPBatch(b *testing.B)    { benchUDP(b, 1400, 1, false) }
func BenchmarkUDPBatchGSO(b *testing.B) { benchUDP(b, 1400, 44, true) }
