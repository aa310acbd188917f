package hostlink

import (
	"net/netip"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// UDPData is the kind data of host-udp:
//
//	ip link add NAME type host-udp [local ADDR] port PORT [gro on|off] [host-dev DEV]
type UDPData struct {
	// Local is the host address and port to bind; an unspecified address
	// binds every address (dual-stack when IPv6).
	Local netip.AddrPort `json:"local"`
	// GRO asks the host to coalesce received datagrams (UDP_GRO); nil
	// means on where the kernel has it.
	GRO *bool `json:"gro,omitempty"`
	// HostDev binds the socket to one host interface.
	HostDev string `json:"host_dev,omitempty"`
}

// UDPInfo is what ip -d link shows of a host-udp device.
type UDPInfo struct {
	Local   netip.AddrPort `json:"local"`
	GRO     bool           `json:"gro"`
	GSO     bool           `json:"gso"`
	HostDev string         `json:"host_dev,omitempty"`
	// TxTrains counts sends that carried several datagrams held during a
	// receive burst (one UDP_SEGMENT sendmsg each).
	TxTrains uint64 `json:"tx_trains"`
}

type udpKind struct{}

// udpDev is an L3 device fed by a host UDP socket: each datagram arrives
// as an IP/UDP packet from the peer to the local address (so softnet's
// ESP-in-UDP and FOU/GUE receive paths see what the wire carried), and
// each IP/UDP packet softnet sends from the bound port leaves as a
// datagram, super-packets as one UDP_SEGMENT send.
type udpDev struct {
	host
	c       *sys.Conn
	info    UDPInfo
	synthFn func(*packet.Buffer, *sys.Msg) bool
	world   *netdev.World
	parts   []*packet.Buffer // a GRO train's later datagrams (reader only)
	trains  udpTrains
	// trainsSent counts UDP_SEGMENT messages of more than one datagram.
	trainsSent atomic.Uint64
}

func (udpKind) Name() string { return "host-udp" }

// NewData implements netdev.DataMaker.
func (udpKind) NewData() any { return &UDPData{} }

func (udpKind) Setup(d *netdev.Device) {
	setupL3(d, "hudp%d")
	d.GSOMaxSize, d.GSOMaxSegs = 65536, 64
}

func (udpKind) NewLink(ns *netdev.Namespace, d *netdev.Device, req *netdev.LinkRequest) error {
	cfg, ok := req.Data.(*UDPData)
	if !ok || cfg == nil || !cfg.Local.IsValid() {
		return extack.New(syscall.EINVAL, "host-udp needs a local port")
	}
	if err := needRealLoop(ns); err != nil {
		return err
	}
	gro := cfg.GRO == nil || *cfg.GRO
	c, err := sys.OpenUDP(sys.UDPConfig{Addr: cfg.Local, GRO: gro, Device: cfg.HostDev})
	if err != nil && gro && cfg.GRO == nil {
		gro = false // kernels before 5.0
		c, err = sys.OpenUDP(sys.UDPConfig{Addr: cfg.Local, Device: cfg.HostDev})
	}
	if err != nil {
		return hostErr("cannot open UDP socket", err)
	}
	local, err := c.LocalAddr()
	if err != nil {
		c.Close()
		return hostErr("getsockname", err)
	}
	ud := &udpDev{host: host{dev: d, conns: []*sys.Conn{c}}, c: c,
		info: UDPInfo{Local: local, GRO: gro, GSO: sys.UDPSegmentSupported(), HostDev: cfg.HostDev}}
	if ud.info.GSO {
		d.InitFeatures(netdev.FeatHighDMA|netdev.FeatLLTX|netdev.FeatSG|netdev.FeatGSOUDPL4,
			netdev.FeatSG|netdev.FeatGSOUDPL4)
	}
	ud.synthFn = ud.synth
	ud.world = ns.World()
	d.Priv = ud
	d.Driver = ud
	ud.start(func() { recvL3(&ud.host, c, ud.synthFn) })
	return nil
}

// DelLink closes the socket and waits for the reader.
func (udpKind) DelLink(d *netdev.Device) {
	if ud, ok := d.Priv.(*udpDev); ok {
		ud.stop()
		ud.Flush()
	}
}

// LinkInfo implements netdev.InfoFiller.
func (udpKind) LinkInfo(d *netdev.Device) any {
	if ud, ok := d.Priv.(*udpDev); ok {
		info := ud.info
		info.TxTrains = ud.trainsSent.Load()
		return &info
	}
	return nil
}

// synth puts the IP and UDP headers the host stripped back in front of a
// received datagram. A GRO train is split into its datagrams, delivered
// from here in order (the first one too); it reports whether b is still
// to be delivered by the caller.
func (ud *udpDev) synth(b *packet.Buffer, m *sys.Msg) bool {
	local := m.Local
	if !local.IsValid() {
		local = ud.info.Local.Addr()
	}
	src := m.Addr
	seg := int(m.GSOSize)
	if seg <= 0 || b.Len() <= seg {
		return ud.pushHeaders(b, src, local)
	}
	// Copy the later datagrams out before b is cut to the first.
	p := b.Bytes()
	parts := ud.parts[:0]
	for off := seg; off < len(p); off += seg {
		part := p[off:min(off+seg, len(p))]
		nb, err := packet.New(rxHeadroom, len(part))
		if err != nil {
			// the pool is exhausted: the rest of the train is lost
			ud.dev.Stats.RxMissedErrors.Add(uint64((len(p) - off + seg - 1) / seg))
			break
		}
		copy(nb.Put(len(part)), part)
		parts = append(parts, nb)
	}
	b.Trim(seg)
	ud.deliver(b, src, local)
	for i, nb := range parts {
		ud.deliver(nb, src, local)
		parts[i] = nil
	}
	ud.parts = parts[:0]
	return false
}

// deliver receives one datagram of a GRO train.
func (ud *udpDev) deliver(b *packet.Buffer, src netip.AddrPort, local netip.Addr) {
	if ud.pushHeaders(b, src, local) {
		receiveL3(ud.dev, ud.world, b)
	}
}

// pushHeaders prepends IPv4 (or IPv6) and UDP headers from src to
// local:port; the packet's checksum is marked verified, as the host
// checked it.
func (ud *udpDev) pushHeaders(b *packet.Buffer, src netip.AddrPort, local netip.Addr) bool {
	n := b.Len()
	v4 := src.Addr().Is4() && local.Is4()
	iplen := header.IPv6MinimumSize
	if v4 {
		iplen = header.IPv4MinimumSize
	}
	if n+header.UDPMinimumSize+iplen > 65535 || !b.Reserve(iplen+header.UDPMinimumSize, 0) {
		ud.dev.DropRx(b, netdev.DropPktTooBig)
		return false
	}
	u := header.UDP(b.Push(header.UDPMinimumSize))
	u.Encode(&header.UDPFields{SrcPort: src.Port(), DstPort: ud.info.Local.Port(), Length: uint16(n + header.UDPMinimumSize)})
	ip := b.Push(iplen)
	if v4 {
		clear(ip)
		h := header.IPv4(ip)
		h.SetHeaderLength(header.IPv4MinimumSize)
		h.SetTotalLength(uint16(b.Len()))
		h.SetTTL(64)
		h.SetProtocol(header.IPProtoUDP)
		h.SetSource(src.Addr())
		h.SetDestination(local)
		h.UpdateChecksum()
	} else {
		header.IPv6(ip).Encode(&header.IPv6Fields{PayloadLength: uint16(n + header.UDPMinimumSize),
			NextHeader: header.IPProtoUDP, HopLimit: 64, Src: src.Addr(), Dst: local})
		u.SetChecksum(u.CalculateChecksumAddr(src.Addr(), local))
	}
	b.Csum = packet.Csum{Mode: packet.CsumUnnecessary}
	return true
}

// Xmit sends an IP/UDP packet from the bound port as a datagram.
func (ud *udpDev) Xmit(d *netdev.Device, b *packet.Buffer) {
	m, ok := ud.datagram(b)
	if !ok {
		d.DropTx(b, DropHostNotPacket)
		return
	}
	if ud.add(b, &m) {
		return
	}
	if err := ud.c.SendMsg(&m); err != nil {
		d.Stats.TxErrors.Add(1)
		d.DropTx(b, DropHostWrite)
		return
	}
	d.Stats.CountTx(b.Len())
	b.Free()
}

// datagram describes b as a sendmsg: payload, destination, source address
// (when the socket is bound to every address) and UDP_SEGMENT size.
func (ud *udpDev) datagram(b *packet.Buffer) (sys.Msg, bool) {
	var m sys.Msg
	p := b.Bytes()
	l, ok := parseL4(p, 0)
	if !ok || l.proto != header.IPProtoUDP {
		return m, false
	}
	var src, dst netip.Addr
	if l.v6 {
		ip := header.IPv6(p)
		src, dst = ip.Source(), ip.Destination()
	} else {
		ip := header.IPv4(p)
		if ip.FlagsFragOff()&0x3fff != 0 {
			return m, false // a fragment: the host socket cannot send it
		}
		src, dst = ip.Source(), ip.Destination()
	}
	u := header.UDP(p[l.th:])
	if u.SourcePort() != ud.info.Local.Port() {
		return m, false
	}
	m.Buf = p[l.hlen:]
	m.Addr = netip.AddrPortFrom(dst, u.DestinationPort())
	if ud.info.Local.Addr().IsUnspecified() {
		m.Local = src
	}
	if b.GSO.Size != 0 {
		if b.GSO.Type&packet.GSOUDPL4 == 0 || !ud.info.GSO {
			return m, false
		}
		m.GSOSize = b.GSO.Size
	}
	return m, true
}

func init() {
	netdev.RegisterKind(udpKind{})
}
