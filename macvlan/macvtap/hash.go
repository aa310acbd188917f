package macvtap

import (
	"bytes"
	"encoding/binary"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
)

// flowHash returns b's flow hash, computing and recording it when unset
// (skb_get_hash): a symmetric hash of the ethertype, IP addresses,
// transport protocol and ports, never zero. The data starts at the
// link-layer header.
func flowHash(b *packet.Buffer) uint32 {
	if b.Hash != 0 {
		return b.Hash
	}
	h := computeHash(b.Bytes())
	b.Hash = h
	return h
}

func computeHash(f []byte) uint32 {
	if len(f) < ethHLen {
		return 1
	}
	et := binary.BigEndian.Uint16(f[12:14])
	h := mix(0x9e3779b9, uint32(et))
	ip := f[ethHLen:]
	var a, z []byte
	var proto uint8
	var l4 []byte
	switch {
	case et == header.EtherTypeIPv4 && len(ip) >= header.IPv4MinimumSize:
		ihl := int(ip[0]&0xf) * 4
		a, z, proto = ip[12:16], ip[16:20], ip[9]
		frag := binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0
		if ihl >= header.IPv4MinimumSize && ihl < len(ip) && !frag {
			l4 = ip[ihl:]
		}
	case et == header.EtherTypeIPv6 && len(ip) >= header.IPv6MinimumSize:
		a, z, proto = ip[8:24], ip[24:40], ip[6]
		l4 = ip[header.IPv6MinimumSize:]
	}
	var sp, dp uint16
	if (proto == header.IPProtoTCP || proto == header.IPProtoUDP) && len(l4) >= 4 {
		sp, dp = binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
	}
	// Order the endpoints so both directions hash alike.
	if c := bytes.Compare(a, z); c > 0 || (c == 0 && sp > dp) {
		a, z, sp, dp = z, a, dp, sp
	}
	h = mixBytes(h, a)
	h = mixBytes(h, z)
	h = mix(h, uint32(proto)<<16|uint32(sp))
	h = mix(h, uint32(dp))
	h = fmix(h)
	if h == 0 {
		h = 1
	}
	return h
}

func mixBytes(h uint32, p []byte) uint32 {
	for len(p) >= 4 {
		h = mix(h, binary.BigEndian.Uint32(p))
		p = p[4:]
	}
	return h
}

// mix and fmix are the MurmurHash3 32-bit round and finalizer.
func mix(h, k uint32) uint32 {
	k *= 0xcc9e2d51
	k = k<<15 | k>>17
	k *= 0x1b873593
	h ^= k
	h = h<<13 | h>>19
	return h*5 + 0xe6546b64
}

func fmix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
