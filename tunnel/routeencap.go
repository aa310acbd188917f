package tunnel

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/softnet/softnet/packet"
)

// RouteEncap is the lightweight-tunnel state of a route with `encap ip`
// (LWTUNNEL_ENCAP_IP, net/ipv4/ip_tunnel_core.c ip_tun_build_state): the
// transmit metadata an external-mode tunnel uses for packets routed over
// it. It is what inet.Route.Encap holds for such routes.
type RouteEncap struct {
	ID       uint64     // id (tunnel key)
	Dst, Src netip.Addr // dst, src
	TTL      uint8      // ttl (0: inherit)
	TOS      uint8      // tos (1: inherit)
	Flags    packet.TunnelFlags
}

// Info returns the transmit metadata the route gives a packet.
func (e *RouteEncap) Info() packet.TunnelInfo {
	return packet.TunnelInfo{Present: true, TX: true, Dst: e.Dst, Src: e.Src,
		TTL: e.TTL, TOS: e.TOS, Key: e.ID, Flags: e.Flags}
}

// String prints the encap as ip route shows it ("encap ip id 0 src 0.0.0.0
// dst 192.0.2.2 ttl 0 tos 0").
func (e *RouteEncap) String() string {
	var sb strings.Builder
	src := e.Src
	if !src.IsValid() {
		src = netip.IPv4Unspecified()
	}
	dst := e.Dst
	if !dst.IsValid() {
		dst = netip.IPv4Unspecified()
	}
	fmt.Fprintf(&sb, "ip id %d src %s dst %s ttl %d tos %d", e.ID, src, dst, e.TTL, e.TOS)
	return sb.String()
}
