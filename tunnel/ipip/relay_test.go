package ipip_test

import (
	"testing"
	"time"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/header/build"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/tunnel"
	"github.com/softnet/softnet/tunnel/ipip"
)

// TestErrorRelay: after the underlay reports the remote unreachable, the
// tunnel relays a link failure (ICMP host unreachable) to the inner
// sender for transmissions within 30 s; after 30 s of silence it stops.
func TestErrorRelay(t *testing.T) {
	tp := sites(t, "ttl 64")
	ip(t, tp, "r", "ip route add unreachable 198.51.100.2/32")
	got := tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 3)
	if len(got) != 2 {
		t.Fatalf("got %+v, want 2 host-unreachable errors (seq 2 and 3)", got)
	}
	for i, e := range got {
		if e.Reply || e.Type != header.ICMPv4DestUnreach || e.Code != header.ICMPv4HostUnreach || e.Seq != uint16(i+2) {
			t.Errorf("event %d = %+v", i, e)
		}
	}
	ip(t, tp, "r", "ip route del unreachable 198.51.100.2/32")
	tp.RunFor(tunnel.ErrTimeout + time.Second)
	got = tp.Ping("a", "203.0.113.2", inet.EchoOpts{}, 1)
	if len(got) != 1 || !got[0].Reply {
		t.Errorf("after the error timeout: %+v, want one reply", got)
	}
	if n := tunnel.Of(tp.Dev("a:t0")).ErrCount(); n != 0 {
		t.Errorf("error count %d after timeout", n)
	}
}

// TestErrHandler covers ipip_err's cases on a tunnel a → b.
func TestErrHandler(t *testing.T) {
	quoted := build.IPv4(build.IPv4Opts{Src: mustAddr("192.0.2.1"), Dst: mustAddr("198.51.100.2"),
		Proto: header.IPProtoIPIP}, make([]byte, 8))
	for _, tc := range []struct {
		name       string
		args       string
		typ, code  uint8
		mtu        uint32
		handled    bool
		wantCount  int
		wantPMTU   uint32
		remoteless bool
	}{
		{"host-unreach", "ttl 64", header.ICMPv4DestUnreach, header.ICMPv4HostUnreach, 0, true, 1, 0, false},
		{"net-unreach", "ttl 64", header.ICMPv4DestUnreach, header.ICMPv4NetUnreach, 0, true, 1, 0, false},
		{"sr-failed", "ttl 64", header.ICMPv4DestUnreach, header.ICMPv4SourceRouteFail, 0, false, 0, 0, false},
		{"frag-needed", "ttl 64", header.ICMPv4DestUnreach, header.ICMPv4FragNeeded, 1300, true, 0, 1300, false},
		{"ttl-exceeded", "ttl 64", header.ICMPv4TimeExceeded, header.ICMPv4TTLExceeded, 0, true, 1, 0, false},
		{"ttl-exceeded-inherit", "ttl inherit", header.ICMPv4TimeExceeded, header.ICMPv4TTLExceeded, 0, true, 0, 0, false},
		{"reassembly-exceeded", "ttl 64", header.ICMPv4TimeExceeded, 1, 0, false, 0, 0, false},
		{"redirect", "ttl 64", header.ICMPv4Redirect, 1, 0, true, 0, 0, false},
		{"param-problem", "ttl 64", header.ICMPv4ParamProblem, 0, 0, false, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := sites(t, tc.args)
			ns := tp.NS("a")
			e := inet.ICMPErr{Family: inet.FamilyV4, Type: tc.typ, Code: tc.code, MTU: tc.mtu,
				From: mustAddr("192.0.2.254"), Payload: quoted, Dev: tp.Dev("a:eth0")}
			if got := ipip.Fam.Net(ns).Err(e); got != tc.handled {
				t.Errorf("handled %v, want %v", got, tc.handled)
			}
			if n := tunnel.Of(tp.Dev("a:t0")).ErrCount(); n != tc.wantCount {
				t.Errorf("error count %d, want %d", n, tc.wantCount)
			}
			if tc.wantPMTU != 0 {
				if mtu, _, ok := inet.PMTU(ns, mustAddr("198.51.100.2")); !ok || mtu != tc.wantPMTU {
					t.Errorf("PMTU %d %v, want %d", mtu, ok, tc.wantPMTU)
				}
			}
		})
	}
}

// TestErrNoRemote: a tunnel without a remote ignores unreachable errors.
func TestErrNoRemote(t *testing.T) {
	tp := sites(t, "")
	ip(t, tp, "a", "ip link add t1 type ipip local 192.0.2.1")
	ip(t, tp, "a", "ip link set t1 up")
	quoted := build.IPv4(build.IPv4Opts{Src: mustAddr("192.0.2.1"), Dst: mustAddr("203.0.113.9"),
		Proto: header.IPProtoIPIP}, make([]byte, 8))
	e := inet.ICMPErr{Family: inet.FamilyV4, Type: header.ICMPv4DestUnreach, Code: header.ICMPv4HostUnreach,
		Payload: quoted, Dev: tp.Dev("a:eth0")}
	if ipip.Fam.Net(tp.NS("a")).Err(e) {
		t.Error("remote-less tunnel took the error")
	}
	if n := tunnel.Of(tp.Dev("a:t1")).ErrCount(); n != 0 {
		t.Errorf("count %d", n)
	}
}
