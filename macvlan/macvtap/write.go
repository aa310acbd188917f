package macvtap

import (
	"encoding/binary"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet/frag"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Write sends one frame (tap_get_user): with IFF_VNET_HDR, p starts with
// a TUNSETVNETHDRSZ-byte virtio-net header whose offload state the frame
// takes on. It returns len(p) once the frame is handed to the device —
// also when the device is gone and the frame discarded, as Linux does.
// Errors (the frame is dropped and tx_dropped counted): EINVAL for a
// short or invalid vnet header or a frame shorter than an Ethernet
// header, EMSGSIZE for a frame larger than MaxFrame, EBADF after Close.
func (q *Queue) Write(p []byte) (int, error) {
	if q.isClosed() {
		return 0, syscall.EBADF
	}
	frame := p
	var h header.VirtioNetHdrFields
	vnet := q.flags.Load()&uint32(IffVnetHdr) != 0
	if vnet {
		sz := int(q.vnetHdrSz.Load())
		if len(p) < sz {
			return 0, q.txError(syscall.EINVAL)
		}
		h = header.VirtioNetHdr(p).Decode(q.flags.Load()&flagVnetLE != 0)
		frame = p[sz:]
		fixHdrLen(&h)
		if int(h.HdrLen) > len(frame) {
			return 0, q.txError(syscall.EINVAL)
		}
	}
	if len(frame) < ethHLen {
		return 0, q.txError(syscall.EINVAL)
	}
	if len(frame) > MaxFrame {
		return 0, q.txError(syscall.EMSGSIZE)
	}
	b, err := packet.New(packet.DefaultHeadroom, len(frame))
	if err != nil {
		return 0, q.txError(syscall.ENOBUFS)
	}
	copy(b.Put(len(frame)), frame)
	b.SetMACHeader()
	b.SetNetworkHeader(ethHLen)
	b.Protocol = binary.BigEndian.Uint16(frame[12:14])
	t := q.tap.Load()
	if t == nil {
		q.Drops.Add(1) // the device is gone: discarded, as tap_get_user does
		b.Free()
		return len(p), nil
	}
	if vnet {
		if err := applyVnetHdr(b, h); err != nil {
			if u, ok := err.(errUFO); ok {
				if err := sendUFO(t.dev, b, u.size); err != nil {
					return 0, err
				}
				return len(p), nil
			}
			t.dev.DropTx(b, netdev.DropDevHdr)
			return 0, err
		}
	}
	if (b.Protocol == header.EtherTypeVLAN || b.Protocol == header.EtherTypeQinQ) && len(frame) >= ethHLen+4 {
		b.SetNetworkHeader(ethHLen + 4)
	}
	t.dev.Transmit(b)
	return len(p), nil
}

// txError counts a refused write on the device (tap->count_tx_dropped).
func (q *Queue) txError(err error) error {
	if t := q.tap.Load(); t != nil {
		t.dev.Stats.TxDropped.Add(1)
		t.dev.Drops.Add(netdev.DropDevHdr)
	}
	return err
}

// ufoID numbers the fragments of IPv6 UFO datagrams.
var ufoID atomic.Uint32

// sendUFO fragments a UDP datagram larger than its UFO gso_size into IP
// fragments carrying size bytes of it each (udp4_ufo_fragment and its
// IPv6 twin) and transmits them; b's data starts at the Ethernet header.
func sendUFO(dev *netdev.Device, b *packet.Buffer, size int) error {
	var eth [ethHLen]byte
	copy(eth[:], b.Bytes())
	b.Pull(ethHLen) // also moves a partial checksum's start
	emit := func(f *packet.Buffer) error {
		if !f.Reserve(ethHLen, 0) {
			dev.DropTx(f, netdev.DropNoHeadroom)
			return nil
		}
		copy(f.Push(ethHLen), eth[:])
		f.SetMACHeader()
		f.SetNetworkHeader(ethHLen)
		f.Protocol = binary.BigEndian.Uint16(eth[12:14])
		f.GSO = packet.GSO{}
		dev.Transmit(f)
		return nil
	}
	var err error
	if b.Protocol == header.EtherTypeIPv6 {
		err = frag.FragmentIPv6(b, header.IPv6MinimumSize+8+size, ufoID.Add(1), nil, emit)
	} else {
		hl := header.IPv4MinimumSize
		if d := b.Bytes(); len(d) > 0 {
			hl = int(d[0]&0xf) * 4
		}
		err = frag.FragmentIPv4(b, hl+size, false, nil, emit)
	}
	if err != nil {
		dev.Stats.TxDropped.Add(1)
		dev.Drops.Add(DropGSOSeg)
		return syscall.EINVAL
	}
	return nil
}
