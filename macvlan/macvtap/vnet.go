package macvtap

import (
	"encoding/binary"
	"syscall"

	"github.com/softnet/softnet/gso"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
)

const ethHLen = header.EthernetMinimumSize

// fixHdrLen raises hdr_len to cover the checksum field of a NEEDS_CSUM
// header, as tap_get_user does before checking it against the frame.
func fixHdrLen(h *header.VirtioNetHdrFields) {
	if h.Flags&header.VirtioNetHdrFNeedsCsum == 0 {
		return
	}
	if end := uint32(h.CsumStart) + uint32(h.CsumOffset) + 2; end > uint32(h.HdrLen) {
		h.HdrLen = uint16(min(end, 0xffff))
	}
}

// gsoKind maps a virtio GSO type to the packet's: the GSO type, the
// transport protocol and header length, the minimum network header
// length.
type gsoKind struct {
	typ   packet.GSOType
	ufo   bool
	proto uint8
	thlen int
	nhMin int
}

func parseGSOType(t uint8) (gsoKind, error) {
	k := gsoKind{nhMin: header.IPv4MinimumSize}
	switch t &^ header.VirtioNetHdrGSOECN {
	case header.VirtioNetHdrGSOTCPv4:
		k.typ, k.proto, k.thlen = packet.GSOTCPv4, header.IPProtoTCP, header.TCPMinimumSize
	case header.VirtioNetHdrGSOTCPv6:
		k.typ, k.proto, k.thlen = packet.GSOTCPv6, header.IPProtoTCP, header.TCPMinimumSize
		k.nhMin = header.IPv6MinimumSize
	case header.VirtioNetHdrGSOUDP:
		k.ufo, k.proto, k.thlen = true, header.IPProtoUDP, header.UDPMinimumSize
	case header.VirtioNetHdrGSOUDPL4:
		k.typ, k.proto, k.thlen = packet.GSOUDPL4, header.IPProtoUDP, header.UDPMinimumSize
	default:
		return k, syscall.EINVAL
	}
	if t&header.VirtioNetHdrGSOECN != 0 {
		k.typ |= packet.GSOTCPECN
	}
	return k, nil
}

// applyVnetHdr sets b's offload state from a virtio-net header
// (virtio_net_hdr_to_skb). b holds one Ethernet frame with its data at
// the link-layer header and its network header at ethHLen. It returns
// EINVAL for a header the kernel refuses.
func applyVnetHdr(b *packet.Buffer, h header.VirtioNetHdrFields) error {
	k := gsoKind{nhMin: header.IPv4MinimumSize}
	isGSO := h.GSOType != header.VirtioNetHdrGSONone
	if isGSO {
		var err error
		if k, err = parseGSOType(h.GSOType); err != nil {
			return err
		}
		if h.GSOSize == 0 {
			return syscall.EINVAL
		}
	}
	n := b.Len()
	var pOff int
	if h.Flags&header.VirtioNetHdrFNeedsCsum != 0 {
		start, off := int(h.CsumStart), int(h.CsumOffset)
		if start+max(k.thlen, off+2) > n || start >= n || start+off+2 > n {
			return syscall.EINVAL
		}
		if start < k.nhMin {
			return syscall.EINVAL
		}
		b.Csum = packet.Csum{Mode: packet.CsumPartial, Start: uint16(start), Offset: uint16(off)}
		b.SetTransportHeader(start)
		pOff = start + k.thlen
	} else if isGSO {
		thoff, proto, ok := dissect(b.Bytes(), k)
		if !ok || proto != k.proto || thoff+k.thlen > n {
			return syscall.EINVAL
		}
		b.SetTransportHeader(thoff)
		pOff = thoff + k.thlen
	}
	if !isGSO {
		return nil
	}
	return applyGSO(b, h, k, pOff)
}

func applyGSO(b *packet.Buffer, h header.VirtioNetHdrFields, k gsoKind, pOff int) error {
	n := b.Len()
	nhOff := pOff
	switch {
	case k.ufo:
		nhOff -= k.thlen
	case k.typ&packet.GSOUDPL4 != 0:
		if h.Flags&header.VirtioNetHdrFNeedsCsum == 0 || h.CsumOffset != 6 {
			return syscall.EINVAL
		}
		if n-pOff > int(h.GSOSize)*udpMaxSegments || k.typ != packet.GSOUDPL4 {
			return syscall.EINVAL
		}
	default:
		if b.Csum.Mode == packet.CsumPartial && h.CsumOffset != 16 {
			return syscall.EINVAL
		}
	}
	if h.GSOSize == gsoByFrags {
		return syscall.EINVAL
	}
	if n-nhOff <= int(h.GSOSize) {
		return nil // too small to be a GSO frame
	}
	if k.ufo {
		return errUFO{size: int(h.GSOSize)}
	}
	b.GSO = packet.GSO{Type: k.typ | packet.GSODodgy, Size: h.GSOSize}
	return nil
}

// dissect finds the transport header of an Ethernet frame the way the
// flow dissector does for GSO frames without NEEDS_CSUM: from the
// ethertype, or from the GSO type when the ethertype is zero; UFO tries
// IPv6 when IPv4 fails.
func dissect(frame []byte, k gsoKind) (thoff int, proto uint8, ok bool) {
	if len(frame) < ethHLen {
		return 0, 0, false
	}
	et := binary.BigEndian.Uint16(frame[12:14])
	if et == 0 {
		et = header.EtherTypeIPv4
		if k.typ&packet.GSOTCPv6 != 0 {
			et = header.EtherTypeIPv6
		}
	}
	ip := frame[ethHLen:]
	switch et {
	case header.EtherTypeIPv4:
		if len(ip) >= header.IPv4MinimumSize {
			if ihl := int(ip[0]&0xf) * 4; ihl >= header.IPv4MinimumSize && ihl <= len(ip) {
				return ethHLen + ihl, ip[9], true
			}
		}
		if !k.ufo {
			return 0, 0, false
		}
		fallthrough
	case header.EtherTypeIPv6:
		if len(ip) < header.IPv6MinimumSize {
			return 0, 0, false
		}
		return ethHLen + header.IPv6MinimumSize, ip[6], true
	}
	return 0, 0, false
}

// errUFO reports a UDP fragmentation offload frame larger than its
// gso_size: the caller fragments it (udp4_ufo_fragment's IP fragments).
type errUFO struct{ size int }

func (errUFO) Error() string { return "ufo" }

// vnetHdrOf fills a virtio-net header describing b (virtio_net_hdr_from_skb
// with has_data_valid): data at the link-layer header.
func vnetHdrOf(b *packet.Buffer) header.VirtioNetHdrFields {
	var h header.VirtioNetHdrFields
	if b.GSO.Size != 0 {
		switch {
		case b.GSO.Type&packet.GSOTCPv4 != 0:
			h.GSOType = header.VirtioNetHdrGSOTCPv4
		case b.GSO.Type&packet.GSOTCPv6 != 0:
			h.GSOType = header.VirtioNetHdrGSOTCPv6
		case b.GSO.Type&packet.GSOUDPL4 != 0:
			h.GSOType = header.VirtioNetHdrGSOUDPL4
		}
		if b.GSO.Type&packet.GSOTCPECN != 0 {
			h.GSOType |= header.VirtioNetHdrGSOECN
		}
		h.GSOSize = b.GSO.Size
		if hl, ok := gso.HeaderLen(b); ok {
			h.HdrLen = uint16(hl)
		}
	}
	switch b.Csum.Mode {
	case packet.CsumPartial:
		h.Flags = header.VirtioNetHdrFNeedsCsum
		h.CsumStart, h.CsumOffset = b.Csum.Start, b.Csum.Offset
	case packet.CsumUnnecessary:
		h.Flags = header.VirtioNetHdrFDataValid
	}
	return h
}
