package vti_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/tunnel/vti"
	"github.com/softnet/softnet/xfrm"
)

func state(t *testing.T, src, dst string, mode xfrm.Mode, family int) *xfrm.State {
	t.Helper()
	cfg := xfrm.Config{ID: xfrm.ID{Daddr: netip.MustParseAddr(dst), SPI: 0x100, Proto: xfrm.ProtoESP},
		Saddr: netip.MustParseAddr(src), Family: family, Mode: mode,
		AEAD: &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: make([]byte, 20), ICVBits: 128}}
	x, err := xfrm.NewState(cfg, xfrm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestStateCheck is vti_state_check's table.
func TestStateCheck(t *testing.T) {
	a := netip.MustParseAddr
	any4 := netip.IPv4Unspecified()
	cases := []struct {
		name          string
		x             *xfrm.State
		remote, local netip.Addr
		want          bool
	}{
		{"no state", nil, a("198.51.100.2"), a("192.0.2.1"), false},
		{"match", state(t, "192.0.2.1", "198.51.100.2", xfrm.ModeTunnel, 4), a("198.51.100.2"), a("192.0.2.1"), true},
		{"transport mode", state(t, "192.0.2.1", "198.51.100.2", xfrm.ModeTransport, 4), a("198.51.100.2"), a("192.0.2.1"), false},
		{"beet mode", state(t, "192.0.2.1", "198.51.100.2", xfrm.ModeBEET, 4), a("198.51.100.2"), a("192.0.2.1"), false},
		{"ipv6 outer", state(t, "2001:db8::1", "2001:db8::2", xfrm.ModeTunnel, 6), a("198.51.100.2"), a("192.0.2.1"), false},
		{"other remote", state(t, "192.0.2.1", "198.51.100.9", xfrm.ModeTunnel, 4), a("198.51.100.2"), a("192.0.2.1"), false},
		{"other local", state(t, "192.0.2.7", "198.51.100.2", xfrm.ModeTunnel, 4), a("198.51.100.2"), a("192.0.2.1"), false},
		{"tunnel without local", state(t, "192.0.2.7", "198.51.100.2", xfrm.ModeTunnel, 4), a("198.51.100.2"), any4, true},
		{"tunnel without remote, same source", state(t, "192.0.2.1", "198.51.100.9", xfrm.ModeTunnel, 4), any4, a("192.0.2.1"), true},
		{"tunnel without remote, other source", state(t, "192.0.2.7", "198.51.100.9", xfrm.ModeTunnel, 4), any4, a("192.0.2.1"), false},
		{"zero addresses", state(t, "192.0.2.1", "198.51.100.2", xfrm.ModeTunnel, 4), netip.Addr{}, netip.Addr{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := vti.StateCheck(c.x, c.remote, c.local); got != c.want {
				t.Errorf("StateCheck = %v, want %v", got, c.want)
			}
		})
	}
}
