package frag

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

var (
	src4 = netip.MustParseAddr("192.0.2.1")
	dst4 = netip.MustParseAddr("198.51.100.2")
	src6 = netip.MustParseAddr("2001:db8::1")
	dst6 = netip.MustParseAddr("2001:db8::2")
	ll6  = netip.MustParseAddr("fe80::2")
)

// payload returns n bytes of a recognisable pattern.
func payload(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7) + seed
	}
	return p
}

// testReasm returns a reassembler on a fresh SimLoop.
func testReasm(t testing.TB, family int, edit func(*Config)) (*Reassembler, *netdev.SimLoop) {
	loop := netdev.NewSimLoop(time.Unix(1000, 0))
	cfg := Config{Family: family, Clock: loop, Limits: DefaultLimits(family)}
	if edit != nil {
		edit(&cfg)
	}
	r := New(cfg)
	t.Cleanup(func() { r.Close(); loop.Close() })
	return r, loop
}

// datagram4 returns a whole UDP-over-IPv4 datagram with an n-byte payload.
func datagram4(n int, id uint16, opts []byte) []byte {
	return build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, Proto: header.IPProtoUDP, ID: id, Options: opts},
		build.UDP(1000, 2000, payload(n, byte(id))))
}

// datagram6 returns a whole UDP-over-IPv6 packet with an n-byte payload,
// with the given extension headers (each an IPv6Options-style 8-byte
// header of the named type) in front of UDP.
func datagram6(n int, exts ...uint8) []byte {
	body := build.UDPWithChecksum(src6, dst6, 1000, 2000, payload(n, 3))
	next := header.IPProtoUDP
	for i := len(exts) - 1; i >= 0; i-- {
		body = build.IPv6Options(next, body)
		next = exts[i]
	}
	return build.IPv6(build.IPv6Opts{Src: src6, Dst: dst6, NextHeader: next}, body)
}

// frag4 builds one IPv4 fragment carrying data at offset off.
func frag4(id uint16, off int, more bool, data []byte) []byte {
	return build.IPv4(build.IPv4Opts{Src: src4, Dst: dst4, Proto: header.IPProtoUDP, ID: id,
		MF: more, FragOff: uint16(off), NoL4Checksum: true}, data)
}

// frag6 builds one IPv6 fragment carrying data at offset off.
func frag6(dst netip.Addr, id uint32, off int, more bool, data []byte) []byte {
	return build.IPv6(build.IPv6Opts{Src: src6, Dst: dst, NextHeader: header.IPProtoFragment, NoL4Checksum: true},
		build.IPv6Fragment(header.IPProtoUDP, uint16(off), more, id, data))
}

// buf wraps p in a pool buffer.
func buf(t testing.TB, p []byte) *packet.Buffer {
	b, err := packet.FromBytes(p)
	if err != nil {
		t.Fatal(err)
	}
	b.SetNetworkHeader(0)
	return b
}

// split fragments pkt with the package's own fragmenter and returns the
// fragments' bytes.
func split(t testing.TB, pkt []byte, mtu int) [][]byte {
	t.Helper()
	var out [][]byte
	emit := func(f *packet.Buffer) error {
		out = append(out, bytes.Clone(f.Bytes()))
		f.Free()
		return nil
	}
	var err error
	if pkt[0]>>4 == 4 {
		err = FragmentIPv4(buf(t, pkt), mtu, false, nil, emit)
	} else {
		err = FragmentIPv6(buf(t, pkt), mtu, 0x01020304, nil, emit)
	}
	if err != nil {
		t.Fatalf("fragment: %v", err)
	}
	return out
}

// feed adds the fragments in order and returns the last result; every
// earlier one must be Queued (or Dropped as a duplicate).
func feed(t testing.TB, r *Reassembler, frags [][]byte) Result {
	t.Helper()
	var res Result
	for i, f := range frags {
		res = r.Add(buf(t, f))
		if i < len(frags)-1 && res.Status == Done {
			t.Fatalf("fragment %d/%d completed early", i, len(frags))
		}
	}
	return res
}

// take returns the bytes of a Done result and frees its packet.
func take(t testing.TB, res Result) []byte {
	t.Helper()
	if res.Status != Done || res.Packet == nil {
		t.Fatalf("result %v (reason %v), want done", res.Status, res.Reason)
	}
	p := bytes.Clone(res.Packet.Bytes())
	res.Packet.Free()
	return p
}

func shuffle(rng *rand.Rand, frags [][]byte) [][]byte {
	out := append([][]byte(nil), frags...)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func reverse(frags [][]byte) [][]byte {
	out := make([][]byte, len(frags))
	for i, f := range frags {
		out[len(frags)-1-i] = f
	}
	return out
}
