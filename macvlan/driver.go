package macvlan

import (
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// driver is the macvlan net_device_ops.
type driver struct{}

var (
	_ netdev.Driver       = driver{}
	_ netdev.Opener       = driver{}
	_ netdev.MTUChanger   = driver{}
	_ netdev.IflinkGetter = driver{}
)

// Iflink implements netdev.IflinkGetter: the lower device.
func (driver) Iflink(d *netdev.Device) int32 {
	if v := Of(d); v != nil && v.lower != nil {
		return v.lower.Index()
	}
	return 0
}

// Open implements netdev.Opener (macvlan_open): the address must be free
// on the port; the device joins the address hash.
func (driver) Open(d *netdev.Device) error {
	v := Of(d)
	if v == nil || v.port == nil {
		return extack.Errno(syscall.ENODEV)
	}
	p := v.port
	addr, _ := toMAC(d.HardwareAddr())
	if p.passthru {
		if v.flags()&FlagNoPromisc == 0 {
			v.setLowerPromisc(true)
		}
	} else {
		if p.addrBusy(addr, v) {
			return extack.Errno(syscall.EADDRINUSE)
		}
		// The address joins the lower device's unicast list; lower
		// devices without unicast filtering (all softnet devices) turn
		// promiscuous while the list is not empty.
		if p.ucCount == 0 {
			p.lower.AdjustPromiscuity(1)
		}
		p.ucCount++
	}
	v.hashed, v.hashAddr = true, addr
	p.publish()
	return nil
}

// Stop implements netdev.Opener (macvlan_stop).
func (driver) Stop(d *netdev.Device) {
	if v := Of(d); v != nil {
		v.stop()
	}
}

func (v *Macvlan) stop() {
	if !v.hashed || v.port == nil {
		return
	}
	p := v.port
	if p.passthru {
		v.setLowerPromisc(false)
	} else {
		p.ucCount--
		if p.ucCount == 0 {
			p.lower.AdjustPromiscuity(-1)
		}
	}
	v.hashed = false
	p.publish()
}

// setLowerPromisc takes or releases this device's promiscuity reference
// on the lower device.
func (v *Macvlan) setLowerPromisc(on bool) {
	if on == v.promisc {
		return
	}
	v.promisc = on
	if on {
		v.lower.AdjustPromiscuity(1)
	} else {
		v.lower.AdjustPromiscuity(-1)
	}
}

// ChangeMTU implements netdev.MTUChanger: never above the lower's MTU.
func (driver) ChangeMTU(d *netdev.Device, mtu uint32) error {
	if v := Of(d); v != nil && v.lower != nil && mtu > v.lower.MTU() {
		return extack.Errno(syscall.EINVAL)
	}
	return nil
}

// Xmit implements netdev.Driver (macvlan_start_xmit/macvlan_queue_xmit):
// bridge mode switches to bridge-mode siblings locally, everything else
// leaves through the lower device.
func (driver) Xmit(d *netdev.Device, b *packet.Buffer) {
	v := Of(d)
	if v == nil || v.port == nil {
		d.DropTx(b, netdev.DropDevReady)
		return
	}
	n := b.Len()
	data := b.Bytes()
	if n < netdev.EthHeaderLen {
		d.DropTx(b, netdev.DropPktTooSmall)
		return
	}
	s := v.port.snap.Load()
	if !s.passthru && v.mode() == ModeBridge {
		dst, _ := toMAC(data[0:6])
		if dst[0]&1 != 0 {
			broadcast(b, s, v, ModeBridge, true)
		} else if dest := s.byAddr[dst]; dest != nil && dest.mode() == ModeBridge {
			d.Stats.CountTx(n)
			forwardToLower(v, b)
			return
		}
	}
	if err := v.lower.Transmit(b); err != nil {
		d.Stats.TxDropped.Add(1)
		return
	}
	d.Stats.CountTx(n)
}

// forwardToLower receives b on the lower device (dev_forward_skb) so that
// the lower's taps see it and its rx handler delivers it to the sibling.
func forwardToLower(v *Macvlan, b *packet.Buffer) {
	lower := v.lower
	if !lower.IsUp() || lower.IsDead() {
		lower.DropRx(b, netdev.DropDevReady)
		return
	}
	if b.GSO.Size == 0 && b.Len() > int(lower.MTU())+netdev.EthHeaderLen+4 {
		lower.DropRx(b, netdev.DropPktTooBig)
		return
	}
	netdev.Scrub(b, false)
	if !netdev.EthTypeTrans(lower, b) {
		return
	}
	lower.Namespace().World().Loop().NetifRx(lower, b)
}

// SetAddress is macvlan_set_mac_address: an open macvlan cannot take an
// address another macvlan of the port (or the lower device) already uses.
func (driver) SetAddress(d *netdev.Device, a []byte) error {
	v := Of(d)
	if v == nil || v.port == nil || !v.hashed {
		return nil
	}
	addr, ok := toMAC(a)
	if ok && addr != v.hashAddr && v.port.addrBusy(addr, v) {
		return extack.Errno(syscall.EADDRINUSE)
	}
	return nil
}
