package iproute

import (
	"strings"
	"testing"

	"github.com/softnet/softnet/netdev"
)

// FuzzIPIPArgs: the ipip kind parser never panics, and what it accepts
// the kernel side takes or refuses with an error (no panic either).
func FuzzIPIPArgs(f *testing.F) {
	for _, s := range []string{
		"remote 198.51.100.2 local 192.0.2.1 ttl 64",
		"ttl inherit tos inherit nopmtudisc",
		"encap fou encap-sport auto encap-dport 5555 encap-csum",
		"mode mplsip external",
		"dev lo fwmark 0x10 tos 0x10",
		"remote foo",
	} {
		f.Add(s)
	}
	w := netdev.NewWorld(netdev.Options{})
	f.Cleanup(w.Close)
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Fields(s)
		data, err := parseIPIP(args)
		if err != nil {
			return
		}
		w.Lock()
		d, err := w.Init().NewLinkLocked(&netdev.LinkRequest{Name: "fz0", Kind: "ipip", Data: data})
		if err == nil {
			_ = w.Init().DelLinkLocked(d)
		}
		w.Unlock()
	})
}

// FuzzTunnelArgs: ip tunnel's parse_args never panics.
func FuzzTunnelArgs(f *testing.F) {
	for _, s := range []string{
		"t9 mode ipip remote 198.51.100.9 local 192.0.2.1",
		"mode vti key 7 ikey 1.2.3.4",
		"tos inherit/0x10 ttl 255 dev lo",
		"remote 239.1.1.1",
	} {
		f.Add(s)
	}
	w := netdev.NewWorld(netdev.Options{})
	f.Cleanup(w.Close)
	c := &Cmd{Env: &Env{World: w, NS: w.Init()}, NS: w.Init()}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = c.parseTunnelArgs(strings.Fields(s), 0)
	})
}
