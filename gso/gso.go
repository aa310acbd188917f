package gso

import (
	"encoding/binary"
	"errors"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
)

// Errors returned for packets that cannot be segmented; the caller drops
// the packet and counts it.
var (
	// ErrMalformed: headers missing, truncated, or inconsistent with the
	// GSO type.
	ErrMalformed = errors.New("gso: malformed super-packet")
	// ErrUnsupported: a GSO type softnet does not segment (tunnels, ESP).
	ErrUnsupported = errors.New("gso: unsupported GSO type")
	// ErrNoBuffer: the pool could not supply a segment.
	ErrNoBuffer = errors.New("gso: no buffer")
)

// MaxSegments bounds the number of segments one super-packet may produce
// (gso_max_segs).
const MaxSegments = 65535

// layout is where the headers of a super-packet are.
type layout struct {
	nh    int  // network header offset from the data start
	th    int  // transport header offset
	hlen  int  // length of all headers (payload starts here)
	v6    bool // IPv6 (else IPv4)
	proto uint8
}

// parse finds the network and transport headers of b.
func parse(b *packet.Buffer) (layout, error) {
	var l layout
	nh, ok := b.NetworkOffset()
	data := b.Bytes()
	if !ok || nh < 0 || nh >= len(data) {
		return l, ErrMalformed
	}
	l.nh = nh
	ip := data[nh:]
	switch ip[0] >> 4 {
	case 4:
		if len(ip) < header.IPv4MinimumSize {
			return l, ErrMalformed
		}
		v4 := header.IPv4(ip)
		ihl := v4.HeaderLength()
		if ihl < header.IPv4MinimumSize || ihl > len(ip) {
			return l, ErrMalformed
		}
		l.th, l.proto = nh+ihl, v4.Protocol()
	case 6:
		if len(ip) < header.IPv6MinimumSize {
			return l, ErrMalformed
		}
		l.v6 = true
		l.th, l.proto = nh+header.IPv6MinimumSize, header.IPv6(ip).NextHeader()
	default:
		return l, ErrMalformed
	}
	switch l.proto {
	case header.IPProtoTCP:
		if l.th+header.TCPMinimumSize > len(data) {
			return l, ErrMalformed
		}
		doff := header.TCP(data[l.th:]).DataOffset()
		if doff < header.TCPMinimumSize || l.th+doff > len(data) {
			return l, ErrMalformed
		}
		l.hlen = l.th + doff
	case header.IPProtoUDP:
		if l.th+header.UDPMinimumSize > len(data) {
			return l, ErrMalformed
		}
		l.hlen = l.th + header.UDPMinimumSize
	default:
		return l, ErrMalformed
	}
	return l, nil
}

// Segment splits the super-packet b into segments of at most b.GSO.Size
// payload bytes and hands each to emit, in order, with a complete
// checksum. It owns b: b is freed (or, when it is not a GSO packet or
// its payload fits in one segment, its checksum is completed and b itself
// is emitted). On error b is freed and nothing more is emitted; segments
// already emitted stay emitted.
func Segment(b *packet.Buffer, emit func(*packet.Buffer)) error {
	if b.GSO.Size == 0 {
		if err := Checksum(b); err != nil {
			b.Free()
			return err
		}
		emit(b)
		return nil
	}
	l, err := parse(b)
	if err != nil {
		b.Free()
		return err
	}
	if err := checkType(b.GSO.Type, l); err != nil {
		b.Free()
		return err
	}
	mss := int(b.GSO.Size)
	payload := b.Len() - l.hlen
	if payload <= 0 || (payload+mss-1)/mss > MaxSegments {
		b.Free()
		return ErrMalformed
	}
	err = segmentLoop(b, l, mss, payload, emit)
	b.Free()
	return err
}

func checkType(t packet.GSOType, l layout) error {
	switch {
	case t&(packet.GSOTCPv4|packet.GSOTCPv6) != 0:
		if l.proto != header.IPProtoTCP || (t&packet.GSOTCPv6 != 0) != l.v6 {
			return ErrMalformed
		}
	case t&packet.GSOUDPL4 != 0:
		if l.proto != header.IPProtoUDP {
			return ErrMalformed
		}
	default:
		return ErrUnsupported
	}
	if t&(packet.GSOIPIP|packet.GSOESP|packet.GSOUDPTunnel) != 0 {
		return ErrUnsupported
	}
	return nil
}

func segmentLoop(b *packet.Buffer, l layout, mss, payload int, emit func(*packet.Buffer)) error {
	data := b.Bytes()
	hdr := data[:l.hlen]
	first := true
	var ipID uint16
	if !l.v6 {
		ipID = header.IPv4(data[l.nh:]).ID()
	}
	var seq uint32
	var flags uint8
	if l.proto == header.IPProtoTCP {
		tcp := header.TCP(data[l.th:])
		seq, flags = tcp.Seq(), tcp.Flags()
	}
	for off := 0; off < payload; off += mss {
		n := min(mss, payload-off)
		s, err := packet.New(b.Headroom(), l.hlen+n)
		if err != nil {
			return ErrNoBuffer
		}
		out := s.Put(l.hlen + n)
		copy(out, hdr)
		copy(out[l.hlen:], data[l.hlen+off:l.hlen+off+n])
		s.Meta = b.Meta
		s.GSO = packet.GSO{}
		s.Csum = packet.Csum{}
		if mac, ok := b.MACOffset(); ok && mac == 0 {
			s.SetMACHeader()
		}
		s.SetNetworkHeader(l.nh)
		s.SetTransportHeader(l.th)
		last := off+n >= payload
		fixIP(out, l, ipID)
		ipID++
		if l.proto == header.IPProtoTCP {
			fixTCP(out, l, seq+uint32(off), flags, first, last)
		} else {
			fixUDP(out, l)
		}
		first = false
		emit(s)
	}
	return nil
}

func fixIP(out []byte, l layout, id uint16) {
	ip := out[l.nh:]
	if l.v6 {
		binary.BigEndian.PutUint16(ip[4:6], uint16(len(out)-l.nh-header.IPv6MinimumSize))
		return
	}
	v4 := header.IPv4(ip)
	v4.SetTotalLength(uint16(len(out) - l.nh))
	v4.SetID(id)
	v4.SetChecksum(0)
	v4.UpdateChecksum()
}

// l4Checksum writes the transport checksum of out[l.th:] at field offset
// at, over the pseudo header of the packet's addresses.
func l4Checksum(out []byte, l layout, at int) {
	seg := out[l.th:]
	binary.BigEndian.PutUint16(seg[at:], 0)
	var src, dst []byte
	if l.v6 {
		ip := header.IPv6(out[l.nh:])
		src, dst = ip[8:24], ip[24:40]
	} else {
		ip := header.IPv4(out[l.nh:])
		src, dst = ip.SourceSlice(), ip.DestinationSlice()
	}
	c := header.PseudoHeaderChecksum(l.proto, src, dst, uint16(len(seg)))
	sum := ^header.Checksum(seg, c)
	if sum == 0 && l.proto == header.IPProtoUDP {
		sum = 0xffff
	}
	binary.BigEndian.PutUint16(seg[at:], sum)
}

func fixTCP(out []byte, l layout, seq uint32, flags uint8, first, last bool) {
	tcp := header.TCP(out[l.th:])
	tcp.SetSeq(seq)
	if !last {
		flags &^= header.TCPFlagFIN | header.TCPFlagPSH
	}
	if !first {
		flags &^= tcpFlagCWR
	}
	tcp.SetFlags(flags)
	l4Checksum(out, l, 16)
}

// tcpFlagCWR is the CWR bit, cleared on every segment but the first.
const tcpFlagCWR uint8 = 0x80

func fixUDP(out []byte, l layout) {
	header.UDP(out[l.th:]).SetLength(uint16(len(out) - l.th))
	l4Checksum(out, l, 6)
}

// Checksum completes a CHECKSUM_PARTIAL checksum in place
// (skb_checksum_help): the one's-complement sum of the bytes from
// Csum.Start to the end, seeded with what the checksum field holds (the
// pseudo-header sum), is written at Csum.Start+Csum.Offset. Packets in
// another checksum state are left alone. It fails, leaving b untouched,
// when the offsets lie outside the packet.
func Checksum(b *packet.Buffer) error {
	if b.Csum.Mode != packet.CsumPartial {
		return nil
	}
	d := b.Bytes()
	start, at := int(b.Csum.Start), int(b.Csum.Start)+int(b.Csum.Offset)
	if start >= len(d) || at+2 > len(d) {
		return ErrMalformed
	}
	c := ^header.Checksum(d[start:], 0)
	if c == 0 {
		c = 0xffff // a UDP checksum of zero means "none"; TCP treats both alike
	}
	binary.BigEndian.PutUint16(d[at:], c)
	b.Csum = packet.Csum{}
	return nil
}

// HeaderLen returns the length of b's headers from the data start to the
// end of the TCP or UDP header (what a virtio-net header's hdr_len
// reports), or false when they cannot be parsed.
func HeaderLen(b *packet.Buffer) (int, bool) {
	l, err := parse(b)
	if err != nil {
		return 0, false
	}
	return l.hlen, true
}
