package hostlink

import (
	"encoding/binary"
	"errors"
	"syscall"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Family values of RawIPInfo.
const (
	familyBoth  = "inet,inet6"
	familyInet  = "inet"
	inet6NoHost = "unavailable"
)

// openRawIP6 and openRawIP6Out open host-ip's IPv6 sockets; tests replace
// them to play a host with IPv6 disabled.
var (
	openRawIP6    = sys.OpenRawIP6
	openRawIP6Out = sys.OpenRawIP6Out
)

// open6 opens one raw IPv6 socket per protocol and the IPPROTO_RAW socket
// that sends, appending the receiving sockets to rd.conns (with their
// synth functions to readers) and the sending one last. A host without
// IPv6 (socket(AF_INET6) fails with EAFNOSUPPORT) leaves the device
// IPv4-only, saying so in its info; any other failure is an error.
func (rd *rawIPDev) open6(protos []uint8, hostDev string, readers []func(*packet.Buffer, *sys.Msg) bool) ([]func(*packet.Buffer, *sys.Msg) bool, error) {
	tx6, err := openRawIP6Out(hostDev)
	if errors.Is(err, syscall.EAFNOSUPPORT) {
		rd.info.Family, rd.info.Inet6 = familyInet, inet6NoHost
		return readers, nil
	}
	if err != nil {
		return nil, hostErr("cannot open raw IPv6 socket", err)
	}
	for _, p := range protos {
		c, err := openRawIP6(int(p), hostDev)
		if err != nil {
			tx6.Close()
			return nil, hostErr("cannot open raw IPv6 socket", err)
		}
		rd.conns = append(rd.conns, c)
		readers = append(readers, rd.rebuild6(p))
	}
	rd.conns = append(rd.conns, tx6)
	rd.tx6 = tx6
	rd.info.Family = familyBoth
	return readers, nil
}

// rebuild6 returns the synth function of the raw IPv6 socket of protocol
// proto (made once per socket, not per packet).
func (rd *rawIPDev) rebuild6(proto uint8) func(*packet.Buffer, *sys.Msg) bool {
	return func(b *packet.Buffer, m *sys.Msg) bool { return rd.pushIPv6(b, m, proto) }
}

// defaultHopLimit stands in for a hop limit the host did not report.
const defaultHopLimit = 64

// pushIPv6 puts back the IPv6 header the host removed from a packet of
// protocol proto: source from the sockaddr, destination from IPV6_PKTINFO,
// hop limit, traffic class and flow label from their cmsgs, proto as next
// header (extension headers the host processed are gone). It reports
// whether b is to be delivered; a message without IPV6_PKTINFO is dropped
// (DEV_HDR), as its destination is unknown.
func (rd *rawIPDev) pushIPv6(b *packet.Buffer, m *sys.Msg, proto uint8) bool {
	n := b.Len()
	if !m.Local.IsValid() || !m.Addr.Addr().IsValid() {
		rd.dev.Stats.RxFrameErrors.Add(1)
		rd.dev.DropRx(b, netdev.DropDevHdr)
		return false
	}
	if n > 0xFFFF || !b.Reserve(header.IPv6MinimumSize, 0) {
		rd.dev.DropRx(b, netdev.DropPktTooBig)
		return false
	}
	ip := header.IPv6(b.Push(header.IPv6MinimumSize))
	binary.BigEndian.PutUint32(ip[0:4], 6<<28|uint32(m.TClass)<<20|m.FlowLabel&header.IPv6FlowLabelMask)
	ip.SetPayloadLength(uint16(n))
	ip.SetNextHeader(proto)
	hl := uint8(defaultHopLimit)
	if m.HasHopLimit {
		hl = m.HopLimit
	}
	ip.SetHopLimit(hl)
	src, dst := m.Addr.Addr().As16(), m.Local.As16()
	copy(ip.SourceSlice(), src[:])
	copy(ip.DestinationSlice(), dst[:])
	return true
}

// fixPayloadLength sets an IPv6 packet's payload length from its size, as
// the host does for IPv4 (IP_HDRINCL rewrites tot_len) but not for IPv6
// (a header-including IPv6 send goes out exactly as given). It reports
// false for a packet too long for the field (no jumbograms).
func fixPayloadLength(p []byte) bool {
	n := len(p) - header.IPv6MinimumSize
	if n > 0xFFFF {
		return false
	}
	header.IPv6(p).SetPayloadLength(uint16(n))
	return true
}
