package flower

import (
	"encoding/binary"
	"net/netip"
)

// Fields is one side of a flower match — the values or the mask — or the
// key dissected from a packet. Addresses hold IPv4 in their first four
// bytes. AddrType and EncAddrType are the dissector's control keys: 4 or
// 6 when the packet (or tunnel metadata) carries addresses of that family.
type Fields struct {
	DstMAC, SrcMAC     [6]byte
	EthType            uint16 // basic.n_proto (the inner type for VLAN packets)
	VlanTPID           uint16 // 802.1Q / 802.1ad when tagged
	VlanID             uint16
	VlanPrio           uint8
	IPProto            uint8
	AddrType           uint8
	Src, Dst           [16]byte
	TOS, TTL           uint8
	SrcPort, DstPort   uint16
	TCPFlags           uint16 // 12 bits
	ICMPType, ICMPCode uint8
	EncAddrType        uint8
	EncSrc, EncDst     [16]byte
	EncKeyID           uint32
	EncDstPort         uint16
}

// Byte offsets of the packed key (flowKey). The layout is private; it only
// has to be the same for packets, values and masks.
const (
	oDstMAC    = 0
	oSrcMAC    = 6
	oEthType   = 12
	oVlanTPID  = 14
	oVlanID    = 16
	oVlanPrio  = 18
	oIPProto   = 19
	oAddrType  = 20
	oTOS       = 21
	oTTL       = 22
	oICMPType  = 23
	oSrc       = 24
	oDst       = 40
	oSrcPort   = 56
	oDstPort   = 58
	oTCPFlags  = 60
	oICMPCode  = 62
	oEncAType  = 63
	oEncSrc    = 64
	oEncDst    = 80
	oEncKeyID  = 96
	oEncDPort  = 100
	flowKeyLen = 104 // a multiple of 8
)

// flowKey is Fields packed into bytes: a comparable, padding-free map key
// that masks with a few word operations.
type flowKey [flowKeyLen]byte

func (f *Fields) pack() flowKey {
	var k flowKey
	be := binary.BigEndian
	copy(k[oDstMAC:], f.DstMAC[:])
	copy(k[oSrcMAC:], f.SrcMAC[:])
	be.PutUint16(k[oEthType:], f.EthType)
	be.PutUint16(k[oVlanTPID:], f.VlanTPID)
	be.PutUint16(k[oVlanID:], f.VlanID)
	k[oVlanPrio] = f.VlanPrio
	k[oIPProto] = f.IPProto
	k[oAddrType] = f.AddrType
	k[oTOS] = f.TOS
	k[oTTL] = f.TTL
	k[oICMPType] = f.ICMPType
	copy(k[oSrc:], f.Src[:])
	copy(k[oDst:], f.Dst[:])
	be.PutUint16(k[oSrcPort:], f.SrcPort)
	be.PutUint16(k[oDstPort:], f.DstPort)
	be.PutUint16(k[oTCPFlags:], f.TCPFlags)
	k[oICMPCode] = f.ICMPCode
	k[oEncAType] = f.EncAddrType
	copy(k[oEncSrc:], f.EncSrc[:])
	copy(k[oEncDst:], f.EncDst[:])
	be.PutUint32(k[oEncKeyID:], f.EncKeyID)
	be.PutUint16(k[oEncDPort:], f.EncDstPort)
	return k
}

// unpack is the inverse of pack (tests and fuzzing use it).
func (k *flowKey) unpack() Fields {
	var f Fields
	be := binary.BigEndian
	copy(f.DstMAC[:], k[oDstMAC:])
	copy(f.SrcMAC[:], k[oSrcMAC:])
	f.EthType = be.Uint16(k[oEthType:])
	f.VlanTPID = be.Uint16(k[oVlanTPID:])
	f.VlanID = be.Uint16(k[oVlanID:])
	f.VlanPrio = k[oVlanPrio]
	f.IPProto = k[oIPProto]
	f.AddrType = k[oAddrType]
	f.TOS = k[oTOS]
	f.TTL = k[oTTL]
	f.ICMPType = k[oICMPType]
	copy(f.Src[:], k[oSrc:])
	copy(f.Dst[:], k[oDst:])
	f.SrcPort = be.Uint16(k[oSrcPort:])
	f.DstPort = be.Uint16(k[oDstPort:])
	f.TCPFlags = be.Uint16(k[oTCPFlags:])
	f.ICMPCode = k[oICMPCode]
	f.EncAddrType = k[oEncAType]
	copy(f.EncSrc[:], k[oEncSrc:])
	copy(f.EncDst[:], k[oEncDst:])
	f.EncKeyID = be.Uint32(k[oEncKeyID:])
	f.EncDstPort = be.Uint16(k[oEncDPort:])
	return f
}

// and returns k masked by m, eight bytes at a time.
func (k *flowKey) and(m *flowKey) flowKey {
	var out flowKey
	le := binary.LittleEndian
	for i := 0; i < flowKeyLen; i += 8 {
		le.PutUint64(out[i:], le.Uint64(k[i:])&le.Uint64(m[i:]))
	}
	return out
}

// Addr16 stores an address in a Fields address slot (IPv4 in the first
// four bytes) and returns its family, 4 or 6 (0 for an invalid address).
func Addr16(a netip.Addr) ([16]byte, uint8) {
	var out [16]byte
	switch {
	case a.Is4():
		v := a.As4()
		copy(out[:], v[:])
		return out, 4
	case a.Is6():
		return a.As16(), 6
	}
	return out, 0
}

// AddrFrom reads an address slot back for the family (4 or 6).
func AddrFrom(b [16]byte, family uint8) netip.Addr {
	if family == 4 {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16(b)
}
