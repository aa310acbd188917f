package macvtap

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// The "tapguest" kind is a virtual NIC wired to one queue of a macvtap,
// standing in for a virtual machine's virtio-net device: what the NIC
// transmits is written to the queue, what the queue holds is received by
// the NIC, on the world's loop. Created next to the macvtap and then
// moved into its own namespace, it gives a lab a "guest" with a full
// network stack (ARP, ping) behind a macvtap:
//
//	ip link add link eth0 name macvtap0 type macvtap mode bridge
//	ip link set macvtap0 up
//	ip link add name vm0 link macvtap0 type tapguest
//	ip link set vm0 netns vm
//
// The NIC takes the macvtap's MAC address, as a hypervisor configures
// its guest. It has no Linux counterpart (Linux's is QEMU).
type guestKind struct{}

// GuestInfo is the tapguest kind's ip -d link data.
type GuestInfo struct {
	// Tap is the tap endpoint's name ("tap3"), or "" once detached.
	Tap string `json:"tap"`
}

type guest struct {
	dev *netdev.Device
	q   atomic.Pointer[Queue]
	tap string

	mu        sync.Mutex
	scheduled bool
}

func init() { netdev.RegisterKind(guestKind{}) }

func (guestKind) Name() string { return "tapguest" }

func (guestKind) Setup(d *netdev.Device) {
	d.Type = netdev.ARPHRDEther
	d.HardHeaderLen = netdev.EthHeaderLen
	d.AddrLen = 6
	d.SetBroadcastAddr([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	d.MinMTU, d.MaxMTU = 68, 65535
	d.NoQueue = true
	d.InitFlags(netdev.FlagBroadcast | netdev.FlagMulticast)
	d.DefaultName = "guest%d"
	d.Priv = &guest{dev: d}
	d.Driver = guestDriver{}
}

// NewLink opens a queue on the macvtap named by link (IFLA_LINK).
func (guestKind) NewLink(ns *netdev.Namespace, d *netdev.Device, req *netdev.LinkRequest) error {
	if req.Link == "" {
		return extack.New(syscall.EINVAL, "tapguest needs a macvtap: link DEV")
	}
	td := ns.DeviceByName(req.Link)
	if td == nil {
		return extack.Errno(syscall.ENODEV)
	}
	t := TapOf(td)
	if t == nil {
		return extack.New(syscall.EINVAL, "link device is not a macvtap")
	}
	q, err := openLocked(t)
	if err != nil {
		return extack.Errno(err.(syscall.Errno))
	}
	g := d.Priv.(*guest)
	q.flags.Store(uint32(IffTAP | IffNoPI))
	q.mu.Lock()
	q.onReady = g.schedule
	q.onDetach = func() { g.dev.SetCarrier(false) }
	q.mu.Unlock()
	g.q.Store(q)
	g.tap = t.Name()
	if req.Address == nil {
		d.SetHardwareAddr(td.HardwareAddr())
	}
	if req.MTU == nil {
		d.InitMTU(td.MTU())
	}
	d.InitCarrier(true)
	return nil
}

// DelLink closes the queue.
func (guestKind) DelLink(d *netdev.Device) {
	if q := d.Priv.(*guest).q.Swap(nil); q != nil {
		q.closeLocked()
	}
}

// LinkInfo implements netdev.InfoFiller.
func (guestKind) LinkInfo(d *netdev.Device) any {
	g := d.Priv.(*guest)
	info := &GuestInfo{}
	if q := g.q.Load(); q != nil && q.tap.Load() != nil {
		info.Tap = g.tap
	}
	return info
}

// schedule arranges for the queue to be drained on the guest's loop.
func (g *guest) schedule() {
	g.mu.Lock()
	if g.scheduled {
		g.mu.Unlock()
		return
	}
	g.scheduled = true
	g.mu.Unlock()
	ns := g.dev.Namespace()
	if ns == nil {
		return
	}
	ns.World().Loop().AfterFunc(0, g.drain)
}

// drain receives every queued frame on the guest NIC.
func (g *guest) drain() {
	g.mu.Lock()
	g.scheduled = false
	g.mu.Unlock()
	q := g.q.Load()
	if q == nil {
		return
	}
	for b := q.pop(); b != nil; b = q.pop() {
		n := b.Len()
		b.Csum = packet.Csum{} // the queue completed partial checksums
		b.GSO = packet.GSO{}
		b.Hash = 0
		if !g.dev.IsUp() {
			g.dev.DropRx(b, netdev.DropDevReady)
			continue
		}
		if !netdev.EthTypeTrans(g.dev, b) {
			continue
		}
		g.dev.Stats.CountRx(n)
		g.dev.Namespace().World().Loop().NetifRx(g.dev, b)
	}
}

type guestDriver struct{}

// Xmit writes the frame into the queue, as a hypervisor does with what
// its guest sends.
func (guestDriver) Xmit(d *netdev.Device, b *packet.Buffer) {
	g := d.Priv.(*guest)
	q := g.q.Load()
	if q == nil || b.Len() < ethHLen {
		d.DropTx(b, netdev.DropDevReady)
		return
	}
	t := q.tap.Load()
	if t == nil {
		d.DropTx(b, netdev.DropNoCarrier)
		return
	}
	n := b.Len()
	netdev.Scrub(b, true)
	b.XmitDepth = 0
	b.Hash = 0
	b.SetMACHeader()
	b.SetNetworkHeader(ethHLen)
	b.Protocol = binary.BigEndian.Uint16(b.Bytes()[12:14])
	d.Stats.CountTx(n)
	t.dev.Transmit(b)
}
