package xfrm

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/softnet/softnet/netdev"
)

// KMState is the key-manager state of an SA (x->km.state).
type KMState uint8

// SA states.
const (
	StateVoid KMState = iota
	StateAcquire
	StateValid
	StateError
	StateExpired
	StateDead
)

// EventKind is a key-manager notification (km_state_expired and friends).
type EventKind uint8

// Events.
const (
	EventSoftExpire EventKind = iota + 1 // XFRM_MSG_EXPIRE hard=0
	EventHardExpire                      // XFRM_MSG_EXPIRE hard=1; the SA is deleted
)

// Event is delivered to the SA's event callback.
type Event struct {
	Kind  EventKind
	State *State
}

// Type is a transform (struct xfrm_type): esp, ah, ipcomp register one.
type Type interface {
	// Init validates the SA for this transform and builds its cached
	// crypto; it returns extack errors as Linux's init_state does.
	Init(x *State) error
}

var (
	typesMu sync.Mutex
	types   = map[Proto]Type{}
)

// RegisterType installs the transform of a protocol (xfrm_register_type);
// call it from the transform package's init.
func RegisterType(p Proto, t Type) {
	typesMu.Lock()
	types[p] = t
	typesMu.Unlock()
}

func lookupType(p Proto) Type {
	typesMu.Lock()
	defer typesMu.Unlock()
	return types[p]
}

// Options are NewState's run-time settings.
type Options struct {
	// Clock gives add/use times and drives time lifetimes; nil uses the
	// wall clock.
	Clock netdev.Clock
	// MIB receives the data-path counters; nil gives the state its own.
	MIB *MIB
	// OnEvent receives soft and hard expiry events (outside the SA lock).
	OnEvent func(Event)
	// IVSalt, if set, replaces the random per-SA salt mixed into generated
	// IVs (Linux's seqiv salt). Zero makes ESP's IV the sequence number.
	IVSalt *uint64
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// State is a security association (struct xfrm_state). Its Config is
// immutable once created; the replay and lifetime state is guarded by an
// internal lock (x->lock), taken once per packet.
type State struct {
	cfg   Config
	clock netdev.Clock
	mib   *MIB
	event func(Event)

	// Set by the transform's Init.
	AEAD      AEAD           // ESP cipher (combined or authenc)
	Auth      *Authenticator // AH integrity algorithm
	Data      any            // other per-transform data (e.g. IPComp)
	AlgAEAD   *AEADAlg
	AlgCipher *CipherAlg
	AlgAuth   *AuthAlg
	AlgComp   *CompAlg
	ICVBits   int // the integrity check length in use

	ivSalt uint64
	ipID   atomic.Uint32
	xso    atomic.Pointer[DevOffload] // device offload binding (x->xso)

	mu     sync.Mutex
	km     KMState
	dying  bool
	replay Replay
	cur    CurLifetime
	owner  *SAD

	// Kernel tunnel state (under the owning SAD's lock): the one this
	// tunnel-mode IPComp SA uses, and for a kernel tunnel state its
	// number of users (x->tunnel, x->tunnel_users).
	tunnel      *State
	tunnelUsers atomic.Int32
}

// NewState validates cfg as xfrm_user.c's verify_newsa_info and
// xfrm_state_construct do, attaches the algorithms, initialises the replay
// state and lets the protocol's transform build its crypto. The state is
// VALID and not in any table.
func NewState(cfg Config, opt Options) (*State, error) {
	if err := verifyConfig(&cfg); err != nil {
		return nil, err
	}
	// copy_from_user_state: an SA added without a selector family takes
	// its own family, unless af-unspec asks for a selector of any family
	// (the only way a cross-family tunnel SA is used for output).
	if cfg.Selector.Family == 0 && cfg.Flags&FlagAFUnspec == 0 {
		cfg.Selector.Family = cfg.Family
	}
	for _, l := range []*uint64{&cfg.Lifetime.SoftByteLimit, &cfg.Lifetime.HardByteLimit,
		&cfg.Lifetime.SoftPacketLimit, &cfg.Lifetime.HardPacketLimit} {
		if *l == 0 {
			*l = Inf
		}
	}
	x := &State{cfg: cfg, clock: opt.Clock, mib: opt.MIB, event: opt.OnEvent}
	if x.clock == nil {
		x.clock = wallClock{}
	}
	if x.mib == nil {
		x.mib = new(MIB)
	}
	if err := x.attach(); err != nil {
		return nil, err
	}
	esn := cfg.Flags&FlagESN != 0
	if cfg.Proto() == ProtoComp {
		// IPComp has no replay protection (XFRM_TYPE_REPLAY_PROT unset).
		x.replay = newReplay(0, false, cfg.Replay)
	} else {
		x.replay = newReplay(cfg.ReplayWindow, esn, cfg.Replay)
	}
	if opt.IVSalt != nil {
		x.ivSalt = *opt.IVSalt
	} else {
		var b [8]byte
		_, _ = rand.Read(b[:])
		x.ivSalt = binary.LittleEndian.Uint64(b[:])
	}
	t := lookupType(cfg.ID.Proto)
	if t == nil {
		return nil, errNoType
	}
	if err := t.Init(x); err != nil {
		return nil, err
	}
	if x.AEAD != nil {
		setIVSalt(x.AEAD, x.ivSalt)
	}
	x.cur.AddTime = x.clock.Now()
	x.km = StateValid
	return x, nil
}

// Proto returns the SA's protocol.
func (c *Config) Proto() Proto { return c.ID.Proto }

// Config returns the SA's configuration (a copy; key slices are shared
// and must not be modified).
func (x *State) Config() Config { return x.cfg }

// Cfg returns a pointer to the immutable configuration, for the data path.
func (x *State) Cfg() *Config { return &x.cfg }

// MIB returns the counters the state's data path bumps.
func (x *State) MIB() *MIB { return x.mib }

// IVSalt returns the per-SA IV salt (for tests and diagnostics).
func (x *State) IVSalt() uint64 { return x.ivSalt }

// NextIPID returns an IPv4 identification for an outer header that may be
// fragmented (DF clear).
func (x *State) NextIPID() uint16 { return uint16(x.ipID.Add(1)) }

// KM returns the key-manager state.
func (x *State) KM() KMState {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.km
}

// bumpLocked moves the owning SAD's generation after a change of what
// output lookups see in x (its validity or dying flag); x.mu is held.
func (x *State) bumpLocked() {
	if x.owner != nil {
		x.owner.gen.Add(1)
	}
}

// Dying reports whether a soft limit was reached.
func (x *State) Dying() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.dying
}

// ReplaySnapshot returns a copy of the replay state.
func (x *State) ReplaySnapshot() Replay {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.replay
}

// Lifetime returns the current usage.
func (x *State) Lifetime() CurLifetime {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.cur
}
