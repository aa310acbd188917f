package netdev

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/softnet/softnet/packet"
)

// Ethertypes the core knows.
const (
	EthPIPv4  uint16 = 0x0800
	EthPARP   uint16 = 0x0806
	EthPIPv6  uint16 = 0x86DD
	EthP8021Q uint16 = 0x8100
	EthPMPLS  uint16 = 0x8847
	// EthP8023 marks 802.3 frames with a length instead of an ethertype.
	EthP8023 uint16 = 0x0001
)

// PacketHandler receives packets of one ethertype (packet_type.func). It
// owns b; the data starts at the network header.
type PacketHandler func(d *Device, b *packet.Buffer)

var (
	handlerMu sync.Mutex
	handlers  atomic.Pointer[map[uint16]PacketHandler]
)

// AddPacketHandler registers the handler for an ethertype (dev_add_pack);
// call it at package init. A second handler for the same type replaces the
// first.
func AddPacketHandler(ethertype uint16, h PacketHandler) {
	handlerMu.Lock()
	defer handlerMu.Unlock()
	m := map[uint16]PacketHandler{}
	if p := handlers.Load(); p != nil {
		for k, v := range *p {
			m[k] = v
		}
	}
	m[ethertype] = h
	handlers.Store(&m)
}

func deliver(d *Device, b *packet.Buffer) {
	if p := handlers.Load(); p != nil {
		if h, ok := (*p)[b.Protocol]; ok {
			h(d, b)
			return
		}
	}
	d.Stats.RxNoHandler.Add(1)
	d.Drop(b, DropUnhandledProto)
}

// EthHeaderLen is the Ethernet header length.
const EthHeaderLen = 14

// EthTypeTrans prepares a received Ethernet frame for Receive
// (eth_type_trans): it records the link-layer header, classifies the
// destination (PktType), sets the protocol and pulls the header. It returns
// false, having counted rx_length_errors and freed b, for a runt frame.
func EthTypeTrans(d *Device, b *packet.Buffer) bool {
	data := b.Bytes()
	if len(data) < EthHeaderLen {
		d.Stats.RxLengthErrors.Add(1)
		d.Stats.RxErrors.Add(1)
		d.Drop(b, DropPktTooSmall)
		return false
	}
	b.SetMACHeader()
	dst := data[0:6]
	switch {
	case dst[0]&1 != 0:
		if isBroadcast(dst) {
			b.PktType = packet.PacketBroadcast
		} else {
			b.PktType = packet.PacketMulticast
		}
	case !d.IsLocalAddr(dst):
		b.PktType = packet.PacketOtherHost
	default:
		b.PktType = packet.PacketHost
	}
	proto := binary.BigEndian.Uint16(data[12:14])
	if proto < 1536 {
		proto = EthP8023
	}
	b.Protocol = proto
	b.Pull(EthHeaderLen)
	b.SetNetworkHeader(0)
	return true
}

func isBroadcast(a []byte) bool {
	for _, x := range a {
		if x != 0xff {
			return false
		}
	}
	return true
}

// PushEthernet prepends an Ethernet header from the device's address to dst
// with the given ethertype (eth_header). It reports false when there is no
// headroom, which Reserve prevents.
func PushEthernet(d *Device, b *packet.Buffer, dst []byte, ethertype uint16) bool {
	if !b.Reserve(EthHeaderLen, 0) {
		return false
	}
	h := b.Push(EthHeaderLen)
	copy(h[0:6], dst)
	copy(h[6:12], d.HardwareAddr())
	binary.BigEndian.PutUint16(h[12:14], ethertype)
	b.SetMACHeader()
	return true
}
