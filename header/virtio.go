package header

import "encoding/binary"

// The virtio-net header precedes every frame exchanged with a tap queue or
// TUN/TAP descriptor opened with IFF_VNET_HDR (include/uapi/linux/
// virtio_net.h). It carries the offload state of the frame behind it:
//
//	 0      1      2             4             6             8            10           12
//	+------+------+-------------+-------------+-------------+-------------+-------------+
//	|flags | gso  |   hdr_len   |  gso_size   | csum_start  | csum_offset | num_buffers |
//	|      | type |             |             |             |             | (mrg only)  |
//	+------+------+-------------+-------------+-------------+-------------+-------------+
//
// The 16-bit fields are in the byte order the queue negotiated: little-endian
// for virtio 1.0 (TUNSETVNETLE), big-endian for legacy devices on
// big-endian hosts (TUNSETVNETBE). The view takes the order as an argument.

// VirtioNetHdr sizes.
const (
	// VirtioNetHdrSize is sizeof(struct virtio_net_hdr).
	VirtioNetHdrSize = 10
	// VirtioNetHdrMrgRxbufSize is sizeof(struct virtio_net_hdr_mrg_rxbuf),
	// the size QEMU negotiates with modern guests.
	VirtioNetHdrMrgRxbufSize = 12
)

// virtio_net_hdr flags.
const (
	// VirtioNetHdrFNeedsCsum: the checksum at CsumStart+CsumOffset must be
	// completed over the bytes from CsumStart to the end.
	VirtioNetHdrFNeedsCsum uint8 = 1
	// VirtioNetHdrFDataValid: the checksum was already verified.
	VirtioNetHdrFDataValid uint8 = 2
	// VirtioNetHdrFRscInfo: the coalescing fields are valid (host → guest).
	VirtioNetHdrFRscInfo uint8 = 4
)

// virtio_net_hdr GSO types.
const (
	VirtioNetHdrGSONone  uint8 = 0    // not a GSO frame
	VirtioNetHdrGSOTCPv4 uint8 = 1    // TCP over IPv4 segmentation
	VirtioNetHdrGSOUDP   uint8 = 3    // UDP fragmentation (UFO)
	VirtioNetHdrGSOTCPv6 uint8 = 4    // TCP over IPv6 segmentation
	VirtioNetHdrGSOUDPL4 uint8 = 5    // UDP segmentation (USO)
	VirtioNetHdrGSOECN   uint8 = 0x80 // the TCP segments carry ECN CWR
)

// VirtioNetHdr is a view of a virtio_net_hdr. It must be at least
// VirtioNetHdrSize bytes long; NumBuffers needs VirtioNetHdrMrgRxbufSize.
type VirtioNetHdr []byte

// VirtioNetHdrFields is the header decoded to host values.
type VirtioNetHdrFields struct {
	Flags      uint8
	GSOType    uint8
	HdrLen     uint16
	GSOSize    uint16
	CsumStart  uint16
	CsumOffset uint16
}

func virtioOrder(little bool) binary.ByteOrder {
	if little {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

// IsValid reports whether the view is long enough to hold the header.
func (h VirtioNetHdr) IsValid() bool { return len(h) >= VirtioNetHdrSize }

// Flags returns the flags byte.
func (h VirtioNetHdr) Flags() uint8 { return h[0] }

// GSOType returns the gso_type byte (including VirtioNetHdrGSOECN).
func (h VirtioNetHdr) GSOType() uint8 { return h[1] }

// HdrLen returns hdr_len in the given byte order.
func (h VirtioNetHdr) HdrLen(little bool) uint16 { return virtioOrder(little).Uint16(h[2:4]) }

// GSOSize returns gso_size.
func (h VirtioNetHdr) GSOSize(little bool) uint16 { return virtioOrder(little).Uint16(h[4:6]) }

// CsumStart returns csum_start.
func (h VirtioNetHdr) CsumStart(little bool) uint16 { return virtioOrder(little).Uint16(h[6:8]) }

// CsumOffset returns csum_offset.
func (h VirtioNetHdr) CsumOffset(little bool) uint16 { return virtioOrder(little).Uint16(h[8:10]) }

// NumBuffers returns num_buffers of the mergeable-buffers header; the view
// must be VirtioNetHdrMrgRxbufSize long.
func (h VirtioNetHdr) NumBuffers(little bool) uint16 { return virtioOrder(little).Uint16(h[10:12]) }

// Decode returns the header's fields in host order.
func (h VirtioNetHdr) Decode(little bool) VirtioNetHdrFields {
	o := virtioOrder(little)
	return VirtioNetHdrFields{
		Flags: h[0], GSOType: h[1],
		HdrLen: o.Uint16(h[2:4]), GSOSize: o.Uint16(h[4:6]),
		CsumStart: o.Uint16(h[6:8]), CsumOffset: o.Uint16(h[8:10]),
	}
}

// Encode writes f into the first VirtioNetHdrSize bytes of h.
func (h VirtioNetHdr) Encode(f *VirtioNetHdrFields, little bool) {
	o := virtioOrder(little)
	h[0], h[1] = f.Flags, f.GSOType
	o.PutUint16(h[2:4], f.HdrLen)
	o.PutUint16(h[4:6], f.GSOSize)
	o.PutUint16(h[6:8], f.CsumStart)
	o.PutUint16(h[8:10], f.CsumOffset)
}

// SetNumBuffers sets num_buffers of a mergeable-buffers header.
func (h VirtioNetHdr) SetNumBuffers(n uint16, little bool) {
	virtioOrder(little).PutUint16(h[10:12], n)
}
