package macvlan

import (
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

var _ netdev.RxHandler = (*port)(nil)

// HandleRx is the lower device's rx handler (macvlan_handle_frame). The
// data starts at the network header; the Ethernet header was pulled.
func (p *port) HandleRx(d *netdev.Device, b *packet.Buffer) (netdev.RxResult, *netdev.Device) {
	if b.PktType == packet.PacketLoopback {
		return netdev.RxPass, nil
	}
	eth := b.MACHeader()
	if len(eth) < netdev.EthHeaderLen {
		return netdev.RxPass, nil
	}
	s := p.snap.Load()
	dst, _ := toMAC(eth[0:6])
	srcAddr, _ := toMAC(eth[6:12])
	if dst[0]&1 != 0 {
		return p.rxMulticast(d, b, s, srcAddr)
	}
	if forwardSource(b, s, srcAddr) {
		d.Drop(b, DropNoDst)
		return netdev.RxConsumed, nil
	}
	var v *Macvlan
	if s.passthru {
		v = s.first
	} else {
		v = s.byAddr[dst]
	}
	if v == nil || v.mode() == ModeSource {
		return netdev.RxPass, nil
	}
	if !v.dev.IsUp() {
		v.dev.DropRx(b, netdev.DropDevReady)
		return netdev.RxConsumed, nil
	}
	b.PktType = packet.PacketHost
	v.dev.Stats.CountRx(b.Len() + netdev.EthHeaderLen)
	return netdev.RxAnother, v.dev
}

// rxMulticast handles a broadcast or multicast frame: copies for the
// macvlans, the original continues on the lower device.
func (p *port) rxMulticast(d *netdev.Device, b *packet.Buffer, s *snapshot, srcAddr mac) (netdev.RxResult, *netdev.Device) {
	if forwardSource(b, s, srcAddr) {
		d.Drop(b, DropNoDst)
		return netdev.RxConsumed, nil
	}
	src := s.byAddr[srcAddr]
	if src != nil && src.mode() != ModeVEPA && src.mode() != ModeBridge {
		// A private/passthru/source sender's own frame came back: only
		// the sender sees it.
		b.PktType = classify(b)
		src.dev.Stats.CountRx(b.Len() + netdev.EthHeaderLen)
		src.dev.Stats.Multicast.Add(1)
		return netdev.RxAnother, src.dev
	}
	if len(s.open) == 0 {
		return netdev.RxPass, nil
	}
	c := cloneFrame(b)
	if c == nil {
		d.Stats.RxDropped.Add(1)
		return netdev.RxPass, nil
	}
	if queueBroadcast(c, s) {
		p.bc.enqueue(c, src, s.bcLen)
		return netdev.RxPass, nil
	}
	// Below the cutoff: flood inline (macvlan_multicast_rx).
	if src == nil {
		broadcast(c, s, nil, ModePrivate|ModeVEPA|ModePassthru|ModeBridge, false)
	} else if src.mode() == ModeVEPA {
		broadcast(c, s, src, ModeVEPA|ModeBridge, false)
	} else {
		broadcast(c, s, src, ModeVEPA, false)
	}
	c.Free()
	return netdev.RxPass, nil
}

// queueBroadcast decides between the broadcast queue and inline delivery
// (bc_filter): broadcast is always queued; a multicast group is queued
// when more macvlans use it than the cutoff (every open macvlan accepts
// every group here), and never when the cutoff is negative.
func queueBroadcast(c *packet.Buffer, s *snapshot) bool {
	d := c.Bytes()
	if isBroadcast(d[0:6]) {
		return true
	}
	return s.cutoff >= 0 && len(s.open) > int(s.cutoff)
}

func isBroadcast(a []byte) bool {
	return a[0]&a[1]&a[2]&a[3]&a[4]&a[5] == 0xff
}

func classify(b *packet.Buffer) packet.PktType {
	if eth := b.MACHeader(); len(eth) >= 6 && isBroadcast(eth) {
		return packet.PacketBroadcast
	}
	return packet.PacketMulticast
}

// broadcast delivers a copy of b (data at the link-layer header) to every
// open macvlan whose mode is in modes, except src (macvlan_broadcast).
// local is set on the bridge-mode transmit path (dev_forward_skb
// semantics: the copy is scrubbed).
func broadcast(b *packet.Buffer, s *snapshot, src *Macvlan, modes Mode, local bool) {
	data := b.Bytes()
	if len(data) < netdev.EthHeaderLen || (data[12] == 0x88 && data[13] == 0x08) {
		return // runt, or an 802.3x PAUSE frame
	}
	for _, v := range s.open {
		if v == src || v.mode()&modes == 0 {
			continue
		}
		c := b.Clone()
		if c == nil {
			v.dev.Stats.RxErrors.Add(1)
			v.dev.Stats.RxDropped.Add(1)
			continue
		}
		if local {
			netdev.Scrub(c, src != nil && src.dev.Namespace() != v.dev.Namespace())
		}
		deliver(v, c, true)
	}
}

// deliver hands c (data at the link-layer header) to v's receive path
// through the backlog and counts it.
func deliver(v *Macvlan, c *packet.Buffer, multicast bool) {
	n := c.Len()
	if !netdev.EthTypeTrans(v.dev, c) {
		return
	}
	ns := v.dev.Namespace()
	if ns == nil || v.dev.IsDead() {
		v.dev.DropRx(c, netdev.DropDevReady)
		return
	}
	v.dev.Stats.CountRx(n)
	if multicast {
		v.dev.Stats.Multicast.Add(1)
	}
	ns.World().Loop().NetifRx(v.dev, c)
}

// forwardSource gives source-mode macvlans registered for the sender's
// address a copy (macvlan_forward_source) and reports whether one of
// them has nodst, meaning normal delivery must not happen.
func forwardSource(b *packet.Buffer, s *snapshot, srcAddr mac) bool {
	if len(s.sources) == 0 {
		return false
	}
	consume := false
	for _, v := range s.sources[srcAddr] {
		if !v.dev.IsUp() {
			continue
		}
		if v.flags()&FlagNoDst != 0 {
			consume = true
		}
		c := cloneFrame(b)
		if c == nil {
			v.dev.Stats.RxErrors.Add(1)
			continue
		}
		deliver(v, c, false)
	}
	return consume
}

// cloneFrame copies a received frame including its pulled link-layer
// header; the copy's data starts at the link-layer header.
func cloneFrame(b *packet.Buffer) *packet.Buffer {
	off, ok := b.MACOffset()
	if !ok || off > 0 {
		return nil
	}
	b.Push(-off)
	c := b.Clone()
	b.Pull(-off)
	return c
}
