package daemon

import (
	"strings"
	"testing"

	"github.com/softnet/softnet/netdev"
)

// panicKind is a link kind whose newlink panics, as a driver bug would,
// while the command holds the RTNL.
type panicKind struct{}

func (panicKind) Name() string           { return "softnet-test-panic" }
func (panicKind) Setup(d *netdev.Device) { d.DefaultName = "panic%d" }
func (panicKind) NewLink(*netdev.Namespace, *netdev.Device, *netdev.LinkRequest) error {
	panic("driver bug")
}

func init() { netdev.RegisterKind(panicKind{}) }

// TestPanicReleasesRTNL: a command that panics with the RTNL held gets an
// error, and the daemon's next commands run (the lock was released).
func TestPanicReleasesRTNL(t *testing.T) {
	d := newDaemon(t, "", 0)
	c, _ := serve(t, d)
	resp, err := c.Do(&Request{Cmd: "ip", Argv: strings.Fields("link add p0 type softnet-test-panic")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status == 0 || !strings.Contains(resp.Stderr, "internal error") {
		t.Errorf("panicking command: %+v", resp)
	}
	resp, err = c.Do(&Request{Cmd: "ip", Argv: strings.Fields("link add d0 type dummy")})
	if err != nil || resp.Status != 0 {
		t.Fatalf("next command: %+v %v", resp, err)
	}
	resp, _ = c.Do(&Request{Cmd: "ip", Argv: strings.Fields("link show dev p0")})
	if resp.Status == 0 {
		t.Errorf("the panicking link was left registered: %+v", resp)
	}
}
