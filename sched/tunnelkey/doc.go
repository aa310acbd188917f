// Package tunnelkey is the tunnel_key action: "set" attaches collect_md
// transmit metadata (outer addresses, key id, UDP destination port, TOS,
// TTL, checksum flag) to the packet for an external-mode tunnel device to
// encapsulate with; "unset" removes the metadata a received packet
// carries. It mirrors Linux's net/sched/act_tunnel_key.c.
package tunnelkey
