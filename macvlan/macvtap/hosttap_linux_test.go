package macvtap_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/internal/sys/privtest"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
)

// serveHostTAP opens a host TAP named name for q in the test's current
// namespace, brings it up with prefix and serves it in the background;
// the returned func stops it and returns Serve's error.
func serveHostTAP(t *testing.T, q *macvtap.Queue, name, prefix string, cfg macvtap.HostTAPConfig) (*macvtap.HostTAP, func() error) {
	t.Helper()
	cfg.Name = name
	h, err := macvtap.OpenHostTAP(q, cfg)
	if err != nil {
		t.Fatalf("OpenHostTAP: %v", err)
	}
	must(t, sys.LinkUp(name, true))
	must(t, sys.AddAddr4(name, netip.MustParsePrefix(prefix)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Serve(ctx) }()
	var stopped bool
	var serr error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			serr = <-done
		}
		return serr
	}
	t.Cleanup(func() { stop() })
	return h, stop
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestPrivHostTAPPing: a host TAP bound to a softnet macvtap queue; the
// host namespace (system ping) and a softnet host behind the macvtap's
// lower device (inet probes) ping each other; deleting the macvtap ends
// Serve with ENOLINK.
func TestPrivHostTAPPing(t *testing.T) {
	privtest.Netns(t)
	privtest.RequireTun(t)
	packettest.CheckBalance(t)
	e := newEnvLoop(t, netdev.NewRealLoop(1), nil)
	tap := e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	q := open(t, tap)
	addAddr(t, e.peer, "eth0", "192.0.2.1/24")

	h, stop := serveHostTAP(t, q, "sntap0", "192.0.2.2/24", macvtap.HostTAPConfig{})
	if mac, err := sys.HardwareAddr("sntap0"); err != nil || net.HardwareAddr(mac).String() != net.HardwareAddr(mac0[:]).String() {
		t.Fatalf("host TAP MAC %x (%v), want the macvtap's %s", mac, err, net.HardwareAddr(mac0[:]))
	}
	t.Logf("host TAP %s, offload %#x", h.Name(), h.Offload())

	if _, err := exec.LookPath("ping"); err != nil {
		t.Log("no ping binary: host → softnet direction skipped")
	} else {
		out, err := exec.Command("ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "192.0.2.1").CombinedOutput()
		if err != nil {
			t.Fatalf("host ping 192.0.2.1: %v\n%s", err, out)
		}
	}

	var replies atomic.Int32
	got := make(chan struct{}, 8)
	c, err := inet.DialICMP(e.peer, inet.FamilyV4, func(ev inet.EchoEvent) {
		if ev.Reply {
			replies.Add(1)
			got <- struct{}{}
		}
	})
	must(t, err)
	defer c.Close()
	deadline := time.After(5 * time.Second)
	for i := range 3 {
		must(t, c.SendEcho(netip.MustParseAddr("192.0.2.2"), inet.EchoOpts{ID: 9, Seq: uint16(i + 1)}))
		select {
		case <-got:
		case <-deadline:
			t.Fatalf("softnet → host: %d/3 replies (in %d, out %d)", replies.Load(), h.In.Load(), h.Out.Load())
		}
	}
	if h.In.Load() == 0 || h.Out.Load() == 0 {
		t.Fatalf("counters in %d out %d", h.In.Load(), h.Out.Load())
	}

	// Deleting the macvtap detaches the queue: Serve ends with ENOLINK
	// and the host TAP goes away.
	must(t, e.ns.DelLink(e.ns.DeviceByName("macvtap0")))
	if err := stop(); !errors.Is(err, syscall.ENOLINK) {
		t.Fatalf("Serve after device delete: %v, want ENOLINK", err)
	}
	if _, err := sys.InterfaceIndex("sntap0"); err == nil {
		t.Fatal("host TAP still exists after Serve returned")
	}
}

// TestPrivHostTAPClose: Serve ends when its context is cancelled (nil)
// and when the queue is closed (EBADF).
func TestPrivHostTAPClose(t *testing.T) {
	privtest.Netns(t)
	privtest.RequireTun(t)
	packettest.CheckBalance(t)
	e := newEnvLoop(t, netdev.NewRealLoop(1), nil)
	tap := e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	q := open(t, tap)
	_, stop := serveHostTAP(t, q, "sntap0", "192.0.2.2/24", macvtap.HostTAPConfig{NoVnetHdr: true})
	if err := stop(); err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
	if _, flags, err := q.Iff(); err != nil || flags&macvtap.IffVnetHdr != 0 {
		t.Fatalf("queue flags %#x (%v), want no IFF_VNET_HDR", flags, err)
	}
	q2 := open(t, tap)
	_, stop = serveHostTAP(t, q2, "sntap1", "192.0.2.3/24", macvtap.HostTAPConfig{})
	q2.Close()
	if err := stop(); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Serve after queue close: %v, want EBADF", err)
	}
}

// TestPrivHostTAPTSO: two host namespaces, each with a host TAP bound to
// one of two bridge-mode macvtaps on the same lower device; a TCP
// transfer between them crosses softnet as TSO super-frames (far fewer
// frames than MSS-sized segments) and arrives intact.
func TestPrivHostTAPTSO(t *testing.T) {
	privtest.Netns(t)
	privtest.RequireTun(t)
	nsB := privtest.Another(t, "b")
	packettest.CheckBalance(t)
	e := newEnvLoop(t, netdev.NewRealLoop(2), nil)
	qa := open(t, e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0))
	qb := open(t, e.macvtap(t, "macvtap1", macvlan.ModeBridge, mac1))
	ha, _ := serveHostTAP(t, qa, "ta", "198.51.100.1/24", macvtap.HostTAPConfig{})
	var hb *macvtap.HostTAP
	var ln net.Listener
	nsB.Do(t, func() {
		hb, _ = serveHostTAP(t, qb, "tb", "198.51.100.2/24", macvtap.HostTAPConfig{})
		var err error
		ln, err = net.Listen("tcp4", "198.51.100.2:8000")
		must(t, err)
	})
	defer ln.Close()
	if ha.Offload()&macvtap.TunFTSO4 == 0 {
		t.Skipf("host TAP refused TSO4 (offload %#x)", ha.Offload())
	}

	const total = 8 << 20
	got := make(chan int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- -1
			return
		}
		defer c.Close()
		n, _ := io.Copy(io.Discard, c)
		got <- n
	}()
	c, err := net.DialTimeout("tcp4", "198.51.100.2:8000", 5*time.Second)
	must(t, err)
	buf := make([]byte, 256<<10)
	for sent := 0; sent < total; sent += len(buf) {
		if _, err := c.Write(buf); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	select {
	case n := <-got:
		if n != total {
			t.Fatalf("received %d bytes, want %d", n, total)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("transfer timed out")
	}
	segs := uint64(total / 1448)
	t.Logf("A→B: %d frames from host A, %d into host B (%d MSS segments); errors in %d out %d",
		ha.In.Load(), hb.Out.Load(), segs, ha.InErrors.Load(), hb.OutErrors.Load())
	if n := hb.Out.Load(); n == 0 || n > segs/4 {
		t.Fatalf("%d frames reached host B for %d segments: TSO frames did not cross whole", n, segs)
	}
}

// TestPrivHostTAPCommand drives the taphost kind through ip link
// add/show/del: the host pings softnet through the binding, deleting the
// macvtap drops the binding's carrier, deleting the binding removes the
// host TAP.
func TestPrivHostTAPCommand(t *testing.T) {
	privtest.Netns(t)
	privtest.RequireTun(t)
	packettest.CheckBalance(t)
	e := newEnvLoop(t, netdev.NewRealLoop(1), nil)
	env := &iproute.Env{World: e.w, NS: e.ns}
	run := func(line string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if rc := iproute.IP(env, strings.Fields(line), &out, &errb); rc != 0 {
			t.Fatalf("ip %s: exit %d: %s", line, rc, errb.String())
		}
		return out.String()
	}
	e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	addAddr(t, e.peer, "eth0", "192.0.2.1/24")
	run("link add vm0 link macvtap0 type taphost host-name sntap0")
	got := run("-d link show dev vm0")
	if !strings.Contains(got, "taphost tap tap") || !strings.Contains(got, "host-name sntap0 vnet_hdr on offload csum,tso4,tso6,tso_ecn") {
		t.Errorf("ip -d link show vm0:\n%s", got)
	}
	must(t, sys.LinkUp("sntap0", true))
	must(t, sys.AddAddr4("sntap0", netip.MustParsePrefix("192.0.2.2/24")))
	if _, err := exec.LookPath("ping"); err == nil {
		out, err := exec.Command("ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", "192.0.2.1").CombinedOutput()
		if err != nil {
			t.Fatalf("host ping 192.0.2.1 through taphost: %v\n%s", err, out)
		}
	}
	run("link add vm1 link macvtap0 type taphost host-name sntap1 vnet_hdr off")
	if got := run("-d link show dev vm1"); !strings.Contains(got, "vnet_hdr off offload off") {
		t.Errorf("ip -d link show vm1:\n%s", got)
	}
	run("link del vm1")
	if _, err := sys.InterfaceIndex("sntap1"); err == nil {
		t.Error("host TAP sntap1 survived ip link del")
	}
	run("link del macvtap0")
	vm0 := e.ns.DeviceByName("vm0")
	deadline := time.Now().Add(5 * time.Second)
	for vm0.Carrier() && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if vm0.Carrier() {
		t.Error("taphost kept its carrier after the macvtap was deleted")
	}
	run("link del vm0")

	// A lab (simulated loop) refuses host devices.
	lab := newEnv(t)
	lab.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	var out, errb bytes.Buffer
	if rc := iproute.IP(&iproute.Env{World: lab.w, NS: lab.ns}, strings.Fields("link add vm0 link macvtap0 type taphost"), &out, &errb); rc == 0 ||
		!strings.Contains(errb.String(), "real-time world") {
		t.Errorf("taphost in a lab: exit %d, %q", rc, errb.String())
	}
}
