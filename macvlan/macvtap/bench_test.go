package macvtap_test

import (
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/internal/israce"
	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
)

// pair is two bridge-mode macvtaps on one lower device with a queue each.
func pair(tb testing.TB, offload uint32) (*env, *macvtap.Queue, *macvtap.Queue) {
	e := newEnv(tb)
	q0 := open(tb, e.macvtap(tb, "macvtap0", macvlan.ModeBridge, mac0))
	q1 := open(tb, e.macvtap(tb, "macvtap1", macvlan.ModeBridge, mac1))
	q1.SetNonblock(true)
	if err := q1.SetOffload(offload); err != nil {
		tb.Fatal(err)
	}
	return e, q0, q1
}

// roundTrip writes in on q0, runs the loop and reads from q1.
func roundTrip(tb testing.TB, e *env, q0, q1 *macvtap.Queue, in, buf []byte) int {
	if _, err := q0.Write(in); err != nil {
		tb.Fatal(err)
	}
	e.loop.Run()
	n, err := q1.Read(buf)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestRoundTripAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("sync.Pool drops items under -race")
	}
	e, q0, q1 := pair(t, macvtap.TunFCsum|macvtap.TunFTSO4)
	small := withHdr(header.VirtioNetHdrFields{}, udpFrame(mac1, mac0, ip0, ip1, 1, 2, make([]byte, 64-42)))
	big := tcpGSOFrame(65000, 1448, false)
	buf := make([]byte, 70000)
	// The SimLoop's backlog may allocate per hand-off (it drops its
	// array when it drains); that is the loop's cost, not macvtap's.
	lower := e.ns.DeviceByName("eth0")
	loopAllocs := testing.AllocsPerRun(200, func() {
		b := mustBuf(t, small[10:])
		e.loop.NetifRx(lower, b)
		e.loop.Run()
	})
	for _, in := range [][]byte{small, big} {
		roundTrip(t, e, q0, q1, in, buf)
		if n := testing.AllocsPerRun(200, func() { roundTrip(t, e, q0, q1, in, buf) }); n > loopAllocs {
			t.Fatalf("%d-byte frame: %v allocs per round trip (the loop's hand-off: %v)", len(in), n, loopAllocs)
		}
	}
}

// BenchmarkSmallFrames: a 64-byte frame written on one macvtap's queue,
// switched through the lower device to the sibling macvtap and read
// from its queue.
func BenchmarkSmallFrames(b *testing.B) {
	e, q0, q1 := pair(b, macvtap.TunFCsum)
	in := withHdr(header.VirtioNetHdrFields{}, udpFrame(mac1, mac0, ip0, ip1, 1, 2, make([]byte, 64-42)))
	buf := make([]byte, 2048)
	b.ReportAllocs()
	b.SetBytes(64)
	b.ResetTimer()
	for b.Loop() {
		roundTrip(b, e, q0, q1, in, buf)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

// BenchmarkGSOFrames: 64 KiB TSO frames to a reader that accepts TSO.
func BenchmarkGSOFrames(b *testing.B) {
	e, q0, q1 := pair(b, macvtap.TunFCsum|macvtap.TunFTSO4)
	in := tcpGSOFrame(65536-54, 1448, false)
	buf := make([]byte, 70000)
	b.ReportAllocs()
	b.SetBytes(int64(len(in) - 10))
	b.ResetTimer()
	for b.Loop() {
		roundTrip(b, e, q0, q1, in, buf)
	}
	b.ReportMetric(float64(b.N)*float64(len(in)-10)*8/b.Elapsed().Seconds()/1e9, "Gbit/s")
}

// BenchmarkGSOSegmented: 64 KiB TSO frames to a reader without offloads
// (software segmentation into 1448-byte segments).
func BenchmarkGSOSegmented(b *testing.B) {
	e, q0, q1 := pair(b, 0)
	in := tcpGSOFrame(65536-54, 1448, false)
	buf := make([]byte, 2048)
	b.ReportAllocs()
	b.SetBytes(int64(len(in) - 10))
	b.ResetTimer()
	for b.Loop() {
		if _, err := q0.Write(in); err != nil {
			b.Fatal(err)
		}
		e.loop.Run()
		for {
			if _, err := q1.Read(buf); err != nil {
				break
			}
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(in)-10)*8/b.Elapsed().Seconds()/1e9, "Gbit/s")
}
