package fib

import "math/bits"

// bitset256 is a fixed 256-bit set. It indexes both the octet-keyed child
// slots of a node and the ART-numbered prefixes (1..255) stored in a node.
type bitset256 [4]uint64

func (b *bitset256) test(i uint) bool { return b[i>>6]&(1<<(i&63)) != 0 }
func (b *bitset256) set(i uint)       { b[i>>6] |= 1 << (i & 63) }
func (b *bitset256) clear(i uint)     { b[i>>6] &^= 1 << (i & 63) }

// count reports the number of set bits.
func (b *bitset256) count() int {
	return bits.OnesCount64(b[0]) + bits.OnesCount64(b[1]) +
		bits.OnesCount64(b[2]) + bits.OnesCount64(b[3])
}

// rank reports the number of set bits strictly below i: the position of
// element i in a popcount-compressed array.
func (b *bitset256) rank(i uint) int {
	w := i >> 6
	r := bits.OnesCount64(b[w] & (1<<(i&63) - 1))
	for j := uint(0); j < w; j++ {
		r += bits.OnesCount64(b[j])
	}
	return r
}

// next reports the smallest set bit >= i, or ok=false.
func (b *bitset256) next(i uint) (uint, bool) {
	for w := i >> 6; w < 4; w++ {
		x := b[w]
		if w == i>>6 {
			x &= ^uint64(0) << (i & 63)
		}
		if x != 0 {
			return w<<6 | uint(bits.TrailingZeros64(x)), true
		}
	}
	return 0, false
}

func (b *bitset256) or(c *bitset256) bitset256 {
	return bitset256{b[0] | c[0], b[1] | c[1], b[2] | c[2], b[3] | c[3]}
}

// pfxIndex numbers the prefix of length rel (0..7) whose first bits are the
// top rel bits of octet o, as a node of a complete binary tree (ART style):
// index 1 is the /0 of the node, 2..3 the two /1s, 128..255 the /7s.
func pfxIndex(o uint8, rel int) uint {
	return 1<<rel | uint(o)>>(8-rel)
}

// idxLen and idxStart invert pfxIndex: the relative length of index i and
// the first octet it covers.
func idxLen(i uint) int { return bits.Len(i) - 1 }

func idxStart(i uint) uint8 {
	rel := idxLen(i)
	return uint8((i - 1<<rel) << (8 - rel))
}

// ancestors[o] holds the indexes of all prefixes of length 0..7 that cover
// octet o; AND-ing it with a node's prefix set leaves the matching prefixes,
// and the highest remaining bit is the longest match.
var ancestors = func() (t [256]bitset256) {
	for o := range 256 {
		for rel := range 8 {
			t[o].set(pfxIndex(uint8(o), rel))
		}
	}
	return t
}()

// lpm reports the index of the longest prefix in b that covers octet o.
func (b *bitset256) lpm(o uint8) (uint, bool) {
	m := &ancestors[o]
	for w := 3; w >= 0; w-- {
		if x := b[w] & m[w]; x != 0 {
			return uint(w)<<6 | uint(63-bits.LeadingZeros64(x)), true
		}
	}
	return 0, false
}
