package iproute

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/xfrm"
)

// monitorRun subscribes a Monitor to everything and returns what it
// printed while the lines ran.
func monitorRun(t *testing.T, env *Env, setup, lines []string) string {
	t.Helper()
	for _, l := range setup {
		if out, rc := run(t, env, l); rc != 0 {
			t.Fatalf("setup %q: %d %s", l, rc, out)
		}
	}
	var b bytes.Buffer
	mon := NewMonitor(env, env.NS)
	defer env.NS.Subscribe(func(ev netdev.Event, d *netdev.Device) error {
		b.WriteString(mon.Link(ev, d))
		return nil
	})()
	defer inet.Subscribe(env.NS, func(ev inet.Event) { b.WriteString(mon.Inet(ev)) })()
	defer xfrm.ForNamespace(env.NS).Subscribe(func(m xfrm.Msg) { b.WriteString(mon.Xfrm(m)) })()
	for _, l := range lines {
		if out, rc := run(t, env, l); rc != 0 {
			t.Fatalf("%q: %d %s", l, rc, out)
		}
	}
	return b.String()
}

func TestMonitorAddrRoute(t *testing.T) {
	env := newEnv(t)
	got := monitorRun(t, env, []string{
		"ip link add d0 address 02:00:00:00:00:01 type dummy",
		"ip link set d0 up",
	}, []string{
		"ip addr add 192.0.2.1/24 brd + dev d0",
		"ip route add 198.51.100.0/24 via 192.0.2.254",
		"ip route del 198.51.100.0/24",
		"ip addr del 192.0.2.1/24 dev d0",
	})
	want := `2: d0    inet 192.0.2.1/24 brd 192.0.2.255 scope global d0
       valid_lft forever preferred_lft forever
local 192.0.2.1 dev d0 table local proto kernel scope host src 192.0.2.1 
broadcast 192.0.2.255 dev d0 table local proto kernel scope link src 192.0.2.1 
192.0.2.0/24 dev d0 proto kernel scope link src 192.0.2.1 
198.51.100.0/24 via 192.0.2.254 dev d0 
Deleted 198.51.100.0/24 via 192.0.2.254 dev d0 
Deleted 2: d0    inet 192.0.2.1/24 brd 192.0.2.255 scope global d0
       valid_lft forever preferred_lft forever
`
	if !strings.HasPrefix(got, want) {
		t.Errorf("(-want +got):\n%s", cmp.Diff(want, got))
	}
	for _, w := range []string{
		"Deleted 192.0.2.0/24 dev d0 proto kernel scope link src 192.0.2.1 \n",
		"Deleted broadcast 192.0.2.255 dev d0 table local proto kernel scope link src 192.0.2.1 \n",
		"Deleted local 192.0.2.1 dev d0 table local proto kernel scope host src 192.0.2.1 \n",
	} {
		if !strings.Contains(got[len(want):], w) {
			t.Errorf("missing %q in\n%s", w, got[len(want):])
		}
	}
}

func TestMonitorLinkUp(t *testing.T) {
	env := newEnv(t)
	got := monitorRun(t, env, nil, []string{
		"ip link add d0 address 02:00:00:00:00:01 type dummy",
		"ip link set d0 up",
		"ip link del d0",
	})
	for _, w := range []string{
		"2: d0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n",
		"multicast ff00::/8 dev d0 table local proto kernel metric 256 pref medium\n",
		"2: d0    inet6 fe80::ff:fe00:1/64 scope link \n       valid_lft forever preferred_lft forever\n",
		"fe80::/64 dev d0 proto kernel metric 256 pref medium\n",
		"Deleted 2: d0    inet6 fe80::ff:fe00:1/64 scope link \n",
		"local fe80::ff:fe00:1 dev d0 table local proto kernel metric 0 pref medium\n",
		"Deleted multicast ff00::/8 dev d0 table local proto kernel metric 256 pref medium\n",
		"Deleted 2: d0: <BROADCAST,NOARP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000\n",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q", w)
		}
	}
}

func TestIPMonitorCommand(t *testing.T) {
	for _, tc := range []struct {
		cmd, out string
		rc       int
	}{
		{"ip monitor bogus", "Argument \"bogus\" is unknown, try \"ip monitor help\".\n", 255},
		{"ip monitor link address route xfrm", "", 0},
		{"ip monitor", "", 0},
	} {
		env := newEnv(t)
		out, rc := run(t, env, tc.cmd)
		if out != tc.out || rc != tc.rc {
			t.Errorf("%s: got %d %q, want %d %q", tc.cmd, rc, out, tc.rc, tc.out)
		}
	}
}

func TestMonitorXfrm(t *testing.T) {
	env := newEnv(t)
	got := monitorRun(t, env, nil, []string{
		"ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 mode tunnel aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 128",
		"ip xfrm state del src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100",
	})
	for _, w := range []string{"src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x00000100", "Deleted src 192.0.2.1 dst 192.0.2.2\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
}
