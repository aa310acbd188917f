package xfrm

import (
	"net/netip"
	"time"
)

// Proto is the IPsec protocol of an SA (xfrm_id.proto).
type Proto uint8

// IPsec protocols (IPPROTO_*).
const (
	ProtoESP  Proto = 50
	ProtoAH   Proto = 51
	ProtoComp Proto = 108

	// ProtoIPIP and ProtoIPv6 are the kernel's own tunnel states
	// (xfrm4_tunnel, xfrm6_tunnel) that carry a tunnel-mode IPComp SA's
	// packets sent uncompressed as plain IP in IP; never configured by
	// ip xfrm.
	ProtoIPIP Proto = 4
	ProtoIPv6 Proto = 41
)

// Kernel reports whether an SA of protocol p is a kernel tunnel state
// (xfrm_state_kern): in an input policy check it satisfies only an
// optional template with its addresses.
func (p Proto) Kernel() bool { return p == ProtoIPIP || p == ProtoIPv6 }

// String returns iproute2's name: "esp", "ah", "comp".
func (p Proto) String() string {
	switch p {
	case ProtoESP:
		return "esp"
	case ProtoAH:
		return "ah"
	case ProtoComp:
		return "comp"
	case ProtoIPIP:
		return "4"
	case ProtoIPv6:
		return "41"
	}
	return "unknown"
}

// Mode is the SA mode (XFRM_MODE_*).
type Mode uint8

// Modes, with Linux's numbers.
const (
	ModeTransport Mode = 0
	ModeTunnel    Mode = 1
	ModeRO        Mode = 2 // route optimization (MIPv6): not supported
	ModeInTrigger Mode = 3 // not supported
	ModeBEET      Mode = 4
)

// String returns iproute2's name.
func (m Mode) String() string {
	switch m {
	case ModeTransport:
		return "transport"
	case ModeTunnel:
		return "tunnel"
	case ModeRO:
		return "ro"
	case ModeInTrigger:
		return "in_trigger"
	case ModeBEET:
		return "beet"
	}
	return "unknown"
}

// Flags are the SA flags (XFRM_STATE_*, xfrm_usersa_info.flags).
type Flags uint8

// SA flags, with iproute2's names in comments.
const (
	FlagNoECN      Flags = 1   // noecn
	FlagDecapDSCP  Flags = 2   // decap-dscp
	FlagNoPMTUDisc Flags = 4   // nopmtudisc
	FlagWildRecv   Flags = 8   // wildrecv
	FlagICMP       Flags = 16  // icmp
	FlagAFUnspec   Flags = 32  // af-unspec
	FlagAlign4     Flags = 64  // align4
	FlagESN        Flags = 128 // esn
)

// ExtraFlags are XFRMA_SA_EXTRA_FLAGS (XFRM_SA_XFLAG_*).
type ExtraFlags uint32

// Extra flags.
const (
	ExtraDontEncapDSCP ExtraFlags = 1 // dont-encap-dscp
	ExtraOSeqMayWrap   ExtraFlags = 2 // oseq-may-wrap
)

// Dir is the SA direction (XFRMA_SA_DIR); zero means unspecified.
type Dir uint8

// Directions.
const (
	DirUnspec Dir = 0
	DirIn     Dir = 1
	DirOut    Dir = 2
)

// EncapType is the NAT-T encapsulation (xfrm_encap_tmpl.encap_type).
type EncapType uint16

// Encapsulation types (UDP_ENCAP_* in include/uapi/linux/udp.h).
const (
	EncapESPInUDPNonIKE EncapType = 1 // espinudp-nonike: draft-ietf-ipsec-nat-t-ike-00/01, 8-byte non-IKE marker
	EncapESPInUDP       EncapType = 2 // espinudp: RFC 3948
)

// NATTPort is the IKE NAT-T port (RFC 3948).
const NATTPort = 4500

// ID identifies an SA (struct xfrm_id).
type ID struct {
	Daddr netip.Addr
	SPI   uint32
	Proto Proto
}

// Mark is a value/mask pair (struct xfrm_mark). A packet mark m matches
// when m&Mask == Value.
type Mark struct {
	Value, Mask uint32
}

// Matches reports whether the packet mark m matches (xfrm_mark match rule).
func (k Mark) Matches(m uint32) bool { return m&k.Mask == k.Value }

// Selector is the traffic selector of an SA or policy (struct
// xfrm_selector). Zero prefixes match everything of their family.
type Selector struct {
	Family    int // 4, 6, or 0 (any)
	Daddr     netip.Prefix
	Saddr     netip.Prefix
	Dport     uint16
	DportMask uint16
	Sport     uint16
	SportMask uint16
	Proto     uint8
	Ifindex   int32
	User      uint32
}

// Flow describes a packet for selector matching (struct flowi).
type Flow struct {
	Daddr, Saddr netip.Addr
	Proto        uint8
	Sport, Dport uint16 // for ICMP: type and code, as Linux stores them
	Oif          int32
	Mark         uint32
}

// Match reports whether f matches the selector (xfrm_selector_match).
func (s *Selector) Match(f *Flow) bool {
	if s.Daddr.IsValid() && !s.Daddr.Contains(f.Daddr) {
		return false
	}
	if s.Saddr.IsValid() && !s.Saddr.Contains(f.Saddr) {
		return false
	}
	if (f.Dport^s.Dport)&s.DportMask != 0 || (f.Sport^s.Sport)&s.SportMask != 0 {
		return false
	}
	if s.Proto != 0 && s.Proto != f.Proto {
		return false
	}
	return s.Ifindex == 0 || s.Ifindex == f.Oif
}

// Inf is XFRM_INF, "no limit".
const Inf = ^uint64(0)

// LifetimeConfig holds the limits (struct xfrm_lifetime_cfg). Byte and
// packet limits use Inf for none (NewState also reads 0 as none, so the
// zero value means no limits); zero durations mean none. iproute2's
// defaults are Inf limits and zero times; DefaultLifetime returns them.
type LifetimeConfig struct {
	SoftByteLimit, HardByteLimit     uint64
	SoftPacketLimit, HardPacketLimit uint64
	SoftAddExpires, HardAddExpires   time.Duration // limit time-soft / time-hard
	SoftUseExpires, HardUseExpires   time.Duration // limit time-use-soft / time-use-hard
}

// DefaultLifetime is what `ip xfrm state add` sends without limits.
func DefaultLifetime() LifetimeConfig {
	return LifetimeConfig{SoftByteLimit: Inf, HardByteLimit: Inf, SoftPacketLimit: Inf, HardPacketLimit: Inf}
}

// CurLifetime is the current usage (struct xfrm_lifetime_cur).
type CurLifetime struct {
	Bytes, Packets   uint64
	AddTime, UseTime time.Time // UseTime is zero until the first packet
}

// Encap is the NAT-T template (struct xfrm_encap_tmpl).
type Encap struct {
	Type         EncapType
	Sport, Dport uint16
	OAddr        netip.Addr // original address, informational
}

// ReplayState is the initial sequence-number state (replay-seq,
// replay-oseq and their -hi parts).
type ReplayState struct {
	Seq, SeqHi   uint32
	OSeq, OSeqHi uint32
}

// AEADSpec is an `aead NAME KEY ICV-BITS` algorithm (struct xfrm_algo_aead).
type AEADSpec struct {
	Name    string
	Key     []byte // cipher key followed by the salt/nonce, as Linux takes it
	ICVBits int
}

// AlgSpec is an `enc NAME KEY` or `comp NAME` algorithm (struct xfrm_algo).
type AlgSpec struct {
	Name string
	Key  []byte
}

// AuthSpec is an `auth NAME KEY` or `auth-trunc NAME KEY BITS` algorithm
// (struct xfrm_algo_auth). Trunc false means the legacy `auth` attribute:
// the ICV length is then the algorithm's default truncation.
type AuthSpec struct {
	Name      string
	Key       []byte
	Trunc     bool
	TruncBits int
}

// Offload requests hardware offload (XFRMA_OFFLOAD_DEV); offload.go
// binds the SA to the device (xfrm_dev_state_add).
type Offload struct {
	Ifindex int32
	Dir     Dir
	Packet  bool // packet offload rather than crypto offload
	// Unknown holds request flag bits other than IPV6, INBOUND and
	// PACKET; a non-zero value is refused (see offload.go).
	Unknown uint8
}

// Config is everything `ip xfrm state add` conveys: the immutable part of
// an SA.
type Config struct {
	ID         ID
	Saddr      netip.Addr
	Family     int // family of ID.Daddr and Saddr: 4 or 6 (props.family)
	Mode       Mode
	Reqid      uint32
	Flags      Flags
	ExtraFlags ExtraFlags
	Selector   Selector
	Mark       Mark
	IfID       uint32
	OutputMark Mark // output-mark VALUE/MASK (XFRMA_SET_MARK)

	ReplayWindow uint32 // replay-window N
	Replay       ReplayState

	Lifetime LifetimeConfig
	Encap    *Encap
	TFCPad   uint32
	Dir      Dir
	Offload  *Offload

	AEAD  *AEADSpec
	Crypt *AlgSpec
	Auth  *AuthSpec
	Comp  *AlgSpec
}

// ApplyOutputMark returns the packet mark after the SA's output-mark
// (xfrm_smark_get): with a value or mask set, the masked bits are replaced.
func (c *Config) ApplyOutputMark(mark uint32) uint32 {
	m := c.OutputMark
	if m.Value == 0 && m.Mask == 0 {
		return mark
	}
	return m.Value&m.Mask | mark&^m.Mask
}
