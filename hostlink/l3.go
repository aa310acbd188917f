package hostlink

import (
	"net/netip"
	"slices"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/gso"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// RawIPData is the kind data of host-ip:
//
//	ip link add NAME type host-ip [protocols P[,P…]] [host-dev DEV]
type RawIPData struct {
	// Protocols are the IP protocols to receive; empty means ipip (4),
	// IPv6-in-IPv4 (41), ESP (50), AH (51) and IPComp (108).
	Protocols []uint8 `json:"protocols,omitempty"`
	// HostDev restricts the sockets to one host interface.
	HostDev string `json:"host_dev,omitempty"`
}

// RawIPInfo is what ip -d link shows of a host-ip device.
type RawIPInfo struct {
	Protocols []uint8 `json:"protocols"`
	HostDev   string  `json:"host_dev,omitempty"`
	// Family is the outer address families carried: "inet,inet6", or
	// "inet" when the host has IPv6 disabled.
	Family string `json:"family"`
	// Inet6 is "unavailable" when the host refused AF_INET6 sockets
	// (EAFNOSUPPORT: IPv6 disabled), empty otherwise.
	Inet6 string `json:"inet6,omitempty"`
	// TxBatches counts sendmmsg calls that carried several packets held
	// during a receive burst.
	TxBatches uint64 `json:"tx_batches"`
}

// DefaultProtocols are host-ip's protocols when none are given.
var DefaultProtocols = []uint8{4, 41, 50, 51, 108}

type rawIPKind struct{}

// rawIPDev is an L3 device whose receive is fed by raw IPv4 and IPv6
// sockets and whose transmit sends whole IPv4 packets with IP_HDRINCL and
// whole IPv6 packets on an IPPROTO_RAW socket: softnet's tunnels and xfrm
// route their outer packets out of it, using the host's own addresses.
type rawIPDev struct {
	host
	info   RawIPInfo
	tx     *sys.Conn // the first IPv4 socket (IP_HDRINCL)
	tx6    *sys.Conn // the IPv6 IPPROTO_RAW socket; nil without host IPv6
	sendFn func(*packet.Buffer)
	world  *netdev.World
	// batches holds what is transmitted during a receive burst.
	batches rawBatches
}

func (rawIPKind) Name() string { return "host-ip" }

// NewData implements netdev.DataMaker.
func (rawIPKind) NewData() any { return &RawIPData{} }

func setupL3(d *netdev.Device, name string) {
	d.Type = netdev.ARPHRDNone
	d.MinMTU, d.MaxMTU = 68, 65535
	d.InitMTU(1500)
	d.InitTxQueueLen(500)
	d.InitFlags(netdev.FlagPointToPoint | netdev.FlagNoARP)
	d.InitFeatures(netdev.FeatHighDMA|netdev.FeatLLTX|netdev.FeatSG, netdev.FeatSG)
	d.InitCarrier(true)
	d.DefaultName = name
}

func (rawIPKind) Setup(d *netdev.Device) { setupL3(d, "hip%d") }

func (rawIPKind) NewLink(ns *netdev.Namespace, d *netdev.Device, req *netdev.LinkRequest) error {
	var cfg RawIPData
	if v, ok := req.Data.(*RawIPData); ok && v != nil {
		cfg = *v
	} else if req.Data != nil {
		return extack.Errno(syscall.EINVAL)
	}
	if err := needRealLoop(ns); err != nil {
		return err
	}
	protos := slices.Clone(cfg.Protocols)
	if len(protos) == 0 {
		protos = slices.Clone(DefaultProtocols)
	}
	slices.Sort(protos)
	protos = slices.Compact(protos)
	rd := &rawIPDev{host: host{dev: d}, info: RawIPInfo{Protocols: protos, HostDev: cfg.HostDev}}
	for _, p := range protos {
		if p == 0 || p == 255 {
			return extack.Errorf(syscall.EINVAL, "invalid protocol %d", p)
		}
	}
	readers, err := rd.open(protos, cfg.HostDev)
	if err != nil {
		rd.closeAll()
		return err
	}
	rd.tx = rd.conns[0]
	rd.sendFn = rd.send
	rd.world = ns.World()
	rd.batches.v4.init(rd.tx)
	if rd.tx6 != nil {
		rd.batches.v6.init(rd.tx6)
	}
	d.Priv = rd
	d.Driver = rd
	for i, c := range rd.conns[:len(readers)] {
		synth := readers[i]
		rd.start(func() { recvL3(&rd.host, c, synth) })
	}
	return nil
}

// open opens the IPv4 sockets, then the IPv6 ones (see open6), appending
// them to rd.conns; it returns the synth function of each receiving
// socket, in rd.conns order (nil for IPv4: the host hands over the header).
func (rd *rawIPDev) open(protos []uint8, hostDev string) ([]func(*packet.Buffer, *sys.Msg) bool, error) {
	var readers []func(*packet.Buffer, *sys.Msg) bool
	for _, p := range protos {
		c, err := sys.OpenRawIP(int(p), hostDev)
		if err != nil {
			return nil, hostErr("cannot open raw IP socket", err)
		}
		rd.conns = append(rd.conns, c)
		readers = append(readers, nil)
	}
	return rd.open6(protos, hostDev, readers)
}

func (h *host) closeAll() {
	for _, c := range h.conns {
		c.Close()
	}
}

// DelLink closes the sockets and waits for the readers.
func (rawIPKind) DelLink(d *netdev.Device) {
	if rd, ok := d.Priv.(*rawIPDev); ok {
		rd.stop()
		rd.Flush() // what a burst still holds goes as write errors
	}
}

// LinkInfo implements netdev.InfoFiller.
func (rawIPKind) LinkInfo(d *netdev.Device) any {
	if rd, ok := d.Priv.(*rawIPDev); ok {
		info := rd.info
		info.TxBatches = rd.batches.sent.Load()
		return &info
	}
	return nil
}

// recvL3 is the reader of a socket that returns whole IP packets (raw), or
// datagrams that synth turns into IP packets (UDP): batches of recvmmsg
// into pooled buffers, each handed to Device.Receive.
func recvL3(h *host, c *sys.Conn, synth func(b *packet.Buffer, m *sys.Msg) bool) {
	r := newBufs(rxBatch, 65535)
	defer r.free()
	batch := sys.NewBatch(rxBatch)
	d := h.dev
	w := d.Namespace().World()
	for {
		if !r.fill() {
			d.Stats.RxMissedErrors.Add(1)
			return
		}
		for i := range batch.Msgs {
			batch.Msgs[i].Buf = r.raw[i]
		}
		n, err := c.RecvBatch(batch)
		burst := w.BeginBurst()
		for i := range n {
			m := &batch.Msgs[i]
			if m.Truncated {
				d.Stats.RxLengthErrors.Add(1)
				continue
			}
			b := r.take(i, m.N)
			if synth != nil && !synth(b, m) {
				continue
			}
			receiveL3(d, w, b)
		}
		w.EndBurst(burst)
		if err != nil && h.readerDone(err) {
			return
		}
	}
}

// Xmit sends an IPv4 or IPv6 packet through the host's IP output with its
// header as built by softnet (IP_HDRINCL; IPPROTO_RAW for IPv6). Raw
// sockets take neither super-packets nor partial checksums, so those are
// finished in software first.
func (rd *rawIPDev) Xmit(d *netdev.Device, b *packet.Buffer) {
	if !rd.sendable(b.Bytes()) {
		d.DropTx(b, DropHostNotPacket)
		return
	}
	if b.GSO.Size != 0 || b.Csum.Mode == packet.CsumPartial {
		softwareGSO(d, b, 0, rd.sendFn)
		return
	}
	rd.send(b)
}

// sendable reports whether p is an IP packet of a family the device has a
// socket for.
func (rd *rawIPDev) sendable(p []byte) bool {
	switch {
	case len(p) >= header.IPv4MinimumSize && p[0]>>4 == 4:
		return true
	case len(p) >= header.IPv6MinimumSize && p[0]>>4 == 6:
		return rd.tx6 != nil
	}
	return false
}

func (rd *rawIPDev) send(b *packet.Buffer) {
	p := b.Bytes()
	if !rd.sendable(p) {
		rd.dev.DropTx(b, DropHostNotPacket)
		return
	}
	c, dst := rd.tx, netip.Addr{}
	if p[0]>>4 == 6 {
		if !fixPayloadLength(p) {
			rd.dev.DropTx(b, DropHostNotPacket)
			return
		}
		c, dst = rd.tx6, header.IPv6(p).Destination()
	} else {
		dst = header.IPv4(p).Destination()
	}
	if rd.add(c, b, dst) {
		return // held until the burst ends
	}
	if err := c.SendMsg(&sys.Msg{Buf: p, Addr: netip.AddrPortFrom(dst, 0)}); err != nil {
		rd.dev.Stats.TxErrors.Add(1)
		rd.dev.DropTx(b, DropHostWrite)
		return
	}
	rd.dev.Stats.CountTx(len(p))
	b.Free()
}

// softwareGSO segments b (network header at nh) and completes its
// checksum in software, handing each segment to emit; failures are
// counted as SKB_GSO_SEG drops.
func softwareGSO(d *netdev.Device, b *packet.Buffer, nh int, emit func(*packet.Buffer)) {
	b.SetNetworkHeader(nh)
	if l, ok := parseL4(b.Bytes(), nh); ok && b.Csum.Mode == packet.CsumPartial {
		b.Csum.Start = uint16(l.th)
	}
	if err := gso.Segment(b, emit); err != nil {
		d.Stats.TxErrors.Add(1)
		d.Stats.TxDropped.Add(1)
		d.Drops.Add(DropGSOSeg)
	}
}

func init() {
	netdev.RegisterKind(rawIPKind{})
}

// receiveL3 hands an IP packet read from a host socket to Receive and
// moves on what it produced in the burst (World.PollBurst).
func receiveL3(d *netdev.Device, w *netdev.World, b *packet.Buffer) {
	if !setL3(d, b) {
		return
	}
	d.Stats.CountRx(b.Len())
	d.Receive(b)
	w.PollBurst()
}
