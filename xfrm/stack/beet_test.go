package stack_test

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// familyTap counts the ESP and AH frames of each IP family a device sees, and
// any echo request or reply sent in clear (received ones are seen again
// after decryption, re-injected on the device as Linux does).
type familyTap struct {
	mu    sync.Mutex
	esp   map[int]int
	clear int
}

func (f *familyTap) Tap(d *netdev.Device, b *packet.Buffer, dir netdev.Direction) {
	data := b.Bytes()
	if len(data) < 14+40 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch binary.BigEndian.Uint16(data[12:]) {
	case 0x0800:
		switch data[14+9] {
		case 50, 51:
			f.esp[4]++
		case 1:
			if t := data[14+int(data[14]&0xf)*4]; dir == netdev.DirOut && (t == 0 || t == 8) {
				f.clear++
			}
		}
	case 0x86DD:
		switch data[14+6] {
		case 50, 51:
			f.esp[6]++
		case 58:
			if t := data[14+40]; dir == netdev.DirOut && (t == 128 || t == 129) {
				f.clear++
			}
		}
	}
}

// beetHosts links hosts a and b by one wire with IPv4 and IPv6 outer
// addresses and gives each an inner address (a HIT, in BEET's terms) on
// a dummy device, routed out of the wire with that address as source.
func beetHosts(t *testing.T, innerA, innerB string) *topo.Topo {
	tp := topo.New(t)
	tp.Host("a")
	tp.Host("b")
	tp.Link("a:eth0", "b:eth0", "192.0.2.1/24", "192.0.2.2/24", "2001:db8::1/64", "2001:db8::2/64")
	for _, h := range []struct{ host, local, remote string }{{"a", innerA, innerB}, {"b", innerB, innerA}} {
		ns := tp.NS(h.host)
		up := true
		if _, err := ns.NewLink(&netdev.LinkRequest{Name: "hit", Kind: "dummy", Up: &up}); err != nil {
			t.Fatal(err)
		}
		local := ip(h.local)
		tp.Addr(h.host+":hit", netip.PrefixFrom(local, local.BitLen()).String())
		r := inet.Route{Dst: netip.PrefixFrom(ip(h.remote), local.BitLen()), Ifindex: tp.Dev(h.host + ":eth0").Index(),
			Scope: inet.ScopeLink, PrefSrc: local, Protocol: inet.ProtoBoot}
		if err := inet.AddRoute(ns, r, inet.RouteCreate|inet.RouteExcl); err != nil {
			t.Fatal(err)
		}
	}
	return tp
}

// beetSAs installs the two BEET SAs and the out/in policies of one host.
func beetSAs(t *testing.T, ns *netdev.Namespace, proto xfrm.Proto, outerFam int, outerL, outerR, innerL, innerR string, outSPI, inSPI uint32) {
	t.Helper()
	innerFam := 4
	if ip(innerL).Is6() {
		innerFam = 6
	}
	host := func(s string) netip.Prefix { a := ip(s); return netip.PrefixFrom(a, a.BitLen()) }
	sa := func(src, dst, isrc, idst string, spi uint32) {
		c := xfrm.Config{ID: xfrm.ID{Daddr: ip(dst), SPI: spi, Proto: proto}, Saddr: ip(src), Family: outerFam,
			Mode: xfrm.ModeBEET, Reqid: 1, ReplayWindow: 32,
			Selector: xfrm.Selector{Family: innerFam, Saddr: host(isrc), Daddr: host(idst)}}
		if proto == xfrm.ProtoAH {
			c.Auth = &xfrm.AuthSpec{Name: "hmac(sha256)", Key: gcmKey[:16], Trunc: true, TruncBits: 128}
		} else {
			c.AEAD = &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: gcmKey, ICVBits: 128}
		}
		if _, err := stack.AddState(ns, c, false); err != nil {
			t.Fatal(err)
		}
	}
	sa(outerL, outerR, innerL, innerR, outSPI)
	sa(outerR, outerL, innerR, innerL, inSPI)
	spd := xfrm.ForNamespace(ns).SPD
	pol := func(isrc, idst, tsrc, tdst string, dir xfrm.PolicyDir) {
		_, err := spd.Add(xfrm.PolicyConfig{Selector: xfrm.Selector{Family: innerFam, Saddr: host(isrc), Daddr: host(idst)}, Dir: dir,
			Tmpls: []xfrm.Tmpl{{Saddr: ip(tsrc), Daddr: ip(tdst), Family: outerFam, Proto: proto, Mode: xfrm.ModeBEET, Reqid: 1}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	pol(innerL, innerR, outerL, outerR, xfrm.PolicyOut)
	pol(innerR, innerL, outerR, outerL, xfrm.PolicyIn)
}

// TestBEETPing: host-to-host BEET between two inner (HIT) addresses over
// one outer family, including both cross-family cases Linux supports
// (IPv4 inner over IPv6 outer and the reverse), with ESP and AH: pings
// in both directions are answered, only IPsec of the outer family is on
// the wire, and no xfrm error counter moves.
func TestBEETPing(t *testing.T) {
	for _, tc := range []struct {
		name           string
		proto          xfrm.Proto
		outerFam       int
		outerA, outerB string
		innerA, innerB string
	}{
		{"esp/4in4", xfrm.ProtoESP, 4, "192.0.2.1", "192.0.2.2", "203.0.113.1", "203.0.113.129"},
		{"esp/6in6", xfrm.ProtoESP, 6, "2001:db8::1", "2001:db8::2", "2001:db8:1::1", "2001:db8:2::1"},
		{"esp/4in6", xfrm.ProtoESP, 6, "2001:db8::1", "2001:db8::2", "203.0.113.1", "203.0.113.129"},
		{"esp/6in4", xfrm.ProtoESP, 4, "192.0.2.1", "192.0.2.2", "2001:db8:1::1", "2001:db8:2::1"},
		{"ah/4in6", xfrm.ProtoAH, 6, "2001:db8::1", "2001:db8::2", "203.0.113.1", "203.0.113.129"},
		{"ah/6in4", xfrm.ProtoAH, 4, "192.0.2.1", "192.0.2.2", "2001:db8:1::1", "2001:db8:2::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := beetHosts(t, tc.innerA, tc.innerB)
			beetSAs(t, tp.NS("a"), tc.proto, tc.outerFam, tc.outerA, tc.outerB, tc.innerA, tc.innerB, 0x100, 0x200)
			beetSAs(t, tp.NS("b"), tc.proto, tc.outerFam, tc.outerB, tc.outerA, tc.innerB, tc.innerA, 0x200, 0x100)
			tap := &familyTap{esp: map[int]int{}}
			tp.Dev("a:eth0").AddTap(tap)
			for _, p := range []struct{ from, to string }{{"a", tc.innerB}, {"b", tc.innerA}} {
				got := tp.Ping(p.from, p.to, inet.EchoOpts{}, 3)
				replies := 0
				for _, e := range got {
					if e.Reply && e.From == ip(p.to) {
						replies++
					}
				}
				if replies != 3 {
					t.Errorf("ping %s from %s: %d replies: %+v", p.to, p.from, replies, got)
				}
			}
			// 3 requests and 3 replies each way.
			if tap.esp[tc.outerFam] != 12 || tap.clear != 0 || len(tap.esp) != 1 {
				t.Errorf("wire saw IPsec %v and %d clear echo frames, want 12 IPsec frames over IPv%d only", tap.esp, tap.clear, tc.outerFam)
			}
			for _, h := range []string{"a", "b"} {
				for _, e := range xfrm.ForNamespace(tp.NS(h)).MIB.Snapshot() {
					if e.Value != 0 {
						t.Errorf("%s: %s = %d", h, e.Name, e.Value)
					}
				}
			}
		})
	}
}
