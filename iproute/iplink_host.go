package iproute

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/softnet/softnet/hostlink"
)

// The host binding kinds of package hostlink:
//
//	ip link add NAME type host-tap [host-name HOSTNAME] [queues N] [vnet_hdr on|off]
//	ip link add NAME type host-tun [host-name HOSTNAME] [queues N] [vnet_hdr on|off]
//	ip link add NAME type host-afpacket host-dev DEV [queues N] [vnet_hdr on|off] [promisc on|off]
//	ip link add NAME type host-ip [protocols P[,P…]] [host-dev DEV]
//	ip link add NAME type host-udp [local ADDR] port PORT [gro on|off] [host-dev DEV]

const (
	hostTunUsage = "Usage: ... %s [ host-name NAME ] [ queues N ] [ vnet_hdr { on | off } ]\n"
	hostPktUsage = "Usage: ... host-afpacket host-dev DEV [ queues N ] [ vnet_hdr { on | off } ]\n" +
		"                           [ promisc { on | off } ]\n"
	hostIPUsage  = "Usage: ... host-ip [ protocols PROTO[,PROTO...] ] [ host-dev DEV ]\n"
	hostUDPUsage = "Usage: ... host-udp [ local ADDR ] port PORT [ gro { on | off } ] [ host-dev DEV ]\n"
)

// hostArgs walks KEY VALUE pairs, refusing duplicates and unknown keys.
type hostArgs struct {
	kind, usage string
	seen        map[string]bool
}

func (h *hostArgs) unknown(arg string) error {
	return Fail(255, "%s: unknown option \"%s\"?\n%s", h.kind, arg, strings.TrimSuffix(h.usage, "\n"))
}

// next returns the value after key, or an error for a missing or
// repeated key.
func (h *hostArgs) next(args []string, i int) (string, error) {
	key := args[i]
	if i+1 >= len(args) {
		return "", Incomplete()
	}
	if h.seen[key] {
		return "", DupArg(key, args[i+1])
	}
	h.seen[key] = true
	return args[i+1], nil
}

// each walks KEY VALUE pairs as the host kinds' parsers do: "help" prints
// the usage, a missing value or a repeated key is an error (next), and fn
// handles each pair (returning h.unknown for keys it does not know).
func (h *hostArgs) each(args []string, fn func(key, val string) error) error {
	for i := 0; i < len(args); i += 2 {
		if args[i] == "help" {
			return Fail(255, "%s", strings.TrimSuffix(h.usage, "\n"))
		}
		v, err := h.next(args, i)
		if err != nil {
			return err
		}
		if err := fn(args[i], v); err != nil {
			return err
		}
	}
	return nil
}

// parseHostName checks a host interface name (dev_valid_name's rules).
func parseHostName(v string) (string, error) {
	if len(v) >= 16 || v == "" || strings.ContainsAny(v, "/ :") {
		return "", InvalidArg("\"host-name\" not a valid ifname", v)
	}
	return v, nil
}

func parseOnOff(key, v string) (*bool, error) {
	switch v {
	case "on":
		t := true
		return &t, nil
	case "off":
		f := false
		return &f, nil
	}
	return nil, InvalidArg("\""+key+"\" must be \"on\" or \"off\"", v)
}

func parseQueues(v string, maxQ int64) (uint32, error) {
	n, ok := GetInteger(v)
	if !ok || n < 1 || n > maxQ {
		return 0, InvalidArg("invalid \"queues\" value", v)
	}
	return uint32(n), nil
}

func parseHostTun(kind string) func(args []string) (any, error) {
	return func(args []string) (any, error) {
		h := &hostArgs{kind: kind, usage: strings.Replace(hostTunUsage, "%s", kind, 1), seen: map[string]bool{}}
		d := &hostlink.TunData{}
		err := h.each(args, func(key, v string) error {
			var err error
			switch key {
			case "host-name":
				d.HostName, err = parseHostName(v)
			case "queues":
				d.Queues, err = parseQueues(v, 256)
			case "vnet_hdr":
				d.VnetHdr, err = parseOnOff("vnet_hdr", v)
			default:
				return h.unknown(key)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		return d, nil
	}
}

func parseHostAFPacket(args []string) (any, error) {
	h := &hostArgs{kind: "host-afpacket", usage: hostPktUsage, seen: map[string]bool{}}
	d := &hostlink.PacketData{}
	err := h.each(args, func(key, v string) error {
		var err error
		switch key {
		case "host-dev":
			d.HostDev = v
		case "queues":
			d.Queues, err = parseQueues(v, 64)
		case "vnet_hdr":
			d.VnetHdr, err = parseOnOff("vnet_hdr", v)
		case "promisc":
			d.Promisc, err = parseOnOff("promisc", v)
		default:
			return h.unknown(key)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if d.HostDev == "" {
		return nil, Fail(255, "host-afpacket: \"host-dev\" is required\n%s", strings.TrimSuffix(hostPktUsage, "\n"))
	}
	return d, nil
}

func parseHostIP(args []string) (any, error) {
	h := &hostArgs{kind: "host-ip", usage: hostIPUsage, seen: map[string]bool{}}
	d := &hostlink.RawIPData{}
	err := h.each(args, func(key, v string) error {
		var err error
		switch key {
		case "protocols":
			for _, f := range strings.Split(v, ",") {
				n, ok := GetInteger(f)
				if !ok || n < 1 || n > 254 {
					return InvalidArg("invalid \"protocols\" value", v)
				}
				d.Protocols = append(d.Protocols, uint8(n))
			}
		case "host-dev":
			d.HostDev = v
		default:
			return h.unknown(key)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func parseHostUDP(args []string) (any, error) {
	h := &hostArgs{kind: "host-udp", usage: hostUDPUsage, seen: map[string]bool{}}
	d := &hostlink.UDPData{}
	addr, port := netip.IPv4Unspecified(), -1
	err := h.each(args, func(key, v string) error {
		var err error
		switch key {
		case "local":
			a, err := netip.ParseAddr(v)
			if err != nil || a.Zone() != "" {
				return InvalidArg("invalid \"local\" address", v)
			}
			addr = a
		case "port":
			n, ok := GetInteger(v)
			if !ok || n < 0 || n > 65535 {
				return InvalidArg("invalid \"port\" value", v)
			}
			port = int(n)
		case "gro":
			d.GRO, err = parseOnOff("gro", v)
		case "host-dev":
			d.HostDev = v
		default:
			return h.unknown(key)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if port < 0 {
		return nil, Fail(255, "host-udp: \"port\" is required\n%s", strings.TrimSuffix(hostUDPUsage, "\n"))
	}
	d.Local = netip.AddrPortFrom(addr, uint16(port))
	return d, nil
}

func onOff(v bool) string {
	if v {
		return "on"
	}
	return "off"
}

// offloadNames lists the TUN_F_* flags as ethtool-like words.
func offloadNames(off uint32) string {
	names := []struct {
		bit  uint32
		name string
	}{{0x01, "csum"}, {0x02, "tso4"}, {0x04, "tso6"}, {0x08, "tso_ecn"}, {0x20, "uso4"}, {0x40, "uso6"}}
	var out []string
	for _, n := range names {
		if off&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ",")
}

func printHostTun(p *Printer, info any) {
	i, ok := info.(*hostlink.TunInfo)
	if !ok {
		return
	}
	p.PrintString("host_name", "host-name %s ", i.HostName)
	p.PrintUint("queues", "queues %d ", uint64(i.Queues))
	p.PrintString("vnet_hdr", "vnet_hdr %s ", onOff(i.VnetHdr))
	if i.VnetHdr {
		p.PrintString("offload", "offload %s ", offloadNames(i.Offload))
		p.PrintUint("gro_frames", "gro_frames %d ", i.GROFrames)
	}
}

func printHostAFPacket(p *Printer, info any) {
	i, ok := info.(*hostlink.PacketInfo)
	if !ok {
		return
	}
	p.PrintString("host_dev", "host-dev %s ", i.HostDev)
	p.PrintUint("host_ifindex", "host-ifindex %d ", uint64(i.HostIfindex))
	p.PrintUint("queues", "queues %d ", uint64(i.Queues))
	p.PrintString("vnet_hdr", "vnet_hdr %s ", onOff(i.VnetHdr))
	p.PrintString("promisc", "promisc %s ", onOff(i.Promisc))
}

func printHostIP(p *Printer, info any) {
	i, ok := info.(*hostlink.RawIPInfo)
	if !ok {
		return
	}
	var ps []string
	for _, pr := range i.Protocols {
		ps = append(ps, strconv.Itoa(int(pr)))
	}
	p.PrintString("protocols", "protocols %s ", strings.Join(ps, ","))
	if i.HostDev != "" {
		p.PrintString("host_dev", "host-dev %s ", i.HostDev)
	}
	if i.Family != "" {
		p.PrintString("family", "family %s ", i.Family)
	}
	if i.Inet6 != "" {
		p.PrintString("inet6", "inet6 %s ", i.Inet6)
	}
	p.PrintUint("tx_batches", "tx_batches %d ", i.TxBatches)
}

func printHostUDP(p *Printer, info any) {
	i, ok := info.(*hostlink.UDPInfo)
	if !ok {
		return
	}
	p.PrintString("local", "local %s ", i.Local.Addr().String())
	p.PrintUint("port", "port %d ", uint64(i.Local.Port()))
	p.PrintString("gro", "gro %s ", onOff(i.GRO))
	p.PrintString("gso", "gso %s ", onOff(i.GSO))
	if i.HostDev != "" {
		p.PrintString("host_dev", "host-dev %s ", i.HostDev)
	}
	p.PrintUint("tx_trains", "tx_trains %d ", i.TxTrains)
}

func init() {
	RegisterLinkKind("host-tap", parseHostTun("host-tap"), printHostTun)
	RegisterLinkKind("host-tun", parseHostTun("host-tun"), printHostTun)
	RegisterLinkKind("host-afpacket", parseHostAFPacket, printHostAFPacket)
	RegisterLinkKind("host-ip", parseHostIP, printHostIP)
	RegisterLinkKind("host-udp", parseHostUDP, printHostUDP)
}
