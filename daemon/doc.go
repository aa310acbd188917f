// Package daemon is softnet's dataplane daemon: one netdev.World on a
// real-time loop, configured over a Unix socket with a JSON API (`softnet
// ip …`, `softnet tc …`, typed link requests), made durable by a journal
// of accepted commands and an atomically replaced snapshot, and observed
// through Prometheus metrics, an `ip monitor`-style event stream and
// pcapng captures.
//
// It has no single kernel counterpart: the socket API plays the part of
// rtnetlink (net/core/rtnetlink.c — requests serialized under the RTNL,
// answered with the extack text iproute2 would print), the monitor that of
// the link, address, route and xfrm multicast groups (ip/ipmonitor.c), and captures that of
// an AF_PACKET ptype_all tap (net/packet/af_packet.c). docs/daemon.md
// describes the wire protocol, the durability design and the access model.
package daemon
