package tunnel

import (
	"net/netip"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
)

// Parms are a tunnel's parameters (struct ip_tunnel_parm_kern with the
// fwmark, encapsulation and collect_md flag beside it). Addresses are IPv4;
// the zero netip.Addr and 0.0.0.0 both mean "any".
type Parms struct {
	// Name is the device name (ioctl requests address a tunnel by it).
	Name string
	// Link is the ifindex of the underlay device the tunnel is bound to
	// (ip link … dev PHYS), 0 for none.
	Link int32
	// Local and Remote are the outer source and destination (IFLA_IPTUN_LOCAL,
	// IFLA_IPTUN_REMOTE).
	Local, Remote netip.Addr
	// TTL of the outer header; 0 inherits the inner TTL.
	TTL uint8
	// TOS of the outer header; bit 0 set ("inherit", 1) copies the inner
	// DSCP.
	TOS uint8
	// DF sets Don't Fragment on the outer header (pmtudisc).
	DF bool
	// Proto is the carried protocol (iph.protocol): IPPROTO_IPIP,
	// IPPROTO_MPLS, or 0 for any (ipip's "mode").
	Proto uint8
	// IFlags, OFlags, IKey and OKey are the keys of keyed tunnels (GRE,
	// VTI): TunnelKey in the flags makes the key significant.
	IFlags, OFlags packet.TunnelFlags
	IKey, OKey     uint32
	// VTI marks a vti tunnel's parameters (VTI_ISVTI): keyless vti
	// tunnels hash with key 0.
	VTI bool
	// Fwmark is the mark of the outer route lookup.
	Fwmark uint32
	// Encap is the FOU/GUE encapsulation.
	Encap Encap
	// CollectMD is external mode: one per namespace, per-packet metadata.
	CollectMD bool
}

// Normalize returns p with "any" addresses as 0.0.0.0.
func (p Parms) Normalize() Parms {
	p.Local = norm4(p.Local)
	p.Remote = norm4(p.Remote)
	return p
}

var any4 = netip.IPv4Unspecified()

func norm4(a netip.Addr) netip.Addr {
	if !a.IsValid() {
		return any4
	}
	return a.Unmap()
}

// isZero4 reports whether a is "any".
func isZero4(a netip.Addr) bool { return !a.IsValid() || a == any4 }

// EncapType is the UDP encapsulation of a tunnel (TUNNEL_ENCAP_*).
type EncapType uint16

// Encapsulation types.
const (
	EncapNone EncapType = 0
	EncapFOU  EncapType = 1
	EncapGUE  EncapType = 2
)

// String is iproute2's name.
func (t EncapType) String() string {
	switch t {
	case EncapNone:
		return "none"
	case EncapFOU:
		return "fou"
	case EncapGUE:
		return "gue"
	}
	return "unknown"
}

// EncapFlags are TUNNEL_ENCAP_FLAG_*.
type EncapFlags uint16

// Encapsulation flags.
const (
	EncapCsum    EncapFlags = 1 << 0 // UDP checksum over IPv4
	EncapCsum6   EncapFlags = 1 << 1 // UDP checksum over IPv6
	EncapRemCsum EncapFlags = 1 << 2 // remote checksum offload (GUE)
)

// Encap is a tunnel's UDP encapsulation (struct ip_tunnel_encap). Ports
// are in host order; SPort 0 picks the source port from the flow hash.
type Encap struct {
	Type         EncapType
	Flags        EncapFlags
	SPort, DPort uint16
}

// GUE header sizes (struct guehdr and its options).
const (
	gueHdrLen     = 4 // version, hlen, proto_ctype, flags
	guePrivLen    = 4 // GUE_LEN_PRIV: the private flags field
	gueRemCsumLen = 4 // GUE_PLEN_REMCSUM: remote checksum offload start/offset
)

// wireLen is the encapsulation actually pushed on a packet: UDP plus the
// bare GUE header (options are only needed for CHECKSUM_PARTIAL packets
// with remote checksum offload, which softnet does not produce).
func (e Encap) wireLen() int {
	switch e.Type {
	case EncapFOU:
		return header.UDPMinimumSize
	case EncapGUE:
		return header.UDPMinimumSize + gueHdrLen
	}
	return 0
}

// HeaderLen is the length of the encapsulation headers (ip_encap_hlen):
// 8 for FOU, 12 for GUE (16 with remote checksum offload), 0 for none;
// -1 for an unknown type.
func (e Encap) HeaderLen() int {
	switch e.Type {
	case EncapNone:
		return 0
	case EncapFOU:
		return header.UDPMinimumSize
	case EncapGUE:
		n := header.UDPMinimumSize + gueHdrLen
		if e.Flags&EncapRemCsum != 0 {
			n += gueRemCsumLen + guePrivLen
		}
		return n
	}
	return -1
}

// IP protocol numbers the tunnels carry.
const (
	ProtoIPIP = header.IPProtoIPIP // 4
	ProtoMPLS = header.IPProtoMPLS // 137
)
