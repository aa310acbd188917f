package stack_test

import (
	"testing"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/internal/topo"
	"github.com/softnet/softnet/xfrm"
	"github.com/softnet/softnet/xfrm/stack"
)

// gwOpts configures tunnelGateways.
type gwOpts struct {
	aead       *xfrm.AEADSpec // default AES-GCM-128
	crypt      *xfrm.AlgSpec
	auth       *xfrm.AuthSpec
	stateFlags xfrm.Flags       // on every SA
	polFlags   xfrm.PolicyFlags // on every policy
	polLft     xfrm.LifetimeConfig
}

// tunnelGateways installs tunnel-mode ESP between gwa and gwb of site():
// SPI 0x1000 gwa→gwb, 0x2000 gwb→gwa, out/in/fwd policies for the LANs.
func tunnelGateways(t testing.TB, tp *topo.Topo, o gwOpts) {
	t.Helper()
	if o.aead == nil && o.crypt == nil {
		o.aead = &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: gcmKey, ICVBits: 128}
	}
	for _, g := range []struct{ ns, local, remote, lnet, rnet string }{
		{"gwa", "192.0.2.1", "198.51.100.2", "203.0.113.0/25", "203.0.113.128/25"},
		{"gwb", "198.51.100.2", "192.0.2.1", "203.0.113.128/25", "203.0.113.0/25"},
	} {
		ns := tp.NS(g.ns)
		out, in := uint32(0x1000), uint32(0x2000)
		if g.ns == "gwb" {
			out, in = in, out
		}
		for _, sa := range []struct {
			src, dst string
			spi      uint32
		}{{g.local, g.remote, out}, {g.remote, g.local, in}} {
			c := xfrm.Config{ID: xfrm.ID{Daddr: ip(sa.dst), SPI: sa.spi, Proto: xfrm.ProtoESP}, Saddr: ip(sa.src), Family: 4,
				Mode: xfrm.ModeTunnel, Reqid: 1, ReplayWindow: 32, Flags: o.stateFlags, AEAD: o.aead, Crypt: o.crypt, Auth: o.auth}
			if _, err := stack.AddState(ns, c, false); err != nil {
				t.Fatal(err)
			}
		}
		spd := xfrm.ForNamespace(ns).SPD
		tmpl := func(src, dst string) []xfrm.Tmpl {
			return []xfrm.Tmpl{{Daddr: ip(dst), Saddr: ip(src), Proto: xfrm.ProtoESP, Mode: xfrm.ModeTunnel, Reqid: 1}}
		}
		for _, p := range []xfrm.PolicyConfig{
			{Selector: xfrm.Selector{Family: 4, Saddr: pfx(g.lnet), Daddr: pfx(g.rnet)}, Dir: xfrm.PolicyOut, Tmpls: tmpl(g.local, g.remote)},
			{Selector: xfrm.Selector{Family: 4, Saddr: pfx(g.rnet), Daddr: pfx(g.lnet)}, Dir: xfrm.PolicyIn, Tmpls: tmpl(g.remote, g.local)},
			{Selector: xfrm.Selector{Family: 4, Saddr: pfx(g.rnet), Daddr: pfx(g.lnet)}, Dir: xfrm.PolicyFwd, Tmpls: tmpl(g.remote, g.local)},
		} {
			p.Flags, p.Lifetime = o.polFlags, o.polLft
			if _, err := spd.Add(p); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestICMPFlags: gwa pings hB from its LAN address with TTL 1 through the
// tunnel; gwb, forwarding the decrypted request, sends Time Exceeded from
// its underlay address, which no policy's selector covers. Only with
// `flag icmp` on gwb's out policy does the error take the tunnel
// (icmp_route_lookup's reversed lookup), and only with the state flag
// `icmp` on gwa's inbound SA does gwa accept it (icmp_rcv's reversed
// check). `flag localok` changes nothing, as in Linux.
func TestICMPFlags(t *testing.T) {
	cases := []struct {
		name       string
		stateFlags xfrm.Flags
		polFlags   xfrm.PolicyFlags
		wantErr    bool   // ping sees Time Exceeded
		wantESP    bool   // the error crossed the underlay as ESP
		inNoPols   uint64 // on gwa
	}{
		{name: "no flags: error in clear", wantErr: true},
		{name: "localok: no effect", polFlags: xfrm.PolicyLocalOK, wantErr: true},
		{name: "policy icmp only: tunnelled, refused by gwa", polFlags: xfrm.PolicyICMP, wantESP: true, inNoPols: 1},
		// The first check fails and counts, as __xfrm_policy_check does
		// before icmp_rcv retries on the reversed flow.
		{name: "policy and state icmp", stateFlags: xfrm.FlagICMP, polFlags: xfrm.PolicyICMP, wantErr: true, wantESP: true, inNoPols: 1},
		{name: "state icmp only: error in clear", stateFlags: xfrm.FlagICMP, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp := site(t)
			tp.Route("r", "203.0.113.0/25", "192.0.2.1") // for errors sent in clear
			tunnelGateways(t, tp, gwOpts{stateFlags: c.stateFlags, polFlags: c.polFlags})
			tap := &protoTap{protos: map[uint8]int{}}
			tp.Dev("r:e0").AddTap(tap)
			got := tp.Ping("gwa", "203.0.113.130", inet.EchoOpts{TTL: 1, Src: ip("203.0.113.1")}, 1)
			sawErr := len(got) == 1 && !got[0].Reply && got[0].Type == header.ICMPv4TimeExceeded && got[0].From == ip("198.51.100.2")
			if sawErr != c.wantErr || len(got) > 1 {
				t.Errorf("ping events %+v, want Time Exceeded from 198.51.100.2: %v", got, c.wantErr)
			}
			// The request always crosses as ESP (2 frames on r:e0: out and
			// nothing else from gwa); the error adds one frame.
			wantESP, wantICMP := 1, 1
			if c.wantESP {
				wantESP, wantICMP = 2, 0
			}
			if tap.protos[50] != wantESP || tap.protos[1] != wantICMP {
				t.Errorf("underlay protocols %v, want %d ESP and %d ICMP", tap.protos, wantESP, wantICMP)
			}
			if n := xfrm.ForNamespace(tp.NS("gwa")).MIB.Get(xfrm.InNoPols); n != c.inNoPols {
				t.Errorf("gwa XfrmInNoPols = %d, want %d", n, c.inNoPols)
			}
			for _, gw := range []string{"gwa", "gwb"} {
				for _, e := range xfrm.ForNamespace(tp.NS(gw)).MIB.Snapshot() {
					if e.Value != 0 && !(gw == "gwa" && e.Name == "XfrmInNoPols") {
						t.Errorf("%s: %s = %d", gw, e.Name, e.Value)
					}
				}
			}
		})
	}
}
