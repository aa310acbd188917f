// Package mpls is a minimal MPLS forwarding plane, the part of the
// kernel's net/mpls/af_mpls.c and mpls_iptunnel.c that MPLS-in-IP tunnels
// (ipip mode mplsip) need: a per-namespace label table (ip -f mpls route
// add LABEL [as LABELS] via inet ADDR dev DEV), the receive path that swaps
// or pops labels and delivers the payload toward its nexthop, and the
// route encapsulation that pushes a label stack (ip route add PREFIX encap
// mpls LABELS dev DEV).
//
// As in Linux, labels must be below net.mpls.platform_labels (0 by
// default, so nothing is accepted until it is raised) and at least 16, and
// a device accepts MPLS only when net.mpls.conf.DEV.input is 1 (0 by
// default). Not modelled: multipath, IPv6 payloads' hop limit propagation options, ICMP
// extensions for MPLS.
package mpls
