package netdev

import (
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/packet"
)

// VethPeer is the veth kind's data: the peer end (ip link add … type veth
// peer name NAME [netns NS] [address A] [mtu M]…).
type VethPeer struct {
	Peer LinkRequest `json:"peer"`
}

// vethKind is veth: a pair of Ethernet devices, each one's transmit the
// other's receive (drivers/net/veth.c). The peer may live in another
// namespace.
type vethKind struct{}

type veth struct {
	peer atomic.Pointer[Device]
}

func (vethKind) Name() string { return "veth" }

// NewData implements DataMaker.
func (vethKind) NewData() any { return &VethPeer{} }

func (vethKind) Setup(d *Device) {
	d.Type = ARPHRDEther
	d.HardHeaderLen = EthHeaderLen
	d.AddrLen = 6
	d.setAddrs(nil, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	d.MinMTU, d.MaxMTU = 68, 65535
	d.TSOMaxSize = GSOMaxSizeBig
	d.NoQueue = true
	d.flags.Store(uint32(FlagBroadcast | FlagMulticast))
	d.InitFeatures(FeatSG|FeatFragList|FeatHighDMA|FeatLLTX|FeatHWCsum|FeatRxCsum|FeatGSOMask|FeatVLANTx|FeatVLANRx,
		FeatSG|FeatHWCsum|FeatGSOMask|FeatGRO|FeatRxCsum)
	d.DefaultName = "veth%d"
	d.InitCarrier(false)
	d.Priv = &veth{}
	d.Driver = vethDriver{}
}

func (vethKind) NewLink(ns *Namespace, d *Device, req *LinkRequest) error {
	var preq LinkRequest
	if p, ok := req.Data.(*VethPeer); ok && p != nil {
		preq = p.Peer
	} else if req.Data != nil {
		return extack.Errno(syscall.EINVAL)
	}
	pns := ns
	if preq.NetNS != "" {
		if pns = ns.world.Namespace(preq.NetNS); pns == nil {
			return extack.Errorf(syscall.EINVAL, "Invalid \"netns\" value")
		}
	}
	if preq.Name != "" && pns.DeviceByName(preq.Name) != nil {
		return extack.Errno(syscall.EEXIST)
	}
	peer := NewDevice(vethKind{})
	if err := applyInitAttrs(peer, &preq); err != nil {
		return err
	}
	if req.Name != "" && pns == ns && req.Name == preq.Name {
		return extack.Errno(syscall.EEXIST)
	}
	if err := pns.RegisterLocked(peer, preq.Name); err != nil {
		return err
	}
	if err := ns.RegisterLocked(d, req.Name); err != nil {
		pns.UnregisterLocked(peer)
		return err
	}
	d.Priv.(*veth).peer.Store(peer)
	peer.Priv.(*veth).peer.Store(d)
	return nil
}

// DelLink removes both ends.
func (vethKind) DelLink(d *Device) {
	v := d.Priv.(*veth)
	peer := v.peer.Swap(nil)
	if peer == nil {
		return
	}
	peer.Priv.(*veth).peer.Store(nil)
	if pns := peer.Namespace(); pns != nil {
		pns.UnregisterLocked(peer)
	}
}

// VethPeerOf returns the other end of a veth, or nil.
func VethPeerOf(d *Device) *Device {
	if v, ok := d.Priv.(*veth); ok {
		return v.peer.Load()
	}
	return nil
}

type vethDriver struct{}

func (vethDriver) Iflink(d *Device) int32 {
	if p := VethPeerOf(d); p != nil {
		return p.Index()
	}
	return 0
}

func (vethDriver) Open(d *Device) error {
	if p := VethPeerOf(d); p != nil && p.IsUp() {
		d.SetCarrier(true)
		p.SetCarrier(true)
	}
	return nil
}

func (vethDriver) Stop(d *Device) {
	d.SetCarrier(false)
	if p := VethPeerOf(d); p != nil {
		p.SetCarrier(false)
	}
}

// Xmit forwards the frame to the peer's receive path through the backlog
// (veth_xmit → __dev_forward_skb → netif_rx), scrubbing it and counting
// both ends.
func (vethDriver) Xmit(d *Device, b *packet.Buffer) {
	p := VethPeerOf(d)
	if p == nil || !p.IsUp() || p.IsDead() {
		d.DropTx(b, DropDevReady)
		return
	}
	n := b.Len()
	if n > int(p.MTU())+int(p.HardHeaderLen)+4 && b.GSO.Size == 0 {
		d.DropTx(b, DropPktTooBig)
		return
	}
	scrub(b, d.Namespace() != p.Namespace())
	if !EthTypeTrans(p, b) {
		return
	}
	d.Stats.CountTx(n)
	p.Stats.CountRx(n)
	if b.PktType == packet.PacketMulticast || b.PktType == packet.PacketBroadcast {
		p.Stats.Multicast.Add(1)
	}
	p.Namespace().world.loop.NetifRx(p, b)
}

// scrub clears what must not cross a device boundary (skb_scrub_packet);
// xnet also clears what must not cross namespaces.
func scrub(b *packet.Buffer, xnet bool) {
	b.Dst = nil
	b.SecPath = nil
	b.Tunnel = packet.TunnelInfo{}
	b.PktType = packet.PacketHost
	b.AtIngress, b.FromIngress = false, false
	if xnet {
		b.Mark = 0
		b.Priority = 0
	}
}

// Scrub is skb_scrub_packet for other packages (tunnels, mirred).
func Scrub(b *packet.Buffer, xnet bool) { scrub(b, xnet) }
