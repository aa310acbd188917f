package macvtap_test

import (
	"testing"

	"github.com/softnet/softnet/packet"
)

func mustBuf(t testing.TB, p []byte) *packet.Buffer {
	t.Helper()
	b, err := packet.FromBytes(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
