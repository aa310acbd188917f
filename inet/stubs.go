package inet

import (
	"net/netip"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

var errTODO = extack.Errno(syscall.EOPNOTSUPP)

// AddAddr adds an address (ip addr add; ip addr replace when replace).
// EEXIST when present and !replace.
func AddAddr(ns *netdev.Namespace, a Addr, replace bool) error { return errTODO }

// DelAddr deletes an address (ip addr del). EADDRNOTAVAIL when absent.
func DelAddr(ns *netdev.Namespace, a Addr) error { return errTODO }

// Addrs lists addresses: ifindex 0 for all devices, family 0/4/6, in
// Linux's dump order.
func Addrs(ns *netdev.Namespace, ifindex int32, family int) []Addr { return nil }

// FlushAddrs deletes the addresses of a device (or all devices) and family.
func FlushAddrs(ns *netdev.Namespace, ifindex int32, family int) error { return errTODO }

// AddRoute adds a route with NLM_F_* semantics.
func AddRoute(ns *netdev.Namespace, r Route, flags RouteAddFlags) error { return errTODO }

// DelRoute deletes a route; ESRCH when absent.
func DelRoute(ns *netdev.Namespace, r Route) error { return errTODO }

// Routes lists routes in Linux's dump order.
func Routes(ns *netdev.Namespace, f RouteFilter) []Route { return nil }

// FlushRoutes deletes the routes f selects and returns how many.
func FlushRoutes(ns *netdev.Namespace, f RouteFilter) (int, error) { return 0, errTODO }

// RouteGet resolves a destination as ip route get.
func RouteGet(ns *netdev.Namespace, req RouteGetRequest) (RouteGetResult, error) {
	return RouteGetResult{}, errTODO
}

// AddNeigh adds a neighbour entry (ip neigh add / replace).
func AddNeigh(ns *netdev.Namespace, n Neigh, replace bool) error { return errTODO }

// DelNeigh deletes a neighbour entry.
func DelNeigh(ns *netdev.Namespace, n Neigh) error { return errTODO }

// Neighs lists neighbour entries.
func Neighs(ns *netdev.Namespace, ifindex int32, family int) []Neigh { return nil }

// FlushNeighs flushes neighbour entries (not permanent ones).
func FlushNeighs(ns *netdev.Namespace, ifindex int32, family int) error { return errTODO }

// AddProtocol registers a handler for an IP protocol (family 4 or 6);
// higher priority first. Call at init.
func AddProtocol(family int, proto uint8, priority int, h ProtoHandler) {}

// Dst is a resolved output route (struct dst_entry / rtable).
type Dst struct{}

// OutputLookup finds the output route for a flow (ip_route_output_key).
func OutputLookup(ns *netdev.Namespace, fl Flow) (*Dst, error) { return nil, errTODO }

// LocalOut sends a fully built IP packet along dst (ip_local_out).
func LocalOut(ns *netdev.Namespace, b *packet.Buffer, dst *Dst) error { b.Free(); return errTODO }

// UpdatePMTU records a PMTU exception for dst.
func UpdatePMTU(ns *netdev.Namespace, dst netip.Addr, mtu uint32) {}

// ICMPConn is a ping socket.
type ICMPConn struct{}

// DialICMP opens a ping socket.
func DialICMP(ns *netdev.Namespace, family int, recv func(EchoEvent)) (*ICMPConn, error) {
	return nil, errTODO
}

// SendEcho sends an echo request.
func (c *ICMPConn) SendEcho(dst netip.Addr, o EchoOpts) error { return errTODO }

// Close closes the socket.
func (c *ICMPConn) Close() {}

// UDPConn is a UDP socket for probes.
type UDPConn struct{}

// ListenUDP opens a UDP socket.
func ListenUDP(ns *netdev.Namespace, laddr netip.AddrPort, recv func(src, dst netip.AddrPort, payload []byte)) (*UDPConn, error) {
	return nil, errTODO
}

// SendTo sends a datagram.
func (c *UDPConn) SendTo(dst netip.AddrPort, payload []byte, o UDPOpts) error { return errTODO }

// Close closes the socket.
func (c *UDPConn) Close() {}
