package hostlink_test

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/internal/sys/privtest"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/packet/packettest"
)

// TestPrivTunRouter: two host namespaces, each with a TUN device into one
// softnet World that routes between them (inet forwarding, configured
// with ip commands): a host UDP exchange crosses softnet both ways.
func TestPrivTunRouter(t *testing.T) {
	privtest.Netns(t)
	privtest.RequireTun(t)
	nsB := privtest.Another(t, "b")
	packettest.CheckBalance(t)
	w := newWorld(t)
	env := &iproute.Env{World: w, NS: w.Init()}
	ip := func(line string) {
		t.Helper()
		var out, errb bytes.Buffer
		if rc := iproute.RunLine(env, line, &out, &errb); rc != 0 {
			t.Fatalf("%s: exit %d: %s", line, rc, errb.String())
		}
	}
	ip("ip link add t0 type host-tun host-name sna")
	nsB.Do(t, func() { ip("ip link add t1 type host-tun host-name snb") })
	ip("sysctl -w net.ipv4.ip_forward=1")
	ip("ip addr add 192.0.2.2/25 dev t0")
	ip("ip addr add 192.0.2.130/25 dev t1")
	ip("ip link set t0 up")
	ip("ip link set t1 up")

	// The hosts reach each other's /25 through their TUN (a /24 on-link).
	must(t, sys.LinkUp("sna", true))
	must(t, sys.AddAddr4("sna", netip.MustParsePrefix("192.0.2.1/24")))
	var srv *net.UDPConn
	nsB.Do(t, func() {
		must(t, sys.LinkUp("snb", true))
		must(t, sys.AddAddr4("snb", netip.MustParsePrefix("192.0.2.129/24")))
		var err error
		srv, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(192, 0, 2, 129), Port: 7000})
		must(t, err)
	})
	defer srv.Close()
	cli, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1)})
	must(t, err)
	defer cli.Close()

	_, err = cli.WriteToUDP([]byte("through softnet"), &net.UDPAddr{IP: net.IPv4(192, 0, 2, 129), Port: 7000})
	must(t, err)
	buf := make([]byte, 100)
	srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, from, err := srv.ReadFromUDP(buf)
	must(t, err)
	if string(buf[:n]) != "through softnet" || !from.IP.Equal(net.IPv4(192, 0, 2, 1)) {
		t.Fatalf("B got %q from %v", buf[:n], from)
	}
	_, err = srv.WriteToUDP([]byte("and back"), from)
	must(t, err)
	cli.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err = cli.ReadFromUDP(buf)
	must(t, err)
	if string(buf[:n]) != "and back" {
		t.Fatalf("A got %q", buf[:n])
	}
}
