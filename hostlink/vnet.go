package hostlink

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
)

// vnetLE: TUN, TAP and AF_PACKET use the host's byte order for
// virtio_net_hdr unless TUNSETVNETLE/BE says otherwise; softnet's targets
// are little-endian.
const vnetLE = true

// l4Layout is where the transport header of a frame is.
type l4Layout struct {
	th    int // transport header offset from the frame start
	hlen  int // all headers (hdr_len)
	proto uint8
	v6    bool
}

// parseL4 finds the TCP/UDP header of an IP packet starting at nh in p.
// It reports false for anything else (including IPv6 extension headers,
// which the host's virtio path does not need).
func parseL4(p []byte, nh int) (l4Layout, bool) {
	var l l4Layout
	if nh < 0 || nh >= len(p) {
		return l, false
	}
	ip := p[nh:]
	switch ip[0] >> 4 {
	case 4:
		if len(ip) < header.IPv4MinimumSize {
			return l, false
		}
		ihl := header.IPv4(ip).HeaderLength()
		if ihl < header.IPv4MinimumSize || ihl > len(ip) {
			return l, false
		}
		l.th, l.proto = nh+ihl, header.IPv4(ip).Protocol()
	case 6:
		if len(ip) < header.IPv6MinimumSize {
			return l, false
		}
		l.th, l.proto, l.v6 = nh+header.IPv6MinimumSize, header.IPv6(ip).NextHeader(), true
	default:
		return l, false
	}
	switch l.proto {
	case header.IPProtoTCP:
		if l.th+header.TCPMinimumSize > len(p) {
			return l, false
		}
		doff := int(p[l.th+12]>>4) * 4
		if doff < header.TCPMinimumSize || l.th+doff > len(p) {
			return l, false
		}
		l.hlen = l.th + doff
	case header.IPProtoUDP:
		if l.th+header.UDPMinimumSize > len(p) {
			return l, false
		}
		l.hlen = l.th + header.UDPMinimumSize
	default:
		return l, false
	}
	return l, true
}

// fromVnet applies a received virtio_net_hdr to b, whose data is the frame
// after the header; nh is the network header offset in the frame (14 for
// TAP/AF_PACKET, 0 for TUN). Csum.Start is left relative to the network
// header, where the data starts when the packet reaches Device.Receive.
// It reports false for a header the kernel would refuse (DEV_HDR).
func fromVnet(h header.VirtioNetHdr, b *packet.Buffer, nh int) bool {
	f := h.Decode(vnetLE)
	n := b.Len()
	switch {
	case f.Flags&header.VirtioNetHdrFNeedsCsum != 0:
		start := int(f.CsumStart) - nh
		if start < 0 || start+int(f.CsumOffset)+2 > n-nh {
			return false
		}
		b.Csum = packet.Csum{Mode: packet.CsumPartial, Start: uint16(start), Offset: f.CsumOffset}
	case f.Flags&header.VirtioNetHdrFDataValid != 0:
		b.Csum = packet.Csum{Mode: packet.CsumUnnecessary}
	}
	if f.GSOType == header.VirtioNetHdrGSONone {
		return true
	}
	var t packet.GSOType
	switch f.GSOType &^ header.VirtioNetHdrGSOECN {
	case header.VirtioNetHdrGSOTCPv4:
		t = packet.GSOTCPv4
	case header.VirtioNetHdrGSOTCPv6:
		t = packet.GSOTCPv6
	case header.VirtioNetHdrGSOUDPL4:
		t = packet.GSOUDPL4
	default:
		return false
	}
	if f.GSOType&header.VirtioNetHdrGSOECN != 0 {
		t |= packet.GSOTCPECN
	}
	if f.GSOSize == 0 || b.Csum.Mode != packet.CsumPartial {
		return false
	}
	l, ok := parseL4(b.Bytes(), nh)
	if !ok || l.hlen >= n {
		return false
	}
	segs := (n - l.hlen + int(f.GSOSize) - 1) / int(f.GSOSize)
	b.GSO = packet.GSO{Type: t | packet.GSODodgy, Size: f.GSOSize, Segs: uint16(min(segs, 0xffff))}
	return true
}

// vnetFields describes b (data at the frame start, network header at nh)
// as a virtio_net_hdr. ok is false when b is a GSO packet the header cannot
// express (tunnel or ESP segmentation): it must be segmented in software.
func vnetFields(b *packet.Buffer, nh int) (f header.VirtioNetHdrFields, ok bool) {
	if b.GSO.Size == 0 && b.Csum.Mode != packet.CsumPartial {
		if b.Csum.Mode == packet.CsumUnnecessary {
			f.Flags = header.VirtioNetHdrFDataValid
		}
		return f, true
	}
	p := b.Bytes()
	l, found := parseL4(p, nh)
	if b.GSO.Size != 0 {
		base := b.GSO.Type &^ (packet.GSODodgy | packet.GSOTCPECN)
		switch {
		case !found:
			return f, false
		case base == packet.GSOTCPv4 && l.proto == header.IPProtoTCP && !l.v6:
			f.GSOType = header.VirtioNetHdrGSOTCPv4
		case base == packet.GSOTCPv6 && l.proto == header.IPProtoTCP && l.v6:
			f.GSOType = header.VirtioNetHdrGSOTCPv6
		case base == packet.GSOUDPL4 && l.proto == header.IPProtoUDP:
			f.GSOType = header.VirtioNetHdrGSOUDPL4
		default:
			return f, false
		}
		if b.GSO.Type&packet.GSOTCPECN != 0 {
			f.GSOType |= header.VirtioNetHdrGSOECN
		}
		f.GSOSize, f.HdrLen = b.GSO.Size, uint16(l.hlen)
	}
	f.Flags = header.VirtioNetHdrFNeedsCsum
	switch {
	case found && l.proto == header.IPProtoTCP:
		f.CsumStart, f.CsumOffset = uint16(l.th), 16
	case found && l.proto == header.IPProtoUDP:
		f.CsumStart, f.CsumOffset = uint16(l.th), 6
	case b.Csum.Mode == packet.CsumPartial:
		f.CsumStart, f.CsumOffset = b.Csum.Start, b.Csum.Offset
	}
	return f, true
}
