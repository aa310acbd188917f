package xfrm

import (
	"errors"
	"sync"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// OffloadType is how much of ESP a device takes over (xso.type).
type OffloadType uint8

// Offload types.
const (
	OffloadUnspec OffloadType = iota // XFRM_DEV_OFFLOAD_UNSPECIFIED
	OffloadCrypto                    // the device encrypts/decrypts; the stack builds headers
	OffloadPacket                    // the device does all of ESP, headers included
)

// String returns the word `ip xfrm state` prints after "mode".
func (t OffloadType) String() string {
	switch t {
	case OffloadCrypto:
		return "crypto"
	case OffloadPacket:
		return "packet"
	}
	return "unspec"
}

// DevOffload is an SA's binding to a device (struct xfrm_dev_offload). It
// is immutable once published; a packet waiting for the device's
// transform carries it in Meta.SecPath.
type DevOffload struct {
	State   *State
	Dev     *netdev.Device
	RealDev *netdev.Device // the lower device doing the work (bonding); Dev otherwise
	Dir     Dir            // DirIn or DirOut
	Type    OffloadType
	// Handle is the driver's private data for the SA (offload_handle).
	Handle any
}

// DeviceOps is what a driver implements to take SAs (xfrmdev_ops with
// xdo_dev_state_add and xdo_dev_state_delete). The device's Driver value
// is asserted to it; the optional operations are separate interfaces.
type DeviceOps interface {
	// StateAdd installs the SA in the device; xo is its binding (the
	// driver may set xo.Handle). ErrNotSupported makes a crypto-mode
	// request fall back to software.
	StateAdd(xo *DevOffload) error
	// StateDelete removes the SA from the device's tables.
	StateDelete(xo *DevOffload)
}

// StateFreer releases a deleted SA's resources (xdo_dev_state_free).
type StateFreer interface{ StateFree(xo *DevOffload) }

// OffloadChecker vetoes offloading one packet (xdo_dev_offload_ok).
type OffloadChecker interface {
	OffloadOK(b *packet.Buffer, xo *DevOffload) bool
}

// ESNAdvancer is told when the ESN high half moves (xdo_dev_state_advance_esn);
// a device without it cannot take ESN SAs.
type ESNAdvancer interface{ AdvanceESN(xo *DevOffload) }

// StatsUpdater refreshes the SA's lifetime counters from the device
// (xdo_dev_state_update_stats), before they are read.
type StatsUpdater interface{ UpdateStats(xo *DevOffload) }

// PolicyOffloader takes packet-mode policies (xdo_dev_policy_add/delete/free).
type PolicyOffloader interface {
	PolicyAdd(po *PolicyOffload) error
	PolicyDelete(po *PolicyOffload)
	PolicyFree(po *PolicyOffload)
}

// XmitCrypter is implemented by drivers that run the ESP transform of an
// outbound crypto-offloaded packet themselves (the "hardware"). It owns b
// and returns nil when b is transformed in place, ErrInProgress when it
// will complete later through the stack's Resume, or another error (b is
// then still the caller's).
type XmitCrypter interface {
	XmitCrypto(d *netdev.Device, xo *DevOffload, b *packet.Buffer) error
}

// OffloadDescriber is implemented by drivers that say more about an SA's
// binding; `ip xfrm state` appends the text to the offload line (a
// softnet extension: Linux drivers have no such operation).
type OffloadDescriber interface {
	DescribeOffload(xo *DevOffload) string
}

// Errors of the offload API.
var (
	// ErrNotSupported is a driver's EOPNOTSUPP.
	ErrNotSupported = extack.Errno(syscall.EOPNOTSUPP)
	// ErrInProgress is a driver's asynchronous completion (-EINPROGRESS).
	ErrInProgress = errors.New("xfrm: offload in progress")
)

// OpsOf returns the device's offload operations, or nil.
func OpsOf(d *netdev.Device) DeviceOps {
	if d == nil || d.Driver == nil {
		return nil
	}
	ops, _ := d.Driver.(DeviceOps)
	return ops
}

// Offload returns the SA's device binding, or nil when the SA is handled
// in software.
func (x *State) Offload() *DevOffload { return x.xso.Load() }

// CheckDeviceAPI is xfrm_api_check: features f of d must agree with its
// driver's operations.
func CheckDeviceAPI(d *netdev.Device, f netdev.Features) error {
	if f&netdev.FeatHWESPTxCsum != 0 && f&netdev.FeatHWESP == 0 {
		return extack.New(syscall.EINVAL, "esp-tx-csum-hw-offload requires esp-hw-offload")
	}
	if f&netdev.FeatHWESP != 0 && OpsOf(d) == nil {
		return extack.New(syscall.EINVAL, "esp-hw-offload requires xfrm state offload operations")
	}
	return nil
}

// SetFeatures changes d's features after CheckDeviceAPI approves (the
// FEAT_CHANGE check; netdev cannot veto FEAT_CHANGE itself). Turning
// esp-hw-offload off flushes the device's SAs, as Linux does on DOWN.
func SetFeatures(d *netdev.Device, f netdev.Features) error {
	if err := CheckDeviceAPI(d, f); err != nil {
		return err
	}
	old := d.Features()
	d.SetFeatures(f)
	if old&netdev.FeatHWESP != 0 && f&netdev.FeatHWESP == 0 {
		DevFlush(d)
	}
	return nil
}

func init() {
	netdev.RegisterNotifier(0, func(ev netdev.Event, d *netdev.Device) error {
		switch ev {
		case netdev.EventRegister, netdev.EventFeatChange:
			return CheckDeviceAPI(d, d.Features())
		case netdev.EventDown, netdev.EventUnregister:
			if d.Features()&netdev.FeatHWESP != 0 || OpsOf(d) != nil {
				DevFlush(d)
			}
		}
		return nil
	})
}

// offloadRouter resolves the device of an offload request without `dev`
// (the route to the peer); installed by xfrm/stack, which knows inet.
var offloadRouter func(ns *netdev.Namespace, x *State, inbound bool) *netdev.Device

// SetOffloadRouter installs the route lookup DevStateAdd uses when the
// request names no existing device.
func SetOffloadRouter(f func(ns *netdev.Namespace, x *State, inbound bool) *netdev.Device) {
	offloadRouter = f
}

// DevStateAdd binds x to the device req names, as xfrm_dev_state_add,
// with its checks in the kernel's order and words: flags, direction,
// if_id on the receive side, TFC padding; then the device (the route to
// the peer when req names none); a device without offload operations
// leaves a crypto-offload SA in software and refuses a packet-offload one
// (EINVAL, no message); crypto offload of an ESN SA needs advance-ESN;
// the SA's type must support offload (ESP); last the driver, whose
// EOPNOTSUPP leaves a crypto-offload SA in software.
// A nil error with x.Offload() nil means the SA stays in software.
func DevStateAdd(ns *netdev.Namespace, x *State, req *Offload) error {
	c := x.Cfg()
	inbound := req.Dir == DirIn
	packetMode := req.Packet
	switch {
	case req.Unknown != 0:
		return extack.New(syscall.EINVAL, "Unrecognized flags in offload request")
	case (inbound && c.Dir == DirOut) || (!inbound && c.Dir == DirIn):
		return extack.New(syscall.EINVAL, "Mismatched SA and offload direction")
	case inbound && c.IfID != 0:
		return extack.New(syscall.EINVAL, "XFRM if_id is not supported in RX path")
	case c.TFCPad != 0:
		return extack.New(syscall.EINVAL, "TFC padding can't be offloaded")
	}
	dev := ns.Device(req.Ifindex)
	if dev == nil && offloadRouter != nil {
		dev = offloadRouter(ns, x, inbound)
	}
	ops := OpsOf(dev)
	if dev == nil || ops == nil {
		if packetMode {
			return extack.Errno(syscall.EINVAL)
		}
		return nil
	}
	if !packetMode && c.Flags&FlagESN != 0 {
		if _, ok := ops.(ESNAdvancer); !ok {
			return extack.New(syscall.EINVAL, "Device doesn't support offload with ESN")
		}
	}
	if c.ID.Proto != ProtoESP {
		return extack.New(syscall.EINVAL, "Type doesn't support offload")
	}
	xo := &DevOffload{State: x, Dev: dev, RealDev: dev, Dir: DirOut, Type: OffloadCrypto}
	if inbound {
		xo.Dir = DirIn
	}
	if packetMode {
		xo.Type = OffloadPacket
	}
	if err := ops.StateAdd(xo); err != nil {
		if extack.ErrnoOf(err) == syscall.EOPNOTSUPP && !packetMode {
			return nil
		}
		if extack.MessageOf(err) == "" { // NL_SET_ERR_MSG_WEAK
			return extack.New(extack.ErrnoOf(err), "Device failed to offload this state")
		}
		return err
	}
	x.xso.Store(xo)
	return nil
}

// devStateDelete unbinds x from its device (xfrm_dev_state_delete then
// xfrm_dev_state_free); called when the SA leaves its table.
func (x *State) devStateDelete() {
	xo := x.xso.Swap(nil)
	if xo == nil {
		return
	}
	if ops := OpsOf(xo.Dev); ops != nil {
		ops.StateDelete(xo)
		if f, ok := ops.(StateFreer); ok {
			f.StateFree(xo)
		}
	}
}

// AdvanceESN tells the device the SA's ESN high half moved; InputDone
// calls it when the input replay window's high half advances
// (xfrm_replay_advance_esn's xfrm_dev_state_advance_esn).
func (x *State) AdvanceESN() {
	if xo := x.Offload(); xo != nil {
		if a, ok := OpsOf(xo.Dev).(ESNAdvancer); ok {
			a.AdvanceESN(xo)
		}
	}
}

// UpdateOffloadStats asks the device for the SA's current counters
// (xfrm_dev_state_update_stats). It is called where Linux calls it: before
// a state is copied out for `ip xfrm state get/list` (copy_to_user_state),
// by the lifetime timer (xfrm_timer_handler), and, for packet offload
// only, before the per-packet lifetime check (xfrm_state_check_expire).
func (x *State) UpdateOffloadStats() {
	if xo := x.Offload(); xo != nil {
		if u, ok := OpsOf(xo.Dev).(StatsUpdater); ok {
			u.UpdateStats(xo)
		}
	}
}

// updatePacketOffloadStats is xfrm_state_check_expire's refresh: only a
// packet-offload SA's lifetime counters live in the device.
func (x *State) updatePacketOffloadStats() {
	if xo := x.xso.Load(); xo != nil && xo.Type == OffloadPacket {
		x.UpdateOffloadStats()
	}
}

// PolicyOffload is a packet-mode policy's binding to a device (xdo).
type PolicyOffload struct {
	Policy *Policy
	Dev    *netdev.Device
	Dir    PolicyDir
	Handle any
}

var (
	polOffMu sync.Mutex
	polOff   = map[*Policy]*PolicyOffload{}
)

// DevPolicyAdd binds a packet-offload policy to dev (xfrm_dev_policy_add):
// a missing device is EINVAL without a message, a device without policy
// operations "Policy offload is not supported"; in, out and fwd policies
// are offloaded; the driver's error without a message becomes "Device
// failed to offload this policy".
func DevPolicyAdd(p *Policy, dev *netdev.Device) error {
	if dev == nil {
		return extack.Errno(syscall.EINVAL)
	}
	po, ok := OpsOf(dev).(PolicyOffloader)
	if !ok {
		return extack.New(syscall.EINVAL, "Policy offload is not supported")
	}
	dir := p.Cfg().Dir
	switch dir {
	case PolicyIn, PolicyOut, PolicyFwd:
	default:
		return extack.New(syscall.EINVAL, "Unrecognized offload direction")
	}
	b := &PolicyOffload{Policy: p, Dev: dev, Dir: dir}
	if err := po.PolicyAdd(b); err != nil {
		if extack.MessageOf(err) == "" {
			return extack.New(extack.ErrnoOf(err), "Device failed to offload this policy")
		}
		return err
	}
	polOffMu.Lock()
	polOff[p] = b
	polOffMu.Unlock()
	return nil
}

// DevPolicyDelete unbinds a policy from its device (delete then free).
func DevPolicyDelete(p *Policy) {
	polOffMu.Lock()
	b := polOff[p]
	delete(polOff, p)
	polOffMu.Unlock()
	if b == nil {
		return
	}
	if po, ok := OpsOf(b.Dev).(PolicyOffloader); ok {
		po.PolicyDelete(b)
		po.PolicyFree(b)
	}
}

// PolicyOffloadOf returns a policy's device binding, or nil.
func PolicyOffloadOf(p *Policy) *PolicyOffload {
	polOffMu.Lock()
	defer polOffMu.Unlock()
	return polOff[p]
}

// DevFlush deletes every SA and policy offloaded to d in d's namespace
// (xfrm_dev_state_flush and xfrm_dev_policy_flush on DOWN/UNREGISTER).
func DevFlush(d *netdev.Device) {
	ns := d.Namespace()
	if ns == nil {
		return
	}
	n := ForNamespace(ns)
	for _, x := range n.SAD.Dump() {
		if xo := x.Offload(); xo != nil && (xo.Dev == d || xo.RealDev == d) {
			_ = n.DeleteState(x)
		}
	}
	polOffMu.Lock()
	var ps []*Policy
	for p, b := range polOff {
		if b.Dev == d {
			ps = append(ps, p)
		}
	}
	polOffMu.Unlock()
	for _, p := range ps {
		DevPolicyDelete(p)
		_ = n.SPD.Delete(PolicyKey{Index: p.Index(), Dir: p.Cfg().Dir})
	}
}
