// Command softnet is Linux's virtual network devices in userspace: one
// binary with the verbs lab, script, daemon, ip, tc, monitor and capture.
//
//	softnet lab run examples/routed-three-hosts.yaml   # run a lab (the main job)
//	softnet lab graph examples/pmtu.yaml > pmtu.svg     # draw its topology
//	softnet script commands.sh                          # run ip/tc lines in a fresh namespace
//	softnet daemon --state /var/lib/softnet             # the dataplane daemon
//	softnet ip …, softnet tc …                          # talk to a running daemon
//	softnet monitor; softnet capture -i DEV -w f.pcapng # watch it
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
