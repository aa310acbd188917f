package vti_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/tunnel"
	"github.com/softnet/softnet/tunnel/vti"
)

// run runs ip lines in a fresh world with a veth-like underlay d0
// (198.51.100.1/24) and returns each line's output and exit status.
func newEnv(t *testing.T) *iproute.Env {
	w := netdev.NewWorld(netdev.Options{})
	t.Cleanup(w.Close)
	env := &iproute.Env{World: w, NS: w.Init()}
	for _, l := range []string{"ip link add d0 type dummy", "ip link set d0 up", "ip addr add 198.51.100.1/24 dev d0"} {
		if out, rc := run(env, l); rc != 0 {
			t.Fatalf("%s: %s", l, out)
		}
	}
	return env
}

func run(env *iproute.Env, line string) (string, int) {
	var out bytes.Buffer
	rc := iproute.RunLine(env, line, &out, &out)
	return out.String(), rc
}

// TestMTURules follows pmtu.sh's vti4_default_mtu and vti4_link_add_mtu:
// the default MTU is the underlay's minus 20; a requested MTU between 68
// and 65515 is kept, values outside are clamped.
func TestMTURules(t *testing.T) {
	env := newEnv(t)
	mtu := func(name string) uint32 { return env.NS.DeviceByName(name).MTU() }
	if out, rc := run(env, "ip link add vti4_a type vti local 198.51.100.1 remote 198.51.100.2 key 10"); rc != 0 {
		t.Fatal(out)
	}
	if got := mtu("vti4_a"); got != 1480 {
		t.Errorf("default MTU %d, want 1480", got)
	}
	run(env, "ip link del vti4_a")
	for _, c := range []struct{ req, want uint32 }{{68, 68}, {1300, 1300}, {65515, 65515}, {67, 68}, {65516, 65515}} {
		line := "ip link add vti4_a mtu " + itoa(c.req) + " type vti local 198.51.100.1 remote 198.51.100.2 key 10"
		if out, rc := run(env, line); rc != 0 {
			t.Fatalf("%s: %s", line, out)
		}
		if got := mtu("vti4_a"); got != c.want {
			t.Errorf("mtu %d: got %d, want %d", c.req, got, c.want)
		}
		run(env, "ip link del vti4_a")
	}
	run(env, "ip link add vti4_a type vti local 198.51.100.1 remote 198.51.100.2 key 10")
	for _, c := range []struct {
		mtu string
		ok  bool
	}{{"68", true}, {"65515", true}, {"67", false}, {"65516", false}} {
		if _, rc := run(env, "ip link set vti4_a mtu "+c.mtu); (rc == 0) != c.ok {
			t.Errorf("set mtu %s: rc %d", c.mtu, rc)
		}
	}
}

func itoa(v uint32) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + v%10)}, b...)
		if v /= 10; v == 0 {
			return string(b)
		}
	}
}

// TestIoctlPath: ip tunnel add … mode vti goes to ip_vti0 (created on
// first use), keeps keys only with GRE_KEY, and ip tunnel show prints
// them as vti_tunnel_ctl reports them (iproute2 asks for DF by default,
// which vti keeps and ignores).
func TestIoctlPath(t *testing.T) {
	env := newEnv(t)
	steps := []struct{ line, want string }{
		{"ip tunnel add v1 mode vti remote 198.51.100.2 local 198.51.100.1 ikey 5 okey 6", ""},
		{"ip tunnel show v1", "v1: ip/ip remote 198.51.100.2 local 198.51.100.1 ttl inherit ikey 5 okey 6\n"},
		{"ip tunnel add v2 mode vti remote 198.51.100.3 key 7", ""},
		{"ip tunnel show v2", "v2: ip/ip remote 198.51.100.3 local any ttl inherit key 7\n"},
		{"ip tunnel add v3 mode vti remote 198.51.100.2 local 198.51.100.1 ikey 5 okey 6", "add tunnel: ioctl 89f1 failed: File exists\n"},
		{"ip tunnel change v1 mode vti remote 198.51.100.2 local 198.51.100.1 ikey 5 okey 9", ""},
		{"ip tunnel show v1", "v1: ip/ip remote 198.51.100.2 local 198.51.100.1 ttl inherit ikey 5 okey 9\n"},
		{"ip tunnel del v2", ""},
		{"ip tunnel show ip_vti0", "ip_vti0: ip/ip remote any local any ttl inherit nopmtudisc key 0\n"},
	}
	for _, s := range steps {
		out, _ := run(env, s.line)
		if out != s.want {
			t.Errorf("%s:\n got %q\nwant %q", s.line, out, s.want)
		}
	}
	v1 := tunnel.Of(env.NS.DeviceByName("v1"))
	if c := v1.Config(); !c.VTI || c.IKey != 5 || c.OKey != 9 {
		t.Errorf("v1 parms %+v", c.Parms)
	}
	if in := vti.InfoOf(v1); in.IKey != 5 || in.OKey != 9 {
		t.Errorf("info %+v", in)
	}
}

// TestChangeLinkErrors: the fallback device cannot change, endpoints
// of another tunnel are taken, a p2p tunnel cannot drop its remote.
func TestChangeLinkErrors(t *testing.T) {
	env := newEnv(t)
	for _, l := range []string{
		"ip link add t1 type vti remote 198.51.100.2 local 198.51.100.1 key 1",
		"ip link add t2 type vti remote 198.51.100.3 local 198.51.100.1 key 1",
	} {
		if out, rc := run(env, l); rc != 0 {
			t.Fatal(out)
		}
	}
	cases := []struct{ line, want string }{
		{"ip link set ip_vti0 type vti key 3", "RTNETLINK answers: Invalid argument\n"},
		{"ip link set t2 type vti remote 198.51.100.2", "RTNETLINK answers: File exists\n"},
		{"ip link set t2 type vti remote any", "RTNETLINK answers: Invalid argument\n"},
		{"ip link set t2 type vti local 1.2.3.4 fwmark 0x10", ""},
		{"ip link add t3 type vti remote 198.51.100.9 dev nope", "Cannot find device \"nope\"\n"},
		{"ip link add t3 type vti remote 2001:db8::1", "Error: inet address is expected rather than \"2001:db8::1\".\n"},
		{"ip link del ip_vti0", ""},
	}
	for _, c := range cases {
		if out, _ := run(env, c.line); out != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.line, out, c.want)
		}
	}
	out, _ := run(env, "ip -d link show t2")
	if !strings.Contains(out, "vti remote 198.51.100.3 local 1.2.3.4 ikey 0.0.0.1 okey 0.0.0.1 fwmark 0x10 ") {
		t.Errorf("t2 after change:\n%s", out)
	}
	if env.NS.DeviceByName("ip_vti0") == nil {
		t.Error("ip_vti0 was deleted")
	}
}
