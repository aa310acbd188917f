package sys

import (
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PacketConfig describes an AF_PACKET socket on a host interface.
type PacketConfig struct {
	// Ifindex is the host interface to bind to.
	Ifindex int
	// VnetHdr prefixes frames with a virtio_net_hdr (PACKET_VNET_HDR).
	VnetHdr bool
	// FanoutGroup, when non-zero, joins a PACKET_FANOUT_HASH group so that
	// several sockets share the interface's traffic by flow.
	FanoutGroup uint16
	// Promisc puts the interface in promiscuous mode while the socket is
	// open (PACKET_MR_PROMISC), so frames to other MAC addresses arrive.
	Promisc bool
}

// OpenPacket opens an AF_PACKET SOCK_RAW socket bound to an interface,
// receiving every protocol, ignoring the host's own outgoing frames
// (PACKET_IGNORE_OUTGOING).
func OpenPacket(cfg PacketConfig) (*Conn, error) {
	proto := htons(unix.ETH_P_ALL)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, int(proto))
	if err != nil {
		return nil, fmt.Errorf("socket(AF_PACKET): %w", err)
	}
	fail := func(what string, err error) (*Conn, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if cfg.VnetHdr {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VNET_HDR, 1); err != nil {
			return fail("PACKET_VNET_HDR", err)
		}
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
		return fail("PACKET_IGNORE_OUTGOING", err)
	}
	sa := &unix.SockaddrLinklayer{Protocol: proto, Ifindex: cfg.Ifindex}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind(AF_PACKET)", err)
	}
	if cfg.Promisc {
		mr := &unix.PacketMreq{Ifindex: int32(cfg.Ifindex), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, mr); err != nil {
			return fail("PACKET_ADD_MEMBERSHIP", err)
		}
	}
	if cfg.FanoutGroup != 0 {
		v := int(cfg.FanoutGroup) | unix.PACKET_FANOUT_HASH<<16
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT, v); err != nil {
			return fail("PACKET_FANOUT", err)
		}
	}
	return newConn(fd, unix.AF_PACKET, "packet")
}

// OpenRawIP opens a raw IPv4 socket for one IP protocol with IP_HDRINCL:
// sends carry a complete IPv4 header, receives return whole packets. A
// non-empty device binds it to one host interface (SO_BINDTODEVICE).
func OpenRawIP(proto int, device string) (*Conn, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err != nil {
		return nil, fmt.Errorf("socket(AF_INET, SOCK_RAW, %d): %w", proto, err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_HDRINCL, 1); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("IP_HDRINCL: %w", err)
	}
	if device != "" {
		if err := unix.BindToDevice(fd, device); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("SO_BINDTODEVICE: %w", err)
		}
	}
	return newConn(fd, unix.AF_INET, "rawip")
}

// OpenRawIP6 opens a raw IPv6 socket receiving one IP protocol (next
// header). The kernel hands over the payload after the IPv6 header and any
// extension headers it processed; to let the caller rebuild the header,
// every message carries the source address (Msg.Addr), IPV6_PKTINFO
// (Msg.Local, Msg.Ifindex), IPV6_HOPLIMIT (Msg.HopLimit), IPV6_TCLASS
// (Msg.TClass) and, when non-zero, IPV6_FLOWINFO (Msg.FlowLabel). A
// non-empty device binds it to one host interface (SO_BINDTODEVICE). On a
// host with IPv6 disabled the error wraps EAFNOSUPPORT.
func OpenRawIP6(proto int, device string) (*Conn, error) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err != nil {
		return nil, fmt.Errorf("socket(AF_INET6, SOCK_RAW, %d): %w", proto, err)
	}
	for _, o := range []struct {
		name string
		opt  int
	}{
		{"IPV6_RECVPKTINFO", unix.IPV6_RECVPKTINFO},
		{"IPV6_RECVHOPLIMIT", unix.IPV6_RECVHOPLIMIT},
		{"IPV6_RECVTCLASS", unix.IPV6_RECVTCLASS},
		{"IPV6_FLOWINFO", ipv6FlowInfo},
	} {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, o.opt, 1); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("%s: %w", o.name, err)
		}
	}
	return rawIP6Conn(fd, device)
}

// OpenRawIP6Out opens the raw IPv6 socket for sending whole IPv6 packets:
// protocol IPPROTO_RAW, which makes the socket header-including on every
// Linux (IPV6_HDRINCL, the option that says so, exists from Linux 4.5 and
// is set when present). Each send takes the packet's destination as its
// sockaddr; the kernel routes by it and sends the packet exactly as given
// (unlike IPv4's IP_HDRINCL it does not fix the payload length), failing
// with EMSGSIZE above the route's device MTU. It receives nothing (no
// packet has next header 255). A non-empty device binds it to one host
// interface.
func OpenRawIP6Out(device string) (*Conn, error) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.IPPROTO_RAW)
	if err != nil {
		return nil, fmt.Errorf("socket(AF_INET6, SOCK_RAW, IPPROTO_RAW): %w", err)
	}
	err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_HDRINCL, 1)
	if err != nil && err != unix.ENOPROTOOPT {
		unix.Close(fd)
		return nil, fmt.Errorf("IPV6_HDRINCL: %w", err)
	}
	return rawIP6Conn(fd, device)
}

func rawIP6Conn(fd int, device string) (*Conn, error) {
	if device != "" {
		if err := unix.BindToDevice(fd, device); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("SO_BINDTODEVICE: %w", err)
		}
	}
	return newConn(fd, unix.AF_INET6, "rawip6")
}

// UDPConfig describes a UDP socket.
type UDPConfig struct {
	// Addr is the local address and port to bind; an IPv6 or unspecified
	// IPv6 address makes a dual-stack AF_INET6 socket.
	Addr netip.AddrPort
	// GRO asks the kernel to coalesce received datagrams (UDP_GRO); each
	// message then reports its segment size.
	GRO bool
	// Device binds the socket to a host interface (SO_BINDTODEVICE).
	Device string
}

// OpenUDP opens and binds a UDP socket with IP_PKTINFO (IPV6_RECVPKTINFO),
// so received messages say which local address they were sent to.
func OpenUDP(cfg UDPConfig) (*Conn, error) {
	fam := unix.AF_INET6
	if cfg.Addr.Addr().Is4() {
		fam = unix.AF_INET
	}
	fd, err := unix.Socket(fam, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("socket(UDP): %w", err)
	}
	fail := func(what string, err error) (*Conn, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var sa unix.Sockaddr
	if fam == unix.AF_INET {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_PKTINFO, 1); err != nil {
			return fail("IP_PKTINFO", err)
		}
		sa = &unix.SockaddrInet4{Port: int(cfg.Addr.Port()), Addr: cfg.Addr.Addr().As4()}
	} else {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0); err != nil {
			return fail("IPV6_V6ONLY", err)
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_PKTINFO, 1); err != nil {
			return fail("IP_PKTINFO", err)
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1); err != nil {
			return fail("IPV6_RECVPKTINFO", err)
		}
		a := cfg.Addr.Addr()
		if !a.IsValid() {
			a = netip.IPv6Unspecified()
		}
		sa = &unix.SockaddrInet6{Port: int(cfg.Addr.Port()), Addr: a.As16()}
	}
	if cfg.Device != "" {
		if err := unix.BindToDevice(fd, cfg.Device); err != nil {
			return fail("SO_BINDTODEVICE", err)
		}
	}
	if cfg.GRO {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_UDP, unix.UDP_GRO, 1); err != nil {
			return fail("UDP_GRO", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind(UDP)", err)
	}
	return newConn(fd, fam, "udp")
}

// LocalAddr returns the socket's bound address.
func (c *Conn) LocalAddr() (netip.AddrPort, error) {
	var ap netip.AddrPort
	err := c.Control(func(fd int) error {
		sa, err := unix.Getsockname(fd)
		if err != nil {
			return err
		}
		switch sa := sa.(type) {
		case *unix.SockaddrInet4:
			ap = netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
		case *unix.SockaddrInet6:
			ap = netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
		}
		return nil
	})
	return ap, err
}

// UDPSegmentSupported reports whether the kernel accepts UDP_SEGMENT
// (Linux 4.18) on a UDP socket.
func UDPSegmentSupported() bool {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	_, err = unix.GetsockoptInt(fd, unix.IPPROTO_UDP, unix.UDP_SEGMENT)
	return err == nil
}

func htons(v uint16) uint16 {
	var b [2]byte
	b[0], b[1] = byte(v>>8), byte(v)
	return *(*uint16)(unsafe.Pointer(&b))
}
