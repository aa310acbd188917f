package packet

import (
	"errors"
	"sync"
	"sync/atomic"
)

// Size classes of the pool's backing storage.
const (
	// DefaultHeadroom is the headroom New reserves when asked for less:
	// room for Ethernet + outer IPv6 + UDP + ESP + IV without copying.
	DefaultHeadroom = 128
	smallCap        = 2048
	largeCap        = 65536 + 512
)

// MaxSize is the largest packet (headroom + data + tailroom) a Buffer holds.
const MaxSize = largeCap

// ErrTooBig is returned by New when the requested size exceeds MaxSize.
var ErrTooBig = errors.New("packet: buffer too big")

// Buffer is one packet. The zero value is not usable; get one from New or
// FromBytes.
type Buffer struct {
	store []byte // backing storage; len(store) == cap(store)
	head  int    // start of data in store
	tail  int    // end of data in store

	// Header offsets relative to the start of store; -1 when unset.
	mac, network, transport int

	Meta
	freed bool
	class int8 // 0 small, 1 large, -1 not pooled
}

// Meta is the per-packet metadata carried beside the bytes. Clone copies it.
type Meta struct {
	// InIfindex is the ifindex of the device the packet arrived on (skb_iif).
	InIfindex int32
	// Ifindex is the ifindex of the device the packet is currently on.
	Ifindex int32
	// Protocol is the ethertype of the payload at the network header.
	Protocol uint16
	// PktType classifies the link-layer destination (PacketHost etc.).
	PktType PktType
	// Mark is the firewall mark (skb->mark).
	Mark uint32
	// Hash is the flow hash; zero means not computed.
	Hash uint32
	// RxQueue is the recorded rx queue plus one; zero means none recorded.
	RxQueue uint16
	// Priority is skb->priority.
	Priority uint32
	// AtIngress is set while the packet is in the tc ingress hook.
	AtIngress bool
	// RedirDepth counts nested mirred redirections (the nest limit).
	RedirDepth uint8
	// XmitDepth counts nested transmits since the packet was last received
	// (dev_xmit_recursion); Device.Transmit refuses past MaxXmitDepth.
	XmitDepth uint8
	// FromIngress records that tc redirected the packet from an ingress hook.
	FromIngress bool
	// GSO describes a super-packet to be segmented later.
	GSO GSO
	// Csum is the checksum state.
	Csum Csum
	// Tunnel is the collect_md tunnel metadata (skb tunnel_info); it is
	// meaningful only when Tunnel.Present is set. It is held by value so
	// that carrying it costs no allocation.
	Tunnel TunnelInfo
	// SecPath is the xfrm security path (owned by package xfrm), or nil.
	SecPath any
	// Dst is the route attached to the packet (owned by package inet), or nil.
	Dst any
	// Scratch is a per-stage control block (skb->cb); it does not survive
	// hand-offs between subsystems.
	Scratch [48]byte
}

// PktType is the link-layer classification of a received packet.
type PktType uint8

// Packet types, as PACKET_* in include/uapi/linux/if_packet.h.
const (
	PacketHost      PktType = 0
	PacketBroadcast PktType = 1
	PacketMulticast PktType = 2
	PacketOtherHost PktType = 3
	PacketOutgoing  PktType = 4
	PacketLoopback  PktType = 5
)

// GSOType is a bitmask of GSO kinds (SKB_GSO_*).
type GSOType uint32

// GSO kinds.
const (
	GSOTCPv4 GSOType = 1 << iota
	GSOTCPv6
	GSOUDPL4
	GSOTCPECN
	GSODodgy
	GSOIPIP
	GSOESP
	GSOUDPTunnel
)

// GSO describes a GSO super-packet (skb_shared_info gso_*).
type GSO struct {
	Type GSOType
	Size uint16 // segment payload size (gso_size)
	Segs uint16 // number of segments, 0 when unknown
}

// CsumMode is the checksum state (CHECKSUM_*).
type CsumMode uint8

// Checksum states.
const (
	CsumNone        CsumMode = iota // CHECKSUM_NONE: not verified, complete in packet
	CsumUnnecessary                 // CHECKSUM_UNNECESSARY: already verified
	CsumPartial                     // CHECKSUM_PARTIAL: to be completed at Start+Offset
)

// Csum is the checksum state of a packet. For CsumPartial, the checksum
// covers the bytes from Start to the end of the packet and is stored at
// Start+Offset.
type Csum struct {
	Mode CsumMode
	// Start is csum_start relative to the current data start. Push, Pull
	// and PushTo keep it pointing at the same byte, so code that adds or
	// removes headers never adjusts it; only code that builds a packet
	// sets it.
	Start  uint16
	Offset uint16 // csum_offset, relative to Start
}

var (
	smallPool = sync.Pool{New: func() any { return &Buffer{store: make([]byte, smallCap), class: 0} }}
	largePool = sync.Pool{New: func() any { return &Buffer{store: make([]byte, largeCap), class: 1} }}
	live      atomic.Int64
)

// Live reports the number of buffers taken from the pool and not yet freed.
func Live() int64 { return live.Load() }

// New returns an empty buffer with at least headroom bytes in front and room
// for size bytes of data after it. It fails only if the sum exceeds MaxSize.
func New(headroom, size int) (*Buffer, error) {
	if headroom < 0 || size < 0 || headroom+size > MaxSize {
		return nil, ErrTooBig
	}
	var b *Buffer
	if headroom+size+64 <= smallCap {
		b = smallPool.Get().(*Buffer)
	} else {
		b = largePool.Get().(*Buffer)
	}
	b.reset(headroom)
	live.Add(1)
	return b, nil
}

// FromBytes returns a buffer holding a copy of p after DefaultHeadroom.
func FromBytes(p []byte) (*Buffer, error) {
	b, err := New(DefaultHeadroom, len(p))
	if err != nil {
		return nil, err
	}
	b.tail = b.head + len(p)
	copy(b.store[b.head:b.tail], p)
	return b, nil
}

func (b *Buffer) reset(headroom int) {
	b.head, b.tail = headroom, headroom
	b.mac, b.network, b.transport = -1, -1, -1
	b.Meta = Meta{}
	b.freed = false
}

// Free returns the buffer to the pool. Freeing twice is a programming error
// and panics.
func (b *Buffer) Free() {
	if b.freed {
		panic("packet: Buffer freed twice")
	}
	b.freed = true
	b.Meta = Meta{} // drop references held by metadata
	live.Add(-1)
	switch b.class {
	case 0:
		smallPool.Put(b)
	case 1:
		largePool.Put(b)
	}
}

// Bytes returns the packet data. It aliases the buffer.
func (b *Buffer) Bytes() []byte { return b.store[b.head:b.tail] }

// Len is the length of the packet data.
func (b *Buffer) Len() int { return b.tail - b.head }

// Headroom is the free space in front of the data.
func (b *Buffer) Headroom() int { return b.head }

// Tailroom is the free space after the data.
func (b *Buffer) Tailroom() int { return len(b.store) - b.tail }

// Push prepends n bytes and returns them (skb_push). It returns nil when the
// headroom is too small; use Reserve first on paths that may need more.
func (b *Buffer) Push(n int) []byte {
	if n < 0 || n > b.head {
		return nil
	}
	b.head -= n
	if b.Csum.Mode == CsumPartial {
		b.Csum.Start += uint16(n)
	}
	return b.store[b.head : b.head+n]
}

// Pull removes n bytes from the front and returns them (skb_pull). It
// returns nil when the packet is shorter than n.
func (b *Buffer) Pull(n int) []byte {
	if n < 0 || n > b.tail-b.head {
		return nil
	}
	p := b.store[b.head : b.head+n]
	b.head += n
	if b.Csum.Mode == CsumPartial {
		if int(b.Csum.Start) < n {
			b.Csum = Csum{} // the checksummed region was pulled: nothing left to complete
		} else {
			b.Csum.Start -= uint16(n)
		}
	}
	return p
}

// Put appends n bytes and returns them (skb_put). It returns nil when the
// tailroom is too small.
func (b *Buffer) Put(n int) []byte {
	if n < 0 || n > len(b.store)-b.tail {
		return nil
	}
	p := b.store[b.tail : b.tail+n]
	b.tail += n
	return p
}

// Trim shortens the data to n bytes (skb_trim); a longer n is ignored.
func (b *Buffer) Trim(n int) {
	if n >= 0 && n < b.tail-b.head {
		b.tail = b.head + n
	}
}

// Reserve makes sure at least headroom bytes are free in front of the data
// and tailroom bytes behind it, moving the data (and its header offsets) if
// needed (pskb_expand_head). Headers that lie in the headroom (a pulled MAC
// header) move with the data. It reports false when the total cannot fit.
func (b *Buffer) Reserve(headroom, tailroom int) bool {
	if b.head >= headroom && len(b.store)-b.tail >= tailroom {
		return true
	}
	from := b.lowestHeader()
	keep := b.head - from // pulled header bytes kept in front of the data
	if headroom < keep {
		headroom = keep
	}
	n := b.tail - b.head
	if headroom+n+tailroom > len(b.store) {
		if b.class != 0 || headroom+n+tailroom > largeCap {
			return false
		}
		nb := largePool.Get().(*Buffer)
		copy(nb.store[headroom-keep:], b.store[from:b.tail])
		b.shiftOffsets(headroom - b.head)
		small := b.store
		b.store, nb.store = nb.store, small
		b.class, nb.class = 1, 0
		smallPool.Put(nb)
		b.head, b.tail = headroom, headroom+n
		return true
	}
	newHead := headroom
	if len(b.store)-(newHead+n) < tailroom {
		newHead = len(b.store) - tailroom - n
	}
	copy(b.store[newHead-keep:], b.store[from:b.tail])
	b.shiftOffsets(newHead - b.head)
	b.head, b.tail = newHead, newHead+n
	return true
}

// lowestHeader is the start of the earliest header still in the buffer:
// the data start or a pulled header before it.
func (b *Buffer) lowestHeader() int {
	from := b.head
	for _, off := range [...]int{b.mac, b.network, b.transport} {
		if off >= 0 && off < from {
			from = off
		}
	}
	return from
}

func (b *Buffer) shiftOffsets(d int) {
	if b.mac >= 0 {
		b.mac += d
	}
	if b.network >= 0 {
		b.network += d
	}
	if b.transport >= 0 {
		b.transport += d
	}
}

// Clone returns a copy of the packet: its data (with the same headroom),
// offsets and metadata (skb_copy). It returns nil when the pool cannot
// supply a buffer, which only happens for oversize packets.
func (b *Buffer) Clone() *Buffer {
	c, err := New(b.head, len(b.store)-b.head)
	if err != nil {
		return nil
	}
	c.tail = c.head + b.Len()
	copy(c.store[c.head:c.tail], b.Bytes())
	d := c.head - b.head
	c.mac, c.network, c.transport = b.mac, b.network, b.transport
	c.shiftOffsets(d)
	c.Meta = b.Meta
	return c
}
