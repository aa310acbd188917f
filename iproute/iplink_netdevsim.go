package iproute

import (
	"strconv"
	"strings"

	"github.com/softnet/softnet/netdevsim"
)

// ip link add NAME type netdevsim [ OPTIONS ]: softnet's IPsec offload
// test device (package netdevsim). Linux creates netdevsim devices
// through sysfs (/sys/bus/netdevsim/new_device), not ip link; softnet
// offers the ip link form instead, with options mirroring
// netdevsim.Config.
const netdevsimUsage = "Usage: ... netdevsim [ no-ipsec ] [ no-esn ] [ no-packet ] [ no-crypto ]\n" +
	"\t\t[ tx-csum ] [ reject-len BYTES ] [ async ]\n" +
	"\t\t[ crypto-engine { on | off } [ workers N ] [ engine-queue N ] ]\n" +
	"\n" +
	"Where:\tno-ipsec   no xfrm offload operations, no esp-hw-offload\n" +
	"\tno-esn     no advance-ESN operation (ESN SAs are refused)\n" +
	"\tno-packet  the driver refuses packet offload (EOPNOTSUPP)\n" +
	"\tno-crypto  the driver refuses crypto offload (EOPNOTSUPP: software)\n" +
	"\ttx-csum    also esp-tx-csum-hw-offload\n" +
	"\treject-len offload-ok refuses packets longer than BYTES\n" +
	"\tasync      the transmit transform completes later (netdevsim.Driver.CompleteAsync)\n" +
	"\tcrypto-engine  the parallel ESP engine (xfrm/engine) does the offload:\n" +
	"\t           N workers (default one per core), queues of N packets;\n" +
	"\t           also ip link set DEV type netdevsim crypto-engine on|off\n"

func init() {
	RegisterLinkKind("netdevsim", parseNetdevsim, printNetdevsim)
}

// netdevsimFlags maps the option words without a value to Config fields.
var netdevsimFlags = []struct {
	word string
	set  func(c *netdevsim.Config)
	get  func(c *netdevsim.Config) bool
}{
	{"no-ipsec", func(c *netdevsim.Config) { c.NoIPsec = true }, func(c *netdevsim.Config) bool { return c.NoIPsec }},
	{"no-esn", func(c *netdevsim.Config) { c.NoESN = true }, func(c *netdevsim.Config) bool { return c.NoESN }},
	{"no-packet", func(c *netdevsim.Config) { c.NoPacket = true }, func(c *netdevsim.Config) bool { return c.NoPacket }},
	{"no-crypto", func(c *netdevsim.Config) { c.NoCrypto = true }, func(c *netdevsim.Config) bool { return c.NoCrypto }},
	{"tx-csum", func(c *netdevsim.Config) { c.TxCsum = true }, func(c *netdevsim.Config) bool { return c.TxCsum }},
	{"async", func(c *netdevsim.Config) { c.Async = true }, func(c *netdevsim.Config) bool { return c.Async }},
}

// parseNetdevsim turns the words after "type netdevsim" into a
// *netdevsim.Config.
func parseNetdevsim(args []string) (any, error) {
	c := &netdevsim.Config{}
next:
	for i := 0; i < len(args); i++ {
		w := args[i]
		for _, f := range netdevsimFlags {
			if w == f.word {
				f.set(c)
				continue next
			}
		}
		switch w {
		case "reject-len":
			if i+1 >= len(args) {
				return nil, incomplete()
			}
			i++
			n, err := strconv.ParseUint(args[i], 0, 31)
			if err != nil {
				return nil, invarg("invalid \"reject-len\" value", args[i])
			}
			c.RejectLen = int(n)
		case "crypto-engine":
			if i+1 >= len(args) {
				return nil, incomplete()
			}
			i++
			on, err := parseOnOff("crypto-engine", args[i])
			if err != nil {
				return nil, err
			}
			c.CryptoEngine = on
		case "workers", "engine-queue":
			if i+1 >= len(args) {
				return nil, incomplete()
			}
			i++
			n, err := strconv.ParseUint(args[i], 0, 16)
			if err != nil || n == 0 {
				return nil, invarg("invalid \""+w+"\" value", args[i])
			}
			if w == "workers" {
				c.Workers = int(n)
			} else {
				c.EngineQueue = int(n)
			}
		case "help":
			return nil, &exitError{code: 0, msg: netdevsimUsage}
		default:
			return nil, &exitError{code: 1, msg: "netdevsim: unknown option \"" + w + "\"\n" + netdevsimUsage}
		}
	}
	return c, nil
}

// printNetdevsim prints the options set, the hardware's SA count and the
// device's ESP features (JSON: "features" array of ethtool names).
func printNetdevsim(p *Printer, info any) {
	in, ok := info.(*netdevsim.Info)
	if !ok || in == nil {
		return
	}
	for _, f := range netdevsimFlags {
		if f.get(&in.Config) {
			p.PrintBool(strings.ReplaceAll(f.word, "-", "_"), f.word+" ", true)
		}
	}
	if in.RejectLen != 0 {
		p.PrintUint("reject_len", "reject-len %d ", uint64(in.RejectLen))
	}
	if in.CryptoEngine != nil && *in.CryptoEngine {
		p.PrintString("crypto_engine", "crypto-engine %s ", "on")
		p.PrintUint("workers", "workers %d ", uint64(in.Workers))
		p.PrintUint("engine_queue", "engine-queue %d ", uint64(in.EngineQueue))
	}
	p.PrintInt("ipsec_sas", "ipsec-sas %d ", in.SAs)
	if len(in.Features) > 0 {
		p.Textf("features %s ", strings.Join(in.Features, ","))
		if p.JSON() {
			p.OpenArrayJSON("features")
			for _, f := range in.Features {
				p.PrintString("", "", f)
			}
			p.CloseArrayJSON()
		}
	}
}
