// Package pcap writes softnet device captures as pcapng (one interface
// block per file, nanosecond timestamps, the EPB direction flag from the
// tap's direction), shared by the lab's per-device captures and the
// daemon's `softnet capture`. It mirrors what tcpdump does on a Linux
// ptype_all tap (net/packet/af_packet.c): every frame a device receives or
// transmits, from its link-layer header.
package pcap
