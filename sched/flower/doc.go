// Package flower is the flower classifier: filters that match a packet's
// dissected flow key (Ethernet addresses, VLAN, ethertype, IP protocol,
// addresses with prefixes, TOS, TTL, ports and port ranges, TCP flags,
// ICMP type and code, and the collect_md tunnel metadata: key id, outer
// addresses and UDP destination port) under a per-filter mask.
//
// It mirrors Linux's net/sched/cls_flower.c and the parts of
// net/core/flow_dissector.c flower uses. As in Linux, filters are grouped
// by mask: each distinct mask owns one hash table of masked keys, and a
// lookup masks the packet's key once per mask and probes that table, so
// the cost of classifying grows with the number of distinct masks, not of
// filters. Masks are tried in the order they were first used; filters
// with port ranges share a hash bucket per range mask and are checked
// against their ranges there (fl_lookup_range).
//
// Connection-tracking keys (ct_state …) are refused: softnet has no
// conntrack.
package flower
