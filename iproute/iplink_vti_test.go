package iproute

import (
	"strings"
	"testing"

	"github.com/softnet/softnet/netdev"
)

// fuzzLinkKind: a kind parser never panics, and what it accepts the kind
// creates or refuses with an error.
func fuzzLinkKind(f *testing.F, kind string, parse func([]string) (any, error), seeds []string) {
	for _, s := range seeds {
		f.Add(s)
	}
	w := netdev.NewWorld(netdev.Options{})
	f.Cleanup(w.Close)
	f.Fuzz(func(t *testing.T, s string) {
		data, err := parse(strings.Fields(s))
		if err != nil {
			return
		}
		w.Lock()
		d, err := w.Init().NewLinkLocked(&netdev.LinkRequest{Name: "fz0", Kind: kind, Data: data})
		if err == nil {
			_ = w.Init().DelLinkLocked(d)
		}
		w.Unlock()
	})
}

// FuzzVTIArgs fuzzes link_vti's grammar and vti_newlink.
func FuzzVTIArgs(f *testing.F) {
	fuzzLinkKind(f, "vti", parseVTI, []string{
		"remote 198.51.100.2 local 192.0.2.1 ikey 5 okey 1.2.3.4",
		"key 7 dev lo fwmark 0x10",
		"i 1 o 2 r any l 0.0.0.0",
		"remote 2001:db8::1",
		"ikey foo",
	})
}

// FuzzXfrmiArgs fuzzes link_xfrm's grammar and xfrmi_newlink.
func FuzzXfrmiArgs(f *testing.F) {
	fuzzLinkKind(f, "xfrm", parseXfrmi, []string{
		"dev lo if_id 7",
		"if_id 0xffffffff",
		"external",
		"external if_id 3 dev lo",
		"if_id 0",
	})
}

func TestVTIKeyQuad(t *testing.T) {
	for k, want := range map[uint32]string{5: "0.0.0.5", 16909060: "1.2.3.4", 0xffffffff: "255.255.255.255"} {
		if got := keyQuad(k); got != want {
			t.Errorf("keyQuad(%d) = %s, want %s", k, got, want)
		}
	}
}
