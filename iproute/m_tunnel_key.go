package iproute

import (
	"fmt"
	"strconv"

	"github.com/softnet/softnet/sched"
	"github.com/softnet/softnet/sched/tunnelkey"
)

const tunnelKeyUsage = `Usage: tunnel_key unset
       tunnel_key set <TUNNEL_KEY>
Where TUNNEL_KEY is a combination of:
id <TUNNELID>
src_ip <IP> (mandatory)
dst_ip <IP> (mandatory)
dst_port <UDP_PORT>
geneve_opts | vxlan_opts | erspan_opts <OPTIONS>
csum | nocsum (default is "csum")
`

// parseTunnelKeyAction is m_tunnel_key.c's parse_tunnel_key (iproute2 6.1)
// without the geneve/vxlan/erspan options.
func parseTunnelKeyAction(c *Cmd, args []string) (*sched.ActionSpec, []string, error) {
	start := args
	args = args[1:]
	if len(args) == 0 {
		return nil, nil, incomplete()
	}
	prm := &tunnelkey.Params{}
	spec := &sched.ActionSpec{Params: prm, Control: sched.ActPipe}
	value := func(name string) (string, error) {
		if len(args) < 2 {
			return "", incomplete()
		}
		args = args[1:]
		return args[0], nil
	}
loop:
	for len(args) > 0 {
		w := args[0]
		switch {
		case Matches(w, "unset"):
			if prm.Mode != 0 {
				return nil, nil, badAction("unexpected \"unset\" - action already specified\n", start)
			}
			prm.Mode = tunnelkey.ModeUnset
		case Matches(w, "set"):
			if prm.Mode != 0 {
				return nil, nil, badAction("unexpected \"set\" - action already specified\n", start)
			}
			prm.Mode = tunnelkey.ModeSet
		case Matches(w, "src_ip"), Matches(w, "dst_ip"):
			v, err := value(w)
			if err != nil {
				return nil, nil, err
			}
			a, err := getAddr(v, FamilyAll)
			if err != nil {
				return nil, nil, err
			}
			if Matches(w, "src_ip") {
				prm.Src = a.addr
			} else {
				prm.Dst = a.addr
			}
		case Matches(w, "id"):
			v, err := value(w)
			if err != nil {
				return nil, nil, err
			}
			n, perr := strconv.ParseUint(v, 10, 32)
			if perr != nil {
				return nil, nil, badAction("Illegal \"id\"\n", start)
			}
			prm.HasKeyID, prm.KeyID = true, uint32(n)
		case Matches(w, "dst_port"):
			v, err := value(w)
			if err != nil {
				return nil, nil, err
			}
			n, perr := strconv.ParseUint(v, 10, 16)
			if perr != nil {
				return nil, nil, badAction("Illegal \"dst port\"\n", start)
			}
			prm.DstPort = uint16(n)
		case Matches(w, "tos"), Matches(w, "ttl"):
			v, err := value(w)
			if err != nil {
				return nil, nil, err
			}
			n, perr := strconv.ParseUint(v, 0, 8)
			if perr != nil {
				return nil, nil, badAction(fmt.Sprintf("Illegal \"%s\"\n", w), start)
			}
			if Matches(w, "tos") {
				prm.HasTOS, prm.TOS = true, uint8(n)
			} else {
				prm.HasTTL, prm.TTL = true, uint8(n)
			}
		case Matches(w, "csum"):
			prm.NoCsum = false
		case Matches(w, "nocsum"):
			prm.NoCsum = true
		case Matches(w, "help"):
			return nil, nil, usageErr(tunnelKeyUsage)
		default:
			break loop
		}
		args = args[1:]
	}
	if v, n, err := sched.ParseVerdict(args); err != nil {
		return nil, nil, err
	} else if n > 0 {
		spec.Control = v
		args = args[n:]
	}
	if len(args) > 0 && Matches(args[0], "index") {
		if len(args) < 2 {
			return nil, nil, incomplete()
		}
		n, err := strconv.ParseUint(args[1], 10, 32)
		if err != nil {
			return nil, nil, badAction("tunnel_key: Illegal \"index\"\n", start)
		}
		spec.Index = uint32(n)
		args = args[2:]
	}
	if prm.Mode == tunnelkey.ModeSet && (!prm.Src.IsValid() || !prm.Dst.IsValid()) {
		return nil, nil, badAction("set needs tunnel_key parameters\n"+tunnelKeyUsage, start)
	}
	if prm.Mode == 0 && spec.Index == 0 {
		spec.Params = nil
	}
	return spec, args, nil
}

// printTunnelKey is m_tunnel_key.c's print_tunnel_key.
func printTunnelKey(c *Cmd, a sched.Action) {
	t := a.(*tunnelkey.TunnelKey)
	p := c.Out
	prm := t.Params()
	p.PrintString("kind", "%s ", "tunnel_key")
	switch prm.Mode {
	case tunnelkey.ModeUnset:
		p.PrintString("mode", " %s", "unset")
	case tunnelkey.ModeSet:
		p.PrintString("mode", " %s", "set")
		p.Textf("\n")
		p.PrintString("src_ip", "\tsrc_ip %s", prm.Src.String())
		p.Textf("\n")
		p.PrintString("dst_ip", "\tdst_ip %s", prm.Dst.String())
		if prm.HasKeyID {
			p.Textf("\n")
			p.PrintUint("key_id", "\tkey_id %d", uint64(prm.KeyID))
		}
		if prm.DstPort != 0 {
			p.Textf("\n")
			p.PrintUint("dst_port", "\tdst_port %d", uint64(prm.DstPort))
		}
		flag := "csum"
		if prm.NoCsum {
			flag = "nocsum"
		}
		p.Textf("\n")
		p.PrintString("flag", "\t%s", flag)
		if prm.HasTOS {
			p.Textf("\n\ttos 0x%x", prm.TOS)
			p.JSONUint("tos", uint64(prm.TOS))
		}
		if prm.HasTTL {
			p.Textf("\n")
			p.PrintUint("ttl", "\tttl %d", uint64(prm.TTL))
		}
	}
	PrintActionControl(p, " ", t.Control(), "")
	p.Textf("\n")
	PrintActionRefs(c, a, " ")
}

func init() { RegisterTCAction("tunnel_key", parseTunnelKeyAction, printTunnelKey) }
