package inet

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// socketTable holds the probe sockets of a namespace: ping sockets by
// (family, echo id) and UDP sockets by (family, port). Readers never
// lock.
type socketTable struct {
	mu    sync.Mutex
	pings atomic.Pointer[map[sockKey]*ICMPConn]
	udps  atomic.Pointer[map[sockKey]*UDPConn]
	next  uint16
}

type sockKey struct {
	family int
	port   uint16
}

func (t *socketTable) init() {
	p := map[sockKey]*ICMPConn{}
	u := map[sockKey]*UDPConn{}
	t.pings.Store(&p)
	t.udps.Store(&u)
	t.next = 32768
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	n := make(map[K]V, len(m)+1)
	for k, v := range m {
		n[k] = v
	}
	return n
}

// MsgSizeError is returned by a send that would exceed the path MTU with
// DF required ("ping: local error: message too long, mtu=1400").
type MsgSizeError struct{ MTU uint32 }

func (e *MsgSizeError) Error() string { return fmt.Sprintf("message too long, mtu=%d", e.MTU) }

// Errno is EMSGSIZE (for extack.ErrnoOf).
func (e *MsgSizeError) Errno() syscall.Errno { return syscall.EMSGSIZE }

// Is makes errors.Is(err, syscall.EMSGSIZE) work.
func (e *MsgSizeError) Is(target error) bool { return target == syscall.EMSGSIZE }

// ICMPConn is a ping socket (net/ipv4/ping.c): it sends echo requests and
// receives the replies and ICMP errors for its echo identifiers. Its
// callback runs on the World's loop.
type ICMPConn struct {
	ns     *netdev.Namespace
	family int
	recv   func(EchoEvent)
	mu     sync.Mutex
	ids    []uint16
	closed bool
}

// DialICMP opens a ping socket for family 4 or 6; recv gets replies and
// errors.
func DialICMP(ns *netdev.Namespace, family int, recv func(EchoEvent)) (*ICMPConn, error) {
	if family != FamilyV4 && family != FamilyV6 {
		return nil, extack.Errno(syscall.EAFNOSUPPORT)
	}
	return &ICMPConn{ns: ns, family: family, recv: recv}, nil
}

func (c *ICMPConn) bind(id uint16) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.ids {
		if x == id {
			return
		}
	}
	t := &stateOf(c.ns).socks
	t.mu.Lock()
	m := cloneMap(*t.pings.Load())
	m[sockKey{c.family, id}] = c
	t.pings.Store(&m)
	t.mu.Unlock()
	c.ids = append(c.ids, id)
}

// Close closes the socket.
func (c *ICMPConn) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	t := &stateOf(c.ns).socks
	t.mu.Lock()
	m := cloneMap(*t.pings.Load())
	for _, id := range c.ids {
		if m[sockKey{c.family, id}] == c {
			delete(m, sockKey{c.family, id})
		}
	}
	t.pings.Store(&m)
	t.mu.Unlock()
}

// SendEcho sends an echo request to dst. Routing errors come back as
// Linux's errnos (ENETUNREACH…); a DF send above the path MTU with
// PMTUDiscDo returns a *MsgSizeError.
func (c *ICMPConn) SendEcho(dst netip.Addr, o EchoOpts) error {
	if c.closed {
		return extack.Errno(syscall.EBADF)
	}
	if (c.family == FamilyV4) != dst.Is4() {
		return extack.Errno(syscall.EAFNOSUPPORT)
	}
	payload := o.Payload
	if payload == nil {
		size := o.Size
		if size == 0 {
			size = 56
		}
		payload = make([]byte, size)
		for i := range payload {
			payload[i] = byte(i)
		}
	}
	c.bind(o.ID)
	typ := header.ICMPv4Echo
	if c.family == FamilyV6 {
		typ = header.ICMPv6EchoRequest
	}
	msg := make([]byte, header.ICMPv4MinimumSize+len(payload))
	msg[0] = typ
	msg[4], msg[5], msg[6], msg[7] = byte(o.ID>>8), byte(o.ID), byte(o.Seq>>8), byte(o.Seq)
	copy(msg[8:], payload)
	st := stateOf(c.ns)
	return st.sendL4(dst, msg, sendOpts{proto: protoICMP(c.family), ttl: o.TTL, tos: o.TOS, pmtu: o.PMTUDisc,
		src: o.Src, iface: o.Iface, mark: o.Mark, icmp: true})
}

func protoICMP(family int) uint8 {
	if family == FamilyV6 {
		return header.IPProtoICMPv6
	}
	return header.IPProtoICMP
}

type sendOpts struct {
	proto    uint8
	ttl, tos uint8
	pmtu     PMTUDisc
	src      netip.Addr
	iface    string
	mark     uint32
	icmp     bool // fill the ICMP checksum
	udp      bool // fill the UDP checksum
}

// sendL4 routes and sends a transport message: it picks the source,
// builds the IP header and the checksum, and applies the PMTU discovery
// mode.
func (st *netState) sendL4(dst netip.Addr, msg []byte, o sendOpts) error {
	fl := Flow{Dst: dst, Src: o.src, Mark: o.mark, TOS: o.tos, Proto: o.proto}
	if o.iface != "" {
		d, err := st.ns.LookupDevice(o.iface)
		if err != nil {
			return err
		}
		fl.Oif = d.Index()
	}
	rt, err := st.routeOutput(fl)
	if err != nil {
		return err
	}
	src := o.src
	if !src.IsValid() {
		src = rt.SelectSource(dst)
		if !src.IsValid() {
			return extack.Errno(syscall.EADDRNOTAVAIL)
		}
	}
	v4 := dst.Is4()
	hl := header.IPv6MinimumSize
	if v4 {
		hl = header.IPv4MinimumSize
	}
	total := hl + len(msg)
	mtu := int(rt.PathMTU(dst))
	if rt.Type == RouteLocal {
		mtu = int(st.ns.Loopback().MTU())
	}
	if total > mtu && (o.pmtu == PMTUDiscDo || o.pmtu == PMTUDiscProbe) {
		return &MsgSizeError{MTU: uint32(mtu)}
	}
	if total > 0xffff+hl-header.IPv6MinimumSize && !v4 || v4 && total > 0xffff {
		return extack.Errno(syscall.EMSGSIZE)
	}
	b, err := packet.New(packet.DefaultHeadroom, total)
	if err != nil {
		return extack.Errno(syscall.EMSGSIZE)
	}
	p := b.Put(total)
	copy(p[hl:], msg)
	b.Mark = o.mark
	t := p[hl:]
	switch {
	case o.icmp && v4:
		header.ICMPv4(t).UpdateChecksum()
	case o.icmp:
		header.ICMPv6(t).SetChecksum(header.ICMPv6(t).CalculateChecksumAddr(src, dst))
	case o.udp:
		header.UDP(t).SetChecksum(header.UDP(t).CalculateChecksumAddr(src, dst))
	}
	if v4 {
		df := o.pmtu == PMTUDiscDo || o.pmtu == PMTUDiscProbe || (o.pmtu == PMTUDiscWant && total <= mtu && !rt.MTULock)
		st.putIPv4(p, src, dst, o.tos, o.proto, o.ttl, df)
		if o.icmp {
			st.mib.Icmp4.OutMsgs.Add(1)
			st.mib.Icmp4.OutType[t[0]].Add(1)
		}
		return st.output4(b, rt, dst)
	}
	st.putIPv6(p, src, dst, o.tos, o.proto, o.ttl)
	if o.icmp {
		st.mib.Icmp6.OutMsgs.Add(1)
		st.mib.Icmp6.OutType[t[0]].Add(1)
	}
	return st.output6(b, rt, dst, true)
}

// deliverEcho hands an echo reply (b at the ICMP header) to its socket.
func (t *socketTable) deliverEcho(ns *netdev.Namespace, b *packet.Buffer, family int) {
	data := b.Bytes()
	id := uint16(data[4])<<8 | uint16(data[5])
	c := (*t.pings.Load())[sockKey{family, id}]
	if c == nil || c.recv == nil {
		return
	}
	ev := EchoEvent{Reply: true, ID: id, Seq: uint16(data[6])<<8 | uint16(data[7]),
		Size: len(data) - header.ICMPv4MinimumSize, At: ns.World().Now()}
	if family == FamilyV4 {
		nh := header.IPv4(b.NetworkHeader())
		ev.From, ev.TTL = nh.Source(), nh.TTL()
	} else {
		nh := header.IPv6(b.NetworkHeader())
		ev.From, ev.TTL = nh.Source(), nh.HopLimit()
	}
	c.recv(ev)
}

// deliverEchoErr hands an ICMP error quoting one of our echo requests to
// its socket.
func (t *socketTable) deliverEchoErr(ns *netdev.Namespace, e ICMPErr) bool {
	var inner []byte
	if e.Family == FamilyV4 {
		ip := header.IPv4(e.Payload)
		inner = e.Payload[ip.HeaderLength():]
		if len(inner) < 8 || inner[0] != header.ICMPv4Echo {
			return false
		}
	} else {
		info := header.WalkIPv6(e.Payload)
		if info.Protocol != header.IPProtoICMPv6 || info.Offset+8 > len(e.Payload) {
			return false
		}
		inner = e.Payload[info.Offset:]
		if inner[0] != header.ICMPv6EchoRequest {
			return false
		}
	}
	id := uint16(inner[4])<<8 | uint16(inner[5])
	c := (*t.pings.Load())[sockKey{e.Family, id}]
	if c == nil || c.recv == nil {
		return false
	}
	ev := EchoEvent{From: e.From, ID: id, Seq: uint16(inner[6])<<8 | uint16(inner[7]),
		Type: e.Type, Code: e.Code, MTU: e.MTU, At: ns.World().Now()}
	if e.Family == FamilyV4 && e.Type == header.ICMPv4Redirect {
		ev.Gateway = netip.AddrFrom4([4]byte{byte(e.Info >> 24), byte(e.Info >> 16), byte(e.Info >> 8), byte(e.Info)})
	}
	c.recv(ev)
	return true
}

// UDPConn is a UDP socket for probes and flows. Its callback runs on the
// World's loop; payload is valid only during the call.
type UDPConn struct {
	ns    *netdev.Namespace
	laddr netip.AddrPort
	keys  []sockKey
	recv  func(src, dst netip.AddrPort, payload []byte)
	once  sync.Once
}

// ListenUDP opens a UDP socket on laddr. Port 0 picks an ephemeral port;
// an invalid (zero) address listens on both families, an unspecified one
// on its family. EADDRINUSE when the port is taken.
func ListenUDP(ns *netdev.Namespace, laddr netip.AddrPort, recv func(src, dst netip.AddrPort, payload []byte)) (*UDPConn, error) {
	t := &stateOf(ns).socks
	t.mu.Lock()
	defer t.mu.Unlock()
	fams := []int{FamilyV4, FamilyV6}
	if laddr.Addr().IsValid() {
		fams = []int{familyOf(laddr.Addr())}
	}
	m := cloneMap(*t.udps.Load())
	port := laddr.Port()
	if port == 0 {
		for i := 0; i < 28232; i++ {
			cand := t.next
			t.next++
			if t.next < 32768 {
				t.next = 32768
			}
			free := true
			for _, f := range fams {
				if m[sockKey{f, cand}] != nil {
					free = false
				}
			}
			if free {
				port = cand
				break
			}
		}
	}
	c := &UDPConn{ns: ns, laddr: netip.AddrPortFrom(laddr.Addr(), port), recv: recv}
	for _, f := range fams {
		k := sockKey{f, port}
		if m[k] != nil || port == 0 {
			return nil, extack.Errno(syscall.EADDRINUSE)
		}
		m[k] = c
		c.keys = append(c.keys, k)
	}
	t.udps.Store(&m)
	return c, nil
}

// LocalAddr returns the bound address and port.
func (c *UDPConn) LocalAddr() netip.AddrPort { return c.laddr }

// SendTo sends one datagram.
func (c *UDPConn) SendTo(dst netip.AddrPort, payload []byte, o UDPOpts) error {
	msg := make([]byte, header.UDPMinimumSize+len(payload))
	u := header.UDP(msg)
	u.SetSourcePort(c.laddr.Port())
	u.SetDestinationPort(dst.Port())
	u.SetLength(uint16(len(msg)))
	copy(msg[header.UDPMinimumSize:], payload)
	src := o.Src
	if !src.IsValid() && c.laddr.Addr().IsValid() && !c.laddr.Addr().IsUnspecified() {
		src = c.laddr.Addr()
	}
	st := stateOf(c.ns)
	err := st.sendL4(dst.Addr(), msg, sendOpts{proto: header.IPProtoUDP, ttl: o.TTL, tos: o.TOS,
		pmtu: o.PMTUDisc, src: src, iface: o.Iface, mark: o.Mark, udp: true})
	if err == nil {
		if dst.Addr().Is4() {
			st.mib.Udp4.OutDatagrams.Add(1)
		} else {
			st.mib.Udp6.OutDatagrams.Add(1)
		}
	}
	return err
}

// Close closes the socket.
func (c *UDPConn) Close() {
	c.once.Do(func() {
		t := &stateOf(c.ns).socks
		t.mu.Lock()
		defer t.mu.Unlock()
		m := cloneMap(*t.udps.Load())
		for _, k := range c.keys {
			if m[k] == c {
				delete(m, k)
			}
		}
		t.udps.Store(&m)
	})
}

func init() {
	AddProtocol(FamilyV4, header.IPProtoUDP, 0, &protoFunc{rcv: udpRcv})
	AddProtocol(FamilyV6, header.IPProtoUDP, 0, &protoFunc{rcv: udpRcv})
}

// udpRcv is udp_rcv for the probe sockets. b's data is at the UDP header.
func udpRcv(ns *netdev.Namespace, d *netdev.Device, b *packet.Buffer) ProtoVerdict {
	st := stateOf(ns)
	nh := b.NetworkHeader()
	v4 := len(nh) > 0 && nh[0]>>4 == 4
	m := &st.mib.Udp6
	var src, dst netip.Addr
	if v4 {
		m = &st.mib.Udp4
		src, dst = header.IPv4(nh).Source(), header.IPv4(nh).Destination()
	} else {
		src, dst = header.IPv6(nh).Source(), header.IPv6(nh).Destination()
	}
	data := b.Bytes()
	u := header.UDP(data)
	if !u.IsValid() {
		m.InErrors.Add(1)
		d.Drop(b, DropHdrTrunc)
		return Handled
	}
	u = u[:u.Length()]
	if (u.Checksum() != 0 || !v4) && !csumTrusted(b) {
		s, dd := src.AsSlice(), dst.AsSlice()
		if !u.IsChecksumValid(s, dd) {
			m.InCsumErrors.Add(1)
			m.InErrors.Add(1)
			d.Drop(b, DropUDPCsum)
			return Handled
		}
	}
	fam := FamilyV6
	if v4 {
		fam = FamilyV4
	}
	c := (*st.socks.udps.Load())[sockKey{fam, u.DestinationPort()}]
	if c != nil && c.laddr.Addr().IsValid() && !c.laddr.Addr().IsUnspecified() && c.laddr.Addr() != dst {
		c = nil
	}
	if c == nil {
		m.NoPorts.Add(1)
		b.PushTo(b.NetworkStart())
		if v4 {
			st.icmpSend4(b, header.ICMPv4DestUnreach, header.ICMPv4PortUnreach, 0)
		} else {
			st.icmpSend6(b, header.ICMPv6DstUnreachable, header.ICMPv6PortUnreachable, 0)
		}
		d.Drop(b, DropNoSocket)
		return Handled
	}
	m.InDatagrams.Add(1)
	if c.recv != nil {
		c.recv(netip.AddrPortFrom(src, u.SourcePort()), netip.AddrPortFrom(dst, u.DestinationPort()), u.Payload())
	}
	b.Free()
	return Handled
}
