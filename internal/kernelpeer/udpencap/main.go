//go:build linux

// Command udpencap runs inside the kernel-peer guest, which has no IKE
// daemon, perl or python: it opens a UDP socket, sets the UDP_ENCAP socket
// option (what an IKE daemon does for NAT-T, so that Linux's
// xfrm4_udp_encap_rcv decapsulates ESP in UDP arriving on the port), binds
// it and holds it open until killed. It prints "ready" once bound.
//
// Like an IKE daemon (strongSwan's bypass_socket), it also gives the socket
// "allow" socket policies for both directions: Linux runs the input policy
// check (xfrm4_policy_check with the socket) before the socket's encap_rcv,
// so without them a transport-mode policy covering the peers' addresses
// would drop the ESP-in-UDP datagram itself (XfrmInTmplMismatch).
//
//	udpencap [-port 4500] [-type 2] [-family 4|6]
//
// Type 2 is UDP_ENCAP_ESPINUDP (RFC 3948), 1 UDP_ENCAP_ESPINUDP_NON_IKE.
// The tests build it statically (CGO_ENABLED=0) into the guest's 9p share.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Socket option numbers from linux/udp.h.
const (
	solUDP   = 17  // SOL_UDP
	udpEncap = 100 // UDP_ENCAP

	ipXfrmPolicy   = 17 // IP_XFRM_POLICY (SOL_IP)
	ipv6XfrmPolicy = 35 // IPV6_XFRM_POLICY (SOL_IPV6)
	policyIn       = 0  // XFRM_POLICY_IN
	policyOut      = 1  // XFRM_POLICY_OUT
	userPolicySize = 168
	selFamilyOff   = 40  // xfrm_selector.family
	dirOff         = 160 // xfrm_userpolicy_info.dir (action, after it, 0: allow)
)

// bypass sets an allow-all socket policy of dir on fd: a struct
// xfrm_userpolicy_info with the selector's family set and everything
// else zero.
func bypass(fd, family int, dir byte) error {
	var p [userPolicySize]byte
	level, opt := syscall.SOL_IP, ipXfrmPolicy
	p[selFamilyOff] = syscall.AF_INET
	if family == 6 {
		level, opt = syscall.SOL_IPV6, ipv6XfrmPolicy
		p[selFamilyOff] = syscall.AF_INET6
	}
	p[dirOff] = dir
	return syscall.SetsockoptString(fd, level, opt, string(p[:]))
}

func main() {
	port := flag.Int("port", 4500, "UDP port to bind")
	typ := flag.Int("type", 2, "UDP_ENCAP type: 1 espinudp-nonike, 2 espinudp")
	family := flag.Int("family", 4, "address family: 4 or 6")
	flag.Parse()
	if err := listen(*family, *port, *typ); err != nil {
		fmt.Fprintln(os.Stderr, "udpencap:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	os.Stdout.Close()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}

func listen(family, port, typ int) error {
	af := syscall.AF_INET
	var sa syscall.Sockaddr = &syscall.SockaddrInet4{Port: port}
	if family == 6 {
		af = syscall.AF_INET6
		sa = &syscall.SockaddrInet6{Port: port}
	}
	fd, err := syscall.Socket(af, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	if err := syscall.SetsockoptInt(fd, solUDP, udpEncap, typ); err != nil {
		return fmt.Errorf("setsockopt UDP_ENCAP %d: %w", typ, err)
	}
	for _, dir := range []byte{policyIn, policyOut} {
		if err := bypass(fd, family, dir); err != nil {
			return fmt.Errorf("setsockopt IP_XFRM_POLICY dir %d: %w", dir, err)
		}
	}
	if err := syscall.Bind(fd, sa); err != nil {
		return fmt.Errorf("bind port %d: %w", port, err)
	}
	return nil // the descriptor stays open for the life of the process
}
