// Package lab runs softnet labs: a YAML file declaring hosts (network
// namespaces), links between them (veth pairs, optionally impaired by a
// netem qdisc), a per-host script of iproute2 commands, probes (ping and
// UDP flows) with expectations, and pcapng captures. A lab runs in one
// process on a netdev.World driven by a SimLoop, so it runs on virtual time
// and is deterministic: the same file gives the same report.
//
// It has no kernel counterpart; it is what one would otherwise do by hand
// with ip netns, veth pairs, tc qdisc … netem, ping and tcpdump. The file
// format is documented in docs/lab.md.
//
// Use Load or Parse to read a lab (every error names the file, line and
// column), Lab.Run to run it, and Graph to draw its topology as SVG.
package lab
