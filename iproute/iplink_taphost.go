package iproute

import (
	"github.com/softnet/softnet/macvlan/macvtap"
)

// The softnet-only taphost kind (package macvtap): a macvtap queue bound
// to a host TAP device, for the daemon.
//
//	ip link add NAME link MACVTAP type taphost [host-name HOSTNAME] [vnet_hdr on|off] [offload on|off]

const taphostUsage = "Usage: ip link add NAME link MACVTAP type taphost [ host-name NAME ]\n" +
	"                  [ vnet_hdr { on | off } ] [ offload { on | off } ]\n"

func init() { RegisterLinkKind("taphost", parseTaphost, printTaphost) }

func parseTaphost(args []string) (any, error) {
	h := &hostArgs{kind: "taphost", usage: taphostUsage, seen: map[string]bool{}}
	d := &macvtap.HostTAPData{}
	err := h.each(args, func(key, v string) error {
		var err error
		switch key {
		case "host-name":
			d.HostName, err = parseHostName(v)
		case "vnet_hdr":
			d.VnetHdr, err = parseOnOff("vnet_hdr", v)
		case "offload":
			d.Offload, err = parseOnOff("offload", v)
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

func printTaphost(p *Printer, info any) {
	i, ok := info.(*macvtap.HostTAPInfo)
	if !ok {
		return
	}
	if i.Tap != "" {
		p.PrintString("tap", "tap %s ", i.Tap)
	}
	p.PrintString("host_name", "host-name %s ", i.HostName)
	p.PrintString("vnet_hdr", "vnet_hdr %s ", onOff(i.VnetHdr))
	p.PrintString("offload", "offload %s ", i.Offload)
}
