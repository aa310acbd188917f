package sys

import (
	"encoding/binary"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// oobSize is the control-message room per message: IPV6_PKTINFO (40)
// plus UDP_GRO or UDP_SEGMENT (24), or on a raw IPv6 socket IPV6_PKTINFO,
// IPV6_HOPLIMIT, IPV6_TCLASS and IPV6_FLOWINFO (40+24+24+24), with slack.
const oobSize = 128

// ipv6FlowInfo is IPV6_FLOWINFO (include/uapi/linux/in6.h): the socket
// option that turns the cmsg on, and the cmsg carrying the flow label.
const ipv6FlowInfo = 11

// Batch is a set of messages for RecvBatch/SendBatch, with the kernel
// structures behind them allocated once. A Batch is used by one goroutine
// at a time.
type Batch struct {
	// Msgs are the messages; set Buf before each call.
	Msgs  []Msg
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrAny
	oob   []byte
	// gather holds the iovec lists of the messages sent from Bufs, one
	// after another.
	gather []unix.Iovec
}

// MaxIov bounds Msg.Bufs and Conn.Writev's slices (UIO_MAXIOV).
const MaxIov = 1024

// fillIovs appends an iovec for each non-empty slice of bufs to dst.
func fillIovs(dst []unix.Iovec, bufs [][]byte) []unix.Iovec {
	for _, p := range bufs {
		if len(p) == 0 {
			continue
		}
		var v unix.Iovec
		v.Base = &p[0]
		v.SetLen(len(p))
		dst = append(dst, v)
	}
	if len(dst) == 0 {
		dst = append(dst, unix.Iovec{})
	}
	return dst
}

// NewBatch returns a batch of n messages.
func NewBatch(n int) *Batch {
	n = max(n, 1)
	b := &Batch{
		Msgs:  make([]Msg, n),
		hdrs:  make([]unix.Mmsghdr, n),
		iovs:  make([]unix.Iovec, n),
		names: make([]unix.RawSockaddrAny, n),
		oob:   make([]byte, n*oobSize),
	}
	for i := range b.hdrs {
		h := &b.hdrs[i].Hdr
		h.Iov = &b.iovs[i]
		h.SetIovlen(1)
	}
	return b
}

func (b *Batch) setIov(i int) {
	h := &b.hdrs[i].Hdr
	if bufs := b.Msgs[i].Bufs; len(bufs) > 0 {
		// prepSend made room for every list: appending does not move the
		// lists already pointed to.
		start := len(b.gather)
		b.gather = fillIovs(b.gather, bufs)
		h.Iov = &b.gather[start]
		h.SetIovlen(len(b.gather) - start)
		return
	}
	h.Iov = &b.iovs[i]
	h.SetIovlen(1)
	buf := b.Msgs[i].Buf
	if len(buf) == 0 {
		b.iovs[i].Base = nil
		b.iovs[i].SetLen(0)
		return
	}
	b.iovs[i].Base = &buf[0]
	b.iovs[i].SetLen(len(buf))
}

func (b *Batch) prepRecv() {
	b.gather = b.gather[:0]
	for i := range b.hdrs {
		b.setIov(i)
		h := &b.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&b.names[i]))
		h.Namelen = unix.SizeofSockaddrAny
		h.Control = &b.oob[i*oobSize]
		h.SetControllen(oobSize)
		h.Flags = 0
		b.hdrs[i].Len = 0
	}
}

func (b *Batch) finishRecv(n int) {
	for i := range n {
		m := &b.Msgs[i]
		h := &b.hdrs[i]
		m.N = int(h.Len)
		m.Truncated = h.Hdr.Flags&unix.MSG_TRUNC != 0
		m.Addr, m.Ifindex, m.PktType = parseName(&b.names[i], h.Hdr.Namelen)
		m.Local, m.GSOSize = netip.Addr{}, 0
		parseCmsgs(m, b.oob[i*oobSize:i*oobSize+int(h.Hdr.Controllen)])
	}
}

func parseName(sa *unix.RawSockaddrAny, n uint32) (netip.AddrPort, int32, uint8) {
	if n == 0 {
		return netip.AddrPort{}, 0, 0
	}
	switch sa.Addr.Family {
	case unix.AF_INET:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&p.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom4(p.Addr), port), 0, 0
	case unix.AF_INET6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(sa))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&p.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom16(p.Addr).Unmap(), port), 0, 0
	case unix.AF_PACKET:
		p := (*unix.RawSockaddrLinklayer)(unsafe.Pointer(sa))
		return netip.AddrPort{}, p.Ifindex, p.Pkttype
	}
	return netip.AddrPort{}, 0, 0
}

// parseCmsgs fills m's ancillary fields from a received control buffer;
// fields of cmsgs the buffer lacks are reset.
func parseCmsgs(m *Msg, oob []byte) {
	m.HopLimit, m.HasHopLimit, m.TClass, m.FlowLabel = 0, false, 0, 0
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(oob) {
			return
		}
		data := oob[unix.SizeofCmsghdr:l]
		switch {
		case h.Level == unix.IPPROTO_IP && h.Type == unix.IP_PKTINFO && len(data) >= 12:
			m.Ifindex = int32(binary.NativeEndian.Uint32(data[0:4]))
			m.Local = netip.AddrFrom4([4]byte(data[8:12]))
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_PKTINFO && len(data) >= 20:
			m.Local = netip.AddrFrom16([16]byte(data[0:16])).Unmap()
			m.Ifindex = int32(binary.NativeEndian.Uint32(data[16:20]))
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_HOPLIMIT && len(data) >= 4:
			m.HopLimit, m.HasHopLimit = uint8(binary.NativeEndian.Uint32(data[0:4])), true
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_TCLASS && len(data) >= 4:
			m.TClass = uint8(binary.NativeEndian.Uint32(data[0:4]))
		case h.Level == unix.IPPROTO_IPV6 && h.Type == ipv6FlowInfo && len(data) >= 4:
			m.FlowLabel = binary.BigEndian.Uint32(data[0:4]) & 0xFFFFF
		case h.Level == unix.IPPROTO_UDP && h.Type == unix.UDP_GRO && len(data) >= 4:
			m.GSOSize = uint16(binary.NativeEndian.Uint32(data[0:4]))
		}
		sp := unix.CmsgSpace(l - unix.SizeofCmsghdr)
		if sp > len(oob) {
			return
		}
		oob = oob[sp:]
	}
}

func (b *Batch) prepSend(family, n int) error {
	total := 0
	for i := range n {
		if len(b.Msgs[i].Bufs) > MaxIov {
			return unix.EINVAL
		}
		total += max(len(b.Msgs[i].Bufs), 1)
	}
	if cap(b.gather) < total {
		b.gather = make([]unix.Iovec, 0, total)
	}
	b.gather = b.gather[:0]
	for i := range n {
		m := &b.Msgs[i]
		b.setIov(i)
		h := &b.hdrs[i].Hdr
		h.Flags = 0
		h.Name, h.Namelen = nil, 0
		if m.Addr.IsValid() {
			l, err := putName(&b.names[i], family, m.Addr)
			if err != nil {
				return err
			}
			h.Name = (*byte)(unsafe.Pointer(&b.names[i]))
			h.Namelen = l
		}
		oob := b.oob[i*oobSize : (i+1)*oobSize]
		used := 0
		if m.GSOSize != 0 {
			used += putCmsg(oob[used:], unix.IPPROTO_UDP, unix.UDP_SEGMENT, 2, func(d []byte) {
				binary.NativeEndian.PutUint16(d, m.GSOSize)
			})
		}
		if m.Local.IsValid() {
			used += putPktinfo(oob[used:], family, m.Local)
		}
		if used == 0 {
			h.Control = nil
			h.SetControllen(0)
		} else {
			h.Control = &oob[0]
			h.SetControllen(used)
		}
	}
	return nil
}

func putName(sa *unix.RawSockaddrAny, family int, ap netip.AddrPort) (uint32, error) {
	a := ap.Addr()
	var port [2]byte
	binary.BigEndian.PutUint16(port[:], ap.Port())
	if a.Is4() && family != unix.AF_INET6 {
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		*p = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.As4()}
		p.Port = *(*uint16)(unsafe.Pointer(&port))
		return unix.SizeofSockaddrInet4, nil
	}
	if family == unix.AF_INET {
		return 0, unix.EAFNOSUPPORT
	}
	p := (*unix.RawSockaddrInet6)(unsafe.Pointer(sa))
	*p = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.As16()}
	p.Port = *(*uint16)(unsafe.Pointer(&port))
	return unix.SizeofSockaddrInet6, nil
}

func putCmsg(oob []byte, level, typ int32, n int, fill func([]byte)) int {
	sp := unix.CmsgSpace(n)
	clear(oob[:sp])
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(n))
	fill(oob[unix.SizeofCmsghdr : unix.SizeofCmsghdr+n])
	return sp
}

func putPktinfo(oob []byte, family int, src netip.Addr) int {
	if src.Is4() && family != unix.AF_INET6 {
		return putCmsg(oob, unix.IPPROTO_IP, unix.IP_PKTINFO, 12, func(d []byte) {
			a := src.As4()
			copy(d[4:8], a[:]) // ipi_spec_dst
		})
	}
	return putCmsg(oob, unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, 20, func(d []byte) {
		a := src.As16()
		copy(d[0:16], a[:])
	})
}
