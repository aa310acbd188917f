package ah

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
)

// rhPath is an IPv6 source route: the packet leaves for hops[0] and
// visits the others in order; the last is the final destination, b6 (the
// SA's).
type rhPath struct {
	name  string
	typ   uint8
	hops  []netip.Addr
	final netip.Addr
}

var rhPaths = []rhPath{
	{"type0/2", 0, []netip.Addr{netip.MustParseAddr("2001:db8:ff::1"), netip.MustParseAddr("2001:db8:ff::2")}, b6},
	{"type0/4", 0, []netip.Addr{netip.MustParseAddr("2001:db8:ff::1"), netip.MustParseAddr("2001:db8:ff::2"),
		netip.MustParseAddr("2001:db8:ff::3"), netip.MustParseAddr("2001:db8:ff::4")}, b6},
	// Mobile IPv6: sent to the care-of address, the home address in RH2.
	{"type2", 2, []netip.Addr{netip.MustParseAddr("2001:db8:c0a::1")}, b6},
}

// routingHeader is a routing header of type typ listing addrs with left
// segments left, in front of next header nh.
func routingHeader(nh, typ uint8, left int, addrs []netip.Addr) []byte {
	rh := []byte{nh, byte(2 * len(addrs)), typ, byte(left), 0, 0, 0, 0}
	for _, a := range addrs {
		rh = append(rh, a.AsSlice()...)
	}
	return rh
}

// sent is the packet as its source sends it: to the first hop, the rest
// of the path and the final destination in the routing header.
func (p rhPath) sent(payload []byte) []byte {
	list := append(append([]netip.Addr(nil), p.hops[1:]...), p.final)
	return build.IPv6(build.IPv6Opts{Src: a6, Dst: p.hops[0], NextHeader: 43, HopLimit: 64, TrafficClass: 0x2e, FlowLabel: 0xbeef,
		NoL4Checksum: true}, append(routingHeader(17, p.typ, len(list), list), payload...))
}

// arrived is the packet as the final destination sees it (segments left
// 0, every hop swapped into the list), with the mutable fields zero: what
// the ICV covers.
func (p rhPath) arrived(payload []byte) []byte {
	pkt := build.IPv6(build.IPv6Opts{Src: a6, Dst: p.final, NextHeader: 43, ZeroHopLimit: true,
		NoL4Checksum: true}, append(routingHeader(17, p.typ, 0, p.hops), payload...))
	return pkt
}

// forward is what a hop of the route does (RFC 8200 §4.4): swap the
// destination with the next listed address, decrement segments left and
// the hop limit, and change the traffic class (mutable fields).
func forward(pkt []byte) {
	rh := pkt[40:]
	segs, left := int(rh[1])/2, int(rh[3])
	i := 8 + 16*(segs-left)
	var d [16]byte
	copy(d[:], pkt[24:40])
	copy(pkt[24:40], rh[i:i+16])
	copy(rh[i:i+16], d[:])
	rh[3]--
	pkt[7]--
	pkt[1] ^= 0x0f
}

// TestRoutingHeaderICV: AH over IPv6 with a routing header that still has
// segments to visit. The known answer is built independently: the packet
// as it arrives, mutable fields zero, with the AH header of the output
// packet and a zero ICV, through HMAC-SHA-256/96; Output's ICV must be
// that, and Input must accept the packet at every point of its path (as
// sent, after each hop, at the final destination), since each rearranges
// to the same form.
func TestRoutingHeaderICV(t *testing.T) {
	packettest.CheckBalance(t)
	key := bytes.Repeat([]byte{7}, 32)
	for _, p := range rhPaths {
		t.Run(p.name, func(t *testing.T) {
			out := mkState(t, "hmac(sha256)", 32, xfrm.ModeTransport, 6, 0)
			payload := build.UDP(1, 2, []byte("routed"))
			b, _ := packet.FromBytes(p.sent(payload))
			defer b.Free()
			if err := Output(out, b, nil); err != nil {
				t.Fatal(err)
			}
			wire := append([]byte(nil), b.Bytes()...)
			rhLen := 8 + 16*len(p.hops)
			ahOff := 40 + rhLen
			if wire[40] != 51 || wire[6] != 43 {
				t.Fatalf("AH is not behind the routing header: %x", wire[:ahOff])
			}
			ah := wire[ahOff : ahOff+24]
			// Known answer: the arrived form with this AH header, ICV zero.
			arrived := p.arrived(payload)
			kat := append(append(append([]byte(nil), arrived[:40+rhLen]...), ah[:12]...), make([]byte, 12)...)
			kat = append(kat, arrived[40+rhLen:]...)
			kat[6] = 43
			kat[40] = 51
			binary.BigEndian.PutUint16(kat[4:6], uint16(len(kat)-40))
			m := hmac.New(sha256.New, key)
			m.Write(kat)
			if want := m.Sum(nil)[:12]; !bytes.Equal(ah[12:24], want) {
				t.Fatalf("ICV %x, known answer %x", ah[12:24], want)
			}
			if got := wire[24:40]; !bytes.Equal(got, p.hops[0].AsSlice()) {
				t.Fatalf("the wire packet's destination changed: %x", got)
			}
			// Every point of the path verifies; the last is the final form.
			pkt := append([]byte(nil), wire...)
			for hop := 0; ; hop++ {
				in := mkState(t, "hmac(sha256)", 32, xfrm.ModeTransport, 6, 0)
				c, _ := packet.FromBytes(pkt)
				err := Input(in, c)
				c.Free()
				if err != nil {
					t.Fatalf("after %d hops: %v", hop, err)
				}
				if pkt[40+3] == 0 {
					break
				}
				forward(pkt)
			}
			if !bytes.Equal(pkt[24:40], p.final.AsSlice()) {
				t.Fatalf("path did not end at the final destination")
			}
		})
	}
}

// TestRoutingHeaderLookup: Receive finds the SA by the final destination
// of a packet still carrying segments left.
func TestRoutingHeaderLookup(t *testing.T) {
	packettest.CheckBalance(t)
	out := mkState(t, "hmac(sha256)", 32, xfrm.ModeTransport, 6, 0)
	n := xfrm.NewNet(nil, nil)
	if _, err := n.AddState(*out.Cfg(), false); err != nil {
		t.Fatal(err)
	}
	p := rhPaths[0]
	b, _ := packet.FromBytes(p.sent(build.UDP(1, 2, nil)))
	defer b.Free()
	if err := Output(out, b, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Receive(n.SAD, b); err != nil {
		t.Fatalf("Receive: %v", err)
	}
}

// TestRoutingHeaderMalformed: segments left beyond the listed addresses
// cannot be rearranged: OutStateProtoError on output, InStateProtoError
// on input.
func TestRoutingHeaderMalformed(t *testing.T) {
	packettest.CheckBalance(t)
	bad := build.IPv6(build.IPv6Opts{Src: a6, Dst: b6, NextHeader: 43, NoL4Checksum: true},
		append(routingHeader(17, 0, 3, []netip.Addr{b6}), build.UDP(1, 2, nil)...))
	out := mkState(t, "hmac(sha256)", 32, xfrm.ModeTransport, 6, 0)
	b, _ := packet.FromBytes(bad)
	defer b.Free()
	if err := Output(out, b, nil); err != xfrm.DropFor(xfrm.OutStateProtoError) {
		t.Fatalf("Output: %v", err)
	}
	// Input: a good packet whose segments left is then corrupted.
	good := rhPaths[0].sent(build.UDP(1, 2, nil))
	c, _ := packet.FromBytes(good)
	defer c.Free()
	if err := Output(out, c, nil); err != nil {
		t.Fatal(err)
	}
	c.Bytes()[40+3] = 9
	in := mkState(t, "hmac(sha256)", 32, xfrm.ModeTransport, 6, 0)
	if err := Input(in, c); err != xfrm.DropFor(xfrm.InStateProtoError) {
		t.Fatalf("Input: %v", err)
	}
}

// FuzzInputRoutingHeader: IPv6 AH input with routing headers in front of
// AH never panics or leaks.
func FuzzInputRoutingHeader(f *testing.F) {
	out := mkState(f, "hmac(sha256)", 32, xfrm.ModeTransport, 6, 0)
	for _, p := range rhPaths {
		b, _ := packet.FromBytes(p.sent(build.UDP(1, 2, []byte("seed"))))
		if err := Output(out, b, nil); err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte(nil), b.Bytes()...))
		b.Free()
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := mkState(t, "hmac(sha256)", 32, xfrm.ModeTransport, 6, 0)
		packettest.InputNoLeak(t, data, func(b *packet.Buffer) { _ = Input(in, b) })
	})
}
