package iproute

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/softnet/softnet/netdev"

	"github.com/softnet/softnet/xfrm"
)

// ip xfrm monitor (xfrm_monitor.c) and ip xfrm state allocspi.

// monitorHorizon is how long `ip xfrm monitor` keeps a lab's virtual
// clock running after the last event it saw is due.
const monitorHorizon = 30 * time.Second

// xfrmMonitor is do_xfrm_monitor: it prints the namespace's xfrm
// notifications. On a lab's SimLoop it runs the virtual clock until
// nothing is due within monitorHorizon, then returns; elsewhere it
// prints what happens while the loop runs the pending work and returns
// (a long-running listener uses XfrmMonitor).
func (c *Cmd) xfrmMonitor(args []string) error {
	groups := map[string]bool{}
	for _, w := range args {
		switch w {
		case "acquire", "expire", "SA", "policy", "aevent", "report":
			groups[w] = true
		case "all", "all-nsid", "nokeys":
		case "help":
			return usageErr("Usage: ip xfrm monitor [ nokeys ] [ all-nsid ] [ all | OBJECTS | help ]\n" +
				"OBJECTS := { acquire | expire | SA | aevent | policy | report }\n")
		default:
			return fail(255, "Argument \"%s\" is unknown, try \"ip xfrm monitor help\".", w)
		}
	}
	cancel := xfrm.ForNamespace(c.NS).Subscribe(func(m xfrm.Msg) {
		if len(groups) == 0 || groups[msgGroup(m.Kind)] {
			c.printXfrmMsg(m)
		}
	})
	defer cancel()
	if l, ok := c.Env.World.Loop().(*netdev.SimLoop); ok {
		l.RunIdle(monitorHorizon)
	}
	return nil
}

// XfrmMonitor prints ns's xfrm notifications to w as `ip xfrm monitor`
// does (stats is the -s level) until cancel is called. w is written from
// the goroutine that causes each event.
func XfrmMonitor(env *Env, ns *netdev.Namespace, w io.Writer, stats int) (cancel func()) {
	c := &Cmd{Env: env, NS: ns, Stdout: w, Stderr: w, tool: "ip"}
	c.Opts.Stats = stats
	return xfrm.ForNamespace(ns).Subscribe(func(m xfrm.Msg) { c.printXfrmMsg(m) })
}

// msgGroup is the XFRMNLGRP_* a notification goes to.
func msgGroup(k xfrm.MsgKind) string {
	switch k {
	case xfrm.MsgAcquire:
		return "acquire"
	case xfrm.MsgExpire, xfrm.MsgPolExpire:
		return "expire"
	case xfrm.MsgNewPolicy, xfrm.MsgDelPolicy, xfrm.MsgUpdPolicy, xfrm.MsgFlushPolicy:
		return "policy"
	}
	return "SA"
}

// printXfrmMsg prints one notification as xfrm_accept_msg does.
func (c *Cmd) printXfrmMsg(m xfrm.Msg) {
	w := c.Stdout
	switch m.Kind {
	case xfrm.MsgNewSA:
		c.printState(w, m.State)
	case xfrm.MsgUpdSA:
		fmt.Fprintf(w, "Updated ")
		c.printState(w, m.State)
	case xfrm.MsgDelSA:
		fmt.Fprintf(w, "Deleted ")
		c.printState(w, m.State)
	case xfrm.MsgExpire:
		fmt.Fprintf(w, "Expired ")
		c.printState(w, m.State)
		fmt.Fprintf(w, "\thard %d\n", b2i(m.Hard))
	case xfrm.MsgAcquire:
		c.printAcquire(w, &m)
	case xfrm.MsgFlushSA:
		fmt.Fprintf(w, "Flushed state proto %s\n", protoOrAny(m.Proto))
	case xfrm.MsgNewPolicy:
		c.printPolicy(w, m.Policy)
	case xfrm.MsgUpdPolicy:
		fmt.Fprintf(w, "Updated ")
		c.printPolicy(w, m.Policy)
	case xfrm.MsgDelPolicy:
		fmt.Fprintf(w, "Deleted ")
		c.printPolicy(w, m.Policy)
	case xfrm.MsgFlushPolicy:
		fmt.Fprintf(w, "Flushed policy \n")
	case xfrm.MsgPolExpire:
		// xfrm_policy_print for XFRM_MSG_POLEXPIRE.
		fmt.Fprintf(w, "Expired ")
		c.printPolicy(w, m.Policy)
		fmt.Fprintf(w, "\thard %d\n", b2i(m.Hard))
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func protoOrAny(p xfrm.Proto) string {
	if p == 0 {
		return "0"
	}
	return p.String()
}

// xfrmAllocSPI is xfrm_state_allocspi: a free SPI in [min, max] (default
// 0x100..0x0fffffff) for the ID, held by a larval SA that `ip xfrm state
// update` completes; the larval SA is printed.
func (c *Cmd) xfrmAllocSPI(args []string) error {
	cfg := xfrm.Config{}
	family := c.Opts.Family
	var spiSet, minSet, maxSet bool
	lo, hi := uint32(0x100), uint32(0x0fffffff)
	a := &xfrmArgs{w: args}
	for ; a.more(); a.i++ {
		if ok, err := xfrmIDWord(a, &cfg, &family, &spiSet); ok || err != nil {
			if err != nil {
				return err
			}
			continue
		}
		w := a.word()
		switch w {
		case "min", "max", "reqid", "seq":
			msg := valueAfter(w)
			if w == "reqid" || w == "seq" {
				msg = strings.ToUpper(w) + " value is invalid"
			}
			n, err := a.nextU32(msg)
			if err != nil {
				return err
			}
			switch w {
			case "min":
				lo, minSet = n, true
			case "max":
				hi, maxSet = n, true
			case "reqid":
				cfg.Reqid = n
			}
		case "mode":
			m, err := a.nextMode()
			if err != nil {
				return err
			}
			cfg.Mode = m
		default:
			return invarg("unknown", w)
		}
	}
	switch {
	case minSet && !maxSet:
		return fail(1, "\"max\" is missing")
	case maxSet && !minSet:
		return fail(1, "\"min\" is missing")
	case lo > hi:
		return fail(1, "value after \"min\" is larger than value after \"max\"")
	}
	if family == 0 {
		family = 4
	}
	if !cfg.ID.Daddr.IsValid() {
		cfg.ID.Daddr = zeroAddr(family)
	}
	if !cfg.Saddr.IsValid() {
		cfg.Saddr = zeroAddr(family)
	}
	cfg.Family = family
	x, err := xfrm.ForNamespace(c.NS).AllocSPI(cfg, lo, hi)
	if err != nil {
		return kernelError(err)
	}
	c.printState(c.Stdout, x)
	return nil
}
