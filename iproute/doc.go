// Package iproute is softnet's iproute2: the `ip` and `tc` command grammar
// turned into requests on a netdev.Namespace (and, through package inet, on
// its addresses, routes and neighbours), and their text and `-j` JSON
// output, in iproute2's words.
//
// It mirrors iproute2's ip/ip.c (global options, object table), ip/iplink.c
// (iplink_parse), ip/ipaddress.c (print_linkinfo, print_link_stats64, the
// -br format), ip/iproute.c, ip/ipneigh.c, lib/json_print.c (Printer) and
// lib/utils.c (matches, error wording), and tc/tc.c for the tc entry point.
//
// Commands run against an Env (a World and the default namespace). An
// object is a registered table entry (RegisterIPObject, RegisterTCObject);
// a link kind plugs its `ip link add … type K` arguments and its `ip -d
// link` section in with RegisterLinkKind. See docs/iproute.md.
package iproute
