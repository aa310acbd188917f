package iproute

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/softnet/softnet/hostlink"
	"github.com/softnet/softnet/internal/sys/privtest"
	"github.com/softnet/softnet/netdev"
)

func TestParseHostKinds(t *testing.T) {
	on, off := true, false
	tests := []struct {
		kind string
		args string
		want any
		err  string
	}{
		{"host-tap", "", &hostlink.TunData{}, ""},
		{"host-tap", "host-name sn0 queues 4 vnet_hdr off", &hostlink.TunData{HostName: "sn0", Queues: 4, VnetHdr: &off}, ""},
		{"host-tun", "vnet_hdr on", &hostlink.TunData{VnetHdr: &on}, ""},
		{"host-tun", "queues 0", nil, `Error: argument "0" is wrong: invalid "queues" value`},
		{"host-tun", "queues 257", nil, `invalid "queues" value`},
		{"host-tun", "vnet_hdr yes", nil, `"vnet_hdr" must be "on" or "off"`},
		{"host-tun", "host-name a/b", nil, `not a valid ifname`},
		{"host-tun", "queues 2 queues 3", nil, `duplicate "queues"`},
		{"host-tun", "queues", nil, `Command line is not complete`},
		{"host-tun", "bogus 1", nil, `host-tun: unknown option "bogus"?`},
		{"host-afpacket", "host-dev veth0", &hostlink.PacketData{HostDev: "veth0"}, ""},
		{"host-afpacket", "host-dev veth0 queues 2 promisc off", &hostlink.PacketData{HostDev: "veth0", Queues: 2, Promisc: &off}, ""},
		{"host-afpacket", "queues 2", nil, `"host-dev" is required`},
		{"host-ip", "", &hostlink.RawIPData{}, ""},
		{"host-ip", "protocols 4,41,50 host-dev eth0", &hostlink.RawIPData{Protocols: []uint8{4, 41, 50}, HostDev: "eth0"}, ""},
		{"host-ip", "protocols 4,300", nil, `invalid "protocols" value`},
		{"host-udp", "port 4500", &hostlink.UDPData{Local: netip.MustParseAddrPort("0.0.0.0:4500")}, ""},
		{"host-udp", "local :: port 5555 gro off", &hostlink.UDPData{Local: netip.MustParseAddrPort("[::]:5555"), GRO: &off}, ""},
		{"host-udp", "local 192.0.2.1", nil, `"port" is required`},
		{"host-udp", "port 70000", nil, `invalid "port" value`},
		{"host-udp", "local x port 1", nil, `invalid "local" address`},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.args, func(t *testing.T) {
			lk := lookupLinkKind(tt.kind)
			got, err := lk.Parse(strings.Fields(tt.args))
			if tt.err != "" {
				if err == nil || !strings.Contains(hostErrText(err), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

func hostErrText(err error) string {
	var errb bytes.Buffer
	report(err, &errb)
	return errb.String()
}

func FuzzHostLinkArgs(f *testing.F) {
	f.Add("host-tap", "host-name sn0 queues 4 vnet_hdr off")
	f.Add("host-afpacket", "host-dev veth0 queues 2 promisc on")
	f.Add("host-ip", "protocols 4,41,50,51,108")
	f.Add("host-udp", "local ::1 port 4500 gro on")
	f.Fuzz(func(t *testing.T, kind, args string) {
		lk := lookupLinkKind(kind)
		if lk == nil || !strings.HasPrefix(kind, "host-") {
			return
		}
		data, err := lk.Parse(strings.Fields(args))
		if err == nil && data == nil {
			t.Fatal("nil data without error")
		}
	})
}

// TestPrivHostLinkCommands drives the kinds through ip link add/show/del.
func TestPrivHostLinkCommands(t *testing.T) {
	privtest.Netns(t)
	privtest.RequireTun(t)
	w := netdev.NewWorld(netdev.Options{Loop: netdev.NewRealLoop(1)})
	defer w.Close()
	env := &Env{World: w, NS: w.Init()}
	run := func(line string) string {
		var out, errb bytes.Buffer
		if rc := IP(env, strings.Fields(line), &out, &errb); rc != 0 {
			t.Fatalf("ip %s: exit %d: %s", line, rc, errb.String())
		}
		return out.String()
	}
	run("link add t0 type host-tap host-name sn0 queues 2")
	run("link add u0 type host-udp local 127.0.0.1 port 0 gro off")
	run("link add r0 type host-ip protocols 4,41")
	for dev, want := range map[string]string{
		"t0": "host-tap host-name sn0 queues 2 vnet_hdr on offload csum,tso4,tso6,tso_ecn",
		"u0": "host-udp local 127.0.0.1 port ",
		"r0": "host-ip protocols 4,41 ",
	} {
		if got := run("-d link show dev " + dev); !strings.Contains(got, want) {
			t.Errorf("ip -d link show %s:\n%s\nwant %q", dev, got, want)
		}
	}
	if got := run("-d -j link show dev t0"); !strings.Contains(got, `"info_kind":"host-tap","info_data":{"host_name":"sn0","queues":2,"vnet_hdr":"on"`) {
		t.Errorf("json: %s", got)
	}
	var out, errb bytes.Buffer
	if rc := IP(env, strings.Fields("link add p0 type host-afpacket host-dev nosuch0"), &out, &errb); rc != 2 ||
		!strings.Contains(errb.String(), "cannot find host device") {
		t.Errorf("afpacket on a missing device: exit %d, %q", rc, errb.String())
	}
	run("link del t0")
	run("link del u0")
	run("link del r0")
}
