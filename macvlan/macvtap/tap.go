package macvtap

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/softnet/softnet/gso"
	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Drop reasons of the tap path (Linux's names).
var (
	DropFullRing = netdev.RegisterDropReason("FULL_RING")   // the queue's ring was full
	DropCsum     = netdev.RegisterDropReason("SKB_CSUM")    // checksum could not be completed
	DropGSOSeg   = netdev.RegisterDropReason("SKB_GSO_SEG") // segmentation failed
)

// Tap is a macvtap device's tap endpoint (struct tap_dev): its queues
// and the offloads its readers accept. Membership changes hold the
// world's RTNL; the receive path reads a published snapshot.
type Tap struct {
	dev *netdev.Device

	// Guarded by the RTNL.
	queues []*Queue // every attached queue (numqueues)
	on     []*Queue // enabled queues in index order (taps[], numvtaps)

	enabled     atomic.Pointer[[]*Queue]
	tapFeatures atomic.Uint64 // netdev.Features the readers accept (tap_features)
}

// tunOffloads are the features a tap starts with (TUN_OFFLOADS).
const tunOffloads = netdev.FeatHWCsum | netdev.FeatTSOECN | netdev.FeatTSO | netdev.FeatTSO6

// Name returns the tap endpoint's name, "tap<ifindex>" (/dev/tapN).
func (t *Tap) Name() string { return fmt.Sprintf("tap%d", t.dev.Index()) }

// Device returns the macvtap device.
func (t *Tap) Device() *netdev.Device { return t.dev }

// NumQueues returns the number of attached queues and of enabled ones.
func (t *Tap) NumQueues() (attached, enabled int) {
	return len(t.snapshotAll()), len(*t.enabled.Load())
}

func (t *Tap) snapshotAll() []*Queue {
	w := t.dev.Namespace().World()
	w.Lock()
	defer w.Unlock()
	return slices.Clone(t.queues)
}

func (t *Tap) publish() {
	on := slices.Clone(t.on)
	t.enabled.Store(&on)
}

// TapOf returns the tap endpoint of a macvtap device, or nil.
func TapOf(d *netdev.Device) *Tap {
	if v := macvlan.Of(d); v != nil {
		t, _ := v.Ext.(*Tap)
		return t
	}
	return nil
}

// Lookup finds a tap endpoint by its name ("tap12") in a namespace, the
// way a hypervisor opens /dev/tap12.
func Lookup(ns *netdev.Namespace, name string) *Tap {
	var idx int32
	if _, err := fmt.Sscanf(name, "tap%d", &idx); err != nil {
		return nil
	}
	return TapOf(ns.Device(idx))
}

// ext plugs the tap into the macvlan kind (macvtap_newlink/dellink).
type ext struct{}

func init() { netdev.RegisterKind(macvlan.NewKind("macvtap", ext{})) }

func (ext) Setup(d *netdev.Device) {
	d.DefaultName = "macvtap%d"
	d.InitTxQueueLen(DefaultQueueLen)
	d.NoQueue = false // a macvtap gets the default qdisc (Linux shows fq_codel)
}

func (ext) NewLink(d *netdev.Device) error {
	t := &Tap{dev: d}
	t.tapFeatures.Store(uint64(tunOffloads))
	t.publish()
	macvlan.Of(d).Ext = t
	return d.SetRxHandler(t)
}

// DelLink detaches every queue and wakes their readers (tap_del_queues).
func (ext) DelLink(d *netdev.Device) {
	t := TapOf(d)
	if t == nil {
		return
	}
	d.ClearRxHandler()
	for _, q := range t.queues {
		q.detach()
	}
	t.queues, t.on = nil, nil
	t.publish()
}

var _ netdev.RxHandler = (*Tap)(nil)

// HandleRx takes every frame the macvtap device receives into a queue
// (tap_handle_frame). The data starts at the network header.
func (t *Tap) HandleRx(d *netdev.Device, b *packet.Buffer) (netdev.RxResult, *netdev.Device) {
	if off, ok := b.MACOffset(); ok && off < 0 {
		b.Push(-off)
	}
	qs := *t.enabled.Load()
	q := selectQueue(qs, flowHash(b), b.RxQueue)
	if q == nil {
		d.DropRx(b, netdev.DropDevReady)
		return netdev.RxConsumed, nil
	}
	feat := tapBaseFeatures
	if q.flags.Load()&uint32(IffVnetHdr) != 0 {
		feat |= netdev.Features(t.tapFeatures.Load())
	}
	if needsGSO(b, feat) {
		if err := gso.Segment(b, func(s *packet.Buffer) { q.produce(d, s) }); err != nil {
			d.Stats.RxDropped.Add(1)
			d.Drops.Add(DropGSOSeg)
		}
		return netdev.RxConsumed, nil
	}
	if b.Csum.Mode == packet.CsumPartial && feat&netdev.FeatHWCsum == 0 {
		if err := gso.Checksum(b); err != nil {
			d.DropRx(b, DropCsum)
			return netdev.RxConsumed, nil
		}
	}
	q.produce(d, b)
	return netdev.RxConsumed, nil
}

// tapBaseFeatures are what every reader takes (TAP_FEATURES): no
// checksum or segmentation offload.
const tapBaseFeatures = netdev.FeatSG | netdev.FeatFragList

// needsGSO reports whether b is a GSO frame the reader's features cannot
// take (netif_needs_gso; the dodgy bit is ignored, as the segmenters only
// recount segments for trusted devices).
func needsGSO(b *packet.Buffer, f netdev.Features) bool {
	if b.GSO.Size == 0 {
		return false
	}
	t := b.GSO.Type
	switch {
	case t&packet.GSOTCPv4 != 0 && f&netdev.FeatTSO == 0,
		t&packet.GSOTCPv6 != 0 && f&netdev.FeatTSO6 == 0,
		t&packet.GSOTCPECN != 0 && f&netdev.FeatTSOECN == 0,
		t&packet.GSOUDPL4 != 0 && f&netdev.FeatGSOUDPL4 == 0:
		return true
	}
	return t&(packet.GSOIPIP|packet.GSOESP|packet.GSOUDPTunnel) != 0
}

// selectQueue picks a queue for a frame (tap_get_queue): by flow hash,
// else by the recorded rx queue (rxq is the queue plus one, 0 = none),
// else queue 0.
func selectQueue(qs []*Queue, hash uint32, rxq uint16) *Queue {
	n := uint32(len(qs))
	switch {
	case n == 0:
		return nil
	case n == 1:
		return qs[0]
	case hash != 0:
		return qs[hash%n]
	case rxq != 0:
		r := uint32(rxq - 1)
		for r >= n {
			r -= n
		}
		return qs[r]
	}
	return qs[0]
}
