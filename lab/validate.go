package lab

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/softnet/softnet/netdev"
	"gopkg.in/yaml.v3"
)

// Defaults of probes.
const (
	DefaultPingCount    = 5
	DefaultPingSize     = 56
	DefaultPingInterval = time.Second
	DefaultPingWait     = 2 * time.Second
	DefaultUDPCount     = 100
	DefaultUDPSize      = 64
	DefaultUDPRate      = 100
	DefaultUDPWait      = time.Second
	DefaultUDPSrcPort   = 40000
	DefaultSnaplen      = 262144
	// MinUDPSize is the smallest UDP probe payload: sequence number and
	// send time.
	MinUDPSize = 16
)

var hostNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// validate checks everything that can be checked before building the lab,
// and fills in defaults.
func (d *decoder) validate(l *Lab, root *yaml.Node) {
	if len(l.Hosts) == 0 {
		d.errorf(root, "no hosts: a lab needs a \"hosts\" map")
	}
	hosts := map[string]*Host{}
	for _, h := range l.Hosts {
		if !hostNameRE.MatchString(h.Name) {
			d.errorAt(h.Pos, "invalid host name %q (letters, digits, '.', '_', '-'; at most 63)", h.Name)
		}
		hosts[h.Name] = h
		for _, s := range h.Script {
			if strings.TrimSpace(s.Text) == "" {
				d.errorAt(s.Pos, "host %q: empty script line", h.Name)
			}
		}
		for _, s := range h.Sysctls {
			if s.Name == "" || strings.ContainsAny(s.Name, " =/") {
				d.errorAt(s.Pos, "host %q: invalid sysctl name %q", h.Name, s.Name)
			}
		}
	}
	devs := map[string]Pos{} // "host:dev" → where declared
	for _, k := range l.Links {
		d.validateLink(k, hosts, devs)
	}
	names := map[string]bool{}
	for i, p := range l.Probes {
		d.validateProbe(i, p, hosts)
		if names[p.Name] {
			d.errorAt(p.Pos, "probe %q: duplicate probe name", p.Name)
		}
		names[p.Name] = true
	}
	files := map[string]bool{}
	for _, c := range l.Captures {
		d.validateCapture(c, hosts)
		if files[c.File] {
			d.errorAt(c.Pos, "capture %s:%s: file %q is written by another capture", c.Host, c.Dev, c.File)
		}
		files[c.File] = true
	}
}

func (d *decoder) checkHost(p Pos, what, name string, hosts map[string]*Host) bool {
	if name == "" {
		d.errorAt(p, "%s: missing host", what)
		return false
	}
	if hosts[name] == nil {
		var known []string
		for n := range hosts {
			known = append(known, n)
		}
		d.errorAt(p, "%s: no host %q is declared%s", what, name, closest(name, known))
		return false
	}
	return true
}

// closest suggests the most similar name.
func closest(name string, known []string) string {
	best, bestD := "", 1<<30
	for _, k := range known {
		if dd := editDistance(name, k); dd < bestD || dd == bestD && k < best {
			best, bestD = k, dd
		}
	}
	if best != "" && bestD <= max(2, len(name)/3) {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

func (d *decoder) validateLink(k *Link, hosts map[string]*Host, devs map[string]Pos) {
	what := fmt.Sprintf("link %q - %q", k.A.String(), k.B.String())
	if k.A.Host == "" || k.B.Host == "" {
		d.errorAt(k.Pos, "link: both ends \"a\" and \"b\" are required (host:dev)")
		return
	}
	for _, e := range []Endpoint{k.A, k.B} {
		if !d.checkHost(e.Pos, what, e.Host, hosts) {
			continue
		}
		if !netdev.ValidName(e.Dev) || e.Dev == "lo" {
			d.errorAt(e.Pos, "%s: invalid device name %q", what, e.Dev)
			continue
		}
		key := e.String()
		if p, dup := devs[key]; dup {
			d.errorAt(e.Pos, "%s: device %q already exists on host %q (line %d)", what, e.Dev, e.Host, p.Line)
			continue
		}
		devs[key] = e.Pos
	}
	if k.MTU != 0 && (k.MTU < 68 || k.MTU > 65535) {
		d.errorAt(k.Pos, "%s: mtu %d out of range (68 to 65535)", what, k.MTU)
	}
	if k.Impair != nil {
		d.resolveImpair(k, what)
	}
}

// resolveImpair validates and records each direction's netem configuration.
func (d *decoder) resolveImpair(k *Link, what string) {
	im := k.Impair
	pick := func(dir *ImpairSpec) *ImpairSpec {
		if dir != nil {
			return dir
		}
		return &im.ImpairSpec
	}
	for _, x := range []struct {
		name string
		spec *ImpairSpec
		out  **netemConfig
	}{{"a_to_b", pick(im.AtoB), &im.atob}, {"b_to_a", pick(im.BtoA), &im.btoa}} {
		if x.spec.isZero() {
			continue
		}
		cfg := x.spec.Config()
		if err := cfg.Validate(); err != nil {
			d.errorAt(k.Pos, "%s: impair %s: %v", what, x.name, err)
			continue
		}
		if cfg.Reorder != 0 && cfg.Delay == 0 {
			d.errorAt(k.Pos, "%s: impair %s: reordering not possible without specifying some delay", what, x.name)
			continue
		}
		*x.out = &cfg
	}
}

func (d *decoder) validateProbe(i int, p *Probe, hosts map[string]*Host) {
	what := fmt.Sprintf("probe %d", i+1)
	if p.Name != "" {
		what = fmt.Sprintf("probe %q", p.Name)
	}
	switch {
	case p.Ping == nil && p.UDP == nil:
		d.errorAt(p.Pos, "%s: needs \"ping\" or \"udp\"", what)
		return
	case p.Ping != nil && p.UDP != nil:
		d.errorAt(p.Pos, "%s: has both \"ping\" and \"udp\"; write two probes", what)
		return
	}
	if p.Expect == nil {
		p.Expect = &Expect{Pos: p.Pos}
	}
	if p.Ping != nil {
		d.validatePing(what, p, hosts)
	} else {
		d.validateUDP(what, p, hosts)
	}
}

func (d *decoder) validatePing(what string, p *Probe, hosts map[string]*Host) {
	g := p.Ping
	if p.Name == "" {
		p.Name = fmt.Sprintf("ping %s → %s", g.From, g.To.Addr)
	}
	d.checkHost(g.Pos, what, g.From, hosts)
	if !g.To.IsValid() {
		d.errorAt(g.Pos, "%s: ping needs \"to\" (an IP address)", what)
	}
	if g.Src.IsValid() && g.To.IsValid() && g.Src.Is4() != g.To.Is4() {
		d.errorAt(g.Pos, "%s: src %s and to %s are of different families", what, g.Src, g.To)
	}
	if g.Dev != "" && !netdev.ValidName(g.Dev) {
		d.errorAt(g.Pos, "%s: invalid device name %q", what, g.Dev)
	}
	setDefault(&g.Count, DefaultPingCount)
	setDefault(&g.Size, DefaultPingSize)
	if g.Interval.D == 0 {
		g.Interval.D = DefaultPingInterval
	}
	if g.Wait.D == 0 {
		g.Wait.D = DefaultPingWait
	}
	if g.Count > 100000 {
		d.errorAt(g.Pos, "%s: count %d too large (max 100000)", what, g.Count)
	}
	if maxSz := maxPayload(g.To.Addr, 8); g.Size > maxSz {
		d.errorAt(g.Pos, "%s: size %d too large (max %d)", what, g.Size, maxSz)
	}
	e := p.Expect
	d.expectUnits(what, e, map[string]unitRule{
		"received": {e.Received, countOnly}, "loss": {e.Loss, percentOnly}, "duplicates": {e.Duplicates, countOnly},
		"rtt_min": {e.RTTMin, durationOnly}, "rtt_avg": {e.RTTAvg, durationOnly}, "rtt_max": {e.RTTMax, durationOnly},
		"errors":  {e.Errors, countOnly},
		"reorder": {e.Reorder, notFor}, "latency_min": {e.LatencyMin, notFor}, "latency_p50": {e.LatencyP50, notFor},
		"latency_p99": {e.LatencyP99, notFor}, "latency_max": {e.LatencyMax, notFor},
	}, "ping")
}

func (d *decoder) validateUDP(what string, p *Probe, hosts map[string]*Host) {
	u := p.UDP
	if p.Name == "" {
		p.Name = fmt.Sprintf("udp %s → %s", u.From, u.To.AddrPort)
	}
	d.checkHost(u.Pos, what, u.From, hosts)
	if !u.To.IsValid() {
		d.errorAt(u.Pos, "%s: udp needs \"to\" (ADDR:PORT)", what)
	}
	if u.Src.IsValid() && u.To.IsValid() && u.Src.Is4() != u.To.Addr().Is4() {
		d.errorAt(u.Pos, "%s: src %s and to %s are of different families", what, u.Src, u.To)
	}
	setDefault(&u.Count, DefaultUDPCount)
	setDefault(&u.Size, DefaultUDPSize)
	if u.SrcPort == 0 {
		u.SrcPort = DefaultUDPSrcPort
	}
	if u.Rate.PPS == 0 {
		u.Rate.PPS = DefaultUDPRate
	}
	if u.Wait.D == 0 {
		u.Wait.D = DefaultUDPWait
	}
	if u.Count > 1000000 {
		d.errorAt(u.Pos, "%s: count %d too large (max 1000000)", what, u.Count)
	}
	if maxSz := maxPayload(u.To.Addr(), 8); u.Size < MinUDPSize || u.Size > maxSz {
		d.errorAt(u.Pos, "%s: size %d out of range (%d to %d)", what, u.Size, MinUDPSize, maxSz)
	}
	e := p.Expect
	if e.Error != "" {
		d.errorAt(e.Pos, "%s: \"error\" applies to ping probes only", what)
	}
	d.expectUnits(what, e, map[string]unitRule{
		"received": {e.Received, countOnly}, "loss": {e.Loss, percentOnly}, "duplicates": {e.Duplicates, countOnly},
		"reorder": {e.Reorder, countOrPercent}, "latency_min": {e.LatencyMin, durationOnly},
		"latency_p50": {e.LatencyP50, durationOnly}, "latency_p99": {e.LatencyP99, durationOnly},
		"latency_max": {e.LatencyMax, durationOnly},
		"rtt_min":     {e.RTTMin, notFor}, "rtt_avg": {e.RTTAvg, notFor}, "rtt_max": {e.RTTMax, notFor},
		"errors": {e.Errors, notFor},
	}, "udp")
}

// maxPayload is the largest payload behind an IP header and an 8-byte
// ICMP/UDP header.
func maxPayload(a netip.Addr, l4 int) int {
	if a.Is6() {
		return 65535 - l4
	}
	return 65535 - 20 - l4
}

func setDefault(v *int, def int) {
	if *v == 0 {
		*v = def
	}
}

type unitKind uint8

const (
	countOnly unitKind = iota
	percentOnly
	durationOnly
	countOrPercent
	notFor
)

type unitRule struct {
	c    *Cmp
	kind unitKind
}

// expectUnits checks that each expectation fits its key.
func (d *decoder) expectUnits(what string, e *Expect, rules map[string]unitRule, kind string) {
	for _, key := range sortedKeys(rules) {
		r := rules[key]
		if r.c == nil {
			continue
		}
		ok := true
		switch r.kind {
		case countOnly:
			ok = r.c.Unit == UnitCount
		case percentOnly:
			if r.c.Unit == UnitCount { // a bare number is a percentage
				r.c.Unit = UnitPercent
			}
			ok = r.c.Unit == UnitPercent && r.c.Value <= 100
		case durationOnly:
			ok = r.c.Unit == UnitDuration
		case countOrPercent:
			ok = r.c.Unit != UnitDuration
		case notFor:
			d.errorAt(e.Pos, "%s: expectation %q does not apply to %s probes", what, key, kind)
			continue
		}
		if !ok {
			d.errorAt(e.Pos, "%s: expectation %s: %q is not a %s", what, key, r.c.Text, unitName(r.kind))
		}
	}
}

func unitName(k unitKind) string {
	switch k {
	case percentOnly:
		return "percentage"
	case durationOnly:
		return "duration (e.g. 50ms)"
	case countOrPercent:
		return "count or percentage"
	}
	return "count"
}

func (d *decoder) validateCapture(c *Capture, hosts map[string]*Host) {
	what := fmt.Sprintf("capture %s:%s", c.Host, c.Dev)
	d.checkHost(c.Pos, what, c.Host, hosts)
	if !netdev.ValidName(c.Dev) {
		d.errorAt(c.Pos, "%s: invalid device name %q", what, c.Dev)
	}
	switch c.Direction {
	case "":
		c.Direction = "both"
	case "in", "out", "both":
	default:
		d.errorAt(c.Pos, "%s: invalid direction %q (want in, out or both)", what, c.Direction)
	}
	if c.File == "" {
		c.File = c.Host + "-" + c.Dev + ".pcapng"
	}
	if c.Snaplen == 0 {
		c.Snaplen = DefaultSnaplen
	}
}
