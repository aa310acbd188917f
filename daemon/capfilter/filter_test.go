package capfilter

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/internal/israce"
)

var (
	macA = header.MAC{2, 0, 0, 0, 0, 1}
	macB = header.MAC{2, 0, 0, 0, 0, 2}
)

func ip4(src, dst string, proto uint8, payload []byte) []byte {
	return build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), Proto: proto}, payload)
}

func ports(sp, dp uint16) []byte {
	return []byte{byte(sp >> 8), byte(sp), byte(dp >> 8), byte(dp), 0, 8, 0, 0}
}

// ip6 builds a minimal IPv6 header (with optional raw extension bytes).
func ip6(src, dst string, next uint8, rest []byte) []byte {
	h := make([]byte, 40, 40+len(rest))
	h[0] = 0x60
	h[4], h[5] = byte(len(rest)>>8), byte(len(rest))
	h[6], h[7] = next, 64
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return append(h, rest...)
}

func eth(etype uint16, p []byte) []byte { return build.Ethernet(macB, macA, etype, p) }

func TestMatch(t *testing.T) {
	udp := eth(0x0800, ip4("192.0.2.1", "198.51.100.7", 17, ports(5000, 53)))
	tcp6 := eth(0x86dd, ip6("2001:db8::1", "2001:db8::2", 6, ports(443, 40000)))
	// Hop-by-hop options (8 bytes) then UDP.
	hbh6 := ip6("2001:db8::1", "2001:db8::2", 0, append([]byte{17, 0, 1, 4, 0, 0, 0, 0}, ports(1, 4500)...))
	esp := ip4("192.0.2.1", "192.0.2.2", 50, make([]byte, 16))
	arp := eth(0x0806, make([]byte, 28))
	frag := eth(0x0800, func() []byte {
		b := ip4("192.0.2.1", "198.51.100.7", 17, ports(5000, 53))
		b[6], b[7] = 0, 10 // fragment offset 80
		return b
	}())
	vlan := build.Ethernet(macB, macA, 0x8100, append([]byte{0, 5, 0x08, 0x00}, ip4("10.0.0.1", "10.0.0.2", 1, make([]byte, 8))...))
	type pkt struct {
		name string
		data []byte
		link Link
	}
	all := []pkt{{"udp", udp, Ethernet}, {"tcp6", tcp6, Ethernet}, {"hbh6", hbh6, Raw}, {"esp", esp, Raw},
		{"arp", arp, Ethernet}, {"frag", frag, Ethernet}, {"vlan", vlan, Ethernet}, {"short", []byte{0x45, 0}, Raw},
		{"empty", nil, Ethernet}}
	for _, tc := range []struct {
		expr string
		want string // names of matching packets
	}{
		{"", "udp tcp6 hbh6 esp arp frag vlan short empty"},
		{"host 192.0.2.1", "udp esp frag"},
		{"src host 192.0.2.1 and dst host 192.0.2.2", "esp"},
		{"dst host 192.0.2.1", ""},
		{"net 198.51.100.0/24", "udp frag"},
		{"net 2001:db8::/32", "tcp6 hbh6"},
		{"net 10.0.0.1", "vlan"},
		{"port 53", "udp"},
		{"udp port 53", "udp"},
		{"tcp port 53", ""},
		{"src port 443", "tcp6"},
		{"portrange 4000-5000", "udp hbh6"},
		{"udp dst port ipsec-nat-t", "hbh6"},
		{"proto esp", "esp"},
		{"esp", "esp"},
		{"proto 50 or arp", "esp arp"},
		{"ip proto \\udp", "udp frag"},
		{"ip6 proto 17", "hbh6"},
		{"ip6", "tcp6 hbh6"},
		{"ip and not udp", "esp vlan"},
		{"icmp", "vlan"},
		{"ether proto 0x0800", "udp esp frag vlan"},
		{"ether proto ip6", "tcp6 hbh6"},
		{"ether src 02:00:00:00:00:01 and arp", "arp"},
		{"ether dst host 02:00:00:00:00:01", ""},
		{"ether host 02:00:00:00:00:02 and tcp", "tcp6"},
		{"not (host 192.0.2.1 or ip6) and ip", "vlan"},
		{"!arp && (tcp || esp)", "tcp6 esp"},
		{"less 40", "esp short empty"},
		{"greater 60", "tcp6"},
		{"greater 46 and less 46", "vlan"},
	} {
		f, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		var got []string
		for _, p := range all {
			if f.Match(p.data, p.link) {
				got = append(got, p.name)
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%q matched %q, want %q", tc.expr, strings.Join(got, " "), tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ expr, err string }{
		{"host", `expected an address after "host", got end of filter`},
		{"host 300.1.1.1", `invalid address "300.1.1.1"`},
		{"net 10.0.0.1/8", `non-network bits set in "10.0.0.1/8"`},
		{"port 70000", `invalid port "70000"`},
		{"portrange 5", `invalid port range "5" (want LOW-HIGH)`},
		{"proto bogus", `unknown protocol "bogus"`},
		{"ether proto x", `unknown ethertype "x"`},
		{"ether src 1:2", `invalid MAC address "1:2"`},
		{"(host 1.2.3.4", `missing ")"`},
		{"host 1.2.3.4)", `unexpected ")"`},
		{"host 1.2.3.4 and", "unexpected end of filter"},
		{"frobnicate", `unknown word "frobnicate"`},
		{"tcp host 1.2.3.4", `unexpected "host"`},
		{"tcp src host 1.2.3.4", `expected port or portrange after "tcp"`},
		{"src (", `expected host, net, port or portrange after "src", got "("`},
		{strings.Repeat("not ", 200) + "ip", "filter nested too deeply"},
		{strings.Repeat("ip or ", 600) + "ip", "filter too complex (more than 512 terms)"},
		{strings.Repeat("x", MaxLen+1), "filter longer than 4096 bytes"},
	} {
		_, err := Parse(tc.expr)
		if err == nil || err.Error() != tc.err {
			t.Errorf("%.40q: got %v, want %q", tc.expr, err, tc.err)
		}
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, expr := range []string{
		"host 192.0.2.1 and not port 53 or ether proto arp",
		"tcp src port 22 || udp portrange 1-1024 && ip6 proto icmp6",
		"ether dst 02:00:00:00:00:01 and greater 100 and less 1500",
		"src net 10.0.0.0/8 and (dst net 2001:db8::/32 or ip)",
	} {
		f, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		g, err := Parse(f.String())
		if err != nil || g.String() != f.String() {
			t.Errorf("%q -> %q -> %v %q", expr, f.String(), err, g)
		}
	}
}

func TestMatchAllocs(t *testing.T) {
	if israce.Enabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	f, err := Parse("(host 192.0.2.1 or net 2001:db8::/32) and not (udp port 53 or ether proto arp) or esp")
	if err != nil {
		t.Fatal(err)
	}
	frame := eth(0x0800, ip4("192.0.2.1", "198.51.100.7", 6, ports(5000, 80)))
	if n := testing.AllocsPerRun(1000, func() { f.Match(frame, Ethernet) }); n != 0 {
		t.Errorf("Match allocates %v times", n)
	}
}

func BenchmarkMatch(b *testing.B) {
	f, _ := Parse("(host 192.0.2.1 or net 2001:db8::/32) and not (udp port 53 or ether proto arp) or esp")
	frame := eth(0x0800, ip4("192.0.2.1", "198.51.100.7", 6, append(ports(5000, 80), make([]byte, 1400)...)))
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		f.Match(frame, Ethernet)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"host 192.0.2.1", "not (tcp port 22 or udp portrange 1-9)", "ether src 02:00:00:00:00:01",
		"ip6 proto \\icmp6 && greater 64", "!(", "net ::/0 or src net 10.0.0.0/8"} {
		f.Add(s, []byte{0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2, 0, 53, 0, 53})
	}
	f.Fuzz(func(t *testing.T, expr string, data []byte) {
		flt, err := Parse(expr)
		if err != nil {
			return
		}
		s := flt.String()
		again, err := Parse(s)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", s, expr, err)
		}
		if again.String() != s {
			t.Fatalf("canonical form not stable: %q -> %q", s, again.String())
		}
		for _, l := range []Link{Ethernet, Raw} {
			if flt.Match(data, l) != again.Match(data, l) {
				t.Fatalf("%q and %q disagree", expr, s)
			}
		}
	})
}
