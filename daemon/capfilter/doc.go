// Package capfilter is the filter language of `softnet capture`: a small
// subset of pcap-filter(7) (libpcap's gencode.c grammar) — host, net,
// port, portrange, proto, the protocol shorthands, ether proto/host,
// less/greater, joined by and/or/not and parentheses — parsed once into a
// flat program and evaluated per frame without allocating. It has no
// kernel counterpart: the kernel runs the cBPF that libpcap compiles from
// the same words (net/core/filter.c, attached by SO_ATTACH_FILTER); here
// the program is interpreted directly over the frame a device tap sees.
//
// docs/daemon.md lists exactly what is supported.
package capfilter
