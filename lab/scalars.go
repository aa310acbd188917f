package lab

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/softnet/softnet/sched/netem"
)

// scalarParser is implemented by the file's scalar types.
type scalarParser interface {
	parseScalar(s string) error
}

// Duration is a time.Duration written as Go writes it ("10ms", "1.5s").
type Duration struct{ D time.Duration }

func (d *Duration) parseScalar(s string) error {
	if s == "0" {
		d.D = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q (want e.g. 10ms, 1.5s)", s)
	}
	if v < 0 {
		return fmt.Errorf("negative duration %q", s)
	}
	d.D = v
	return nil
}

// MarshalText writes the duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.D.String()), nil }

// Percent is a percentage ("5%", "0.1%", or a bare number of percent).
type Percent struct{ V float64 }

func (p *Percent) parseScalar(s string) error {
	if _, err := netem.ParseProb(s); err != nil {
		return fmt.Errorf("invalid percentage %q (want 0%% to 100%%)", s)
	}
	v, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	p.V = v
	return nil
}

// Prob converts the percentage to netem's fraction.
func (p Percent) Prob() netem.Prob { return netem.ProbFromPercent(p.V) }

// MarshalText writes "N%".
func (p Percent) MarshalText() ([]byte, error) {
	return []byte(strconv.FormatFloat(p.V, 'g', -1, 64) + "%"), nil
}

// Rate is a bandwidth in tc's units ("10mbit", "1gbit", "125kbps").
type Rate struct{ BytesPerSec uint64 }

func (r *Rate) parseScalar(s string) error {
	v, err := netem.ParseRate(s)
	if err != nil {
		return fmt.Errorf("invalid rate %q (want e.g. 10mbit, 1gbit, 125kbps)", s)
	}
	r.BytesPerSec = v
	return nil
}

// MarshalText writes the rate as tc does.
func (r Rate) MarshalText() ([]byte, error) { return []byte(netem.FormatRate(r.BytesPerSec)), nil }

// PacketRate is a packet rate ("1000pps", or a bare number per second).
type PacketRate struct{ PPS float64 }

func (r *PacketRate) parseScalar(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "pps"), 64)
	if err != nil || !(v > 0) || v > 1e9 {
		return fmt.Errorf("invalid packet rate %q (want e.g. 1000pps)", s)
	}
	r.PPS = v
	return nil
}

// MarshalText writes "Npps".
func (r PacketRate) MarshalText() ([]byte, error) {
	return []byte(strconv.FormatFloat(r.PPS, 'g', -1, 64) + "pps"), nil
}

// IP is an IPv4 or IPv6 address.
type IP struct{ netip.Addr }

func (a *IP) parseScalar(s string) error {
	v, err := netip.ParseAddr(s)
	if err != nil || v.Zone() != "" {
		return fmt.Errorf("invalid IP address %q", s)
	}
	a.Addr = v.Unmap()
	return nil
}

// AddrPort is "ADDR:PORT" or "[V6ADDR]:PORT".
type AddrPort struct{ netip.AddrPort }

func (a *AddrPort) parseScalar(s string) error {
	v, err := netip.ParseAddrPort(s)
	if err != nil || v.Port() == 0 || v.Addr().Zone() != "" {
		return fmt.Errorf("invalid address and port %q (want 192.0.2.1:5000 or [2001:db8::1]:5000)", s)
	}
	a.AddrPort = netip.AddrPortFrom(v.Addr().Unmap(), v.Port())
	return nil
}

func (e *Endpoint) parseScalar(s string) error {
	host, dev, ok := strings.Cut(s, ":")
	if !ok || host == "" || dev == "" {
		return fmt.Errorf("invalid link end %q (want host:dev)", s)
	}
	e.Host, e.Dev = host, dev
	return nil
}

// MarshalText writes "host:dev".
func (e Endpoint) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// MarshalJSON writes the line's text.
func (l Line) MarshalJSON() ([]byte, error) { return json.Marshal(l.Text) }

// Unit is what a comparison's value measures.
type Unit uint8

// Units of a comparison.
const (
	UnitCount Unit = iota
	UnitPercent
	UnitDuration
)

// Cmp is an expectation: an optional operator (==, !=, <=, >=, <, >) and a
// count, a percentage ("2%") or a duration ("50ms").
type Cmp struct {
	// Op is the operator; "" means the key's default.
	Op   string
	Unit Unit
	// Value is the count, the percentage, or the duration in seconds.
	Value float64
	Text  string
}

var cmpOps = []string{"==", "!=", "<=", ">=", "<", ">", "="}

func (c *Cmp) parseScalar(s string) error {
	t := strings.TrimSpace(s)
	c.Text = t
	c.Op = ""
	for _, op := range cmpOps {
		if strings.HasPrefix(t, op) {
			c.Op = op
			if op == "=" {
				c.Op = "=="
			}
			t = strings.TrimSpace(t[len(op):])
			break
		}
	}
	switch {
	case strings.HasSuffix(t, "%"):
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "%")), 64)
		if err != nil || v < 0 || v > 100 || math.IsNaN(v) {
			return fmt.Errorf("invalid expectation %q: bad percentage", s)
		}
		c.Unit, c.Value = UnitPercent, v
	case t != "" && (t[len(t)-1] == 's' || strings.HasSuffix(t, "m") || strings.HasSuffix(t, "h")):
		d, err := time.ParseDuration(t)
		if err != nil || d < 0 {
			return fmt.Errorf("invalid expectation %q: bad duration", s)
		}
		c.Unit, c.Value = UnitDuration, d.Seconds()
	default:
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("invalid expectation %q (want e.g. 5, \"<=2%%\", \"<=50ms\")", s)
		}
		c.Unit, c.Value = UnitCount, v
	}
	return nil
}

// MarshalText writes the comparison as it was given.
func (c Cmp) MarshalText() ([]byte, error) { return []byte(c.Text), nil }

// holds reports whether got satisfies the comparison, with def as the
// operator when none was given.
func (c *Cmp) holds(got float64, def string) bool {
	op := c.Op
	if op == "" {
		op = def
	}
	const eps = 1e-9
	switch op {
	case "==":
		return math.Abs(got-c.Value) < eps
	case "!=":
		return math.Abs(got-c.Value) >= eps
	case "<=":
		return got <= c.Value+eps
	case ">=":
		return got >= c.Value-eps
	case "<":
		return got < c.Value
	case ">":
		return got > c.Value
	}
	return false
}

// describe formats the expectation for the report, e.g. "loss <= 2%".
func (c *Cmp) describe(key, def string) string {
	op := c.Op
	if op == "" {
		op = def
	}
	return key + " " + op + " " + c.valueString()
}

func (c *Cmp) valueString() string {
	switch c.Unit {
	case UnitPercent:
		return strconv.FormatFloat(c.Value, 'g', -1, 64) + "%"
	case UnitDuration:
		return time.Duration(c.Value * 1e9).String()
	}
	return strconv.FormatFloat(c.Value, 'g', -1, 64)
}
