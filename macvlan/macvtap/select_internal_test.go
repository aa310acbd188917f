package macvtap

import (
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"net/netip"
)

func TestSelectQueue(t *testing.T) {
	qs := make([]*Queue, 5)
	for i := range qs {
		qs[i] = &Queue{}
	}
	idx := func(q *Queue) int {
		for i, x := range qs {
			if x == q {
				return i
			}
		}
		return -1
	}
	tests := []struct {
		name string
		n    int
		hash uint32
		rxq  uint16
		want int
	}{
		{"no queues", 0, 7, 0, -1},
		{"one queue ignores hash", 1, 7, 3, 0},
		{"hash modulo", 5, 7, 0, 2},
		{"hash wins over rx queue", 5, 10, 4, 0},
		{"rx queue", 3, 0, 2, 1},
		{"rx queue wraps", 3, 0, 8, 1},
		{"rx queue zero means none", 3, 0, 0, 0},
		{"nothing: queue 0", 4, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := idx(selectQueue(qs[:tt.n], tt.hash, tt.rxq)); got != tt.want {
				t.Fatalf("queue %d, want %d", got, tt.want)
			}
		})
	}
}

func TestFlowHashSymmetricNonZero(t *testing.T) {
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	m1, m2 := header.MAC{2, 0, 0, 0, 0, 1}, header.MAC{2, 0, 0, 0, 0, 2}
	f := func(s, d netip.Addr, sp, dp uint16) []byte {
		return build.Ethernet(m1, m2, header.EtherTypeIPv4, build.IPv4(build.IPv4Opts{Src: s, Dst: d, Proto: header.IPProtoUDP}, build.UDP(sp, dp, nil)))
	}
	if computeHash(f(a, b, 1, 2)) != computeHash(f(b, a, 2, 1)) {
		t.Fatal("hash not symmetric")
	}
	if computeHash(f(a, b, 1, 2)) == computeHash(f(a, b, 1, 3)) {
		t.Fatal("ports not hashed")
	}
	for _, fr := range [][]byte{nil, {1, 2, 3}, build.Ethernet(m1, m2, header.EtherTypeARP, make([]byte, 28))} {
		if computeHash(fr) == 0 {
			t.Fatal("zero hash")
		}
	}
}
