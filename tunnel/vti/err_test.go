package vti_test

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/tunnel/vti"
)

// TestErrHandler is vti4_err's table: the quoted ESP packet names the
// tunnel and, through its SPI and the okey mark, the SA; only then does
// frag-needed update the remote's PMTU.
func TestErrHandler(t *testing.T) {
	a := netip.MustParseAddr
	esp := func(src, dst string, spi uint32) []byte {
		p := make([]byte, 16)
		binary.BigEndian.PutUint32(p, spi)
		return build.IPv4(build.IPv4Opts{Src: a(src), Dst: a(dst), Proto: header.IPProtoESP, TTL: 64}, p)
	}
	cases := []struct {
		name       string
		typ, code  uint8
		payload    []byte
		wantOK     bool
		wantUpdate bool
	}{
		{"frag needed, SA with okey mark", header.ICMPv4DestUnreach, header.ICMPv4FragNeeded, esp("198.51.100.1", "198.51.100.2", 0x100), true, true},
		{"frag needed, SA with another mark", header.ICMPv4DestUnreach, header.ICMPv4FragNeeded, esp("198.51.100.1", "198.51.100.2", 0x300), true, false},
		{"frag needed, unknown SPI", header.ICMPv4DestUnreach, header.ICMPv4FragNeeded, esp("198.51.100.1", "198.51.100.2", 0x999), true, false},
		{"port unreachable", header.ICMPv4DestUnreach, header.ICMPv4PortUnreach, esp("198.51.100.1", "198.51.100.2", 0x100), true, false},
		{"redirect", header.ICMPv4Redirect, 1, esp("198.51.100.1", "198.51.100.2", 0x100), true, false},
		{"time exceeded", header.ICMPv4TimeExceeded, 0, esp("198.51.100.1", "198.51.100.2", 0x100), true, false},
		{"no tunnel", header.ICMPv4DestUnreach, header.ICMPv4FragNeeded, esp("198.51.100.1", "198.51.100.9", 0x100), false, false},
		{"truncated", header.ICMPv4DestUnreach, header.ICMPv4FragNeeded, esp("198.51.100.1", "198.51.100.2", 0x100)[:12], false, false},
		{"no SPI", header.ICMPv4DestUnreach, header.ICMPv4FragNeeded, esp("198.51.100.1", "198.51.100.2", 0x100)[:22], true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := netdev.NewWorld(netdev.Options{})
			defer w.Close()
			env := &iproute.Env{World: w, NS: w.Init()}
			for _, l := range []string{
				"ip link add d0 type dummy", "ip link set d0 up", "ip addr add 198.51.100.1/24 dev d0",
				"ip link add v0 type vti local 198.51.100.1 remote 198.51.100.2 ikey 1 okey 2", "ip link set v0 up",
				"ip xfrm state add src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x100 mode tunnel mark 2 aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 128",
				"ip xfrm state add src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x300 mode tunnel mark 3 aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 128",
			} {
				var out bytes.Buffer
				if rc := iproute.RunLine(env, l, &out, &out); rc != 0 {
					t.Fatalf("%s: %s", l, out.String())
				}
			}
			e := inet.ICMPErr{Family: 4, Type: c.typ, Code: c.code, MTU: 1200, Payload: c.payload}
			if got := vti.ErrHandler(env.NS, e); got != c.wantOK {
				t.Errorf("Err = %v, want %v", got, c.wantOK)
			}
			r, err := inet.RouteGet(env.NS, inet.RouteGetRequest{Dst: a("198.51.100.2")})
			if err != nil {
				t.Fatal(err)
			}
			if updated := r.MTU == 1200; updated != c.wantUpdate {
				t.Errorf("PMTU %d, want update %v", r.MTU, c.wantUpdate)
			}
		})
	}
}
