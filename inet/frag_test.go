package inet_test

import (
	"testing"

	"github.com/softnet/softnet/inet"
)

// TestRouterFragments: DF clear and a smaller egress MTU: the router
// fragments, the host reassembles, and the reply is fragmented by its
// sender in turn.
func TestRouterFragments(t *testing.T) {
	tp := threeHosts(t)
	tp.SetMTU("r:eth1", 1300)
	tp.SetMTU("b:eth0", 1300)
	got := tp.Ping("a", "198.51.100.2", inet.EchoOpts{Size: 1400, PMTUDisc: inet.PMTUDiscDont})
	if len(got) != 1 || !got[0].Reply || got[0].Size != 1400 {
		t.Fatalf("got %+v", got)
	}
	for host, want := range map[string]map[string]uint64{
		"r": {"IpFragOKs": 1, "IpFragCreates": 2, "IpForwDatagrams": 3},
		"b": {"IpReasmOKs": 1, "IpFragOKs": 1},
		"a": {"IpReasmOKs": 1, "IpFragOKs": 0},
	} {
		for name, n := range want {
			if v := inet.CounterValue(tp.NS(host), name); v != n {
				t.Errorf("%s %s = %d, want %d", host, name, v, n)
			}
		}
	}
}

// TestReassemblyDisabled: ipfrag_high_thresh 0 refuses every fragment.
func TestReassemblyDisabled(t *testing.T) {
	tp := threeHosts(t)
	tp.Sysctl("b", "net.ipv4.ipfrag_high_thresh", "0")
	if got := tp.Ping("a", "198.51.100.2", inet.EchoOpts{Size: 4000}); len(got) != 0 {
		t.Errorf("got %+v, want nothing", got)
	}
	if n := inet.CounterValue(tp.NS("b"), "IpReasmFails"); n == 0 {
		t.Error("IpReasmFails did not move")
	}
	if v, _ := tp.NS("b").GetSysctl("net.ipv4.ipfrag_high_thresh"); v != "0" {
		t.Errorf("sysctl reads %q", v)
	}
}
