package ah

import (
	"net/netip"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/xfrm/internal/mode"
)

// finalRoute rewrites an IPv6 header ip and one of its routing headers rh
// into the form they will have on arrival at the final destination, the
// form AH's ICV covers (RFC 4302 §3.3.3.1.2, ah6's ipv6_rearrange_rthdr):
// the last address of the list becomes the destination, the current
// destination takes the slot of the first address not yet visited, the
// addresses still to visit move one slot down, and segments left becomes
// zero. The address list is laid out as in types 0 and 2 (4 reserved
// bytes, then the addresses); like Linux, every type is treated so, which
// keeps the ICV of both ends in agreement. It reports false when segments
// left exceeds the addresses the header holds.
func finalRoute(ip, rh []byte) bool {
	left := int(rh[3])
	if left == 0 {
		return true
	}
	segs := int(rh[1]) >> 1
	const a = 16 // address size
	if left > segs || 8+a*segs > len(rh) {
		return false
	}
	addrs := rh[8 : 8+a*segs]
	var final [a]byte
	copy(final[:], addrs[a*(segs-1):])
	next := segs - left // the first address not yet visited
	copy(addrs[a*(next+1):], addrs[a*next:a*(segs-1)])
	copy(addrs[a*next:], ip[24:40])
	copy(ip[24:40], final[:])
	rh[3] = 0
	return true
}

// finalDestination is where an IPv6 packet whose AH header is at hlen is
// going: its destination address, or the last address of a routing
// header in front of AH that still has segments left (the address the
// sender's SA names, since inet delivers such a packet without
// processing the routing header). IPv4 packets give their destination.
func finalDestination(pkt []byte, hlen int) netip.Addr {
	if pkt[0]>>4 != 6 || hlen > mode.MaxL3 || hlen > len(pkt) {
		return dstOf(pkt)
	}
	var l3 [mode.MaxL3]byte
	copy(l3[:hlen], pkt)
	ip := l3[:hlen]
	off, nh := header.IPv6MinimumSize, ip[6]
	for off+8 <= len(ip) {
		n := (int(ip[off+1]) + 1) * 8
		if off+n > len(ip) {
			break
		}
		if nh == 43 && !finalRoute(ip, ip[off:off+n]) {
			break
		}
		nh = ip[off]
		off += n
	}
	return header.IPv6(ip).Destination()
}
