package stack

import (
	"sync"

	"github.com/softnet/softnet/gso"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/esp"
	"github.com/softnet/softnet/xfrm/internal/mode"
)

// Drop reasons of the offload transmit path.
var (
	DropOffloadDev = netdev.RegisterDropReason("XFRM_OFFLOAD_WRONG_DEV")
	DropOffload    = netdev.RegisterDropReason("XFRM_OFFLOAD_ERROR")
)

func init() {
	// Unregistering a device drops what waits on its backlog.
	netdev.RegisterNotifier(0, func(ev netdev.Event, d *netdev.Device) error {
		if ev == netdev.EventUnregister {
			PurgeBacklog(d)
		}
		return nil
	})
	xfrm.SetOffloadRouter(func(ns *netdev.Namespace, x *xfrm.State, inbound bool) *netdev.Device {
		c := x.Cfg()
		src, dst := c.Saddr, c.ID.Daddr
		if inbound {
			src, dst = dst, src
		}
		d, err := inet.OutputLookup(ns, inet.Flow{Dst: dst, Src: src, Mark: c.ApplyOutputMark(0)})
		if err != nil || d == nil {
			return nil
		}
		return d.Dev
	})
}

// prepOffload is the offload branch of xfrm_output: when the bundle is one
// offloaded SA leaving through its device and the packet passes
// offload-ok, the packet is left for the device's transform, marked with
// the SA's binding in SecPath. Tunnel and BEET modes get a provisional
// outer header so the packet is routed as the ESP packet will be; the
// device replaces it. It reports whether it took b (then sent).
func prepOffload(ns *netdev.Namespace, n *xfrm.Net, b *packet.Buffer, dst *inet.Dst, xs []*xfrm.State) bool {
	if len(xs) != 1 {
		return false
	}
	x := xs[0]
	xo := x.Offload()
	if xo == nil || xo.Dir != xfrm.DirOut {
		return false
	}
	c := x.Cfg()
	if c.Mode == xfrm.ModeTunnel || c.Mode == xfrm.ModeBEET {
		outer, err := inet.OutputLookup(ns, inet.Flow{Dst: c.ID.Daddr, Src: c.Saddr, Mark: c.ApplyOutputMark(b.Mark)})
		if err != nil {
			return false
		}
		dst = outer
	}
	if !OffloadOK(b, x, dst) {
		if xo.Type == xfrm.OffloadPacket {
			n.MIB.Inc(xfrm.OutError)
			dropOn(dst.Dev, b, DropOffload)
			return true
		}
		return false
	}
	if c.Mode == xfrm.ModeTunnel || c.Mode == xfrm.ModeBEET {
		in, ok := mode.Inspect(b.Bytes())
		if !ok || !b.Reserve(mode.OuterLen(c.Family), 0) {
			return false
		}
		mode.PushOuter(x, b, in, uint8(xfrm.ProtoESP), 64)
	}
	b.Mark = c.ApplyOutputMark(b.Mark)
	b.SecPath = xo
	b.Dst = transformed
	_ = inet.LocalOut(ns, b, dst)
	return true
}

// OffloadOK is xfrm_dev_offload_ok: ESP without NAT-T, no nested
// transform, the route's device is the SA's, the packet fits the state's
// MTU (or is a GSO packet whose segments will), no IPv4 options or IPv6
// extension headers, then the driver's own check.
func OffloadOK(b *packet.Buffer, x *xfrm.State, dst *inet.Dst) bool {
	xo := x.Offload()
	c := x.Cfg()
	if xo == nil || c.Encap != nil || dst == nil || dst.Dev != xo.Dev {
		return false
	}
	mtu := esp.StateMTU(x, mtuOf(dst, x))
	if b.Len() > mtu && !(b.GSO.Size != 0 && int(b.GSO.Size)+headerRoom(b) <= mtu) {
		return false
	}
	if hasExtHeaders(b.Bytes()) {
		return false
	}
	if chk, ok := xfrm.OpsOf(xo.Dev).(xfrm.OffloadChecker); ok {
		return chk.OffloadOK(b, xo)
	}
	return true
}

func headerRoom(b *packet.Buffer) int {
	p := b.Bytes()
	if len(p) > 0 && p[0]>>4 == 6 {
		return 40 + 20
	}
	return 20 + 20
}

// hasExtHeaders reports IPv4 options or an IPv6 next header other than
// TCP, UDP, ICMPv6, IPIP or IPv6.
func hasExtHeaders(p []byte) bool {
	if len(p) == 0 {
		return true
	}
	switch p[0] >> 4 {
	case 4:
		return p[0]&0x0f != 5
	case 6:
		if len(p) < 40 {
			return true
		}
		switch p[6] {
		case 6, 17, 58, 4, 41, 1:
			return false
		}
		return true
	}
	return true
}

// ValidateXmit is validate_xmit_xfrm, which every offload-capable driver
// calls first in its Xmit, passing its wire transmit as out: packets
// without a pending offload go to out untouched; pending ones are
// transformed (by the driver's XmitCrypter on the SA's own device with
// esp-hw-offload, else in software) and then go to out. A GSO
// super-packet that was rerouted, or whose segments would wrap the
// sequence number, is segmented first with the offload stripped. A
// packet-offload SA on another device is dropped (tx_dropped); transform
// errors count XfrmOutStateProtoError. An asynchronous XmitCrypter keeps
// the packet and completes through FinishAsync. A GSO packet on its own
// device, which encrypts but has no tx-esp-segmentation, is segmented and
// each segment offloaded (esp4_gso_segment keeping the offload).
func ValidateXmit(d *netdev.Device, b *packet.Buffer, out func(*packet.Buffer)) {
	xo, pending := b.SecPath.(*xfrm.DevOffload)
	if !pending {
		out(b)
		return
	}
	x := xo.State
	own := xo.Dev == d || xo.RealDev == d
	if xo.Type == xfrm.OffloadPacket && !own {
		d.DropTx(b, DropOffloadDev)
		return
	}
	linkLen, ok := b.NetworkOffset()
	if !ok || linkLen < 0 || linkLen > b.Len() || linkLen > maxLinkLen {
		linkLen = 0
	}
	// The device cb: the link header is kept aside while the transform
	// pushes the outer headers over its bytes.
	copy(b.Scratch[:], b.Bytes()[:linkLen])
	b.Scratch[len(b.Scratch)-1] = byte(linkLen)
	b.Pull(linkLen)
	c := x.Cfg()
	if c.Mode == xfrm.ModeTunnel || c.Mode == xfrm.ModeBEET {
		b.Pull(mode.OuterLen(c.Family))
	}
	b.SetNetworkHeader(0)
	b.SecPath = nil
	hw := own && d.Features()&netdev.FeatHWESP != 0
	cr, _ := xfrm.OpsOf(d).(xfrm.XmitCrypter)
	switch {
	case b.GSO.Size != 0 && (!hw || seqWouldWrap(x, b)):
		// Rerouted, or the segments would wrap the sequence number:
		// segment with esp-hw-offload stripped, ESP in software.
		segment(d, x, b, func(s *packet.Buffer) { softXmit(d, x, s, linkLen, out) })
	case b.GSO.Size != 0 && d.Features()&netdev.FeatGSOESP == 0:
		// The device encrypts but cannot segment ESP: segment first,
		// each segment still offloaded.
		segment(d, x, b, func(s *packet.Buffer) { hwXmit(d, cr, xo, s, linkLen, out) })
	default:
		hwXmit(d, cr, xo, b, linkLen, out)
	}
}

// segment splits the GSO packet b, handing each segment to emit; a
// malformed packet counts XfrmOutStateProtoError and tx_dropped.
func segment(d *netdev.Device, x *xfrm.State, b *packet.Buffer, emit func(*packet.Buffer)) {
	if err := gso.Segment(b, emit); err != nil { // Segment freed b
		x.MIB().Inc(xfrm.OutStateProtoError)
		d.Stats.TxDropped.Add(1)
	}
}

// hwXmit hands b to the device's transform (cr nil: software).
func hwXmit(d *netdev.Device, cr xfrm.XmitCrypter, xo *xfrm.DevOffload, b *packet.Buffer, linkLen int, out func(*packet.Buffer)) {
	x := xo.State
	if cr == nil || xo.Dev != d && xo.RealDev != d || d.Features()&netdev.FeatHWESP == 0 {
		softXmit(d, x, b, linkLen, out)
		return
	}
	switch err := cr.XmitCrypto(d, xo, b); err {
	case nil:
		out(finishXmit(b, linkLen))
	case xfrm.ErrInProgress:
	default:
		x.MIB().Inc(xfrm.OutStateProtoError)
		d.DropTx(b, DropOffload)
	}
}

// softXmit is the software fallback of the device transform.
func softXmit(d *netdev.Device, x *xfrm.State, b *packet.Buffer, linkLen int, out func(*packet.Buffer)) {
	b.GSO = packet.GSO{}
	if err := esp.Output(x, b, &esp.Params{TTL: 64}); err != nil {
		x.MIB().Inc(xfrm.OutStateProtoError)
		d.DropTx(b, DropOffload)
		return
	}
	out(finishXmit(b, linkLen))
}

func seqWouldWrap(x *xfrm.State, b *packet.Buffer) bool {
	if x.Cfg().Flags&xfrm.FlagESN != 0 {
		return false
	}
	r := x.ReplaySnapshot()
	segs := uint32(1)
	if b.GSO.Size != 0 {
		segs = uint32(b.Len()/int(b.GSO.Size)) + 1
	}
	return r.OSeq+segs < r.OSeq
}

// finishXmit puts back the link-layer header in front of the ESP packet
// (the ethertype follows the outer family).
func finishXmit(b *packet.Buffer, linkLen int) *packet.Buffer {
	b.SetNetworkHeader(0)
	if linkLen == 0 || !b.Reserve(linkLen, 0) {
		return b
	}
	h := b.Push(linkLen)
	copy(h, b.Scratch[:linkLen])
	if linkLen >= 14 {
		et := uint16(0x0800)
		if p := b.Bytes()[linkLen:]; len(p) > 0 && p[0]>>4 == 6 {
			et = 0x86dd
		}
		h[linkLen-2], h[linkLen-1] = byte(et>>8), byte(et)
	}
	b.SetMACHeader()
	b.SetNetworkHeader(linkLen)
	return b
}

// FinishAsync completes an asynchronous XmitCrypto: err nil means b holds
// the ESP packet from its IP header, and it resumes towards the driver
// (Resume); an error drops it with XfrmOutStateProtoError.
// XmitCrypter got b at its IP header; the link header ValidateXmit set
// aside in b.Scratch is put back.
func FinishAsync(d *netdev.Device, x *xfrm.State, b *packet.Buffer, err error) {
	linkLen := int(b.Scratch[len(b.Scratch)-1])
	if err != nil {
		x.MIB().Inc(xfrm.OutStateProtoError)
		d.DropTx(b, DropOffload)
		return
	}
	Resume(d, finishXmit(b, linkLen))
}

const maxLinkLen = 32

// Busy is implemented by drivers that can refuse packets for a while
// (a stopped transmit queue); Resume then queues on the backlog.
type Busy interface{ Busy(d *netdev.Device) bool }

type backlog struct {
	mu       sync.Mutex
	q        []*packet.Buffer
	dead     bool // purged: the device is gone, late packets are dropped
	draining bool // DrainBacklog is sending: later packets queue behind
}

var backlogs sync.Map // *netdev.Device → *backlog

func backlogOf(d *netdev.Device) *backlog {
	if v, ok := backlogs.Load(d); ok {
		return v.(*backlog)
	}
	v, _ := backlogs.LoadOrStore(d, &backlog{})
	return v.(*backlog)
}

// Resume is xfrm_dev_resume: a packet whose transform completed
// asynchronously goes to the driver, unless the device is busy or
// packets wait before it, in which case it joins the device's backlog.
//
// A packet completing after its device was unregistered is dropped
// (the backlog was purged; nothing waits on a dead device).
func Resume(d *netdev.Device, b *packet.Buffer) {
	if d.IsDead() {
		d.DropTx(b, netdev.DropDevReady)
		return
	}
	bl := backlogOf(d)
	bl.mu.Lock()
	if bl.dead {
		bl.mu.Unlock()
		d.DropTx(b, netdev.DropDevReady)
		return
	}
	if len(bl.q) > 0 || bl.draining || isBusy(d) {
		bl.q = append(bl.q, b)
		bl.mu.Unlock()
		return
	}
	bl.mu.Unlock()
	d.XmitDirect(b)
}

func isBusy(d *netdev.Device) bool {
	bz, ok := d.Driver.(Busy)
	return ok && bz.Busy(d)
}

// DrainBacklog is xfrm_dev_backlog: the driver calls it when it can
// transmit again; waiting packets go out in order until it is busy.
//
// One drainer runs at a time; while it sends, Resume queues behind it, so
// a packet completing meanwhile cannot overtake an older one.
func DrainBacklog(d *netdev.Device) {
	bl := backlogOf(d)
	bl.mu.Lock()
	if bl.draining {
		bl.mu.Unlock()
		return
	}
	bl.draining = true
	bl.mu.Unlock()
	for {
		bl.mu.Lock()
		if len(bl.q) == 0 || isBusy(d) {
			bl.draining = false
			bl.mu.Unlock()
			return
		}
		b := bl.q[0]
		bl.q[0] = nil
		bl.q = bl.q[1:]
		bl.mu.Unlock()
		d.XmitDirect(b)
	}
}

// BacklogLen returns the number of packets waiting on d's backlog.
func BacklogLen(d *netdev.Device) int {
	bl := backlogOf(d)
	bl.mu.Lock()
	defer bl.mu.Unlock()
	return len(bl.q)
}

// PurgeBacklog frees d's waiting packets as dropped (device removal).
func PurgeBacklog(d *netdev.Device) {
	v, ok := backlogs.LoadAndDelete(d)
	if !ok {
		return
	}
	bl := v.(*backlog)
	bl.mu.Lock()
	q := bl.q
	bl.q, bl.dead = nil, true
	bl.mu.Unlock()
	for _, b := range q {
		d.DropTx(b, netdev.DropDevReady)
	}
}

// OffloadReceive hands up a packet whose ESP the device already opened
// for an inbound offloaded SA (crypto done): b holds the ESP packet from
// its IP header; the SA's checks and decapsulation run without
// decryption twice, the SA goes in the SecPath, and the inner packet is
// received on d. It reports false (b dropped) on failure.
func OffloadReceive(d *netdev.Device, x *xfrm.State, b *packet.Buffer) bool {
	if err := esp.Input(x, b); err != nil {
		d.DropRx(b, DropOffload)
		return false
	}
	sp, _ := xfrm.AppendSecPath(b.SecPath, x)
	b.SecPath = sp
	mode.SetProtocol(b, ipFamily(b.Bytes()))
	d.Receive(b)
	return true
}

func ipFamily(p []byte) int {
	if len(p) > 0 && p[0]>>4 == 6 {
		return 6
	}
	return 4
}
