package daemon

import (
	"bufio"
	"io"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/packet"
)

// TestMonitor: link events stream as ip monitor prints them.
func TestMonitor(t *testing.T) {
	d := newDaemon(t, "", 0)
	_, path := serve(t, d)
	mc, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	r, resp, err := mc.Stream(&Request{Cmd: CmdMonitor})
	if err != nil || resp.Status != 0 {
		t.Fatalf("monitor: %+v %v", resp, err)
	}
	br := bufio.NewReader(r)
	run(t, d, "", "ip link add m0 type dummy")
	expectLine(t, br, ": m0: <BROADCAST,NOARP> mtu 1500")
	run(t, d, "", "ip link set m0 up")
	expectLine(t, br, ": m0: <BROADCAST,NOARP,UP,LOWER_UP>")
	run(t, d, "", "ip addr add 192.0.2.1/24 dev m0")
	expectLine(t, br, ": m0    inet 192.0.2.1/24 scope global m0")
	expectLine(t, br, "       valid_lft forever preferred_lft forever")
	expectLine(t, br, "local 192.0.2.1 dev m0 table local proto kernel scope host src 192.0.2.1")
	run(t, d, "", "ip route add 198.51.100.0/24 via 192.0.2.254")
	expectLine(t, br, "198.51.100.0/24 via 192.0.2.254 dev m0")
	run(t, d, "", "ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 mode tunnel aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 128")
	expectLine(t, br, "src 192.0.2.1 dst 192.0.2.2")
	run(t, d, "", "ip link del m0")
	expectLine(t, br, "Deleted ")
	// Only routes: an address change is not shown, its routes are.
	rc, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	r2, resp, err := rc.Stream(&Request{Cmd: CmdMonitor, Objects: []string{"route"}})
	if err != nil || resp.Status != 0 {
		t.Fatalf("monitor route: %+v %v", resp, err)
	}
	for _, l := range []string{"ip link add m1 type dummy", "ip link set m1 up", "ip addr add 10.9.0.1/24 dev m1"} {
		run(t, d, "", l)
	}
	br2 := bufio.NewReader(r2)
	for {
		line, err := br2.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(line, "inet ") || strings.Contains(line, "mtu ") {
			t.Fatalf("route monitor printed %q", line)
		}
		if strings.Contains(line, "10.9.0.0/24 dev m1 proto kernel scope link src 10.9.0.1") {
			break
		}
	}
	if _, err := DecodeRequest([]byte(`{"cmd":"monitor","objects":["neigh"]}`)); err == nil ||
		!strings.Contains(err.Error(), `monitor object "neigh"`) {
		t.Errorf("unknown object: %v", err)
	}
	// A missing namespace is an error, not a stream.
	mc2, _ := Dial(path)
	defer mc2.Close()
	if _, resp, err := mc2.Stream(&Request{Cmd: CmdMonitor, Netns: "nope"}); err != nil || resp.Status == 0 {
		t.Errorf("monitor in a missing netns: %+v %v", resp, err)
	}
}

func expectLine(t *testing.T, br *bufio.Reader, want string) {
	t.Helper()
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("waiting for %q: %v", want, err)
		}
		if strings.Contains(line, want) {
			return
		}
	}
}

// TestCapture: frames a device sends and receives arrive as pcapng with
// their direction; deleting the device ends the stream.
func TestCapture(t *testing.T) {
	checkBalance(t)
	d := newDaemon(t, "", 0)
	_, path := serve(t, d)
	run(t, d, "", "ip link add c0 type veth peer name c1")
	run(t, d, "", "ip link set c0 up")
	run(t, d, "", "ip link set c1 up")
	cc, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	r, resp, err := cc.Stream(&Request{Cmd: CmdCapture, Dev: "c0", Snaplen: 64})
	if err != nil || resp.Status != 0 {
		t.Fatalf("capture: %+v %v", resp, err)
	}
	dev := d.world.Init().DeviceByName("c0")
	frame := build.Ethernet(header.MAC{2, 0, 0, 0, 0, 2}, header.MAC{2, 0, 0, 0, 0, 1}, 0x0800,
		build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2"), Proto: 17}, make([]byte, 100)))
	b, err := packet.FromBytes(frame)
	if err != nil {
		t.Fatal(err)
	}
	_ = dev.Transmit(b)
	d.runSim()
	run(t, d, "", "ip link del c0")
	ng, err := pcapgo.NewNgReader(r, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	if ng.LinkType() != layers.LinkTypeEthernet {
		t.Errorf("link type %v", ng.LinkType())
	}
	n := 0
	for {
		data, ci, err := ng.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 64 {
			t.Errorf("packet: caplen %d > snaplen 64", len(data))
		}
		if ci.Length == len(frame) && len(data) == 64 {
			n++
		}
	}
	if n == 0 {
		t.Error("the transmitted frame was not captured")
	}
	// Unknown device.
	cc2, _ := Dial(path)
	defer cc2.Close()
	if _, resp, _ := cc2.Stream(&Request{Cmd: CmdCapture, Dev: "zz"}); resp.Status != 1 || resp.Stderr != "Cannot find device \"zz\"\n" {
		t.Errorf("capture zz: %+v", resp)
	}
}

// TestMetrics: the collector walks devices, drop reasons, SNMP and xfrm
// counters at scrape time.
func TestMetrics(t *testing.T) {
	d := newDaemon(t, t.TempDir(), 0)
	defer d.Close()
	run(t, d, "", "ip link add d0 type dummy")
	run(t, d, "", "ip netns add b")
	srv := httptest.NewServer(d.MetricsHandler())
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`softnet_device_rx_packets_total{device="d0",netns="default"} 0`,
		`softnet_device_tx_dropped_total{device="lo",netns="b"} 0`,
		`softnet_device_mtu_bytes{device="d0",netns="default"} 1500`,
		`softnet_device_up{device="d0",kind="dummy",netns="default"} 0`,
		`softnet_snmp_total{counter="IpInReceives",netns="default"} 0`,
		`softnet_xfrm_total{counter="XfrmInError",netns="b"} 0`,
		`softnet_journal_entries 2`,
		`softnet_namespaces 2`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
}

// TestCaptureFilter: only frames the filter accepts are captured; a bad
// filter is refused before the stream starts.
func TestCaptureFilter(t *testing.T) {
	checkBalance(t)
	d := newDaemon(t, "", 0)
	_, path := serve(t, d)
	for _, l := range []string{"ip link add c0 type veth peer name c1", "ip link set c0 up", "ip link set c1 up"} {
		run(t, d, "", l)
	}
	bad, _ := Dial(path)
	defer bad.Close()
	if _, resp, _ := bad.Stream(&Request{Cmd: CmdCapture, Dev: "c0", Filter: "host"}); resp.Status != 1 ||
		resp.Stderr != "softnet capture: filter: expected an address after \"host\", got end of filter\n" {
		t.Errorf("bad filter: %+v", resp)
	}
	cc, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	r, resp, err := cc.Stream(&Request{Cmd: CmdCapture, Dev: "c0", Filter: "udp and dst host 192.0.2.9"})
	if err != nil || resp.Status != 0 {
		t.Fatalf("capture: %+v %v", resp, err)
	}
	dev := d.world.Init().DeviceByName("c0")
	for _, dst := range []string{"192.0.2.2", "192.0.2.9", "192.0.2.3"} {
		frame := build.Ethernet(header.MAC{2, 0, 0, 0, 0, 2}, header.MAC{2, 0, 0, 0, 0, 1}, 0x0800,
			build.IPv4(build.IPv4Opts{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr(dst), Proto: 17}, make([]byte, 20)))
		b, err := packet.FromBytes(frame)
		if err != nil {
			t.Fatal(err)
		}
		_ = dev.Transmit(b)
	}
	d.runSim()
	run(t, d, "", "ip link del c0")
	ng, err := pcapgo.NewNgReader(r, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	var dsts []string
	for {
		data, _, err := ng.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(data) >= 34 {
			dsts = append(dsts, netip.AddrFrom4([4]byte(data[30:34])).String())
		}
	}
	if len(dsts) != 1 || dsts[0] != "192.0.2.9" {
		t.Errorf("captured %v, want [192.0.2.9]", dsts)
	}
}
