package iproute

import (
	"strings"

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
	for i := 0; i < len(args); i += 2 {
		if args[i] == "help" {
			return nil, Fail(255, "%s", strings.TrimSuffix(h.usage, "\n"))
		}
		v, err := h.next(args, i)
		if err != nil {
			return nil, err
		}
		switch args[i] {
		case "host-name":
			if len(v) >= 16 || v == "" || strings.ContainsAny(v, "/ :") {
				return nil, InvalidArg("\"host-name\" not a valid ifname", v)
			}
			d.HostName = v
		case "vnet_hdr":
			if d.VnetHdr, err = parseOnOff("vnet_hdr", v); err != nil {
				return nil, err
			}
		case "offload":
			if d.Offload, err = parseOnOff("offload", v); err != nil {
				return nil, err
			}
		default:
			return nil, h.unknown(args[i])
		}
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
