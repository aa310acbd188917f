package xfrmi_test

import (
	"bytes"
	"testing"

	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/tunnel/xfrmi"
)

// TestConfig: if_id uniqueness on add and set, one external interface,
// deletion frees the if_id, changelink keeps what is not given.
func TestConfig(t *testing.T) {
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	env := &iproute.Env{World: w, NS: w.Init()}
	run := func(l string) string {
		var out bytes.Buffer
		iproute.RunLine(env, l, &out, &out)
		return out.String()
	}
	steps := []struct{ line, want string }{
		{"ip link add d0 type dummy", ""},
		{"ip link add x0 type xfrm dev d0 if_id 7", ""},
		{"ip link add x1 type xfrm if_id 8", ""},
		{"ip link set x1 type xfrm if_id 7", "RTNETLINK answers: File exists\n"},
		{"ip link set x1 type xfrm if_id 9", ""},
		{"ip link add x2 type xfrm external", ""},
		{"ip link add x3 type xfrm external", "RTNETLINK answers: File exists\n"},
		// iproute2 refuses this itself (the kernel's "link and if_id must
		// be zero" is for other clients: TestExternalWithIfIDKernel).
		{"ip link add x3 type xfrm external if_id 3", "xfrmi: both 'external' and if_id/link cannot be specified\n"},
		{"ip link set x2 type xfrm if_id 4", "Error: collect_md can't be changed.\n"},
		{"ip link del x0", ""},
		{"ip link add x4 type xfrm if_id 7", ""},
		{"ip link add x5 type xfrm if_id 7 nonsense", "Usage: ... xfrm dev [ PHYS_DEV ] [ if_id IF-ID ]\n\t\t[ external ]\n\nWhere: IF-ID := { 0x1..0xffffffff }\n"},
	}
	for _, s := range steps {
		if got := run(s.line); got != s.want {
			t.Errorf("%s:\n got %q\nwant %q", s.line, got, s.want)
		}
	}
	ns := env.NS
	if x := xfrmi.Lookup(ns, 9); x == nil || x.Dev().Name() != "x1" {
		t.Errorf("if_id 9 -> %v", x)
	}
	if x := xfrmi.Lookup(ns, 7); x == nil || x.Dev().Name() != "x4" {
		t.Errorf("if_id 7 -> %v", x)
	}
	if x := xfrmi.Lookup(ns, 8); x == nil || x.Dev().Name() != "x2" {
		t.Errorf("if_id 8 should fall back to the external interface, got %v", x)
	}
}

// TestExternalWithIfIDKernel: a request that asks for an external
// (collect_md) interface with an if_id, as a client other than iproute2
// may send it, gets xfrmi_newlink's extack error.
func TestExternalWithIfIDKernel(t *testing.T) {
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	id := uint32(3)
	_, err := w.Init().NewLink(&netdev.LinkRequest{Name: "x0", Kind: "xfrm", Data: &xfrmi.Data{External: true, IfID: &id}})
	if err == nil || err.Error() != "link and if_id must be zero" {
		t.Errorf("external with if_id: %v", err)
	}
}
