package header

// IPv4 option types (include/uapi/linux/ip.h, IPOPT_*). The type byte holds
// the copied flag (0x80), the class (0x60) and the number (0x1f).
const (
	IPv4OptionEOL       uint8 = 0   // IPOPT_END
	IPv4OptionNOP       uint8 = 1   // IPOPT_NOOP
	IPv4OptionRR        uint8 = 7   // IPOPT_RR, record route
	IPv4OptionTimestamp uint8 = 68  // IPOPT_TS
	IPv4OptionSecurity  uint8 = 130 // IPOPT_SEC
	IPv4OptionLSRR      uint8 = 131 // IPOPT_LSRR, loose source route
	IPv4OptionCIPSO     uint8 = 134 // IPOPT_CIPSO
	IPv4OptionSSRR      uint8 = 137 // IPOPT_SSRR, strict source route
	IPv4OptionRA        uint8 = 148 // IPOPT_RA, router alert

	// IPv4OptionCopied is the "copy on fragmentation" bit (IPOPT_COPY).
	IPv4OptionCopied uint8 = 0x80
)

// IPv4Option is one option returned by IPv4OptionIterator.
type IPv4Option struct {
	// Type is the option type byte.
	Type uint8
	// Offset is the offset of the type byte within the options area; add
	// IPv4MinimumSize for the offset within the header (the ICMP parameter
	// problem pointer).
	Offset int
	// Data is the option value after the type and length bytes (nil for
	// NOP). It aliases the packet.
	Data []byte
}

// Len returns the encoded length of the option (1 for NOP).
func (o IPv4Option) Len() int {
	if o.Type == IPv4OptionNOP || o.Type == IPv4OptionEOL {
		return 1
	}
	return len(o.Data) + 2
}

// IPv4OptionIterator walks an IPv4 options area. It stops at EOL or at the
// end of the area and never reads out of bounds; a truncated or
// self-inconsistent option stops iteration with Malformed set.
//
//	it := header.NewIPv4OptionIterator(ip.Options())
//	for opt, ok := it.Next(); ok; opt, ok = it.Next() { ... }
//	if it.Malformed() { icmp param problem at IPv4MinimumSize+it.ErrorOffset() }
type IPv4OptionIterator struct {
	opts      []byte
	off       int
	errOff    int
	malformed bool
}

// NewIPv4OptionIterator returns an iterator over opts (e.g. IPv4.Options()).
func NewIPv4OptionIterator(opts []byte) IPv4OptionIterator {
	return IPv4OptionIterator{opts: opts}
}

// Next returns the next option, or false at the end (EOL, end of area, or a
// malformed option). NOP options are returned.
func (it *IPv4OptionIterator) Next() (IPv4Option, bool) {
	if it.malformed || it.off >= len(it.opts) {
		return IPv4Option{}, false
	}
	off := it.off
	t := it.opts[off]
	switch t {
	case IPv4OptionEOL:
		it.off = len(it.opts)
		return IPv4Option{}, false
	case IPv4OptionNOP:
		it.off++
		return IPv4Option{Type: t, Offset: off}, true
	}
	if off+1 >= len(it.opts) {
		return it.fail(off)
	}
	l := int(it.opts[off+1])
	if l < 2 || off+l > len(it.opts) {
		return it.fail(off + 1)
	}
	it.off = off + l
	return IPv4Option{Type: t, Offset: off, Data: it.opts[off+2 : off+l]}, true
}

func (it *IPv4OptionIterator) fail(at int) (IPv4Option, bool) {
	it.malformed, it.errOff = true, at
	it.off = len(it.opts)
	return IPv4Option{}, false
}

// Malformed reports whether iteration stopped on a malformed option.
func (it *IPv4OptionIterator) Malformed() bool { return it.malformed }

// ErrorOffset returns the offset, within the options area, of the byte
// that made the options malformed (valid when Malformed is true).
func (it *IPv4OptionIterator) ErrorOffset() int { return it.errOff }

// Remaining returns the unread part of the options area (after EOL this is
// empty).
func (it *IPv4OptionIterator) Remaining() []byte { return it.opts[it.off:] }
