package stack_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/softnet/softnet/hostlink"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/kernelpeer"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/xfrm"
)

// The kernel-peer interop test: softnet and a real Linux 6.1 (the kernel
// peer, ../shared/kernel-peer) exchange ESP, AH and IPComp on one wire,
// with the same `ip xfrm` configuration on both sides. The configurations
// are in kernelpeer_cases_linux_test.go.

const kpName = "kvmxfrmtest" // this test's own guest

// peerSA describes one configuration: the algorithm words of ip xfrm
// state, the mode and extra words of the ESP/AH states, and the
// underlay, inner family and bundle around them.
type peerSA struct {
	name, proto, algs, mode, extra string
	v6                             bool   // IPv6 underlay (2001:db8:1::/64) instead of 198.51.100.0/24
	inner6                         bool   // IPv6 inner addresses (2001:db8:2::1, ::2) for tunnel/BEET
	comp                           string // "transport" or "tunnel": an IPComp SA (comp deflate) inside the ESP SA
	sizes                          []int  // ping payload sizes each way; nil means {56}
}

// Addresses of the two sides. Index 0 is softnet, 1 the guest.
var (
	outer4 = [2]string{"198.51.100.1", "198.51.100.2"}
	outer6 = [2]string{"2001:db8:1::1", "2001:db8:1::2"}
	inner4 = [2]string{"203.0.113.1", "203.0.113.2"}
	inner6 = [2]string{"2001:db8:2::1", "2001:db8:2::2"}
)

// tunnelled reports whether the packets' own addresses are the inner ones
// (some SA of the bundle is in tunnel or BEET mode).
func (c peerSA) tunnelled() bool { return c.mode != "transport" || c.comp == "tunnel" }

// addrs returns the outer and the pinged (inner) addresses of side i.
func (c peerSA) addrs(i int) (outer, inner string) {
	outer = outer4[i]
	if c.v6 {
		outer = outer6[i]
	}
	switch {
	case !c.tunnelled():
		inner = outer
	case c.inner6:
		inner = inner6[i]
	default:
		inner = inner4[i]
	}
	return outer, inner
}

func hostPrefix(a string) string {
	if strings.Contains(a, ":") {
		return a + "/128"
	}
	return a + "/32"
}

// xfrmScript is the same configuration for one side: local/remote outer
// addresses, inner addresses for tunnel and BEET mode, SPIs by direction
// (the IPComp CPIs are the SPIs + 1).
func xfrmScript(c peerSA, local, remote, lin, rin string, outSPI, inSPI uint32) []string {
	sel := func(src, dst string) string { return "src " + hostPrefix(src) + " dst " + hostPrefix(dst) }
	state := func(src, dst, isel string, spi uint32) string {
		s := fmt.Sprintf("ip xfrm state add src %s dst %s proto %s spi %#x reqid 7 mode %s %s %s", src, dst, c.proto, spi, c.mode, c.extra, c.algs)
		if c.mode == "beet" {
			s += " sel " + isel // BEET rebuilds the inner header from the selector
		}
		return s
	}
	comp := func(src, dst string, cpi uint32) string {
		return fmt.Sprintf("ip xfrm state add src %s dst %s proto comp spi %#x reqid 7 mode %s comp deflate", src, dst, cpi, c.comp)
	}
	// The IPComp template is optional inbound (a packet below the
	// threshold arrives without IPComp), as IKE daemons install it;
	// Linux refuses optional tunnel-mode templates outbound.
	tmpl := func(src, dst, level string) string {
		t := ""
		if c.comp != "" {
			t = fmt.Sprintf("tmpl src %s dst %s proto comp mode %s reqid 7 level %s ", src, dst, c.comp, level)
		}
		return t + fmt.Sprintf("tmpl src %s dst %s proto %s mode %s reqid 7", src, dst, c.proto, c.mode)
	}
	if !c.tunnelled() {
		lin, rin = local, remote
	}
	lines := []string{
		state(local, remote, sel(lin, rin), outSPI),
		state(remote, local, sel(rin, lin), inSPI),
	}
	if c.comp != "" {
		lines = append(lines, comp(local, remote, outSPI+1), comp(remote, local, inSPI+1))
	}
	return append(lines,
		"ip xfrm policy add "+sel(lin, rin)+" dir out "+tmpl(local, remote, "required"),
		"ip xfrm policy add "+sel(rin, lin)+" dir in "+tmpl(remote, local, "use"),
	)
}

// peerSession is one booted guest with softnet on its second NIC.
type peerSession struct {
	t   *testing.T // the running subtest, for run's failures
	env *iproute.Env
	ns  *netdev.Namespace
}

// run runs one ip command in softnet and fails the current test on error.
func (s *peerSession) run(l string) {
	s.t.Helper()
	var out bytes.Buffer
	if rc := iproute.RunLine(s.env, l, &out, &out); rc != 0 {
		s.t.Fatalf("softnet: %s: %s", l, out.String())
	}
}

// guest runs a bash command in the guest and fails the test on error.
func (s *peerSession) guest(timeout int, cmd string) string {
	s.t.Helper()
	out, err := kp(s.t, "gexec.sh", "-t", strconv.Itoa(timeout), cmd)
	if err != nil {
		s.t.Fatalf("guest: %v\n%s\n%s", err, cmd, out)
	}
	return out
}

// startPeer boots the guest, attaches softnet to kvmtap1 (the guest's
// eth1) and configures both sides' addresses: the IPv4 and IPv6 underlay,
// the inner addresses on lo with host routes over the wire, permanent
// neighbours for the IPv6 underlay (so that no neighbour discovery runs
// through the transport-mode policies), and ESP-in-UDP sockets in the
// guest: port 4500 UDP_ENCAP_ESPINUDP and 4501 UDP_ENCAP_ESPINUDP_NON_IKE
// on IPv4, 4502 UDP_ENCAP_ESPINUDP on IPv6.
func startPeer(t *testing.T) *peerSession {
	requireKernelPeer(t)
	if out, err := kp(t, "boot.sh"); err != nil {
		t.Fatalf("boot: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = kp(t, "stop.sh") })
	tool := kernelpeer.GuestTool(t, kpName, "github.com/softnet/softnet/internal/kernelpeer/udpencap")
	// esp6, ah6 and ipcomp6 for the IPv6 underlay, xfrm4_tunnel and
	// xfrm6_tunnel (on tunnel6) for the IP-in-IP state of a tunnel-mode
	// IPComp SA (ipcomp_tunnel_attach), in dependency order.
	mods := kernelpeer.GuestModules(t, kpName, "net/ipv6/esp6.ko", "net/ipv4/xfrm4_tunnel.ko",
		"net/ipv6/tunnel6.ko", "net/ipv6/xfrm6_tunnel.ko", "net/ipv6/ah6.ko", "net/ipv6/ipcomp6.ko")
	var insmod []string
	for _, m := range mods {
		// A module the image already has (built in or loaded) is kept.
		name := strings.TrimSuffix(filepath.Base(m), ".ko")
		insmod = append(insmod, fmt.Sprintf("grep -q '^%s ' /proc/modules || [ -d /sys/module/%s ] || insmod %s", name, name, m))
	}
	enterNetns(t, kpName)
	if out, err := exec.Command("ip", "addr", "flush", "dev", "kvmtap1").CombinedOutput(); err != nil {
		t.Fatalf("flush kvmtap1: %v %s", err, out)
	}
	w := netdev.NewWorld(netdev.Options{Loop: netdev.NewRealLoop(1)})
	t.Cleanup(w.Close)
	ns := w.Init()
	up := true
	p0, err := ns.NewLink(&netdev.LinkRequest{Name: "p0", Kind: "host-afpacket", Up: &up,
		Data: &hostlink.PacketData{HostDev: "kvmtap1"}})
	if err != nil {
		t.Fatal(err)
	}
	s := &peerSession{t: t, env: &iproute.Env{World: w, NS: ns}, ns: ns}
	for _, l := range []string{
		"ip link set lo up",
		"ip addr add 198.51.100.1/24 dev p0",
		"ip addr add 2001:db8:1::1/64 dev p0 nodad",
		"ip addr add 203.0.113.1/32 dev lo",
		"ip addr add 2001:db8:2::1/128 dev lo",
		"ip route add 203.0.113.2/32 dev p0 src 203.0.113.1",
		"ip route add 2001:db8:2::2/128 dev p0 src 2001:db8:2::1",
		"ip neigh add 2001:db8:1::2 lladdr 52:54:00:00:02:02 dev p0 nud permanent",
	} {
		s.run(l)
	}
	s.guest(60, strings.Join([]string{
		"set -e",
		"modprobe tunnel4",
		"modprobe xfrm_ipcomp",
		strings.Join(insmod, "\n"),
		"sysctl -qw net.ipv6.conf.lo.disable_ipv6=0 net.ipv6.conf.eth1.disable_ipv6=0",
		"ip addr add 203.0.113.2/32 dev lo",
		"ip route add 203.0.113.1/32 dev eth1 src 203.0.113.2",
		"ip addr add 2001:db8:1::2/64 dev eth1 nodad",
		"ip addr add 2001:db8:2::2/128 dev lo",
		"ip route add 2001:db8:2::1/128 dev eth1 src 2001:db8:2::2",
		"ip neigh add 2001:db8:1::1 lladdr " + p0.HardwareAddr().String() + " dev eth1 nud permanent",
		"ip xfrm state flush", "ip xfrm policy flush",
		tool + " -port 4500 -type 2 > /tmp/encap4500 2>&1 &",
		tool + " -port 4501 -type 1 > /tmp/encap4501 2>&1 &",
		tool + " -port 4502 -type 2 -family 6 > /tmp/encap4502 2>&1 &",
		"for f in /tmp/encap4500 /tmp/encap4501 /tmp/encap4502; do for i in $(seq 100); do grep -q ready $f 2>/dev/null && break; sleep 0.1; done; cat $f; done",
	}, "\n"))
	return s
}

// TestPrivKernelPeerXfrm: for each configuration both support, Linux
// pings softnet and softnet pings Linux through the same SAs and
// policies; softnet's MIB stays free of errors and Linux's
// /proc/net/xfrm_stat too, and every SA on both sides carried the
// packets.
func TestPrivKernelPeerXfrm(t *testing.T) {
	s := startPeer(t)
	for _, c := range peerSAs {
		t.Run(c.name, func(t *testing.T) {
			s.t = t
			s.runCase(c)
		})
	}
}

func (s *peerSession) runCase(c peerSA) {
	t := s.t
	mib := xfrm.ForNamespace(s.ns).MIB
	before := mib.Snapshot()
	softOuter, softIn := c.addrs(0)
	guestOuter, guestIn := c.addrs(1)
	for _, l := range xfrmScript(c, softOuter, guestOuter, softIn, guestIn, 0x1100, 0x2200) {
		s.run(l)
	}
	defer s.run("ip xfrm policy flush")
	defer s.run("ip xfrm state flush")
	guest := strings.Join(xfrmScript(c, guestOuter, softOuter, guestIn, softIn, 0x2200, 0x1100), " && ")
	linuxBefore := linuxStat(s.guest(60, "ip xfrm state flush; ip xfrm policy flush; cat /proc/net/xfrm_stat; "+guest))
	if os.Getenv("SOFTNET_KP_TCPDUMP") != "" {
		s.guest(10, "tcpdump -nn -v -i eth1 not arp > /tmp/td 2>&1 & echo $! > /tmp/td.pid; sleep 1")
		defer func() {
			t.Logf("guest capture:\n%s", s.guest(10, "sleep 1; kill $(cat /tmp/td.pid); sleep 0.5; cat /tmp/td"))
		}()
	}
	sizes := c.sizes
	if sizes == nil {
		sizes = []int{56}
	}
	for _, size := range sizes {
		out := s.guest(60, fmt.Sprintf("ping -c 3 -W 5 -s %d %s; cat /proc/net/xfrm_stat", size, softIn))
		if !strings.Contains(out, "3 packets received") {
			t.Errorf("Linux pinged softnet with %d bytes through %s:\n%s", size, c.name, out)
		}
		checkLinuxStat(t, linuxBefore, out, "after Linux's pings")
		// softnet → Linux through the same SAs.
		if got := pingReplies(t, s.ns, guestIn, size); got != 3 {
			t.Errorf("softnet got %d of 3 replies of %d bytes from Linux through %s", got, size, c.name)
		}
	}
	out := s.guest(30, "cat /proc/net/xfrm_stat; ip -s xfrm state; ip xfrm state flush; ip xfrm policy flush")
	checkLinuxStat(t, linuxBefore, out, "after softnet's pings")
	want := 6 * len(sizes) // 3 pings each way per size, through each ESP/AH SA
	for spi, n := range linuxSAPackets(out) {
		if spi&0xff == 0 && n < want {
			t.Errorf("Linux SA %#x carried %d packets, want %d", spi, n, want)
		}
		if spi&0xff == 1 && n == 0 && maxInt(sizes) > 90 {
			t.Errorf("Linux IPComp SA %#x carried no packet", spi)
		}
	}
	for _, x := range xfrm.ForNamespace(s.ns).SAD.Dump() {
		lt, cfg := x.Lifetime(), x.Cfg()
		switch {
		case cfg.ID.Proto.Kernel():
			// the kernel's own IP-in-IP state of a tunnel-mode IPComp SA
		case cfg.ID.Proto != xfrm.ProtoComp && lt.Packets < uint64(want):
			t.Errorf("softnet SA %#x carried %d packets, want %d", cfg.ID.SPI, lt.Packets, want)
		case cfg.ID.Proto == xfrm.ProtoComp && lt.Packets == 0 && maxInt(sizes) > 90:
			t.Errorf("softnet IPComp SA %#x carried no packet", cfg.ID.SPI)
		}
	}
	after := mib.Snapshot()
	for i := range after {
		if after[i].Value != before[i].Value {
			t.Errorf("softnet %s: %d → %d", after[i].Name, before[i].Value, after[i].Value)
		}
	}
}

func maxInt(v []int) int {
	m := 0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// linuxStat reads the counters of /proc/net/xfrm_stat in out.
func linuxStat(out string) map[string]int {
	m := map[string]int{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 2 && strings.HasPrefix(f[0], "Xfrm") {
			m[f[0]], _ = strconv.Atoi(f[1])
		}
	}
	return m
}

// checkLinuxStat fails t for every counter of /proc/net/xfrm_stat in out
// that moved since before.
func checkLinuxStat(t *testing.T, before map[string]int, out, when string) {
	t.Helper()
	for k, v := range linuxStat(out) {
		if v != before[k] {
			t.Errorf("Linux counter %s: %d → %d %s", k, before[k], v, when)
		}
	}
}

var (
	reSPI     = regexp.MustCompile(`proto (\w+) spi (0x[0-9a-f]+)`)
	rePackets = regexp.MustCompile(`(\d+)\(bytes\), (\d+)\(packets\)`)
)

// linuxSAPackets reads `ip -s xfrm state`: packets carried by the ESP, AH
// and IPComp SAs, by SPI (the "lifetime current" line follows its state's
// first line).
func linuxSAPackets(out string) map[uint32]int {
	m := map[uint32]int{}
	var spi uint64
	for _, l := range strings.Split(out, "\n") {
		if s := reSPI.FindStringSubmatch(l); s != nil {
			spi, _ = strconv.ParseUint(s[2], 0, 32)
			if s[1] != "esp" && s[1] != "ah" && s[1] != "comp" {
				spi = 0 // the IPIP state of an IPComp tunnel
			}
		}
		if p := rePackets.FindStringSubmatch(l); p != nil && spi != 0 {
			m[uint32(spi)], _ = strconv.Atoi(p[2])
		}
	}
	return m
}

func pingReplies(t *testing.T, ns *netdev.Namespace, dst string, size int) int {
	addr := netip.MustParseAddr(dst)
	fam := inet.FamilyV4
	if addr.Is6() {
		fam = inet.FamilyV6
	}
	replies := make(chan inet.EchoEvent, 8)
	c, err := inet.DialICMP(ns, fam, func(e inet.EchoEvent) { replies <- e })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := 0
	for seq := uint16(1); seq <= 3; seq++ {
		if err := c.SendEcho(addr, inet.EchoOpts{ID: 0x5151, Seq: seq, Size: size}); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-replies:
			if e.Reply && e.Size == size {
				got++
			} else if !e.Reply {
				t.Logf("softnet ping %s: ICMP error type %d code %d", dst, e.Type, e.Code)
			}
		case <-time.After(10 * time.Second):
		}
	}
	return got
}

func requireKernelPeer(t *testing.T) { kernelpeer.Require(t) }

func kp(t *testing.T, script string, args ...string) (string, error) {
	t.Helper()
	return kernelpeer.Script(kpName, script, args...)
}

func enterNetns(t *testing.T, name string) { kernelpeer.EnterNetns(t, name) }
