package fib

import (
	"encoding/binary"
	"net/netip"
)

// key is an address as a 128-bit big-endian number. IPv4 addresses sit in
// the top 32 bits, so octet d of the key is octet d of the address for both
// families.
type key struct{ hi, lo uint64 }

func keyOf(a netip.Addr) key {
	if a.Is4() {
		b := a.As4()
		return key{hi: uint64(binary.BigEndian.Uint32(b[:])) << 32}
	}
	b := a.As16()
	return key{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// addr converts k back to an address of the given family.
func (k key) addr(is4 bool) netip.Addr {
	if is4 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(k.hi>>32))
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], k.hi)
	binary.BigEndian.PutUint64(b[8:], k.lo)
	return netip.AddrFrom16(b)
}

// octet reports octet d (0..15) of k.
func (k key) octet(d int) uint8 {
	if d < 8 {
		return uint8(k.hi >> (56 - 8*d))
	}
	return uint8(k.lo >> (56 - 8*(d-8)))
}

// withOctet returns k with octet d replaced by o.
func (k key) withOctet(d int, o uint8) key {
	if d < 8 {
		s := uint(56 - 8*d)
		k.hi = k.hi&^(0xff<<s) | uint64(o)<<s
		return k
	}
	s := uint(56 - 8*(d-8))
	k.lo = k.lo&^(0xff<<s) | uint64(o)<<s
	return k
}

// mask returns k with all bits after the first n cleared.
func (k key) mask(n int) key {
	if n <= 64 {
		return key{hi: k.hi & hiMask(n)}
	}
	return key{k.hi, k.lo & hiMask(n-64)}
}

// hiMask returns a word with its top n (0..64) bits set.
// A shift by 64 yields 0 in Go, so n == 0 needs no special case.
func hiMask(n int) uint64 { return ^uint64(0) << (64 - uint(n)) }

// covers reports whether the prefix k/n contains address a.
func (k key) covers(n int, a key) bool {
	if n <= 64 {
		return (k.hi^a.hi)&hiMask(n) == 0
	}
	return k.hi == a.hi && (k.lo^a.lo)&hiMask(n-64) == 0
}

func prefixOf(k key, n int, is4 bool) netip.Prefix {
	return netip.PrefixFrom(k.addr(is4), n)
}
