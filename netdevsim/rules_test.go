package netdevsim_test

import (
	"net/netip"
	"syscall"
	"testing"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/netdevsim"
	"github.com/softnet/softnet/xfrm"
	_ "github.com/softnet/softnet/xfrm/stack"
)

func newNS(t *testing.T) *netdev.Namespace {
	t.Helper()
	w := netdev.NewWorld(netdev.Options{})
	ns, err := w.AddNamespace("a")
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func addSim(t *testing.T, ns *netdev.Namespace, name string, c *netdevsim.Config) *netdev.Device {
	t.Helper()
	up := true
	d, err := ns.NewLink(&netdev.LinkRequest{Name: name, Kind: "netdevsim", Up: &up, Data: c})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func saConfig(spi uint32) xfrm.Config {
	return xfrm.Config{ID: xfrm.ID{Daddr: netip.MustParseAddr("192.0.2.2"), SPI: spi, Proto: xfrm.ProtoESP},
		Saddr: netip.MustParseAddr("192.0.2.1"), Family: 4, Mode: xfrm.ModeTunnel, Reqid: 1,
		AEAD: &xfrm.AEADSpec{Name: "rfc4106(gcm(aes))", Key: make([]byte, 20), ICVBits: 128}}
}

// TestStateAddRules ports xfrm_dev_state_add's checks one by one.
func TestStateAddRules(t *testing.T) {
	cases := []struct {
		name    string
		dev     *netdevsim.Config
		mut     func(c *xfrm.Config, o *xfrm.Offload)
		errno   syscall.Errno
		msg     string
		offload xfrm.OffloadType // expected binding (Unspec: software)
	}{
		{"crypto out", nil, nil, 0, "", xfrm.OffloadCrypto},
		{"packet out", nil, func(c *xfrm.Config, o *xfrm.Offload) { o.Packet = true }, 0, "", xfrm.OffloadPacket},
		{"crypto in", nil, func(c *xfrm.Config, o *xfrm.Offload) { o.Dir = xfrm.DirIn }, 0, "", xfrm.OffloadCrypto},
		{"unknown flags", nil, func(c *xfrm.Config, o *xfrm.Offload) { o.Unknown = 8 }, syscall.EINVAL, "Unrecognized flags in offload request", 0},
		{"sa dir out, offload in", nil, func(c *xfrm.Config, o *xfrm.Offload) { c.Dir, o.Dir = xfrm.DirOut, xfrm.DirIn; c.ReplayWindow = 0 }, syscall.EINVAL, "Mismatched SA and offload direction", 0},
		{"sa dir in, offload out", nil, func(c *xfrm.Config, o *xfrm.Offload) { c.Dir = xfrm.DirIn }, syscall.EINVAL, "Mismatched SA and offload direction", 0},
		{"if_id inbound packet", nil, func(c *xfrm.Config, o *xfrm.Offload) { o.Dir, o.Packet, c.IfID = xfrm.DirIn, true, 7 }, syscall.EINVAL, "XFRM if_id is not supported in RX path", 0},
		{"if_id inbound crypto", nil, func(c *xfrm.Config, o *xfrm.Offload) { o.Dir, c.IfID = xfrm.DirIn, 7 }, syscall.EINVAL, "XFRM if_id is not supported in RX path", 0},
		{"if_id outbound ok", nil, func(c *xfrm.Config, o *xfrm.Offload) { c.IfID = 7 }, 0, "", xfrm.OffloadCrypto},
		{"tfc padding", nil, func(c *xfrm.Config, o *xfrm.Offload) { c.TFCPad = 100 }, syscall.EINVAL, "TFC padding can't be offloaded", 0},
		{"ah type", nil, func(c *xfrm.Config, o *xfrm.Offload) {
			c.ID.Proto, c.AEAD = xfrm.ProtoAH, nil
			c.Auth = &xfrm.AuthSpec{Name: "hmac(sha256)", Key: make([]byte, 32), Trunc: true, TruncBits: 128}
		}, syscall.EINVAL, "Type doesn't support offload", 0},
		{"ah type, no dev: software first", nil, func(c *xfrm.Config, o *xfrm.Offload) {
			c.ID.Proto, c.AEAD, o.Ifindex = xfrm.ProtoAH, nil, 999
			c.Auth = &xfrm.AuthSpec{Name: "hmac(sha256)", Key: make([]byte, 32), Trunc: true, TruncBits: 128}
		}, 0, "", xfrm.OffloadUnspec},
		{"flags before direction", nil, func(c *xfrm.Config, o *xfrm.Offload) { o.Unknown, c.Dir = 8, xfrm.DirIn }, syscall.EINVAL, "Unrecognized flags in offload request", 0},
		{"tfc before device", nil, func(c *xfrm.Config, o *xfrm.Offload) { c.TFCPad, o.Ifindex = 100, 999 }, syscall.EINVAL, "TFC padding can't be offloaded", 0},
		{"no dev crypto: software", nil, func(c *xfrm.Config, o *xfrm.Offload) { o.Ifindex = 999 }, 0, "", xfrm.OffloadUnspec},
		{"no dev packet: EINVAL", nil, func(c *xfrm.Config, o *xfrm.Offload) { o.Ifindex, o.Packet = 999, true }, syscall.EINVAL, "", 0},
		{"no ops crypto: software", &netdevsim.Config{NoIPsec: true}, nil, 0, "", xfrm.OffloadUnspec},
		{"no ops packet: EINVAL", &netdevsim.Config{NoIPsec: true}, func(c *xfrm.Config, o *xfrm.Offload) { o.Packet = true }, syscall.EINVAL, "", 0},
		{"esn without advance", &netdevsim.Config{NoESN: true}, func(c *xfrm.Config, o *xfrm.Offload) { c.Flags |= xfrm.FlagESN; c.ReplayWindow = 128 }, syscall.EINVAL, "Device doesn't support offload with ESN", 0},
		{"esn packet offload without advance", &netdevsim.Config{NoESN: true}, func(c *xfrm.Config, o *xfrm.Offload) {
			c.Flags |= xfrm.FlagESN
			c.ReplayWindow, o.Packet = 128, true
		}, 0, "", xfrm.OffloadPacket},
		{"esn with advance", nil, func(c *xfrm.Config, o *xfrm.Offload) { c.Flags |= xfrm.FlagESN; c.ReplayWindow = 128 }, 0, "", xfrm.OffloadCrypto},
		{"driver EOPNOTSUPP crypto: software", &netdevsim.Config{NoCrypto: true}, nil, 0, "", xfrm.OffloadUnspec},
		{"driver EOPNOTSUPP packet: error", &netdevsim.Config{NoPacket: true}, func(c *xfrm.Config, o *xfrm.Offload) { o.Packet = true }, syscall.EOPNOTSUPP, "Device failed to offload this state", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNS(t)
			d := addSim(t, ns, "eni0", tc.dev)
			c := saConfig(0x100)
			o := &xfrm.Offload{Ifindex: d.Index(), Dir: xfrm.DirOut}
			if tc.mut != nil {
				tc.mut(&c, o)
			}
			c.Offload = o
			x, err := xfrm.ForNamespace(ns).AddState(c, false)
			var errno syscall.Errno
			if err != nil {
				errno = extack.ErrnoOf(err)
			}
			if errno != tc.errno || (tc.msg != "" && extack.MessageOf(err) != tc.msg) {
				t.Fatalf("err = %v (errno %d), want errno %d %q", err, errno, tc.errno, tc.msg)
			}
			sim := netdevsim.Of(d)
			if err != nil {
				if xfrm.ForNamespace(ns).SAD.Len() != 0 || sim.Counters.States.Load() != 0 {
					t.Fatal("failed add left state behind")
				}
				return
			}
			xo := x.Offload()
			got := xfrm.OffloadUnspec
			if xo != nil {
				got = xo.Type
			}
			if got != tc.offload {
				t.Fatalf("offload type %v, want %v", got, tc.offload)
			}
			if want := int64(0); got != xfrm.OffloadUnspec {
				want = 1
				if n := sim.Counters.States.Load(); n != want {
					t.Fatalf("device has %d states, want %d", n, want)
				}
			}
			// Deleting the SA unbinds it (delete then free).
			if err := xfrm.ForNamespace(ns).DeleteState(x); err != nil {
				t.Fatal(err)
			}
			if sim.Counters.States.Load() != 0 || x.Offload() != nil {
				t.Fatal("delete left the SA on the device")
			}
		})
	}
}

// TestAPICheck is xfrm_api_check at registration and feature change.
func TestAPICheck(t *testing.T) {
	ns := newNS(t)
	plain := addSim(t, ns, "eni0", &netdevsim.Config{NoIPsec: true})
	if err := xfrm.SetFeatures(plain, plain.Features()|netdev.FeatHWESP); extack.ErrnoOf(err) != syscall.EINVAL {
		t.Fatalf("HW_ESP without ops: %v", err)
	}
	sim := addSim(t, ns, "eni1", nil)
	f := sim.Features() &^ netdev.FeatHWESP
	if err := xfrm.SetFeatures(sim, f|netdev.FeatHWESPTxCsum); extack.ErrnoOf(err) != syscall.EINVAL {
		t.Fatalf("TX_CSUM without HW_ESP: %v", err)
	}
	if err := xfrm.SetFeatures(sim, sim.Features()|netdev.FeatHWESPTxCsum); err != nil {
		t.Fatal(err)
	}
	if err := xfrm.CheckDeviceAPI(plain, netdev.FeatHWESP); err == nil {
		t.Fatal("registration check passed a device without ops")
	}
}

// TestDownFlushes: DOWN and UNREGISTER delete the device's SAs.
func TestDownFlushes(t *testing.T) {
	for _, ev := range []string{"down", "unregister", "feature off"} {
		t.Run(ev, func(t *testing.T) {
			ns := newNS(t)
			d := addSim(t, ns, "eni0", nil)
			other := addSim(t, ns, "eni1", nil)
			n := xfrm.ForNamespace(ns)
			for i, dev := range []*netdev.Device{d, d, other} {
				c := saConfig(uint32(0x200 + i))
				c.Offload = &xfrm.Offload{Ifindex: dev.Index(), Dir: xfrm.DirOut}
				if _, err := n.AddState(c, false); err != nil {
					t.Fatal(err)
				}
			}
			sw := saConfig(0x300)
			if _, err := n.AddState(sw, false); err != nil {
				t.Fatal(err)
			}
			sim := netdevsim.Of(d)
			switch ev {
			case "down":
				ns.Close(d)
			case "unregister":
				if err := ns.DelLink(d); err != nil {
					t.Fatal(err)
				}
			default:
				if err := xfrm.SetFeatures(d, d.Features()&^netdev.FeatHWESP); err != nil {
					t.Fatal(err)
				}
			}
			if n.SAD.Len() != 2 {
				t.Fatalf("%d SAs left, want 2 (the other device's and the software one)", n.SAD.Len())
			}
			if sim.Counters.States.Load() != 0 || sim.Counters.Freed.Load() != 2 {
				t.Fatalf("device states %d freed %d", sim.Counters.States.Load(), sim.Counters.Freed.Load())
			}
		})
	}
}
