// Package packettest holds test helpers for code that handles packet.Buffers.
package packettest

import (
	"testing"
	"time"

	"github.com/softnet/softnet/packet"
)

// TB is the subset of testing.TB the helpers use.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
}

// CheckBalance records the number of live buffers now and, when the test
// ends, fails it if that number changed: every buffer the test made must have
// been freed or handed to something that freed it. Tests that use it must not
// run in parallel with other buffer users in the same binary.
func CheckBalance(t TB) {
	t.Helper()
	start := packet.Live()
	t.Cleanup(func() {
		// Asynchronous completions may still be returning buffers.
		deadline := time.Now().Add(2 * time.Second)
		for packet.Live() != start && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if n := packet.Live() - start; n != 0 {
			t.Errorf("packet pool out of balance: %+d buffers live at the end of the test", n)
		}
	})
}

var _ TB = (testing.TB)(nil)

// InputNoLeak is the body of the transforms' input fuzz targets: it makes
// a buffer of data (data that is not a packet is skipped), hands it to
// input, frees it, and fails t if the pool of live buffers is not back
// where it was.
func InputNoLeak(t TB, data []byte, input func(b *packet.Buffer)) {
	t.Helper()
	before := packet.Live()
	b, err := packet.FromBytes(data)
	if err != nil {
		return
	}
	input(b)
	b.Free()
	if n := packet.Live() - before; n != 0 {
		t.Errorf("leak: %+d buffers live after the input", n)
	}
}
