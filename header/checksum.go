package header

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Checksum returns the 16-bit one's-complement sum (RFC 1071) of b, added to
// initial, folded to 16 bits. It is NOT inverted: the value to store in a
// checksum field is ^Checksum(...), and a header whose checksum field is
// correct sums to 0xffff.
//
// b is read as a sequence of big-endian 16-bit words; an odd final byte is
// padded on the right with zero. Checksum does not allocate.
func Checksum(b []byte, initial uint16) uint16 {
	// The one's-complement sum is byte-order independent up to a final
	// byte swap (RFC 1071 section 2 B), so load native little-endian words
	// and swap once at the end.
	s := uint64(bits.ReverseBytes16(initial))
	var c uint64
	for len(b) >= 32 {
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[0:8]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[8:16]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[16:24]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[24:32]), c)
		b = b[32:]
	}
	for len(b) >= 8 {
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[0:8]), c)
		b = b[8:]
	}
	if len(b) >= 4 {
		s, c = bits.Add64(s, uint64(binary.LittleEndian.Uint32(b[0:4])), c)
		b = b[4:]
	}
	if len(b) >= 2 {
		s, c = bits.Add64(s, uint64(binary.LittleEndian.Uint16(b[0:2])), c)
		b = b[2:]
	}
	if len(b) == 1 {
		s, c = bits.Add64(s, uint64(b[0]), c)
	}
	s, c = bits.Add64(s, c, 0)
	s += c
	return bits.ReverseBytes16(fold64(s))
}

// fold64 folds a 64-bit one's-complement accumulator to 16 bits.
func fold64(s uint64) uint16 {
	s = (s >> 32) + (s & 0xffffffff)
	s = (s >> 32) + (s & 0xffffffff)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	return uint16(s)
}

// ChecksumCombine returns the one's-complement sum of two partial checksums.
func ChecksumCombine(a, b uint16) uint16 {
	s := uint32(a) + uint32(b)
	return uint16(s + s>>16)
}

// PseudoHeaderChecksum returns the partial (non-inverted) checksum of the
// TCP/UDP/ICMPv6 pseudo-header: src and dst addresses (both 4 bytes for IPv4
// or both 16 bytes for IPv6), the protocol number and the upper-layer length
// (RFC 793 section 3.1, RFC 8200 section 8.1). Combine it with
// Checksum(transport, ...) to obtain the transport checksum.
func PseudoHeaderChecksum(proto uint8, src, dst []byte, length uint16) uint16 {
	s := Checksum(src, 0)
	s = Checksum(dst, s)
	s = ChecksumCombine(s, uint16(proto))
	return ChecksumCombine(s, length)
}

// PseudoHeaderChecksumAddr is PseudoHeaderChecksum with netip.Addr
// addresses. If src is IPv4 the IPv4 pseudo-header is used (dst is then
// read as IPv4), otherwise the IPv6 one; an IPv4-mapped IPv6 address counts
// as IPv6. It never panics.
func PseudoHeaderChecksumAddr(proto uint8, src, dst netip.Addr, length uint16) uint16 {
	if src.Is4() {
		s4, d4 := as4(src), as4(dst)
		return PseudoHeaderChecksum(proto, s4[:], d4[:], length)
	}
	s16, d16 := as16(src), as16(dst)
	return PseudoHeaderChecksum(proto, s16[:], d16[:], length)
}

// ChecksumUpdate16 returns the new value of a checksum field after a 16-bit
// word covered by it changes from oldVal to newVal, per RFC 1624 eqn. 3:
// HC' = ~(~HC + ~m + m'). check is the field as stored (inverted).
// It is the equivalent of the kernel's csum_replace2.
func ChecksumUpdate16(check, oldVal, newVal uint16) uint16 {
	s := ChecksumCombine(^check, ^oldVal)
	return ^ChecksumCombine(s, newVal)
}

// ChecksumUpdate32 is ChecksumUpdate16 for an aligned 32-bit value
// (csum_replace4).
func ChecksumUpdate32(check uint16, oldVal, newVal uint32) uint16 {
	s := ChecksumCombine(^check, ^uint16(oldVal>>16))
	s = ChecksumCombine(s, ^uint16(oldVal))
	s = ChecksumCombine(s, uint16(newVal>>16))
	return ^ChecksumCombine(s, uint16(newVal))
}

// ChecksumUpdateBytes returns the new checksum field value after the bytes
// old (at an even offset of the covered data) are replaced by new of the
// same length, e.g. an address rewrite (the kernel's inet_proto_csum_replace16
// and friends).
func ChecksumUpdateBytes(check uint16, old, new []byte) uint16 {
	s := ChecksumCombine(^check, ^Checksum(old, 0))
	return ^Checksum(new, s)
}
