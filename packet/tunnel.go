package packet

import "net/netip"

// TunnelFlags are TUNNEL_* flags of tunnel metadata.
type TunnelFlags uint16

// Tunnel metadata flags.
const (
	TunnelKey        TunnelFlags = 1 << iota // the Key field is meaningful
	TunnelCsum                               // checksum the encap header
	TunnelDontFrag                           // set DF on the outer header
	TunnelSeq                                // GRE sequence numbers
	TunnelOAM                                // operations and management
	TunnelNoKey                              // explicitly keyless
	TunnelRemoteCsum                         // remote checksum offload
)

// TunnelInfo is collect_md tunnel metadata (struct ip_tunnel_info): filled
// by an external-mode tunnel on receive, consumed by it on transmit.
type TunnelInfo struct {
	Present  bool       // the metadata is set
	Src, Dst netip.Addr // outer addresses
	TOS      uint8
	TTL      uint8
	Key      uint64 // tunnel id (GRE key, VNI…)
	TPSrc    uint16 // encapsulating UDP source port (FOU/GUE), host order
	TPDst    uint16 // encapsulating UDP destination port, host order
	Label    uint32 // IPv6 flow label
	Flags    TunnelFlags
	TX       bool // metadata for transmit (set by a route or tunnel_key set)
}
