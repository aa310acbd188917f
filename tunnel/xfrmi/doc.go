// Package xfrmi is the "xfrm" link kind: xfrm interfaces, the route-based
// IPsec devices keyed by if_id instead of marks, mirroring Linux's
// net/xfrm/xfrm_interface_core.c (and iproute2's ip/link_xfrm.c).
//
// An xfrm interface (ARPHRD_NONE, no addresses of its own, MTU 1500) is
// found by the if_id of the SAs: packets routed into it are looked up in
// the out policies with its if_id and sent through the resulting bundle
// (any mode; the first state must carry the same if_id); ESP, AH and
// IPComp packets whose SA carries an interface's if_id are claimed at
// xfrm input priority 10 (vti's 100 first, plain xfrm's 0 after) and
// delivered on that interface. The transmit tail is vti's SendBundle.
package xfrmi
