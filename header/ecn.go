package header

// ECN codepoints in the low two bits of the IPv4 TOS / IPv6 traffic class
// (RFC 3168; include/net/inet_ecn.h).
const (
	ECNNotECT uint8 = 0 // INET_ECN_NOT_ECT
	ECNECT1   uint8 = 1 // INET_ECN_ECT_1
	ECNECT0   uint8 = 2 // INET_ECN_ECT_0
	ECNCE     uint8 = 3 // INET_ECN_CE
	ECNMask   uint8 = 3 // INET_ECN_MASK
)

// ECNDecapVerdict is the outcome of ECNDecapsulate.
type ECNDecapVerdict uint8

const (
	// ECNDecapOK: forward the inner packet (possibly with CE set).
	ECNDecapOK ECNDecapVerdict = iota
	// ECNDecapLog: forward, but the combination is suspicious; Linux logs
	// it (log_ecn_error) and counts it.
	ECNDecapLog
	// ECNDecapDrop: drop the packet (outer CE on a Not-ECT inner packet),
	// counted as a frame error by Linux tunnels.
	ECNDecapDrop
)

// ECNEncapsulate returns the outer ECN field for a tunnel in normal mode
// (RFC 6040 section 4.1, INET_ECN_encapsulate): the inner codepoint is
// copied, except that CE is encapsulated as ECT(0).
func ECNEncapsulate(inner uint8) uint8 {
	inner &= ECNMask
	if inner == ECNCE {
		return ECNECT0
	}
	return inner
}

// ECNDecapsulate applies RFC 6040 section 4.2 decapsulation as Linux does
// (__INET_ECN_decapsulate): it reports whether CE must be set on the inner
// packet, and whether the packet must be logged or dropped. Arguments are
// full TOS/traffic-class bytes or bare ECN fields; only the low bits count.
func ECNDecapsulate(outer, inner uint8) (setCE bool, v ECNDecapVerdict) {
	if inner&ECNMask == ECNNotECT {
		switch outer & ECNMask {
		case ECNNotECT:
			return false, ECNDecapOK
		case ECNCE:
			return false, ECNDecapDrop
		default:
			return false, ECNDecapLog
		}
	}
	return outer&ECNMask == ECNCE, ECNDecapOK
}
