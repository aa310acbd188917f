package iproute

import (
	"net/netip"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/tunnel"
)

// tunnelFallback reports a tunnel fallback device (tunl0): Linux registers
// it before giving it an MTU, so it never gets IPv6 state (no addrgenmode).
func tunnelFallback(d *netdev.Device) bool {
	t := tunnel.Of(d)
	return t != nil && t.IsFallback()
}

// llAddr is ll_addr_n2a: tunnel devices (ipip, sit, gre) show their
// 4-byte addresses as dotted quads and ip6 tunnels their 16-byte ones as
// IPv6 addresses; everything else as colon-separated hex.
func llAddr(d *netdev.Device, a []byte) string {
	switch {
	case len(a) == 4 && (d.Type == netdev.ARPHRDTunnel || d.Type == netdev.ARPHRDSit || d.Type == netdev.ARPHRDIPGRE):
		return netip.AddrFrom4([4]byte(a)).String()
	case len(a) == 16 && (d.Type == netdev.ARPHRDTunnel6 || d.Type == 823):
		return netip.AddrFrom16([16]byte(a)).String()
	}
	return netdev.HWAddr(a).String()
}

// linkNone reports whether d reports an IFLA_LINK of 0 (a tunnel not bound
// to a lower device), which iproute2 shows as "@NONE" and JSON "link":null.
func linkNone(d *netdev.Device) bool {
	g, ok := d.Driver.(netdev.IflinkGetter)
	return ok && g.Iflink(d) == 0
}
