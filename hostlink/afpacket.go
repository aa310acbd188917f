package hostlink

import (
	"os"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// PacketData is the kind data of host-afpacket:
//
//	ip link add NAME type host-afpacket host-dev DEV [queues N] [vnet_hdr on|off] [promisc on|off]
type PacketData struct {
	// HostDev is the host interface to bind to (required).
	HostDev string `json:"host_dev"`
	// Queues is the number of sockets, joined in one PACKET_FANOUT_HASH
	// group when > 1; 0 is 1.
	Queues uint32 `json:"queues,omitempty"`
	// VnetHdr turns PACKET_VNET_HDR on or off; nil means on.
	VnetHdr *bool `json:"vnet_hdr,omitempty"`
	// Promisc puts the host interface in promiscuous mode while bound, so
	// frames to the softnet device's own MAC address arrive; nil means on.
	Promisc *bool `json:"promisc,omitempty"`
}

// PacketInfo is what ip -d link shows of a host-afpacket device.
type PacketInfo struct {
	HostDev     string `json:"host_dev"`
	HostIfindex int    `json:"host_ifindex"`
	Queues      int    `json:"queues"`
	VnetHdr     bool   `json:"vnet_hdr"`
	Promisc     bool   `json:"promisc"`
}

type packetKind struct{}

type packetDev struct {
	tunDev
	info PacketInfo
}

// fanoutSeq numbers fanout groups; groups are per network namespace, so
// the process ID keeps two softnet processes apart.
var fanoutSeq atomic.Uint32

func (packetKind) Name() string { return "host-afpacket" }

// NewData implements netdev.DataMaker.
func (packetKind) NewData() any { return &PacketData{} }

func (packetKind) Setup(d *netdev.Device) {
	tunKind{tap: true}.Setup(d)
	d.DefaultName = "hpkt%d"
}

func (packetKind) NewLink(ns *netdev.Namespace, d *netdev.Device, req *netdev.LinkRequest) error {
	cfg, ok := req.Data.(*PacketData)
	if !ok || cfg == nil || cfg.HostDev == "" {
		return extack.New(syscall.EINVAL, "host-afpacket needs host-dev")
	}
	if err := needRealLoop(ns); err != nil {
		return err
	}
	if cfg.Queues > 64 {
		return extack.New(syscall.EINVAL, "too many queues (max 64)")
	}
	ifindex, err := sys.InterfaceIndex(cfg.HostDev)
	if err != nil {
		return hostErr("cannot find host device \""+cfg.HostDev+"\"", err)
	}
	vnet := cfg.VnetHdr == nil || *cfg.VnetHdr
	promisc := cfg.Promisc == nil || *cfg.Promisc
	n := max(int(cfg.Queues), 1)
	pc := sys.PacketConfig{Ifindex: ifindex, VnetHdr: vnet, Promisc: promisc}
	if n > 1 {
		pc.FanoutGroup = uint16(os.Getpid()) ^ uint16(fanoutSeq.Add(1))<<8 | 1
	}
	pd := &packetDev{info: PacketInfo{HostDev: cfg.HostDev, HostIfindex: ifindex, Queues: n, VnetHdr: vnet, Promisc: promisc}}
	for range n {
		c, err := sys.OpenPacket(pc)
		if err != nil {
			for _, c := range pd.queues {
				c.Close()
			}
			return hostErr("cannot open AF_PACKET socket", err)
		}
		pd.queues = append(pd.queues, c)
	}
	pd.host = host{dev: d, conns: pd.queues}
	pd.tap, pd.nh = true, netdev.EthHeaderLen
	if vnet {
		pd.vnet = 10
	} else {
		d.InitFeatures(netdev.FeatHighDMA|netdev.FeatLLTX|netdev.FeatSG, netdev.FeatSG)
	}
	pd.emitFn = pd.emit
	pd.world = ns.World()
	d.NumTxQueues, d.NumRxQueues = uint32(n), uint32(n)
	d.Priv = pd
	d.Driver = &pd.tunDev
	for i, q := range pd.queues {
		pd.start(func() { pd.readLoop(q, i) })
	}
	return nil
}

// DelLink closes the sockets and waits for the readers.
func (packetKind) DelLink(d *netdev.Device) {
	if pd, ok := d.Priv.(*packetDev); ok {
		pd.stop()
	}
}

// LinkInfo implements netdev.InfoFiller.
func (packetKind) LinkInfo(d *netdev.Device) any {
	if pd, ok := d.Priv.(*packetDev); ok {
		info := pd.info
		return &info
	}
	return nil
}

// readLoop receives batches of frames (recvmmsg), skipping the host's own
// outgoing frames should any slip past PACKET_IGNORE_OUTGOING.
func (pd *packetDev) readLoop(q *sys.Conn, qi int) {
	r := newBufs(rxBatch, pd.vnet+maxFrame)
	defer r.free()
	batch := sys.NewBatch(rxBatch)
	w := pd.dev.Namespace().World()
	for {
		if !r.fill() {
			pd.dev.Stats.RxMissedErrors.Add(1)
			return
		}
		for i := range batch.Msgs {
			batch.Msgs[i].Buf = r.raw[i]
		}
		n, err := q.RecvBatch(batch)
		burst := w.BeginBurst()
		for i := range n {
			m := &batch.Msgs[i]
			if m.PktType == uint8(packet.PacketOutgoing) || m.Truncated {
				if m.Truncated {
					pd.dev.Stats.RxLengthErrors.Add(1)
				}
				continue // the slot's buffer is reused
			}
			pd.rx(r.take(i, m.N), qi)
			w.PollBurst()
		}
		w.EndBurst(burst)
		if err != nil && pd.readerDone(err) {
			return
		}
	}
}

func init() {
	netdev.RegisterKind(packetKind{})
}
