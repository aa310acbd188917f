package macvlan_test

import (
	"testing"

	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// reflector is an external switch port in hairpin mode: it sends every
// frame back where it came from.
type reflector struct{}

func (reflector) HandleRx(d *netdev.Device, b *packet.Buffer) (netdev.RxResult, *netdev.Device) {
	off, _ := b.MACOffset()
	b.Push(-off)
	d.Transmit(b)
	return netdev.RxConsumed, nil
}

// TestHairpin: with a reflecting switch, vepa siblings reach each other
// (broadcast too), private ones see only their own broadcasts come back.
func TestHairpin(t *testing.T) {
	tests := []struct {
		mode macvlan.Mode
		dst  string
		want []string
	}{
		{macvlan.ModeVEPA, mac1, []string{"default/mv1:h"}},
		{macvlan.ModeVEPA, bcst, []string{"default/mv1:h", "default/eth0:h"}},
		{macvlan.ModePrivate, bcst, []string{"default/mv0:h"}}, // consumed: only the sender
		// Linux checks no source on unicast: private isolation comes from
		// the broadcast rule (no ARP across), not from unicast filtering.
		{macvlan.ModePrivate, mac1, []string{"default/mv1:h"}},
		{macvlan.ModeBridge, bcst, []string{"default/mv1:h", "default/eth0:h"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String()+" "+tt.dst, func(t *testing.T) {
			l := newLab(t)
			if err := l.b.DeviceByName("eth0").SetRxHandler(reflector{}); err != nil {
				t.Fatal(err)
			}
			mv0 := l.macvlan(t, "mv0", tt.mode, mac0)
			l.macvlan(t, "mv1", tt.mode, mac1)
			send(t, mv0, tt.dst, "h")
			if g := l.run(t); !same(g, tt.want) {
				t.Fatalf("delivered %q, want %q", g, tt.want)
			}
		})
	}
}
