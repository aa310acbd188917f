package flower

import (
	"fmt"
	"testing"
)

// BenchmarkClassify compares a lookup among 10 filters and among 10,000
// filters, both spread over 10 masks: the cost follows the masks (one
// masked hash probe each), not the filters. The packet misses every
// filter, the worst case (all masks probed).
func BenchmarkClassify(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("filters=%d/masks=10", n), func(b *testing.B) {
			d := dummy(b)
			h := populate(b, n, 10)
			frame := udp4(v4a, v4b, 1, 2)
			p := rx(b, d, frame)
			defer p.Free()
			b.ReportAllocs()
			b.SetBytes(int64(len(frame)))
			b.ResetTimer()
			for b.Loop() {
				if h.match(d, p) != nil {
					b.Fatal("unexpected match")
				}
			}
		})
	}
}

// BenchmarkClassifyHit is a lookup that matches in the last mask.
func BenchmarkClassifyHit(b *testing.B) {
	d := dummy(b)
	h := populate(b, 10000, 10)
	// populate's filter 9 (mask /32): 203.0.113.9/32, port 9.
	frame := udp4(v4a, mustAddr("203.0.113.9"), 1, 9)
	p := rx(b, d, frame)
	defer p.Free()
	if h.match(d, p) == nil {
		b.Fatal("no match")
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		h.match(d, p)
	}
}
