package stack_test

import "strings"

// The configurations TestPrivKernelPeerXfrm runs against the kernel peer,
// all in one guest.
const (
	kpGCM128 = "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128"
	kpGCM256 = "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324 128"
	kpCBC256 = "auth-trunc 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128 enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f"
	kpESN    = "replay-window 128 flag esn"
	kpNATT   = "encap espinudp 4500 4500 0.0.0.0"
	kpSHA256 = "auth-trunc 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128"
)

var peerSAs = []peerSA{
	// Algorithms, tunnel and transport mode, ESN.
	{name: "gcm-tunnel", proto: "esp", algs: kpGCM128, mode: "tunnel"},
	{name: "gcm-transport", proto: "esp", algs: kpGCM128, mode: "transport"},
	{name: "gcm256-esn", proto: "esp", algs: kpGCM256, mode: "tunnel", extra: kpESN},
	{name: "cbc-sha256", proto: "esp", algs: kpCBC256, mode: "tunnel", extra: "replay-window 32"},
	{name: "cbc-sha1-legacy-transport", proto: "esp", algs: "auth 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314 enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f", mode: "transport"},
	{name: "ctr-sha512-esn", proto: "esp", algs: "auth-trunc 'hmac(sha512)' 0x" + strings.Repeat("ab", 64) + " 256 enc 'rfc3686(ctr(aes))' 0x000102030405060708090a0b0c0d0e0f01020304", mode: "tunnel", extra: "replay-window 64 flag esn"},
	{name: "chacha20poly1305", proto: "esp", algs: "aead 'rfc7539esp(chacha20,poly1305)' 0x" + strings.Repeat("42", 36) + " 128", mode: "tunnel"},
	{name: "gmac", proto: "esp", algs: "aead 'rfc4543(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128", mode: "tunnel"},
	{name: "ah-sha256-transport", proto: "ah", algs: kpSHA256, mode: "transport"},
	{name: "ah-sha1-tunnel", proto: "ah", algs: "auth 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314", mode: "tunnel"},

	// NAT-T: ESP in UDP 4500 (RFC 3948); the guest's udpencap holds the
	// UDP_ENCAP_ESPINUDP socket. The non-IKE marker on 4501.
	{name: "natt-gcm-tunnel", proto: "esp", algs: kpGCM128, mode: "tunnel", extra: kpNATT},
	{name: "natt-gcm-tunnel-esn", proto: "esp", algs: kpGCM256, mode: "tunnel", extra: kpNATT + " " + kpESN},
	{name: "natt-cbc-transport", proto: "esp", algs: kpCBC256, mode: "transport", extra: kpNATT},
	{name: "natt-gcm-transport-esn", proto: "esp", algs: kpGCM128, mode: "transport", extra: kpNATT + " " + kpESN, sizes: []int{56, 1200}},
	{name: "natt-nonike-tunnel", proto: "esp", algs: kpGCM128, mode: "tunnel", extra: "encap espinudp-nonike 4501 4501 0.0.0.0"},

	// IPComp (deflate) inside ESP: 56-byte pings stay below the 90-byte
	// threshold and go uncompressed, 1000-byte ones are compressed.
	{name: "ipcomp-esp-transport", proto: "esp", algs: kpGCM128, mode: "transport", comp: "transport", sizes: []int{56, 1000}},
	{name: "ipcomp-tunnel-esp-transport", proto: "esp", algs: kpCBC256, mode: "transport", comp: "tunnel", sizes: []int{56, 1000}},

	// IPv6 underlay: inner IPv4 and IPv6 in tunnel mode, transport.
	// Cross-family: Linux gives the state a selector of the outer family
	// unless af-unspec, and then finds no state for an IPv4 flow.
	{name: "v6-gcm-tunnel-inner4", proto: "esp", algs: kpGCM128, mode: "tunnel", extra: "flag af-unspec", v6: true},
	{name: "v6-gcm-tunnel-inner6-esn", proto: "esp", algs: kpGCM256, mode: "tunnel", extra: kpESN, v6: true, inner6: true},
	{name: "v6-cbc-transport", proto: "esp", algs: kpCBC256, mode: "transport", v6: true, sizes: []int{56, 1200}},
	// AH over IPv6 (mutable fields of the IPv6 header zeroed, hop limit
	// and flow label), and IPComp over IPv6 inside ESP; ah6, ipcomp6,
	// xfrm6_tunnel and tunnel6 come from the kernel package.
	{name: "v6-ah-sha256-transport", proto: "ah", algs: kpSHA256, mode: "transport", v6: true, sizes: []int{56, 1200}},
	{name: "v6-ah-sha1-tunnel-inner6", proto: "ah", algs: "auth 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314", mode: "tunnel", v6: true, inner6: true},
	{name: "v6-ipcomp-esp-transport", proto: "esp", algs: kpGCM128, mode: "transport", comp: "transport", v6: true, sizes: []int{56, 1000}},
	// NAT-T over IPv6 (esp6 with UDP encapsulation, Linux 5.8+): the
	// guest's IPv6 UDP_ENCAP socket is on 4502 (its IPv4 one holds 4500).
	{name: "v6-natt-gcm-tunnel-inner6", proto: "esp", algs: kpGCM128, mode: "tunnel", extra: "encap espinudp 4502 4502 ::", v6: true, inner6: true},
	{name: "v6-natt-cbc-transport", proto: "esp", algs: kpCBC256, mode: "transport", extra: "encap espinudp 4502 4502 ::", v6: true, sizes: []int{56, 1200}},
	{name: "v6-ipcomp-tunnel-inner6", proto: "esp", algs: kpGCM128, mode: "transport", comp: "tunnel", v6: true, inner6: true, sizes: []int{56, 1000}},

	// BEET (same family): inner 203.0.113.x over outer 198.51.100.x.
	{name: "beet-gcm", proto: "esp", algs: kpGCM128, mode: "beet"},
	{name: "beet-cbc-esn", proto: "esp", algs: kpCBC256, mode: "beet", extra: kpESN, sizes: []int{56, 1200}},
}
