package xfrm_test

import (
	"net/netip"
	"syscall"
	"testing"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/xfrm"
)

func compTunnelConfig(src, dst string, spi uint32) xfrm.Config {
	s, d := netip.MustParseAddr(src), netip.MustParseAddr(dst)
	fam := 4
	if s.Is6() {
		fam = 6
	}
	return xfrm.Config{ID: xfrm.ID{Daddr: d, SPI: spi, Proto: xfrm.ProtoComp}, Saddr: s, Family: fam,
		Mode: xfrm.ModeTunnel, Comp: &xfrm.AlgSpec{Name: "deflate"}}
}

// dumpIDs returns the (proto, spi) of every state in dump order.
func dumpIDs(n *xfrm.Net) [][2]uint32 {
	var out [][2]uint32
	for _, x := range n.SAD.Dump() {
		out = append(out, [2]uint32{uint32(x.Cfg().ID.Proto), x.Cfg().ID.SPI})
	}
	return out
}

// TestKernelTunnelState: a tunnel-mode IPComp SA brings its kernel tunnel
// state into the SAD ahead of itself (ipcomp_tunnel_attach): protocol 4
// with the IPv4 source as SPI, or 41 with an SPI allocated per IPv6
// source from 1; SAs with the same endpoints share it; the user cannot
// delete or update it (EPERM, EEXIST) and flush leaves it to its users;
// it goes with its last IPComp SA.
func TestKernelTunnelState(t *testing.T) {
	n := xfrm.NewNet(nil, nil)
	a, err := n.AddState(compTunnelConfig("192.0.2.1", "192.0.2.2", 0x4242), false)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]uint32{{4, 0xc0000201}, {108, 0x4242}}
	if got := dumpIDs(n); !equalIDs(got, want) {
		t.Fatalf("SAD %x, want %x", got, want)
	}
	kern := n.SAD.Lookup(netip.MustParseAddr("192.0.2.2"), 0xc0000201, xfrm.ProtoIPIP, 0)
	if kern == nil || !kern.KernelTunnel() || kern.Cfg().Mode != xfrm.ModeTunnel || kern.Cfg().Saddr != a.Cfg().Saddr {
		t.Fatalf("kernel state %v", kern)
	}
	if err := n.DeleteState(kern); extack.ErrnoOf(err) != syscall.EPERM {
		t.Errorf("delete kernel state: %v, want EPERM", err)
	}
	if _, err := n.AddState(*kern.Cfg(), true); extack.ErrnoOf(err) != syscall.EEXIST {
		t.Errorf("update kernel state: %v, want EEXIST", err)
	}
	// A second SA with the same endpoints shares it; an update keeps it.
	if _, err := n.AddState(compTunnelConfig("192.0.2.1", "192.0.2.2", 0x4343), false); err != nil {
		t.Fatal(err)
	}
	if _, err := n.AddState(compTunnelConfig("192.0.2.1", "192.0.2.2", 0x4343), true); err != nil {
		t.Fatal(err)
	}
	if n.SAD.Len() != 3 {
		t.Fatalf("SAD %x, want one kernel state for two IPComp SAs", dumpIDs(n))
	}
	if err := n.DeleteState(a); err != nil {
		t.Fatal(err)
	}
	if n.SAD.Lookup(netip.MustParseAddr("192.0.2.2"), 0xc0000201, xfrm.ProtoIPIP, 0) != kern {
		t.Fatal("kernel state gone while an IPComp SA uses it")
	}
	n.FlushStates(xfrm.ProtoIPIP)
	if n.SAD.Len() != 2 {
		t.Fatalf("flush proto 4 removed the kernel state in use: %x", dumpIDs(n))
	}
	n.FlushStates(0)
	if n.SAD.Len() != 0 || kern.KM() != xfrm.StateDead {
		t.Fatalf("after flush: %x", dumpIDs(n))
	}

	// IPv6: SPIs allocated per source address.
	for i, c := range []xfrm.Config{
		compTunnelConfig("2001:db8::1", "2001:db8::2", 0x100),
		compTunnelConfig("2001:db8::1", "2001:db8::3", 0x101),
		compTunnelConfig("2001:db8::9", "2001:db8::2", 0x102),
	} {
		if _, err := n.AddState(c, false); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	want = [][2]uint32{{41, 1}, {108, 0x100}, {41, 1}, {108, 0x101}, {41, 2}, {108, 0x102}}
	if got := dumpIDs(n); !equalIDs(got, want) {
		t.Fatalf("SAD %x, want %x", got, want)
	}
	if spi := n.SAD.TunnelSPI(netip.MustParseAddr("2001:db8::9")); spi != 2 {
		t.Errorf("TunnelSPI = %d, want 2", spi)
	}
	n.FlushStates(0)
	if n.SAD.Len() != 0 || n.SAD.TunnelSPI(netip.MustParseAddr("2001:db8::9")) != 0 {
		t.Fatalf("after flush: %x", dumpIDs(n))
	}
}

func equalIDs(a, b [][2]uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
