package hostlink

import (
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// TunData is the kind data of host-tun and host-tap:
//
//	ip link add NAME type host-tap [host-name HOSTNAME] [queues N] [vnet_hdr on|off]
//	ip link add NAME type host-tun [host-name HOSTNAME] [queues N] [vnet_hdr on|off]
type TunData struct {
	// HostName is the host interface to create or attach to; empty lets
	// the kernel pick (tapN, tunN).
	HostName string `json:"host_name,omitempty"`
	// Queues is the number of queues (IFF_MULTI_QUEUE when > 1); 0 is 1.
	Queues uint32 `json:"queues,omitempty"`
	// VnetHdr turns virtio_net_hdr framing and offloads (TSO, USO, checksum)
	// on or off; nil means on.
	VnetHdr *bool `json:"vnet_hdr,omitempty"`
}

// TunInfo is what ip -d link shows of a host-tun/host-tap device.
type TunInfo struct {
	HostName string `json:"host_name"`
	Queues   int    `json:"queues"`
	VnetHdr  bool   `json:"vnet_hdr"`
	Offload  uint32 `json:"offload"` // TUN_F_* granted by the host
	// GROFrames counts frames written that coalesced several TCP
	// segments (TSO) or UDP datagrams (USO) given during a receive burst.
	GROFrames uint64 `json:"gro_frames"`
}

// tunKind is host-tun (tap false) or host-tap.
type tunKind struct{ tap bool }

// tunDev is a softnet device bound to a host TUN/TAP device: the host's
// transmit is softnet's receive and softnet's transmit is the host's
// receive.
type tunDev struct {
	host
	queues []*sys.Conn
	tap    bool
	nh     int // network header offset in a frame
	vnet   int // virtio_net_hdr length, 0 without
	cfg    TunData
	// offload is the TUN_F_* set the host granted.
	offload uint32
	emitFn  func(*packet.Buffer)
	world   *netdev.World
	// gro coalesces TCP segments written during a receive burst.
	gro       groTrain
	groFrames atomic.Uint64
}

var _ netdev.Driver = (*tunDev)(nil)

func (k tunKind) Name() string {
	if k.tap {
		return "host-tap"
	}
	return "host-tun"
}

// NewData implements netdev.DataMaker.
func (tunKind) NewData() any { return &TunData{} }

const offloadFeatures = netdev.FeatSG | netdev.FeatHWCsum | netdev.FeatTSO | netdev.FeatTSO6 |
	netdev.FeatTSOECN | netdev.FeatGSOUDPL4 | netdev.FeatRxCsum

func (k tunKind) Setup(d *netdev.Device) {
	d.MinMTU, d.MaxMTU = 68, 65535
	d.InitTxQueueLen(500)
	d.GSOMaxSize, d.GSOMaxSegs, d.TSOMaxSize, d.TSOMaxSegs = 65536, 65535, 65536, 65535
	d.InitFeatures(offloadFeatures|netdev.FeatHighDMA|netdev.FeatLLTX, offloadFeatures)
	if k.tap {
		d.Type = netdev.ARPHRDEther
		d.HardHeaderLen = netdev.EthHeaderLen
		d.AddrLen = 6
		d.SetBroadcastAddr([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		d.InitFlags(netdev.FlagBroadcast | netdev.FlagMulticast)
		d.DefaultName = "htap%d"
	} else {
		d.Type = netdev.ARPHRDNone
		d.InitFlags(netdev.FlagPointToPoint | netdev.FlagNoARP | netdev.FlagMulticast)
		d.DefaultName = "htun%d"
	}
	d.InitMTU(1500)
	d.InitCarrier(true)
}

func (k tunKind) NewLink(ns *netdev.Namespace, d *netdev.Device, req *netdev.LinkRequest) error {
	var cfg TunData
	switch v := req.Data.(type) {
	case *TunData:
		if v != nil {
			cfg = *v
		}
	case nil:
	default:
		return extack.Errno(syscall.EINVAL)
	}
	if err := needRealLoop(ns); err != nil {
		return err
	}
	if cfg.Queues > 256 {
		return extack.New(syscall.EINVAL, "too many queues (max 256)")
	}
	vnet := cfg.VnetHdr == nil || *cfg.VnetHdr
	t, err := sys.OpenTun(sys.TunConfig{
		Name: cfg.HostName, TAP: k.tap, VnetHdr: vnet, Queues: int(cfg.Queues),
		Offload: sys.TunFCsum | sys.TunFTSO4 | sys.TunFTSO6 | sys.TunFTSOECN | sys.TunFUSO4 | sys.TunFUSO6,
	})
	if err != nil {
		return hostErr("cannot open host TUN/TAP device", err)
	}
	td := &tunDev{host: host{dev: d, conns: t.Queues}, queues: t.Queues, tap: k.tap, vnet: t.VnetHdrLen, cfg: cfg}
	td.offload = t.Offload
	if k.tap {
		td.nh = netdev.EthHeaderLen
	}
	td.cfg.HostName = t.Name
	td.emitFn = td.emit
	td.world = ns.World()
	if !vnet {
		d.InitFeatures(netdev.FeatHighDMA|netdev.FeatLLTX|netdev.FeatSG, netdev.FeatSG)
	}
	d.NumTxQueues, d.NumRxQueues = uint32(len(t.Queues)), uint32(len(t.Queues))
	d.Priv = td
	d.Driver = td
	for i, q := range t.Queues {
		td.start(func() { td.readLoop(q, i) })
	}
	return nil
}

// DelLink closes the host device's queues and waits for the readers.
func (tunKind) DelLink(d *netdev.Device) {
	if td, ok := d.Priv.(*tunDev); ok {
		td.stop()
		td.Flush()
	}
}

// LinkInfo implements netdev.InfoFiller.
func (tunKind) LinkInfo(d *netdev.Device) any {
	td, ok := d.Priv.(*tunDev)
	if !ok {
		return nil
	}
	return &TunInfo{HostName: td.cfg.HostName, Queues: len(td.queues), VnetHdr: td.vnet > 0, Offload: td.offload,
		GROFrames: td.groFrames.Load()}
}

func (td *tunDev) readLoop(q *sys.Conn, qi int) {
	r := newBufs(rxBatch, td.vnet+maxFrame)
	defer r.free()
	w := td.dev.Namespace().World()
	for {
		if !r.fill() {
			td.dev.Stats.RxMissedErrors.Add(1)
			return
		}
		n, err := q.ReadBatch(r.raw, r.sizes)
		burst := w.BeginBurst()
		for i := range n {
			td.rx(r.take(i, r.sizes[i]), qi)
			w.PollBurst()
		}
		w.EndBurst(burst)
		if err != nil && td.readerDone(err) {
			return
		}
	}
}

// rx turns one frame read from the host into a received packet.
func (td *tunDev) rx(b *packet.Buffer, qi int) {
	d := td.dev
	b.RxQueue = uint16(qi + 1)
	if td.vnet > 0 {
		h := b.Pull(td.vnet)
		if h == nil || !fromVnet(header.VirtioNetHdr(h), b, td.nh) {
			d.Stats.RxFrameErrors.Add(1)
			d.DropRx(b, netdev.DropDevHdr)
			return
		}
	}
	n := b.Len()
	if td.tap {
		if !netdev.EthTypeTrans(d, b) {
			return
		}
	} else if !setL3(d, b) {
		return
	}
	d.Stats.CountRx(n)
	d.Receive(b)
}

// Xmit writes b to the host: with a virtio_net_hdr describing its GSO and
// checksum state when vnet_hdr is on (the host kernel segments), else
// segmented and checksummed in software first.
func (td *tunDev) Xmit(d *netdev.Device, b *packet.Buffer) {
	if td.closed.Load() {
		d.DropTx(b, netdev.DropDevReady)
		return
	}
	if td.vnet == 0 {
		if b.GSO.Size != 0 || b.Csum.Mode == packet.CsumPartial {
			td.segment(b)
			return
		}
		td.write(b)
		return
	}
	if td.groAdd(b) {
		return
	}
	td.writeVnet(b)
}

// writeVnet writes b behind the virtio_net_hdr that describes it.
func (td *tunDev) writeVnet(b *packet.Buffer) {
	d := td.dev
	f, ok := vnetFields(b, td.nh)
	if !ok {
		td.segment(b)
		return
	}
	if !b.Reserve(td.vnet, 0) {
		d.DropTx(b, netdev.DropNoHeadroom)
		return
	}
	h := b.Push(td.vnet)
	clear(h)
	header.VirtioNetHdr(h).Encode(&f, vnetLE)
	td.write(b)
}

// segment hands b to software GSO and writes each segment.
func (td *tunDev) segment(b *packet.Buffer) { softwareGSO(td.dev, b, td.nh, td.emitFn) }

func (td *tunDev) emit(b *packet.Buffer) {
	if td.vnet > 0 {
		if !b.Reserve(td.vnet, 0) {
			td.dev.DropTx(b, netdev.DropNoHeadroom)
			return
		}
		clear(b.Push(td.vnet))
	}
	td.write(b)
}

// pick is the queue b's flow hash selects.
func (td *tunDev) pick(b *packet.Buffer) *sys.Conn {
	return td.queues[int(b.Hash%uint32(len(td.queues)))]
}

// write sends one frame (with its virtio header, if any) on the queue the
// flow hash picks.
func (td *tunDev) write(b *packet.Buffer) {
	n := b.Len() - td.vnet
	if _, err := td.pick(b).Write(b.Bytes()); err != nil {
		td.dev.Stats.TxErrors.Add(1)
		td.dev.DropTx(b, DropHostWrite)
		return
	}
	td.dev.Stats.CountTx(n)
	b.Free()
}

func init() {
	netdev.RegisterKind(tunKind{tap: false})
	netdev.RegisterKind(tunKind{tap: true})
}
