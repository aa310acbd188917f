package lab

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/softnet/softnet/netdev"
)

// Result is the outcome of a run.
type Result struct {
	Lab *Lab
	// Probes in the order they ran.
	Probes []*ProbeResult
	// Devices are every host's devices with their counters at the end.
	Devices []DeviceStats
	// Captures written.
	Captures []CaptureResult
	// Duration is the virtual time the run took.
	Duration time.Duration
	// Err is the error that stopped the run, if any.
	Err error
}

// Passed reports whether the lab ran to the end and every expectation held.
func (r *Result) Passed() bool {
	if r.Err != nil {
		return false
	}
	for _, p := range r.Probes {
		if !p.Passed() {
			return false
		}
	}
	return true
}

// ProbeResult is one probe's outcome.
type ProbeResult struct {
	Name string
	Kind string // "ping" or "udp"
	// Lines is the probe's output, as ping would print it.
	Lines []string
	// Err is set when the probe could not run.
	Err  string
	Ping *PingStats
	UDP  *UDPStats
	// Checks are the expectations and their results.
	Checks []Check
}

// Passed reports whether the probe ran and its expectations held.
func (p *ProbeResult) Passed() bool {
	if p.Err != "" {
		return false
	}
	for _, c := range p.Checks {
		if !c.Pass {
			return false
		}
	}
	return true
}

// Check is one expectation's result.
type Check struct {
	Expect string // "loss <= 2%"
	Got    string // "1.2%"
	Pass   bool
}

// DeviceStats are a device's counters and non-zero drop reasons.
type DeviceStats struct {
	Host, Dev string
	Stats     netdev.StatsSnapshot
	Drops     []DropStat
	Qdisc     string
}

// DropStat is a drop reason and its count.
type DropStat struct {
	Reason string
	Count  uint64
}

// CaptureResult is a written capture.
type CaptureResult struct {
	File    string
	Packets int
}

func (r *runner) runProbe(i int, p *Probe) *ProbeResult {
	pr := &ProbeResult{Name: p.Name}
	if p.Ping != nil {
		r.runPing(i, p, pr)
	} else {
		r.runUDP(p, pr)
	}
	if pr.Err == "" {
		pr.Checks = checks(p, pr)
	}
	return pr
}

// checks evaluates a probe's expectations.
func checks(p *Probe, pr *ProbeResult) []Check {
	e := p.Expect
	var out []Check
	num := func(key string, c *Cmp, def string, got float64, gotText string) {
		if c != nil {
			out = append(out, Check{c.describe(key, def), gotText, c.holds(got, def)})
		}
	}
	dur := func(key string, c *Cmp, got time.Duration) {
		num(key, c, "<=", got.Seconds(), got.String())
	}
	pct := func(v float64) string { return fmtFloat(v) + "%" }
	if s := pr.Ping; s != nil {
		num("received", e.Received, "==", float64(s.Received), fmt.Sprint(s.Received))
		num("loss", e.Loss, "==", s.Loss, pct(s.Loss))
		num("duplicates", e.Duplicates, "==", float64(s.Duplicates), fmt.Sprint(s.Duplicates))
		num("errors", e.Errors, "==", float64(s.Errors), fmt.Sprint(s.Errors))
		dur("rtt_min", e.RTTMin, s.RTTMin)
		dur("rtt_avg", e.RTTAvg, s.RTTAvg)
		dur("rtt_max", e.RTTMax, s.RTTMax)
		if e.Error != "" {
			c := Check{Expect: fmt.Sprintf("error %q", e.Error), Got: "no such error"}
			for _, l := range s.ErrorLines {
				if strings.Contains(l, e.Error) {
					c.Got, c.Pass = "seen", true
					break
				}
			}
			out = append(out, c)
		}
	}
	if s := pr.UDP; s != nil {
		num("received", e.Received, "==", float64(s.Received), fmt.Sprint(s.Received))
		num("loss", e.Loss, "==", s.Loss, pct(s.Loss))
		num("duplicates", e.Duplicates, "==", float64(s.Duplicates), fmt.Sprint(s.Duplicates))
		if c := e.Reorder; c != nil {
			if c.Unit == UnitPercent {
				v := 0.0
				if s.Received > 0 {
					v = float64(s.Reordered) * 100 / float64(s.Received)
				}
				num("reorder", c, "==", v, pct(v))
			} else {
				num("reorder", c, "==", float64(s.Reordered), fmt.Sprint(s.Reordered))
			}
		}
		dur("latency_min", e.LatencyMin, s.LatencyMin)
		dur("latency_p50", e.LatencyP50, s.LatencyP50)
		dur("latency_p99", e.LatencyP99, s.LatencyP99)
		dur("latency_max", e.LatencyMax, s.LatencyMax)
	}
	return out
}

// deviceStats collects every host's device counters.
func (r *runner) deviceStats() []DeviceStats {
	var out []DeviceStats
	for _, h := range r.lab.Hosts {
		ns := r.w.Namespace(h.Name)
		if ns == nil {
			continue
		}
		for _, d := range ns.Devices() {
			ds := DeviceStats{Host: h.Name, Dev: d.Name(), Stats: d.Stats.Snapshot(), Qdisc: d.QdiscName()}
			if q := d.Qdisc(); q != nil {
				if s, ok := q.(fmt.Stringer); ok {
					ds.Qdisc += " " + s.String()
				}
			}
			for _, x := range d.Drops.Nonzero() {
				ds.Drops = append(ds.Drops, DropStat{x.Reason.String(), x.Count})
			}
			out = append(out, ds)
		}
	}
	return out
}

func (p *ProbeResult) print(w io.Writer) {
	fmt.Fprintf(w, "\nprobe %q\n", p.Name)
	const maxLines = 12
	for i, l := range p.Lines {
		if i == maxLines && len(p.Lines) > maxLines+4 {
			fmt.Fprintf(w, "  … %d more lines\n", len(p.Lines)-maxLines-3)
			for _, l := range p.Lines[len(p.Lines)-3:] {
				fmt.Fprintf(w, "  %s\n", l)
			}
			break
		}
		fmt.Fprintf(w, "  %s\n", l)
	}
	if p.Err != "" {
		fmt.Fprintf(w, "  FAIL %s\n", p.Err)
	}
	for _, c := range p.Checks {
		verdict := "PASS"
		if !c.Pass {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "  %s %s (got %s)\n", verdict, c.Expect, c.Got)
	}
}

// print writes the end of the report: devices, captures, verdict.
func (r *Result) print(w io.Writer) {
	if r.Err != nil {
		fmt.Fprintf(w, "\nerror: %v\n", r.Err)
	}
	if len(r.Devices) > 0 {
		fmt.Fprintf(w, "\ndevices:\n")
		fmt.Fprintf(w, "  %-16s %10s %12s %10s %12s %8s %8s\n", "host:dev", "rx pkts", "rx bytes", "tx pkts", "tx bytes", "rx drop", "tx drop")
	}
	for _, d := range r.Devices {
		s := d.Stats
		if s.RxPackets == 0 && s.TxPackets == 0 && len(d.Drops) == 0 && d.Dev == "lo" {
			continue
		}
		fmt.Fprintf(w, "  %-16s %10d %12d %10d %12d %8d %8d\n", d.Host+":"+d.Dev,
			s.RxPackets, s.RxBytes, s.TxPackets, s.TxBytes, s.RxDropped, s.TxDropped)
		if d.Qdisc != "" && d.Qdisc != "noqueue" {
			fmt.Fprintf(w, "  %-16s qdisc %s\n", "", d.Qdisc)
		}
		for _, x := range d.Drops {
			fmt.Fprintf(w, "  %-16s dropped %d: %s\n", "", x.Count, x.Reason)
		}
	}
	for _, c := range r.Captures {
		fmt.Fprintf(w, "capture %s: %d packets\n", c.File, c.Packets)
	}
	total, failed := 0, 0
	for _, p := range r.Probes {
		total += len(p.Checks)
		for _, c := range p.Checks {
			if !c.Pass {
				failed++
			}
		}
		if p.Err != "" {
			failed++
		}
	}
	fmt.Fprintf(w, "\nvirtual time %v\n", r.Duration)
	switch {
	case r.Err != nil:
		fmt.Fprintf(w, "FAIL: the lab did not run to the end\n")
	case failed > 0:
		fmt.Fprintf(w, "FAIL: %d of %d expectations failed\n", failed, total)
	default:
		fmt.Fprintf(w, "PASS: %d expectations held\n", total)
	}
}

// progress is a live progress line, or nothing.
type progress struct{ bar *progressbar.ProgressBar }

// minProgress is the probe size from which a progress line is drawn.
const minProgress = 50

func (r *runner) newProgress(name string, total int) *progress {
	if total < minProgress || !r.progressWanted() {
		return &progress{}
	}
	return &progress{progressbar.NewOptions(total,
		progressbar.OptionSetWriter(r.opts.Stderr),
		progressbar.OptionSetDescription(name),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond))}
}

func (p *progress) set(n int) {
	if p.bar != nil {
		_ = p.bar.Set(n)
	}
}

func (p *progress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
