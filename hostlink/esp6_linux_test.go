package hostlink_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/sys/privtest"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
	"github.com/softnet/softnet/xfrm"
)

// softnetIP runs softnet ip command lines in a world's namespace.
func softnetIP(t *testing.T, w *netdev.World, lines ...string) string {
	t.Helper()
	env := &iproute.Env{World: w, NS: w.Init()}
	var all bytes.Buffer
	for _, l := range lines {
		var out bytes.Buffer
		if rc := iproute.RunLine(env, l, &out, &out); rc != 0 {
			t.Fatalf("%s: exit %d: %s", l, rc, out.String())
		}
		all.Write(out.Bytes())
	}
	return all.String()
}

// esp6Gateway configures a softnet world as an ESP tunnel gateway whose
// outer IPv6 packets use the host's address local (on the host veth)
// through a host-ip device, protecting lan (its own dummy network) to
// rlan (the peer's).
func esp6Gateway(t *testing.T, w *netdev.World, local, remote, self, lan, rlan, ospi, ispi, okey, ikey string) {
	t.Helper()
	const aead = " mode tunnel aead rfc4106(gcm(aes)) %s 128"
	softnetIP(t, w,
		"ip link add hip0 type host-ip protocols 50",
		"ip link set hip0 up",
		"ip addr add "+local+"/128 dev hip0 nodad",
		"ip route add "+remote+"/128 dev hip0",
		"ip link add lan0 type dummy",
		"ip link set lan0 up",
		"ip addr add "+self+"/64 dev lan0 nodad",
		"ip route add "+rlan+" dev hip0",
		"ip xfrm state add src "+local+" dst "+remote+" proto esp spi "+ospi+fmt.Sprintf(aead, okey),
		"ip xfrm state add src "+remote+" dst "+local+" proto esp spi "+ispi+fmt.Sprintf(aead, ikey),
		"ip xfrm policy add src "+lan+" dst "+rlan+" dir out tmpl src "+local+" dst "+remote+" proto esp mode tunnel",
		"ip xfrm policy add src "+rlan+" dst "+lan+" dir in tmpl src "+remote+" dst "+local+" proto esp mode tunnel",
	)
}

// TestPrivESP6OverHostIP: two softnet worlds, each on its own host network
// namespace, join their networks with an ESP (AES-128-GCM) tunnel in
// IPv6 whose outer packets cross a host veth between the namespaces
// through host-ip devices (raw IPv6 sockets, the host's own addresses);
// softnet pings across it and both SAs count the traffic.
func TestPrivESP6OverHostIP(t *testing.T) {
	privtest.Netns(t)
	packettest.CheckBalance(t)
	requireIPv6(t)
	selfNS, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		t.Skipf("privileged test: %v", err)
	}
	defer selfNS.Close()
	nsB := privtest.Another(t, "b")
	const keyAB, keyBA = "0x0102030405060708090a0b0c0d0e0f1011121314", "0x1112131415161718191a1b1c1d1e1f2021222324"
	wA, wB := newWorld(t), newWorld(t)
	nsB.Do(t, func() {
		hostIPCmd(t, "link", "add", "vb", "type", "veth", "peer", "name", "va",
			"netns", fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), selfNS.Fd()))
		hostIPCmd(t, "addr", "add", "2001:db8:a::2/64", "dev", "vb", "nodad")
		hostIPCmd(t, "link", "set", "vb", "up")
		esp6Gateway(t, wB, "2001:db8:a::2", "2001:db8:a::1", "2001:db8:2::1", "2001:db8:2::/64", "2001:db8:1::/64",
			"0x2000", "0x1000", keyBA, keyAB)
	})
	hostIPCmd(t, "addr", "add", "2001:db8:a::1/64", "dev", "va", "nodad")
	hostIPCmd(t, "link", "set", "va", "up")
	esp6Gateway(t, wA, "2001:db8:a::1", "2001:db8:a::2", "2001:db8:1::1", "2001:db8:1::/64", "2001:db8:2::/64",
		"0x1000", "0x2000", keyAB, keyBA)
	if out := softnetIP(t, wA, "ip -d link show dev hip0"); !bytes.Contains([]byte(out), []byte("host-ip protocols 50 family inet,inet6 ")) {
		t.Errorf("ip -d link show dev hip0:\n%s", out)
	}
	if out := softnetIP(t, wA, "ip -d -j link show dev hip0"); !bytes.Contains([]byte(out), []byte(`"info_data":{"protocols":"50","family":"inet,inet6","tx_batches":`)) {
		t.Errorf("ip -d -j link show dev hip0:\n%s", out)
	}

	events := make(chan inet.EchoEvent, 16)
	c, err := inet.DialICMP(wA.Init(), inet.FamilyV6, func(e inet.EchoEvent) { events <- e })
	must(t, err)
	defer c.Close()
	src, dst := netip.MustParseAddr("2001:db8:1::1"), netip.MustParseAddr("2001:db8:2::1")
	for seq := range uint16(3) {
		must(t, c.SendEcho(dst, inet.EchoOpts{ID: 7, Seq: seq, Src: src}))
		select {
		case e := <-events:
			if !e.Reply || e.From != dst || e.Seq != seq {
				t.Fatalf("echo %d: %+v", seq, e)
			}
		case <-time.After(5 * time.Second):
			t.Logf("A:\n%s", softnetIP(t, wA, "ip -s link", "ip -s xfrm state"))
			t.Logf("B:\n%s", softnetIP(t, wB, "ip -s link", "ip -s xfrm state"))
			t.Fatalf("echo %d: no reply through the tunnel", seq)
		}
	}
	for _, w := range []*netdev.World{wA, wB} {
		for _, e := range xfrm.ForNamespace(w.Init()).MIB.Snapshot() {
			if e.Value != 0 {
				t.Errorf("%s = %d", e.Name, e.Value)
			}
		}
		if out := softnetIP(t, w, "ip -s xfrm state"); bytes.Count([]byte(out), []byte("3(packets)")) != 2 {
			t.Errorf("SA counters:\n%s", out)
		}
	}
}
