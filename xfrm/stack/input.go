package stack

import (
	"encoding/binary"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// Priorities in the protocol tables of ESP, AH and IPComp, as
// xfrm4_protocol_register's: the xfrm input itself is 0; VTI registers
// 100 (IPv4) to claim packets of its tunnels first.
const (
	PrioXfrm = 0
	PrioVTI  = 100
)

// gatePrio puts the input policy check ahead of every other handler of a
// protocol (UDP: after the encapsulation ports, whose packets Linux hands
// to encap_rcv before xfrm4_policy_check).
const (
	gatePrio    = 1 << 20
	gatePrioUDP = 50
)

// RegisterProtocol installs an ESP, AH or IPComp receive handler of a
// family (xfrm4_protocol_register / xfrm6_protocol_register): handlers run
// from the highest priority down until one returns inet.Handled; xfrm's
// own input runs at PrioXfrm. Call it at init.
func RegisterProtocol(family int, proto xfrm.Proto, prio int, h inet.ProtoHandler) {
	inet.AddProtocol(family, uint8(proto), prio, h)
}

type xfrmRcv struct{ proto xfrm.Proto }

func init() {
	for _, p := range []xfrm.Proto{xfrm.ProtoESP, xfrm.ProtoAH, xfrm.ProtoComp} {
		h := &xfrmRcv{p}
		RegisterProtocol(4, p, PrioXfrm, h)
		RegisterProtocol(6, p, PrioXfrm, h)
	}
	g := &gate{}
	inet.SetInputPolicyHook(g.check)
	for p := 0; p < 256; p++ {
		switch uint8(p) {
		case uint8(xfrm.ProtoESP), uint8(xfrm.ProtoAH), uint8(xfrm.ProtoComp),
			uint8(xfrm.ProtoIPIP), uint8(xfrm.ProtoIPv6), header.IPProtoMPLS:
			// Linux's no_policy protocols: the transforms, and tunnel4 /
			// tunnel6 (IP-in-IP, IPv6-in-IP, MPLS-in-IP), whose packets
			// reach vti or an SA's kernel tunnel state unchecked; an ipip
			// device checks what it claims (inet.InputPolicyOK).
			continue
		}
		prio := gatePrio
		if uint8(p) == header.IPProtoUDP {
			prio = gatePrioUDP
		}
		inet.AddProtocol(4, uint8(p), prio, g)
		inet.AddProtocol(6, uint8(p), prio, g)
	}
}

// Receive is xfrm4_rcv: the packet's data is at the transport header.
func (h *xfrmRcv) Receive(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	if !b.PushTo(b.NetworkStart()) {
		dev.Drop(b, DropPolicy)
		return inet.Handled
	}
	Input(ns, dev, b, h.proto)
	return inet.Handled
}

// Err handles ICMP errors about our ESP/AH packets (esp4_err): a
// fragmentation-needed error updates the PMTU of the SA's destination,
// which inet has already done; nothing else is needed.
func (h *xfrmRcv) Err(ns *netdev.Namespace, e inet.ICMPErr) bool { return true }

// Input is xfrm_input for a packet whose data starts at its outer IP
// header: it looks the SA up, runs the transform, appends the SA to the
// packet's SecPath and re-injects the result on dev (netif_rx, as Linux's
// gro_cells do for tunnel mode). It owns b. VTI-style callers use it after
// claiming a packet.
func Input(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer, proto xfrm.Proto) {
	n := xfrm.ForNamespace(ns)
	mac, hasMAC := saveMAC(b)
	prev := b.SecPath
	var x *xfrm.State
	var err error
	if proto != xfrm.ProtoESP && proto != xfrm.ProtoAH {
		proto = xfrm.ProtoComp
	}
	x, err = receive(n, b, proto)
	if err != nil {
		reason := DropPolicy
		if d, ok := err.(*xfrm.Drop); ok {
			reason = d.Reason
		}
		dev.Drop(b, reason)
		return
	}
	sp, ok := xfrm.AppendSecPath(prev, x)
	if !ok {
		n.MIB.Inc(xfrm.InBufferError)
		dev.Drop(b, DropPolicy)
		return
	}
	b.SecPath = sp
	reinject(ns, dev, b, mac, hasMAC)
}

// saveMAC copies b's Ethernet header, which a transform may overwrite.
func saveMAC(b *packet.Buffer) (mac [14]byte, ok bool) {
	if b.MACLen() == 14 {
		copy(mac[:], b.MACHeader())
		ok = true
	}
	return mac, ok
}

// reinject ends xfrm input: b, its data at the decapsulated packet's IP
// header and its SecPath set, goes back through dev with the saved link
// header in front (netif_rx).
func reinject(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer, mac [14]byte, hasMAC bool) {
	b.SetNetworkHeader(0)
	b.ResetMACHeader()
	if hasMAC {
		if h := b.Push(14); h != nil {
			copy(h, mac[:])
			binary.BigEndian.PutUint16(h[12:], b.Protocol)
			b.SetMACHeader()
			b.Pull(14)
		}
	}
	b.PktType = packet.PacketHost
	if w := ns.World(); w != nil {
		w.Loop().NetifRx(dev, b)
		return
	}
	dev.Receive(b)
}

// gate is the input policy check ahead of the protocol handlers
// (xfrm4_policy_check in tcp/udp/icmp/raw receive and ipip_rcv): it
// declines a packet the policy allows, so the real handler gets it.
type gate struct{}

func (g gate) Receive(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	if g.check(ns, b) {
		return inet.Declined
	}
	dev.Drop(b, DropPolicy)
	return inet.Handled
}

// check is the input policy check of a packet whose data is at its
// transport header (inet.InputPolicyHook).
func (gate) check(ns *netdev.Namespace, b *packet.Buffer) bool {
	n := xfrm.ForNamespace(ns)
	if b.SecPath == nil && n.SPD.Empty(xfrm.PolicyIn) {
		return true
	}
	cur := b.Headroom()
	if !b.PushTo(b.NetworkStart()) {
		return true
	}
	ok := policyCheck(n, b, xfrm.PolicyIn) || icmpInputCheck(n, b)
	b.PushTo(cur)
	return ok
}

func (gate) Err(*netdev.Namespace, inet.ICMPErr) bool { return false }
