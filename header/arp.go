package header

import (
	"encoding/binary"
	"net/netip"
)

// ARP constants (include/uapi/linux/if_arp.h).
const (
	// ARPSize is the size of an ARP packet for Ethernet/IPv4.
	ARPSize = 28
	// ARPHardwareEther is ARPHRD_ETHER.
	ARPHardwareEther uint16 = 1
	// ARPRequest is ARPOP_REQUEST.
	ARPRequest uint16 = 1
	// ARPReply is ARPOP_REPLY.
	ARPReply uint16 = 2
)

// ARP is an ARP packet for Ethernet and IPv4 (RFC 826):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|         Hardware Type         |         Protocol Type         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  HW Addr Len  | Proto Addr Len|           Operation           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|            Sender hardware address (6) | Sender IP (4) ...    |
//	|            Target hardware address (6) | Target IP (4)        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Accessors require len >= ARPSize; IsValid also checks the types and sizes.
type ARP []byte

// ARPFields describes an Ethernet/IPv4 ARP packet for Encode. The hardware
// and protocol types and sizes are always Ethernet/IPv4.
type ARPFields struct {
	Op                   uint16
	SenderMAC, TargetMAC MAC
	SenderIP, TargetIP   netip.Addr // IPv4; anything else is written as 0.0.0.0
}

// IsValid reports whether b is an Ethernet/IPv4 ARP packet.
func (b ARP) IsValid() bool {
	return len(b) >= ARPSize &&
		b.HardwareType() == ARPHardwareEther &&
		b.ProtocolType() == EtherTypeIPv4 &&
		b[4] == MACSize && b[5] == IPv4AddressSize
}

// HardwareType returns the hardware type (1 for Ethernet).
func (b ARP) HardwareType() uint16 { return binary.BigEndian.Uint16(b[0:2]) }

// ProtocolType returns the protocol type (0x0800 for IPv4).
func (b ARP) ProtocolType() uint16 { return binary.BigEndian.Uint16(b[2:4]) }

// HardwareAddressSize returns the hardware address length.
func (b ARP) HardwareAddressSize() uint8 { return b[4] }

// ProtocolAddressSize returns the protocol address length.
func (b ARP) ProtocolAddressSize() uint8 { return b[5] }

// Op returns the operation (ARPRequest, ARPReply).
func (b ARP) Op() uint16 { return binary.BigEndian.Uint16(b[6:8]) }

// SenderMACSlice returns the sender hardware address bytes.
func (b ARP) SenderMACSlice() []byte { return b[8:14] }

// SenderIPSlice returns the sender protocol address bytes.
func (b ARP) SenderIPSlice() []byte { return b[14:18] }

// TargetMACSlice returns the target hardware address bytes.
func (b ARP) TargetMACSlice() []byte { return b[18:24] }

// TargetIPSlice returns the target protocol address bytes.
func (b ARP) TargetIPSlice() []byte { return b[24:28] }

// SenderMAC returns the sender hardware address.
func (b ARP) SenderMAC() MAC { return MAC(b[8:14]) }

// SenderIP returns the sender protocol address.
func (b ARP) SenderIP() netip.Addr { return netip.AddrFrom4([4]byte(b[14:18])) }

// TargetMAC returns the target hardware address.
func (b ARP) TargetMAC() MAC { return MAC(b[18:24]) }

// TargetIP returns the target protocol address.
func (b ARP) TargetIP() netip.Addr { return netip.AddrFrom4([4]byte(b[24:28])) }

// SetOp sets the operation.
func (b ARP) SetOp(op uint16) { binary.BigEndian.PutUint16(b[6:8], op) }

// SetIPv4OverEthernet writes the fixed hardware/protocol type and size fields.
func (b ARP) SetIPv4OverEthernet() {
	binary.BigEndian.PutUint16(b[0:2], ARPHardwareEther)
	binary.BigEndian.PutUint16(b[2:4], EtherTypeIPv4)
	b[4], b[5] = MACSize, IPv4AddressSize
}

// Encode writes a complete Ethernet/IPv4 ARP packet.
func (b ARP) Encode(f *ARPFields) {
	b.SetIPv4OverEthernet()
	b.SetOp(f.Op)
	copy(b[8:14], f.SenderMAC[:])
	putAddr4(b[14:18], f.SenderIP)
	copy(b[18:24], f.TargetMAC[:])
	putAddr4(b[24:28], f.TargetIP)
}

// Fields decodes the packet.
func (b ARP) Fields() ARPFields {
	return ARPFields{
		Op:        b.Op(),
		SenderMAC: b.SenderMAC(), SenderIP: b.SenderIP(),
		TargetMAC: b.TargetMAC(), TargetIP: b.TargetIP(),
	}
}

// putAddr4 writes an IPv4 (or IPv4-mapped) address, zeros for anything else.
func putAddr4(dst []byte, a netip.Addr) {
	v := as4(a)
	copy(dst[:4], v[:])
}

// putAddr16 writes an IPv6 address (or zeros if a is not valid).
func putAddr16(dst []byte, a netip.Addr) {
	v := as16(a)
	copy(dst[:16], v[:])
}
