package inet_test

import (
	"testing"

	"github.com/softnet/softnet/inet"
)

func TestPingLocal(t *testing.T) {
	for _, dst := range []string{"127.0.0.1", "192.0.2.1", "::1", "2001:db8:1::1", "192.0.2.255"} {
		t.Run(dst, func(t *testing.T) {
			tp := threeHosts(t)
			got := tp.Ping("a", dst, inet.EchoOpts{})
			if dst == "192.0.2.255" {
				// Broadcast echo is ignored (icmp_echo_ignore_broadcasts).
				if len(got) != 0 {
					t.Errorf("got %+v", got)
				}
				return
			}
			if len(got) != 1 || !got[0].Reply || got[0].From.String() != dst {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestRouteLinkdown(t *testing.T) {
	tp := threeHosts(t)
	ns := tp.NS("r")
	tp.NS("b").Close(tp.Dev("b:eth0"))
	var flags []inet.RouteFlags
	for _, r := range inet.Routes(ns, inet.RouteFilter{Table: inet.TableMain, Family: 4}) {
		flags = append(flags, r.Flags)
	}
	if len(flags) != 2 || flags[0] != 0 || flags[1] != inet.RouteFlagLinkdown {
		t.Errorf("flags %v, want [0 linkdown]", flags)
	}
}
