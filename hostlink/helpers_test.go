package hostlink_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newWorld returns a real-time world closed when the test ends.
func newWorld(t testing.TB) *netdev.World {
	w := netdev.NewWorld(netdev.Options{Loop: netdev.NewRealLoop(1)})
	t.Cleanup(w.Close)
	return w
}

// addLink adds and brings up a device.
func addLink(t testing.TB, ns *netdev.Namespace, name, kind string, data any) *netdev.Device {
	t.Helper()
	up := true
	d, err := ns.NewLink(&netdev.LinkRequest{Name: name, Kind: kind, Data: data, Up: &up})
	if err != nil {
		t.Fatalf("ip link add %s type %s: %v", name, kind, err)
	}
	return d
}

// sink is an rx handler that hands every received packet to a channel.
type sink struct{ ch chan *packet.Buffer }

func newSink(t testing.TB, d *netdev.Device) *sink {
	s := &sink{ch: make(chan *packet.Buffer, 4096)}
	if err := d.SetRxHandler(s); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.ClearRxHandler()
		for {
			select {
			case b := <-s.ch:
				b.Free()
			default:
				return
			}
		}
	})
	return s
}

func (s *sink) HandleRx(d *netdev.Device, b *packet.Buffer) (netdev.RxResult, *netdev.Device) {
	select {
	case s.ch <- b:
	default:
		b.Free()
	}
	return netdev.RxConsumed, nil
}

// next waits for a packet matching keep (others are freed).
func (s *sink) next(t testing.TB, keep func(*packet.Buffer) bool) *packet.Buffer {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case b := <-s.ch:
			if keep == nil || keep(b) {
				return b
			}
			b.Free()
		case <-timeout:
			t.Fatal("timed out waiting for a packet")
			return nil
		}
	}
}

func boolp(v bool) *bool { return &v }
