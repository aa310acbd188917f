// Package vti is the vti link kind: route-based IPsec tunnel interfaces
// on the shared ip_tunnel core, mirroring Linux's net/ipv4/ip_vti.c (and
// iproute2's ip/link_vti.c for the configuration it accepts).
//
// A vti device is an IPv4 tunnel (ARPHRD_TUNNEL, fallback device ip_vti0)
// that carries no header of its own: packets routed into it are looked up
// in the xfrm policy database with the tunnel's okey as the flow mark and
// sent through the resulting IPsec bundle, whose first state must be a
// tunnel-mode IPv4 SA between the tunnel's endpoints. ESP, AH and IPComp
// packets from the tunnel's remote are claimed (xfrm input priority 100,
// ahead of plain xfrm), their SA looked up with the tunnel's ikey as the
// mark, the decapsulated packet checked against the in policies with the
// ikey as its mark, and delivered on the vti device.
//
// The transmit half (bundle checks, PMTU, scrubbing and output) is shared
// with xfrm interfaces (package tunnel/xfrmi) through SendBundle.
package vti
