package netdevsim

import (
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/engine"
	"github.com/softnet/softnet/xfrm/esp"
	"github.com/softnet/softnet/xfrm/stack"
)

// MaxSA is the size of the simulated SA table (NSIM_IPSEC_MAX_SA_COUNT).
const MaxSA = 33

// Config is the kind data of `ip link add NAME type netdevsim`; the
// zero value is a device with full IPsec offload.
type Config struct {
	NoIPsec   bool `json:"no_ipsec,omitempty"`   // no offload operations, no esp-hw-offload
	NoESN     bool `json:"no_esn,omitempty"`     // no advance-ESN operation
	NoPacket  bool `json:"no_packet,omitempty"`  // refuse packet offload (EOPNOTSUPP)
	NoCrypto  bool `json:"no_crypto,omitempty"`  // refuse crypto offload (EOPNOTSUPP)
	TxCsum    bool `json:"tx_csum,omitempty"`    // also esp-tx-csum-hw-offload
	RejectLen int  `json:"reject_len,omitempty"` // offload-ok refuses packets longer than this (0: none)
	// Async makes the transmit transform complete later (ErrInProgress):
	// packets wait in the hardware until CompleteAsync.
	Async bool `json:"async,omitempty"`
	// CryptoEngine puts the parallel crypto engine (package xfrm/engine)
	// in front of the device (true) or removes it (false); nil leaves it
	// as it is. The engine then does the device's ESP offload.
	CryptoEngine *bool `json:"crypto_engine,omitempty"`
	// Workers and EngineQueue size the engine (0: one worker per core,
	// engine.DefaultQueueLen).
	Workers     int `json:"workers,omitempty"`
	EngineQueue int `json:"engine_queue,omitempty"`
}

// Counters are what the simulated hardware saw (the debugfs ipsec file).
type Counters struct {
	States, Policies      atomic.Int64 // currently installed
	StatesAdded, Freed    atomic.Int64
	Tx, Rx                atomic.Int64 // packets transformed by the hardware
	ESNAdvanced, StatsUpd atomic.Int64
}

// Driver is a netdevsim device's driver.
type Driver struct {
	cfg Config
	// Counters is the simulated hardware's statistics.
	Counters Counters

	mu      sync.Mutex
	sas     map[*xfrm.State]bool
	wire    func(*packet.Buffer)
	busy    atomic.Bool
	pending []pendingTx // Async: packets the hardware has not sealed yet
}

type pendingTx struct {
	d  *netdev.Device
	xo *xfrm.DevOffload
	b  *packet.Buffer
}

var (
	_ xfrm.DeviceOps       = (*Driver)(nil)
	_ xfrm.StateFreer      = (*Driver)(nil)
	_ xfrm.OffloadChecker  = (*Driver)(nil)
	_ xfrm.ESNAdvancer     = (*Driver)(nil)
	_ xfrm.StatsUpdater    = (*Driver)(nil)
	_ xfrm.PolicyOffloader = (*Driver)(nil)
	_ xfrm.XmitCrypter     = (*Driver)(nil)
)

// Of returns d's netdevsim driver, or nil.
func Of(d *netdev.Device) *Driver { return ofDriver(d.Driver) }

func ofDriver(drv netdev.Driver) *Driver {
	switch v := drv.(type) {
	case *engine.Driver:
		return ofDriver(v.Lower)
	case *Driver:
		return v
	case *noOps:
		return v.d
	case *noESN:
		return v.Driver
	}
	return nil
}

// SetWire sets where transmitted frames go (default: freed, counted).
func (s *Driver) SetWire(f func(*packet.Buffer)) {
	s.mu.Lock()
	s.wire = f
	s.mu.Unlock()
}

// SetBusy stops (true) or restarts the transmit queue; restarting drains
// the xfrm backlog of d.
func (s *Driver) SetBusy(d *netdev.Device, busy bool) {
	s.busy.Store(busy)
	if !busy {
		stack.DrainBacklog(d)
	}
}

// Busy implements stack.Busy.
func (s *Driver) Busy(*netdev.Device) bool { return s.busy.Load() }

// Xmit validates (validate_xmit_xfrm) and puts the frame on the wire.
func (s *Driver) Xmit(d *netdev.Device, b *packet.Buffer) {
	stack.ValidateXmit(d, b, func(b *packet.Buffer) {
		d.Stats.CountTx(b.Len())
		s.mu.Lock()
		w := s.wire
		s.mu.Unlock()
		if w != nil {
			w(b)
			return
		}
		b.Free()
	})
}

// StateAdd implements xfrm.DeviceOps (nsim_ipsec_add_sa).
func (s *Driver) StateAdd(xo *xfrm.DevOffload) error {
	if (xo.Type == xfrm.OffloadPacket && s.cfg.NoPacket) || (xo.Type == xfrm.OffloadCrypto && s.cfg.NoCrypto) {
		return extack.Errno(syscall.EOPNOTSUPP)
	}
	c := xo.State.Cfg()
	if c.AEAD == nil && c.Crypt == nil {
		return extack.New(syscall.EINVAL, "Cannot offload without encryption")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sas == nil {
		s.sas = map[*xfrm.State]bool{}
	}
	if len(s.sas) >= MaxSA {
		return extack.New(syscall.ENOSPC, "No space for SA in Rx table!")
	}
	s.sas[xo.State] = true
	s.Counters.States.Add(1)
	s.Counters.StatesAdded.Add(1)
	return nil
}

// StateDelete implements xfrm.DeviceOps.
func (s *Driver) StateDelete(xo *xfrm.DevOffload) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sas[xo.State] {
		delete(s.sas, xo.State)
		s.Counters.States.Add(-1)
	}
}

// StateFree implements xfrm.StateFreer.
func (s *Driver) StateFree(*xfrm.DevOffload) { s.Counters.Freed.Add(1) }

// OffloadOK implements xfrm.OffloadChecker.
func (s *Driver) OffloadOK(b *packet.Buffer, _ *xfrm.DevOffload) bool {
	return s.cfg.RejectLen == 0 || b.Len() <= s.cfg.RejectLen
}

// AdvanceESN implements xfrm.ESNAdvancer.
func (s *Driver) AdvanceESN(*xfrm.DevOffload) { s.Counters.ESNAdvanced.Add(1) }

// UpdateStats implements xfrm.StatsUpdater.
func (s *Driver) UpdateStats(*xfrm.DevOffload) { s.Counters.StatsUpd.Add(1) }

// PolicyAdd implements xfrm.PolicyOffloader.
func (s *Driver) PolicyAdd(*xfrm.PolicyOffload) error {
	if s.cfg.NoPacket {
		return extack.Errno(syscall.EOPNOTSUPP)
	}
	s.Counters.Policies.Add(1)
	return nil
}

// PolicyDelete implements xfrm.PolicyOffloader.
func (s *Driver) PolicyDelete(*xfrm.PolicyOffload) { s.Counters.Policies.Add(-1) }

// PolicyFree implements xfrm.PolicyOffloader.
func (s *Driver) PolicyFree(*xfrm.PolicyOffload) {}

// XmitCrypto implements xfrm.XmitCrypter: the simulated hardware seals
// the packet synchronously (nsim_ipsec_tx checks and counts; softnet's
// device really encrypts so that the wire carries ESP).
func (s *Driver) XmitCrypto(d *netdev.Device, xo *xfrm.DevOffload, b *packet.Buffer) error {
	s.mu.Lock()
	known := s.sas[xo.State]
	s.mu.Unlock()
	if !known {
		return extack.New(syscall.EINVAL, "unknown SA")
	}
	if s.cfg.Async {
		s.mu.Lock()
		s.pending = append(s.pending, pendingTx{d, xo, b})
		s.mu.Unlock()
		return xfrm.ErrInProgress
	}
	if err := esp.Output(xo.State, b, &esp.Params{TTL: 64}); err != nil {
		return err
	}
	s.Counters.Tx.Add(1)
	return nil
}

// PendingAsync returns the number of packets waiting in the Async hardware.
func (s *Driver) PendingAsync() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// CompleteAsync seals the waiting packets in the order they came (the
// sequence numbers are assigned now, so the order is the wire's) and
// completes each through stack.FinishAsync; it returns how many.
func (s *Driver) CompleteAsync() int { return s.CompleteAsyncN(-1) }

// CompleteAsyncN is CompleteAsync for at most n packets (n < 0: all).
func (s *Driver) CompleteAsyncN(n int) int {
	s.mu.Lock()
	if n < 0 || n > len(s.pending) {
		n = len(s.pending)
	}
	q := s.pending[:n:n]
	s.pending = append([]pendingTx(nil), s.pending[n:]...)
	s.mu.Unlock()
	for _, p := range q {
		err := esp.Output(p.xo.State, p.b, &esp.Params{TTL: 64})
		if err == nil {
			s.Counters.Tx.Add(1)
		}
		stack.FinishAsync(p.d, p.xo.State, p.b, err)
	}
	return len(q)
}

// Receive is the simulated hardware's receive side: an ESP packet (data
// at the IP header, b.Protocol set) for an inbound SA offloaded to d is
// opened by the "hardware" and handed up already decrypted; anything else
// goes up as it is.
func (s *Driver) Receive(d *netdev.Device, b *packet.Buffer) {
	if x := s.inboundSA(d, b.Bytes()); x != nil {
		s.Counters.Rx.Add(1)
		stack.OffloadReceive(d, x, b)
		return
	}
	d.Receive(b)
}

func (s *Driver) inboundSA(d *netdev.Device, p []byte) *xfrm.State {
	var spi uint32
	var daddr []byte
	switch {
	case len(p) >= 28 && p[0]>>4 == 4 && p[9] == 50:
		hl := int(p[0]&15) * 4
		if len(p) < hl+8 {
			return nil
		}
		daddr, spi = p[16:20], be32(p[hl:])
	case len(p) >= 48 && p[0]>>4 == 6 && p[6] == 50:
		daddr, spi = p[24:40], be32(p[40:])
	default:
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for x := range s.sas {
		c := x.Cfg()
		xo := x.Offload()
		if xo != nil && xo.Dir == xfrm.DirIn && xo.Dev == d && c.ID.SPI == spi && string(c.ID.Daddr.AsSlice()) == string(daddr) {
			return x
		}
	}
	return nil
}

func be32(p []byte) uint32 {
	return uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
}

// noOps is the driver of a device created without IPsec support: it has
// no offload operations.
type noOps struct{ d *Driver }

func (n *noOps) Xmit(d *netdev.Device, b *packet.Buffer) { n.d.Xmit(d, b) }

// noESN is the driver of a device without the advance-ESN operation: the
// field hides the promoted method.
type noESN struct {
	*Driver
	AdvanceESN struct{}
}

type kind struct{}

func (kind) Name() string { return "netdevsim" }

func (kind) Setup(d *netdev.Device) {
	d.Type = netdev.ARPHRDEther
	d.HardHeaderLen = netdev.EthHeaderLen
	d.AddrLen = 6
	d.NoQueue = true
	d.SetFlagBits(netdev.FlagBroadcast|netdev.FlagNoARP, 0)
	d.InitFeatures(netdev.FeatSG|netdev.FeatHWCsum, netdev.FeatHWESP|netdev.FeatHWESPTxCsum)
	d.DefaultName = "eni%d"
	d.Driver = &Driver{}
}

func (kind) NewData() any { return &Config{} }

func (kind) NewLink(_ *netdev.Namespace, d *netdev.Device, req *netdev.LinkRequest) error {
	var cfg Config
	if c, ok := req.Data.(*Config); ok && c != nil {
		cfg = *c
	}
	drv := &Driver{cfg: cfg}
	f := d.Features()
	switch {
	case cfg.NoIPsec:
		d.Driver = &noOps{d: drv}
	case cfg.NoESN:
		d.Driver = &noESN{Driver: drv}
		f |= netdev.FeatHWESP
	default:
		d.Driver = drv
		f |= netdev.FeatHWESP
	}
	if cfg.TxCsum && !cfg.NoIPsec {
		f |= netdev.FeatHWESPTxCsum
	}
	d.InitFeatures(f, netdev.FeatHWESP|netdev.FeatHWESPTxCsum)
	return setEngine(d, &cfg)
}

// ChangeLink implements netdev.LinkChanger: `ip link set DEV type
// netdevsim crypto-engine on|off [ workers N ] [ engine-queue N ]`; the
// other options are fixed at creation.
func (kind) ChangeLink(d *netdev.Device, req *netdev.LinkRequest) error {
	c, ok := req.Data.(*Config)
	if !ok || c == nil {
		return nil
	}
	return setEngine(d, c)
}

// setEngine attaches or detaches the crypto engine as c asks; changing
// the sizing of a running engine restarts it. Either flushes the SAs
// offloaded to d (deleted, as on DOWN).
func setEngine(d *netdev.Device, c *Config) error {
	if c.CryptoEngine == nil {
		return nil
	}
	cur := engine.Of(d)
	want := engine.Config{Workers: c.Workers, QueueLen: c.EngineQueue}
	if !*c.CryptoEngine || (cur != nil && (want.Workers != 0 && want.Workers != cur.Config().Workers ||
		want.QueueLen != 0 && want.QueueLen != cur.Config().QueueLen)) {
		engine.Detach(d)
		cur = nil
	}
	if *c.CryptoEngine && cur == nil {
		if _, err := engine.Attach(d, want); err != nil {
			return err
		}
	}
	return nil
}

// Info is what `ip -d link show` prints for a netdevsim device: its
// configuration, its ESP features (ethtool names) and the simulated
// hardware's SA table size.
type Info struct {
	Config
	// Features are the device's esp-* features that are on.
	Features []string
	// SAs is the number of SAs the hardware holds.
	SAs int64
}

// LinkInfo implements netdev.InfoFiller.
func (kind) LinkInfo(d *netdev.Device) any {
	s := Of(d)
	if s == nil {
		return nil
	}
	in := &Info{Config: s.cfg, SAs: s.Counters.States.Load()}
	in.CryptoEngine, in.Workers, in.EngineQueue = nil, 0, 0
	if e := engine.Of(d); e != nil {
		on := true
		in.CryptoEngine, in.Workers, in.EngineQueue = &on, e.Config().Workers, e.Config().QueueLen
		in.SAs = 0
		for _, x := range xfrm.ForNamespace(d.Namespace()).SAD.Dump() {
			if xo := x.Offload(); xo != nil && xo.Dev == d {
				in.SAs++
			}
		}
	}
	in.Features = append(in.Features, (d.Features() & (netdev.FeatHWESP | netdev.FeatHWESPTxCsum | netdev.FeatGSOESP)).Names()...)
	return in
}

func init() { netdev.RegisterKind(kind{}) }
