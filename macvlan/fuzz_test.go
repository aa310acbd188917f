package macvlan_test

import (
	"testing"
	"time"

	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/packet/packettest"
)

// FuzzLowerRx feeds arbitrary frames to a lower device carrying
// macvlans of every mode, and has each macvlan transmit them too: nothing
// may panic and every buffer must be freed.
func FuzzLowerRx(f *testing.F) {
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x99\x88\xb5x"))
	f.Add([]byte("\x02\x00\x00\x00\x00\x11\x02\x00\x00\x00\x00\x10\x88\xb5x"))
	f.Add([]byte("\x33\x33\x00\x00\x00\x01\x02\x00\x00\x00\x00\x12\x88\x08"))
	f.Add([]byte{1, 2, 3})
	packettest.CheckBalance(f)
	loop := netdev.NewSimLoop(time.Unix(0, 0))
	w := netdev.NewWorld(netdev.Options{Loop: loop})
	f.Cleanup(w.Close)
	ns := w.Init()
	if _, err := ns.NewLink(&netdev.LinkRequest{Name: "eth0", Kind: "dummy", Up: ptr(true)}); err != nil {
		f.Fatal(err)
	}
	var devs []*netdev.Device
	for i, m := range []macvlan.Mode{macvlan.ModeBridge, macvlan.ModeBridge, macvlan.ModeVEPA, macvlan.ModePrivate, macvlan.ModeSource} {
		mode := m
		addr := netdev.HWAddr{2, 0, 0, 0, 0, byte(0x10 + i)}
		data := &macvlan.Data{Mode: &mode}
		if m == macvlan.ModeSource {
			op := macvlan.MacaddrAdd
			data.MacaddrMode, data.Macaddr = &op, netdev.HWAddr{2, 0, 0, 0, 0, 0x99}
		}
		d, err := ns.NewLink(&netdev.LinkRequest{Kind: "macvlan", Link: "eth0", Address: addr, Up: ptr(true), Data: data})
		if err != nil {
			f.Fatal(err)
		}
		devs = append(devs, d)
	}
	lower := ns.DeviceByName("eth0")
	f.Fuzz(func(t *testing.T, frame []byte) {
		b, err := packet.FromBytes(frame)
		if err != nil {
			return
		}
		if netdev.EthTypeTrans(lower, b) {
			lower.Receive(b)
		}
		for _, d := range devs {
			if c, err := packet.FromBytes(frame); err == nil {
				c.SetMACHeader()
				d.Transmit(c)
			}
		}
		loop.RunIdle(time.Second)
	})
}
