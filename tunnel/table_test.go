package tunnel

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

var testFam = NewFamily(Ops{Kind: "tunneltest", Type: netdev.ARPHRDTunnel})

// mk makes a tunnel for table tests: "local remote link [down] [md] [key=K]".
func mk(n *Net, name string, local, remote string, link int32, up bool) *Tunnel {
	d := netdev.NewDevice(nil)
	d.Type = netdev.ARPHRDTunnel
	if up {
		d.InitFlags(netdev.FlagUp)
	}
	t := &Tunnel{dev: d, net: n}
	p := Parms{Name: name, Local: addrOrAny(local), Remote: addrOrAny(remote), Link: link}
	t.setConfig(p.Normalize())
	return t
}

func addrOrAny(s string) netip.Addr {
	if s == "" || s == "any" {
		return netip.Addr{}
	}
	return netip.MustParseAddr(s)
}

// TestLookupOrder walks ip_tunnel_lookup's passes: exact local+remote,
// remote only, local only or multicast, wildcard — each preferring the
// receiving link, falling back to the first candidate — then collect_md,
// then the fallback device; down tunnels never match.
func TestLookupOrder(t *testing.T) {
	const L, R, G = "192.0.2.1", "198.51.100.2", "239.1.1.1"
	type tun struct {
		name, local, remote string
		link                int32
		down, md, fb        bool
	}
	for _, tc := range []struct {
		name    string
		tunnels []tun // added in order (the newest is found first in a bucket)
		link    int32
		remote  string
		local   string
		want    string
	}{
		{"exact", []tun{{"wild", "", "", 0, false, false, false}, {"ro", "", R, 0, false, false, false}, {"ex", L, R, 0, false, false, false}}, 0, R, L, "ex"},
		{"exact-link-preferred", []tun{{"l5", L, R, 5, false, false, false}, {"l0", L, R, 0, false, false, false}}, 5, R, L, "l5"},
		{"exact-other-link-candidate", []tun{{"l7", L, R, 7, false, false, false}}, 5, R, L, "l7"},
		{"link-match-in-later-pass-beats-exact-candidate", []tun{{"ro5", "", R, 5, false, false, false}, {"ex7", L, R, 7, false, false, false}}, 5, R, L, "ro5"},
		{"remote-only", []tun{{"lo", L, "", 0, false, false, false}, {"ro", "", R, 0, false, false, false}}, 0, R, L, "ro"},
		{"remote-only-link", []tun{{"ro0", "", R, 0, false, false, false}, {"ro5", "", R, 5, false, false, false}}, 5, R, L, "ro5"},
		{"local-only", []tun{{"wild", "", "", 0, false, false, false}, {"lo", L, "", 0, false, false, false}}, 0, R, L, "lo"},
		{"multicast-group", []tun{{"mc", "", G, 0, false, false, false}}, 0, R, G, "mc"},
		{"wildcard", []tun{{"other", "192.0.2.9", "", 0, false, false, false}, {"wild", "", "", 0, false, false, false}}, 0, R, L, "wild"},
		{"wildcard-link", []tun{{"w0", "", "", 0, false, false, false}, {"w3", "", "", 3, false, false, false}}, 3, R, L, "w3"},
		{"down-skipped", []tun{{"wild", "", "", 0, false, false, false}, {"ex", L, R, 0, true, false, false}}, 0, R, L, "wild"},
		{"collect-md", []tun{{"fb", "", "", 0, false, false, true}, {"md", "", "", 0, false, true, false}, {"other", "192.0.2.9", R, 0, false, false, false}}, 0, R, L, "md"},
		{"collect-md-down", []tun{{"fb", "", "", 0, false, false, true}, {"md", "", "", 0, true, true, false}}, 0, R, L, "fb"},
		{"fallback", []tun{{"fb", "", "", 0, false, false, true}, {"other", "192.0.2.9", "203.0.113.1", 0, false, false, false}}, 0, R, L, "fb"},
		{"none", []tun{{"fb", "", "", 0, true, false, true}}, 0, R, L, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &Net{fam: testFam}
			n.tab.Store(&table{buckets: map[bucketKey][]*Tunnel{}})
			names := map[*Tunnel]string{}
			for _, x := range tc.tunnels {
				tt := mk(n, x.name, x.local, x.remote, x.link, !x.down)
				names[tt] = x.name
				switch {
				case x.fb:
					tb := n.tab.Load().clone()
					tb.fb = tt
					n.tab.Store(tb)
				case x.md:
					tt.collectMD = true
					n.add(tt)
				default:
					n.add(tt)
				}
			}
			got := n.Lookup(tc.link, packet.TunnelNoKey, netip.MustParseAddr(tc.remote), netip.MustParseAddr(tc.local), 0)
			if names[got] != tc.want {
				t.Errorf("got %q, want %q", names[got], tc.want)
			}
		})
	}
}

// TestFind: ip_tunnel_find matches endpoints, link and key exactly and
// finds the newest tunnel of a bucket first.
func TestFind(t *testing.T) {
	n := &Net{fam: testFam}
	n.tab.Store(&table{buckets: map[bucketKey][]*Tunnel{}})
	a := mk(n, "a", "", "", 0, true)
	b := mk(n, "b", "", "", 0, true)
	c := mk(n, "c", "192.0.2.1", "198.51.100.2", 4, true)
	n.add(a)
	n.add(b)
	n.add(c)
	if got := n.Find(Parms{}); got != b {
		t.Errorf("wildcard find: got %v, want the newest (b)", got.Config().Name)
	}
	if got := n.Find(Parms{Local: addrOrAny("192.0.2.1"), Remote: addrOrAny("198.51.100.2")}); got != nil {
		t.Errorf("find ignored the link: %v", got.Config().Name)
	}
	if got := n.Find(Parms{Local: addrOrAny("192.0.2.1"), Remote: addrOrAny("198.51.100.2"), Link: 4}); got != c {
		t.Errorf("exact find failed")
	}
	n.del(b)
	if got := n.Find(Parms{}); got != a {
		t.Errorf("after delete: got %v", got)
	}
}

// TestKeyMatch: keyed tunnels (GRE/VTI) match only their key; keyless
// packets only keyless tunnels.
func TestKeyMatch(t *testing.T) {
	keyed := &Parms{IFlags: packet.TunnelKey, IKey: 7}
	plain := &Parms{}
	for _, tc := range []struct {
		p     *Parms
		flags packet.TunnelFlags
		key   uint32
		want  bool
	}{
		{keyed, packet.TunnelKey, 7, true},
		{keyed, packet.TunnelKey, 8, false},
		{keyed, 0, 0, false},
		{plain, 0, 0, true},
		{plain, packet.TunnelKey, 7, false},
	} {
		if got := keyMatch(tc.p, tc.flags, tc.key); got != tc.want {
			t.Errorf("keyMatch(%+v, %v, %d) = %v", *tc.p, tc.flags, tc.key, got)
		}
	}
}
