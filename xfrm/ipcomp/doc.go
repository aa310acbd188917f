// Package ipcomp is the IPComp transform (RFC 3173 with RFC 2394 deflate),
// the counterpart of Linux's net/xfrm/xfrm_ipcomp.c, net/ipv4/ipcomp.c and
// net/ipv6/ipcomp6.c. Output compresses the payload (tunnel mode: the
// inner packet) unless it is shorter than the algorithm's threshold (90
// bytes for deflate, xfrm_algo.c) or the result (with the 4-byte IPComp
// header) would not be smaller, in which case the packet goes out
// uncompressed — in tunnel mode as plain IP-in-IP, as Linux sends it. Input
// decompresses (up to IPCOMP_SCRATCH_SIZE, 65400 bytes).
//
// Compression uses compress/flate (raw deflate). Linux inflates with a
// 2048-byte window (DEFLATE_DEF_WINBITS 11); packets up to 2048 bytes
// cannot refer further back, so the output interoperates for usual MTUs;
// larger packets may not. Uncompressed IP-in-IP input is the tunnel
// layer's job (xfrm4_tunnel), not done here.
package ipcomp
