package mpls_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/mpls"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

func world(t testing.TB) (*netdev.World, *netdev.Namespace) {
	w := netdev.NewWorld(netdev.Options{Loop: netdev.NewSimLoop(time.Unix(0, 0))})
	t.Cleanup(w.Close)
	return w, w.Init()
}

func TestAddRouteChecks(t *testing.T) {
	_, ns := world(t)
	lo := ns.Loopback().Index()
	if err := mpls.AddRoute(ns, mpls.Route{Label: 100, Ifindex: lo}, false); extack.MessageOf(err) != "Label >= configured maximum in platform_labels" {
		t.Errorf("platform_labels 0: %v", err)
	}
	if err := ns.SetSysctl("net.mpls.platform_labels", "1000"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		r     mpls.Route
		errno syscall.Errno
	}{
		{"ok", mpls.Route{Label: 100, Ifindex: lo}, 0},
		{"dup", mpls.Route{Label: 100, Ifindex: lo}, syscall.EEXIST},
		{"reserved", mpls.Route{Label: 3, Ifindex: lo}, syscall.EINVAL},
		{"too-big", mpls.Route{Label: 1000, Ifindex: lo}, syscall.EINVAL},
		{"no-dev", mpls.Route{Label: 101, Ifindex: 99}, syscall.ENODEV},
		{"bad-new-label", mpls.Route{Label: 102, Ifindex: lo, NewLabels: []uint32{1 << 20}}, syscall.EINVAL},
	} {
		err := mpls.AddRoute(ns, tc.r, false)
		if (tc.errno == 0) != (err == nil) || (err != nil && extack.ErrnoOf(err) != tc.errno) {
			t.Errorf("%s: %v, want errno %v", tc.name, err, tc.errno)
		}
	}
	if err := mpls.DelRoute(ns, 100); err != nil {
		t.Error(err)
	}
	if err := mpls.DelRoute(ns, 100); extack.ErrnoOf(err) != syscall.ESRCH {
		t.Errorf("second delete: %v", err)
	}
}

// FuzzRcv feeds arbitrary label stacks to the MPLS receive path.
func FuzzRcv(f *testing.F) {
	f.Add([]byte{0, 0x64, 0x11, 64, 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2})
	f.Add([]byte{0, 0x64, 0x10, 1})
	f.Add([]byte{0})
	_, ns := world(f)
	_ = ns.SetSysctl("net.mpls.platform_labels", "1000")
	lo := ns.Loopback()
	_ = ns.Open(lo)
	_ = ns.SetSysctl("net.mpls.conf.lo.input", "1")
	_ = mpls.AddRoute(ns, mpls.Route{Label: 100, Ifindex: lo.Index()}, false)
	_ = mpls.AddRoute(ns, mpls.Route{Label: 101, Ifindex: lo.Index(), NewLabels: []uint32{200, 300}}, false)
	f.Fuzz(func(t *testing.T, p []byte) {
		packettest.CheckBalance(t)
		b, err := packet.FromBytes(p)
		if err != nil {
			return
		}
		b.Protocol = netdev.EthPMPLS
		lo.Receive(b)
		ns.World().Loop().(*netdev.SimLoop).Run()
	})
}
