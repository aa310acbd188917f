package hostlink

import (
	"bytes"
	"encoding/binary"
	"sync"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/packet"
)

// groMaxBytes bounds a coalesced frame's IP packet (64 KiB, as GRO's).
const groMaxBytes = 65535

// TCP flag bits in the header's 13th byte.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
)

// groTrain coalesces the in-order TCP segments of one flow that a
// vnet_hdr TUN/TAP device is given during a receive burst into one TSO
// super-frame (what GRO would have built), written with one writev: the
// host's TCP then takes 64 KiB per packet, as from a NIC with LRO. UDP
// datagrams of one flow, all of one size but a shorter last, become one
// USO super-frame (GSO_UDP_L4) when the host granted USO.
type groTrain struct {
	mu   sync.Mutex
	held []*packet.Buffer
	iov  [][]byte // iov[0] is hdr; then each segment's payload
	// hdr is the super-frame's virtio_net_hdr and headers, from the first
	// segment's.
	hdr     [header.VirtioNetHdrSize + 14 + 60 + 60]byte
	l       l4Layout
	mss     int
	nextSeq uint32
	bytes   int // IP packet length so far
	closed  bool
	due     bool // the world owes the device a Flush (World.Hold)
}

// groKey is what a segment must share with the train to join it: the
// headers up to the TCP sequence number, but for the IP length, ID and
// checksum, compared in place.
func groSame(a, b []byte, l l4Layout) bool {
	th := l.th
	if len(a) < l.hlen || len(b) < l.hlen {
		return false
	}
	if l.v6 {
		nh := th - header.IPv6MinimumSize
		// version/class/flow, then next header, hop limit, addresses
		return bytes.Equal(a[:nh+4], b[:nh+4]) && bytes.Equal(a[nh+6:th], b[nh+6:th]) &&
			sameL4(a[th:l.hlen], b[th:l.hlen], l.proto)
	}
	nh := th - header.IPv4MinimumSize
	// MAC header, version/IHL/TOS; flags/fragment, TTL, protocol; addresses
	return bytes.Equal(a[:nh+2], b[:nh+2]) && bytes.Equal(a[nh+6:nh+10], b[nh+6:nh+10]) &&
		bytes.Equal(a[nh+12:th], b[nh+12:th]) && sameL4(a[th:l.hlen], b[th:l.hlen], l.proto)
}

// sameL4 compares the transport headers of two packets of a train: TCP's
// as sameTCP, UDP's ports (length and checksum differ by datagram).
func sameL4(a, b []byte, proto uint8) bool {
	if proto == header.IPProtoUDP {
		return len(a) >= 4 && len(b) >= 4 && bytes.Equal(a[:4], b[:4])
	}
	return sameTCP(a, b)
}

// sameTCP compares two TCP headers but for the sequence number, PSH,
// window and checksum (tcp_gro_receive's flush rules: ports, ack, other
// flags and options must match).
func sameTCP(a, b []byte) bool {
	return len(a) == len(b) && bytes.Equal(a[0:4], b[0:4]) && bytes.Equal(a[8:13], b[8:13]) &&
		a[13]&^tcpPSH == b[13]&^tcpPSH && bytes.Equal(a[18:], b[18:])
}

// groCandidate finds the transport layout of b if it may be coalesced:
// an unfragmented IPv4 (no options) or IPv6 (no extension headers)
// packet with data whose checksum is known good, and either a TCP
// segment with ACK set and no SYN/FIN/RST/URG/ECE/CWR (the host granted
// TSO for the family) or a UDP datagram whose length field is right (the
// host granted USO).
func (td *tunDev) groCandidate(b *packet.Buffer) (l4Layout, bool) {
	p := b.Bytes()
	l, ok := parseL4(p, td.nh)
	if !ok || l.hlen >= len(p) || b.GSO.Size != 0 {
		return l, false
	}
	var need uint32
	switch l.proto {
	case header.IPProtoTCP:
		if p[l.th+13] != tcpACK && p[l.th+13] != tcpACK|tcpPSH {
			return l, false
		}
		need = sys.TunFTSO4
		if l.v6 {
			need = sys.TunFTSO6
		}
	case header.IPProtoUDP:
		if int(binary.BigEndian.Uint16(p[l.th+4:])) != len(p)-l.th {
			return l, false
		}
		need = sys.TunFUSO4
		if l.v6 {
			need = sys.TunFUSO6
		}
	default:
		return l, false
	}
	if td.offload&need == 0 {
		return l, false
	}
	if l.v6 {
		if int(header.IPv6(p[td.nh:]).PayloadLength())+header.IPv6MinimumSize != len(p)-td.nh {
			return l, false
		}
	} else {
		ip := header.IPv4(p[td.nh:])
		if ip.HeaderLength() != header.IPv4MinimumSize || ip.FlagsFragOff()&0x3fff != 0 ||
			int(ip.TotalLength()) != len(p)-td.nh {
			return l, false
		}
	}
	return l, checksumGood(b, p, td.nh, l)
}

// checksumGood reports whether b's TCP or UDP checksum is right (or b's
// checksum state vouches for it, or it is an IPv4 UDP datagram sent
// without one): a coalesced frame goes up as CHECKSUM_PARTIAL, which the
// host's stack does not verify again.
func checksumGood(b *packet.Buffer, p []byte, nh int, l l4Layout) bool {
	switch b.Csum.Mode {
	case packet.CsumUnnecessary, packet.CsumPartial:
		return true
	}
	if l.proto == header.IPProtoUDP && !l.v6 && binary.BigEndian.Uint16(p[l.th+6:]) == 0 {
		return true
	}
	tl := len(p) - l.th
	var sum uint16
	if l.v6 {
		ip := header.IPv6(p[nh:])
		sum = header.PseudoHeaderChecksumAddr(l.proto, ip.Source(), ip.Destination(), uint16(tl))
	} else {
		ip := header.IPv4(p[nh:])
		sum = header.PseudoHeaderChecksumAddr(l.proto, ip.Source(), ip.Destination(), uint16(tl))
	}
	return header.Checksum(p[l.th:], sum) == 0xffff
}

// groAdd queues b on the device's train while a burst runs, writing what
// the train held first when b cannot join it. It reports false when b
// must be written alone, now (after the train).
func (td *tunDev) groAdd(b *packet.Buffer) bool {
	t := &td.gro
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.due && !td.world.InBurst() {
		return false // nothing held and no burst: no need to look at b
	}
	l, ok := td.groCandidate(b)
	if !ok {
		td.groFlushLocked()
		return false
	}
	p := b.Bytes()
	tcp := l.proto == header.IPProtoTCP
	var seq uint32
	if tcp {
		seq = binary.BigEndian.Uint32(p[l.th+4:])
	}
	n := len(p) - l.hlen
	if len(t.held) > 0 {
		first := t.held[0].Bytes()
		if t.closed || l != t.l || n > t.mss || (tcp && seq != t.nextSeq) || t.bytes+n > groMaxBytes-td.nh ||
			len(t.held) >= maxIovSegs || !groSame(first, p, l) {
			td.groFlushLocked()
		}
	}
	if !t.due {
		if !td.world.Hold(td) {
			return false // no burst: write now (nothing is held)
		}
		t.due = true
	}
	if len(t.held) == 0 {
		t.l, t.mss, t.bytes = l, n, len(p)-td.nh
		t.iov = append(t.iov[:0], nil)
	} else {
		t.bytes += n
	}
	t.held = append(t.held, b)
	t.iov = append(t.iov, p[l.hlen:])
	t.nextSeq = seq + uint32(n)
	if n < t.mss || (tcp && p[l.th+13]&tcpPSH != 0) {
		t.closed = true // a short segment or datagram, or PSH, ends a train
	}
	return true
}

// maxIovSegs bounds the segments of one coalesced frame.
const maxIovSegs = 64

// Flush implements netdev.Flusher: it writes the coalesced frame held.
func (td *tunDev) Flush() {
	t := &td.gro
	t.mu.Lock()
	td.groFlushLocked()
	t.due = false
	t.mu.Unlock()
}

// groFlushLocked writes the train: one segment as it came, several as a
// TSO frame whose checksum the host's stack treats as partial.
func (td *tunDev) groFlushLocked() {
	t := &td.gro
	switch len(t.held) {
	case 0:
		return
	case 1:
		b := t.held[0]
		td.resetTrain()
		td.writeVnet(b)
		return
	}
	h := td.buildHeader()
	t.iov[0] = h
	frame := len(h) - td.vnet
	for _, p := range t.iov[1:] {
		frame += len(p)
	}
	_, err := td.pick(t.held[0]).Writev(t.iov)
	d := td.dev
	if err != nil {
		d.Stats.TxErrors.Add(1)
		for _, b := range t.held {
			d.DropTx(b, DropHostWrite)
		}
	} else {
		d.Stats.CountTx(frame)
		td.groFrames.Add(1)
		for _, b := range t.held {
			b.Free()
		}
	}
	td.resetTrain()
}

func (td *tunDev) resetTrain() {
	t := &td.gro
	clear(t.held)
	clear(t.iov)
	t.held, t.iov = t.held[:0], t.iov[:0]
	t.bytes, t.closed = 0, false
}

// buildHeader writes the super-frame's virtio_net_hdr and headers into
// t.hdr from the first segment's: lengths for the whole frame (UDP's
// length field too), PSH if any TCP segment had it, the IPv4 checksum
// redone and the TCP or UDP checksum seeded with the pseudo-header sum
// for the host to finish.
func (td *tunDev) buildHeader() []byte {
	t := &td.gro
	l, first := t.l, t.held[0].Bytes()
	h := t.hdr[:td.vnet+l.hlen]
	fr := h[td.vnet:]
	copy(fr, first[:l.hlen])
	tl := t.bytes - (l.th - td.nh)
	gso, csumOff := header.VirtioNetHdrGSOTCPv4, 16
	if l.v6 {
		gso = header.VirtioNetHdrGSOTCPv6
	}
	if l.proto == header.IPProtoUDP {
		gso, csumOff = header.VirtioNetHdrGSOUDPL4, 6
		binary.BigEndian.PutUint16(fr[l.th+4:], uint16(tl))
	} else {
		last := t.held[len(t.held)-1].Bytes()
		fr[l.th+13] |= last[l.th+13] & tcpPSH
	}
	var sum uint16
	if l.v6 {
		ip := header.IPv6(fr[td.nh:])
		ip.SetPayloadLength(uint16(tl))
		sum = header.PseudoHeaderChecksumAddr(l.proto, ip.Source(), ip.Destination(), uint16(tl))
	} else {
		ip := header.IPv4(fr[td.nh:])
		ip.SetTotalLength(uint16(t.bytes))
		ip.UpdateChecksum()
		sum = header.PseudoHeaderChecksumAddr(l.proto, ip.Source(), ip.Destination(), uint16(tl))
	}
	binary.BigEndian.PutUint16(fr[l.th+csumOff:], sum)
	clear(h[:td.vnet])
	header.VirtioNetHdr(h[:td.vnet]).Encode(&header.VirtioNetHdrFields{
		Flags: header.VirtioNetHdrFNeedsCsum, GSOType: gso, HdrLen: uint16(l.hlen),
		GSOSize: uint16(t.mss), CsumStart: uint16(l.th), CsumOffset: uint16(csumOff),
	}, vnetLE)
	return h
}
