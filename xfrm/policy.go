package xfrm

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/softnet/softnet/extack"
)

// PolicyDir is a policy direction (XFRM_POLICY_IN/OUT/FWD).
type PolicyDir uint8

// Policy directions, with Linux's numbers (the low bits of a policy index).
const (
	PolicyIn  PolicyDir = 0
	PolicyOut PolicyDir = 1
	PolicyFwd PolicyDir = 2
	numDirs             = 3
)

// String returns iproute2's name.
func (d PolicyDir) String() string {
	switch d {
	case PolicyIn:
		return "in"
	case PolicyOut:
		return "out"
	case PolicyFwd:
		return "fwd"
	}
	return fmt.Sprintf("%d", uint8(d))
}

// PolicyAction is XFRM_POLICY_ALLOW or XFRM_POLICY_BLOCK.
type PolicyAction uint8

// Actions.
const (
	ActionAllow PolicyAction = 0
	ActionBlock PolicyAction = 1
)

// String returns iproute2's name.
func (a PolicyAction) String() string {
	if a == ActionBlock {
		return "block"
	}
	return "allow"
}

// PolicyFlags are XFRM_POLICY_LOCALOK and XFRM_POLICY_ICMP.
type PolicyFlags uint8

// Policy flags.
const (
	PolicyLocalOK PolicyFlags = 1 // localok
	PolicyICMP    PolicyFlags = 2 // icmp
)

// PolicyType is XFRM_POLICY_TYPE_MAIN or _SUB (ptype).
type PolicyType uint8

// Policy types.
const (
	PolicyTypeMain PolicyType = 0
	PolicyTypeSub  PolicyType = 1
)

// String returns iproute2's name.
func (t PolicyType) String() string {
	if t == PolicyTypeSub {
		return "sub"
	}
	return "main"
}

// MaxDepth is XFRM_MAX_DEPTH, the most templates a policy may hold.
const MaxDepth = 6

// Tmpl is a policy template (struct xfrm_user_tmpl): what an SA must look
// like for a packet the policy matches. Zero addresses in a transport-mode
// template stand for the packet's own.
type Tmpl struct {
	Daddr  netip.Addr // id.daddr
	SPI    uint32     // id.spi, 0: any
	Proto  Proto      // id.proto
	Family int
	Saddr  netip.Addr
	Reqid  uint32 // 0: any
	Mode   Mode
	Share  uint8
	// Optional is `level use` (an SA is used when there is one); false is
	// `level required`.
	Optional bool
	// Algorithm masks (aalgos, ealgos, calgos); iproute2 sends all ones.
	AAlgos, EAlgos, CAlgos uint32
}

// PolicyConfig is what `ip xfrm policy add` conveys (xfrm_userpolicy_info
// and its attributes).
type PolicyConfig struct {
	Selector Selector
	Dir      PolicyDir
	Index    uint32 // 0: allocate
	Priority uint32
	Action   PolicyAction
	Flags    PolicyFlags
	Share    uint8
	Type     PolicyType
	Mark     Mark
	IfID     uint32
	Lifetime LifetimeConfig
	Tmpls    []Tmpl
}

// Policy is a security policy (struct xfrm_policy). Its configuration is
// immutable once inserted; only the use time changes.
type Policy struct {
	cfg     PolicyConfig
	index   uint32
	added   time.Time
	useTime atomic.Int64 // unix nanoseconds of the last use, 0: never
	seq     uint64       // insertion order (policy_all)
	dead    atomic.Bool
	checkAt time.Time // next lifetime examination (zero: none); SPD.mu
	useLft  bool      // has use-time limits: every use reads the clock
}

// Config returns the policy's configuration (templates shared).
func (p *Policy) Config() PolicyConfig { return p.cfg }

// Cfg returns a pointer to the immutable configuration.
func (p *Policy) Cfg() *PolicyConfig { return &p.cfg }

// Index returns the policy's index.
func (p *Policy) Index() uint32 { return p.index }

// AddTime returns when the policy was created.
func (p *Policy) AddTime() time.Time { return p.added }

// UseTime returns when a packet last matched the policy (zero: never).
func (p *Policy) UseTime() time.Time {
	n := p.useTime.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Dead reports whether the policy has been deleted.
func (p *Policy) Dead() bool { return p.dead.Load() }

// Match reports whether a flow matches the policy's selector, mark and
// if_id (xfrm_policy_match).
func (p *Policy) Match(f *Flow, family int, ifID uint32) bool {
	c := &p.cfg
	if c.Selector.Family != 0 && c.Selector.Family != family {
		return false
	}
	if !c.Mark.Matches(f.Mark) || c.IfID != ifID {
		return false
	}
	return c.Selector.Match(f)
}

func einvalf(msg string) error { return extack.New(syscall.EINVAL, msg) }

// verifyPolicy checks a new policy as verify_newpolicy_info and
// validate_tmpl do (Linux 6.1 messages).
func verifyPolicy(c *PolicyConfig) error {
	if c.Share > 3 {
		return einvalf("Invalid policy share")
	}
	if c.Action > ActionBlock {
		return einvalf("Invalid policy action")
	}
	s := &c.Selector
	switch s.Family {
	case 4:
		if s.Daddr.Bits() > 32 || s.Saddr.Bits() > 32 {
			return einvalf("Invalid prefix length in selector (must be <= 32 for IPv4)")
		}
	case 6:
		if s.Daddr.Bits() > 128 || s.Saddr.Bits() > 128 {
			return einvalf("Invalid prefix length in selector (must be <= 128 for IPv6)")
		}
	default:
		return einvalf("Invalid selector family")
	}
	for _, p := range []netip.Prefix{s.Daddr, s.Saddr} {
		if p.IsValid() && (p.Addr().Is4() != (s.Family == 4)) {
			return einvalf("Invalid selector family")
		}
	}
	if c.Dir > PolicyFwd {
		return einvalf("Invalid policy direction")
	}
	if c.Index != 0 && PolicyDir(c.Index&7) != c.Dir {
		return einvalf("Policy index doesn't match direction")
	}
	if c.Type > PolicyTypeSub {
		return einvalf("Invalid policy type")
	}
	return verifyTmpls(c)
}

func verifyTmpls(c *PolicyConfig) error {
	if len(c.Tmpls) > MaxDepth {
		return einvalf("Template count must be <= XFRM_MAX_DEPTH (6)")
	}
	for i := range c.Tmpls {
		t := &c.Tmpls[i]
		switch t.Mode {
		case ModeTransport:
		case ModeTunnel, ModeBEET:
		default:
			if t.Mode > ModeBEET {
				return einvalf("Mode in template must be < XFRM_MODE_MAX (5)")
			}
			return einvalf("Mode in template not supported by softnet")
		}
		if t.Family == 0 {
			t.Family = c.Selector.Family
		}
		if t.Family != 4 && t.Family != 6 {
			return einvalf("Invalid family in template")
		}
		switch t.Proto {
		case ProtoESP, ProtoAH, ProtoComp:
		default:
			return einvalf("Invalid XFRM protocol in template")
		}
	}
	return nil
}
