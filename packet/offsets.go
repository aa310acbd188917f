package packet

// The header offsets are kept relative to the backing storage, so Push and
// Pull do not move them, as in sk_buff.

// SetMACHeader marks the current data start as the link-layer header.
func (b *Buffer) SetMACHeader() { b.mac = b.head }

// SetNetworkHeader marks the data start plus off as the network header.
func (b *Buffer) SetNetworkHeader(off int) { b.network = b.head + off }

// SetTransportHeader marks the data start plus off as the transport header.
func (b *Buffer) SetTransportHeader(off int) { b.transport = b.head + off }

// ResetMACHeader forgets the link-layer header.
func (b *Buffer) ResetMACHeader() { b.mac = -1 }

// HasMAC reports whether a link-layer header offset is set.
func (b *Buffer) HasMAC() bool { return b.mac >= 0 }

// HasNetwork reports whether a network header offset is set.
func (b *Buffer) HasNetwork() bool { return b.network >= 0 }

// HasTransport reports whether a transport header offset is set.
func (b *Buffer) HasTransport() bool { return b.transport >= 0 }

// MACHeader returns the bytes from the link-layer header to the data end.
func (b *Buffer) MACHeader() []byte { return b.from(b.mac) }

// NetworkHeader returns the bytes from the network header to the data end.
func (b *Buffer) NetworkHeader() []byte { return b.from(b.network) }

// TransportHeader returns the bytes from the transport header to the data end.
func (b *Buffer) TransportHeader() []byte { return b.from(b.transport) }

// MACOffset is the link-layer header offset relative to the data start
// (negative when the header was pulled); ok is false when unset.
func (b *Buffer) MACOffset() (off int, ok bool) { return b.mac - b.head, b.mac >= 0 }

// NetworkOffset is the network header offset relative to the data start.
func (b *Buffer) NetworkOffset() (off int, ok bool) { return b.network - b.head, b.network >= 0 }

// TransportOffset is the transport header offset relative to the data start.
func (b *Buffer) TransportOffset() (off int, ok bool) {
	return b.transport - b.head, b.transport >= 0
}

// MACLen is the length of the link-layer header: from the MAC header to the
// network header, or 0 when either is unset.
func (b *Buffer) MACLen() int {
	if b.mac < 0 || b.network < b.mac {
		return 0
	}
	return b.network - b.mac
}

func (b *Buffer) from(off int) []byte {
	if off < 0 || off > b.tail {
		return nil
	}
	return b.store[off:b.tail]
}

// PushTo moves the data start back to the given header (which lies in the
// headroom after a Pull) and reports whether it could.
func (b *Buffer) PushTo(headerOff int) bool {
	if headerOff < 0 || headerOff > b.tail {
		return false
	}
	if b.Csum.Mode == CsumPartial {
		if s := int(b.Csum.Start) + b.head - headerOff; s >= 0 {
			b.Csum.Start = uint16(s)
		} else {
			b.Csum = Csum{}
		}
	}
	b.head = headerOff
	return true
}

// MACStart returns the absolute position of the link-layer header for
// PushTo, or -1.
func (b *Buffer) MACStart() int { return b.mac }

// NetworkStart returns the absolute position of the network header, or -1.
func (b *Buffer) NetworkStart() int { return b.network }
