// Package e2e holds tc's end-to-end tests, kept apart from the unit tests
// because they link the whole stack (inet, tunnels, the lab runner): the
// example labs' byte-exact capture checks (SPAN, remote mirroring into
// ipip) and the kernel-peer differential test against Linux 6.1
// (TestPrivKernelPeerMirred, run with SOFTNET_KERNEL_PEER=1 as root). It
// has no API.
package e2e
