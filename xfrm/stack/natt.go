package stack

import (
	"encoding/binary"
	"errors"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// espInUDP is the encap_rcv of a UDP_ENCAP_ESPINUDP socket
// (xfrm4_udp_encap_rcv): ESP in UDP goes to xfrm input, IKE (a zero
// non-ESP marker) to the socket, NAT keepalives are consumed.
type espInUDP struct{}

// DropKeepalive counts consumed NAT-T keepalives.
var DropKeepalive = netdev.RegisterDropReason("XFRM_NATT_KEEPALIVE")

func (espInUDP) EncapRcv(ns *netdev.Namespace, dev *netdev.Device, b *packet.Buffer) inet.ProtoVerdict {
	p := b.Bytes()[header.UDPMinimumSize:]
	switch {
	case len(p) == 1 && p[0] == 0xff:
		dev.Drop(b, DropKeepalive)
		return inet.Handled
	case len(p) >= 4 && binary.BigEndian.Uint32(p) == 0 && (len(p) < 8 || binary.BigEndian.Uint64(p) != 0):
		return inet.Declined // IKE
	case len(p) < 8:
		return inet.Declined
	}
	// xfrm4_rcv_encap: the ESP handlers in priority order (vti first,
	// then xfrm's own input), which find the UDP header in front of ESP.
	family := inet.FamilyV4
	if b.Protocol == netdev.EthPIPv6 {
		family = inet.FamilyV6
	}
	if !inet.Redispatch(family, uint8(xfrm.ProtoESP), ns, dev, b) {
		dev.Drop(b, DropPolicy)
	}
	return inet.Handled
}

func (espInUDP) EncapErr(*netdev.Namespace, inet.ICMPErr) bool { return false }

// ListenESPInUDP binds the ESP-in-UDP decapsulation to a UDP port of a
// family (an IKE daemon's setsockopt(UDP_ENCAP, UDP_ENCAP_ESPINUDP)). A
// port already bound to ESP-in-UDP is not an error.
func ListenESPInUDP(ns *netdev.Namespace, family int, port uint16) error {
	err := inet.AddUDPEncap(ns, family, port, espInUDP{})
	if errors.Is(err, syscall.EEXIST) || extack.ErrnoOf(err) == syscall.EEXIST {
		return nil
	}
	return err
}

// AddState creates an SA in ns (ip xfrm state add/update) and, for an SA
// with NAT-T encapsulation, binds its ports to the ESP-in-UDP receiver as
// the key manager's encapsulation socket would be. That socket stands for
// an IKE daemon's, which has allow-all socket policies (strongSwan's
// bypass_socket): Linux checks the socket's policy before encap_rcv, so
// without them a transport-mode policy between the peers would drop the
// ESP-in-UDP datagram itself.
func AddState(ns *netdev.Namespace, cfg xfrm.Config, update bool) (*xfrm.State, error) {
	x, err := xfrm.ForNamespace(ns).AddState(cfg, update)
	if err != nil {
		return nil, err
	}
	if e := cfg.Encap; e != nil {
		for _, port := range []uint16{e.Sport, e.Dport} {
			if port != 0 {
				_ = ListenESPInUDP(ns, cfg.Family, port)
			}
		}
	}
	return x, nil
}
