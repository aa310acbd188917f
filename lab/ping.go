package lab

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/inet"
)

// PingStats are ping's statistics.
type PingStats struct {
	Transmitted, Received, Duplicates, Errors int
	// Loss is (transmitted − received) / transmitted, in percent.
	Loss float64
	// RTT statistics over the received replies.
	RTTMin, RTTAvg, RTTMax, RTTMDev time.Duration
	// Time is from the first request to the last.
	Time time.Duration
	// ErrorLines are ping's error lines ("From … icmp_seq=1 …").
	ErrorLines []string
}

// pingRun is one ping probe in progress.
type pingRun struct {
	r     *runner
	g     *PingProbe
	id    uint16
	sent  map[uint16]time.Time
	got   map[uint16]bool
	rtts  []time.Duration
	stats PingStats
	last  time.Time
}

func (r *runner) runPing(i int, p *Probe, pr *ProbeResult) {
	g := p.Ping
	pr.Kind = "ping"
	run := &pingRun{r: r, g: g, id: uint16(0x5000 + i), sent: map[uint16]time.Time{}, got: map[uint16]bool{}}
	ns := r.w.Namespace(g.From)
	fam := inet.FamilyV4
	if g.To.Is6() {
		fam = inet.FamilyV6
	}
	conn, err := inet.DialICMP(ns, fam, run.recv)
	if err != nil {
		pr.Err = fmt.Sprintf("ping: socket: %v", err)
		return
	}
	defer conn.Close()
	pr.Lines = append(pr.Lines, fmt.Sprintf("PING %s %d(%d) bytes of data.", g.To.Addr, g.Size, g.Size+ipHdrLen(g.To.Addr)+8))
	bar := r.newProgress(p.Name, g.Count)
	start := r.loop.Now()
	opts := inet.EchoOpts{ID: run.id, Size: g.Size, TTL: g.TTL, TOS: g.TOS, Src: g.Src.Addr, Iface: g.Dev,
		PMTUDisc: pmtuDisc(g.DF)}
	for seq := 1; seq <= g.Count; seq++ {
		at := start.Add(time.Duration(seq-1) * g.Interval.D)
		r.loop.RunUntil(at)
		opts.Seq = uint16(seq)
		run.sent[opts.Seq] = r.loop.Now()
		run.stats.Transmitted++
		if err := conn.SendEcho(g.To.Addr, opts); err != nil {
			run.localError(err)
		}
		r.loop.Run()
		bar.set(seq)
	}
	run.last = r.loop.Now()
	r.runUntil(run.last.Add(g.Wait.D), func() bool { return run.stats.Received+run.stats.Errors >= g.Count })
	bar.done()
	run.finish(start)
	pr.Ping = &run.stats
	pr.Lines = append(pr.Lines, run.stats.ErrorLines...)
	pr.Lines = append(pr.Lines, run.summary()...)
}

func ipHdrLen(a netip.Addr) int {
	if a.Is6() {
		return 40
	}
	return 20
}

func pmtuDisc(df *bool) inet.PMTUDisc {
	switch {
	case df == nil:
		return inet.PMTUDiscWant
	case *df:
		return inet.PMTUDiscDo
	}
	return inet.PMTUDiscDont
}

// localError records a send failure as ping reports it.
func (p *pingRun) localError(err error) {
	p.stats.Errors++
	var mse *inet.MsgSizeError
	if errors.As(err, &mse) {
		p.stats.ErrorLines = append(p.stats.ErrorLines, fmt.Sprintf("ping: local error: message too long, mtu=%d", mse.MTU))
		return
	}
	p.stats.ErrorLines = append(p.stats.ErrorLines, fmt.Sprintf("ping: sendmsg: %s", errText(err)))
}

// errText is the strerror text of err.
func errText(err error) string {
	if n := extack.ErrnoOf(err); n != 0 {
		return extack.Strerror(n)
	}
	return err.Error()
}

// recv handles a reply or an ICMP error for this probe.
func (p *pingRun) recv(ev inet.EchoEvent) {
	if ev.ID != p.id {
		return
	}
	sentAt, ok := p.sent[ev.Seq]
	if !ok {
		return
	}
	if !ev.Reply {
		p.stats.Errors++
		p.stats.ErrorLines = append(p.stats.ErrorLines,
			fmt.Sprintf("From %s icmp_seq=%d %s", ev.From, ev.Seq, icmpText(p.g.To.Is6(), ev.Type, ev.Code, ev.MTU, ev.Gateway)))
		return
	}
	if p.got[ev.Seq] {
		p.stats.Duplicates++
		return
	}
	p.got[ev.Seq] = true
	p.stats.Received++
	at := ev.At
	if at.IsZero() {
		at = p.r.loop.Now()
	}
	p.rtts = append(p.rtts, at.Sub(sentAt))
}

// finish computes the statistics as ping does.
func (p *pingRun) finish(start time.Time) {
	s := &p.stats
	if s.Transmitted > 0 {
		s.Loss = float64(s.Transmitted-s.Received) * 100 / float64(s.Transmitted)
	}
	s.Time = p.last.Sub(start)
	if len(p.rtts) == 0 {
		return
	}
	var sum, sum2 float64
	s.RTTMin = p.rtts[0]
	for _, d := range p.rtts {
		s.RTTMin, s.RTTMax = min(s.RTTMin, d), max(s.RTTMax, d)
		sum += float64(d)
		sum2 += float64(d) * float64(d)
	}
	n := float64(len(p.rtts))
	avg := sum / n
	s.RTTAvg = time.Duration(avg)
	s.RTTMDev = time.Duration(math.Sqrt(math.Max(0, sum2/n-avg*avg)))
}

// summary is ping's closing statistics.
func (p *pingRun) summary() []string {
	s := &p.stats
	var b strings.Builder
	fmt.Fprintf(&b, "%d packets transmitted, %d received", s.Transmitted, s.Received)
	if s.Duplicates > 0 {
		fmt.Fprintf(&b, ", +%d duplicates", s.Duplicates)
	}
	if s.Errors > 0 {
		fmt.Fprintf(&b, ", +%d errors", s.Errors)
	}
	fmt.Fprintf(&b, ", %s%% packet loss, time %dms", fmtFloat(s.Loss), s.Time.Milliseconds())
	lines := []string{fmt.Sprintf("--- %s ping statistics ---", p.g.To.Addr), b.String()}
	if s.Received > 0 {
		lines = append(lines, fmt.Sprintf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms",
			ms(s.RTTMin), ms(s.RTTAvg), ms(s.RTTMax), ms(s.RTTMDev)))
	}
	return lines
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// fmtFloat prints a percentage as ping does (%g).
func fmtFloat(v float64) string { return fmt.Sprintf("%g", math.Round(v*1000)/1000) }

// icmpText is ping's description of an ICMP error (pr_icmph in ping.c and
// its IPv6 counterpart).
func icmpText(v6 bool, typ, code uint8, mtu uint32, gw netip.Addr) string {
	if v6 {
		return icmp6Text(typ, code, mtu)
	}
	switch typ {
	case 3:
		if code == 4 {
			return fmt.Sprintf("Frag needed and DF set (mtu = %d)", mtu)
		}
		names := []string{"Destination Net Unreachable", "Destination Host Unreachable",
			"Destination Protocol Unreachable", "Destination Port Unreachable", "",
			"Source Route Failed", "Destination Net Unknown", "Destination Host Unknown",
			"Source Host Isolated", "Destination Net Prohibited", "Destination Host Prohibited",
			"Destination Net Unreachable for Type of Service", "Destination Host Unreachable for Type of Service",
			"Packet filtered", "Precedence Violation", "Precedence Cutoff"}
		if int(code) < len(names) {
			return names[code]
		}
		return fmt.Sprintf("Dest Unreachable, Bad Code: %d", code)
	case 4:
		return "Source Quench"
	case 5:
		names := []string{"Redirect Network", "Redirect Host",
			"Redirect Type of Service and Network", "Redirect Type of Service and Host"}
		what := fmt.Sprintf("Redirect, Bad Code: %d", code)
		if int(code) < len(names) {
			what = names[code]
		}
		return fmt.Sprintf("%s(New nexthop: %s)", what, gw)
	case 11:
		if code == 1 {
			return "Frag reassembly time exceeded"
		}
		return "Time to live exceeded"
	case 12:
		return "Parameter problem"
	}
	return fmt.Sprintf("Bad ICMP type: %d", typ)
}

func icmp6Text(typ, code uint8, mtu uint32) string {
	switch typ {
	case 1:
		names := []string{"No route", "Administratively prohibited", "Beyond scope of source address",
			"Address unreachable", "Port unreachable"}
		if int(code) < len(names) {
			return "Destination unreachable: " + names[code]
		}
		return fmt.Sprintf("Destination unreachable: Unknown code %d", code)
	case 2:
		return fmt.Sprintf("Packet too big: mtu=%d", mtu)
	case 3:
		if code == 1 {
			return "Time exceeded: Defragmentation failure"
		}
		return "Time exceeded: Hop limit"
	case 4:
		return fmt.Sprintf("Parameter problem: code %d", code)
	}
	return fmt.Sprintf("Unknown icmp type: %d", typ)
}
