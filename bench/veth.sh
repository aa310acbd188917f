#!/bin/bash
# Ceiling: the same two namespaces routing over the plain veth, no tunnel
# (the host kernel end to end). Usage: veth.sh [ANCHOR-NAME]
source "$(dirname "$0")/lib.sh"
ANCHOR="${1:-veth-ceiling}"
trap topo_down EXIT
topo_up
iperf_server 192.0.2.2
run_modes "$ANCHOR" 192.0.2.2 192.0.2.1
