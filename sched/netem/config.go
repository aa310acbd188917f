package netem

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DefaultLimit is netem's default queue limit in packets (tc's "limit 1000").
const DefaultLimit = 1000

// Prob is a probability as the kernel stores it: a fraction of
// math.MaxUint32 (0 never, math.MaxUint32 always).
type Prob uint32

// ProbFromPercent converts a percentage (0–100) to a Prob, rounding as tc
// does; values out of range are clamped.
func ProbFromPercent(pct float64) Prob {
	switch {
	case !(pct > 0): // also NaN
		return 0
	case pct >= 100:
		return math.MaxUint32
	}
	return Prob(math.RoundToEven(pct / 100 * math.MaxUint32))
}

// Percent returns p as a percentage.
func (p Prob) Percent() float64 { return float64(p) * 100 / math.MaxUint32 }

// String formats p as tc prints it ("1%", "0.5%").
func (p Prob) String() string {
	return strconv.FormatFloat(p.Percent(), 'g', 6, 64) + "%"
}

// ErrPercent is wrapped by ParseProb errors.
var ErrPercent = errors.New("invalid percentage")

// ParseProb parses a percentage as tc does ("5%", "5", "0.1%"): a number
// from 0 to 100 with an optional "%" sign.
func ParseProb(s string) (Prob, error) {
	num := strings.TrimSuffix(strings.TrimSpace(s), "%")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" || math.IsNaN(v) || v < 0 || v > 100 {
		return 0, fmt.Errorf("%w %q (want 0%% to 100%%)", ErrPercent, s)
	}
	return ProbFromPercent(v), nil
}

// Config is netem's configuration, the fields of struct tc_netem_qopt and
// its TCA_NETEM_* attributes in plain Go types. The zero value passes every
// packet through undelayed (with the default limit).
type Config struct {
	// Limit is the maximum number of packets waiting; 0 means DefaultLimit.
	Limit uint32 `json:"limit,omitempty"`
	// Delay is the base latency added to each packet.
	Delay time.Duration `json:"delay,omitempty"`
	// Jitter is the half-width of the uniform variation around Delay.
	Jitter time.Duration `json:"jitter,omitempty"`
	// DelayCorr correlates successive jitter draws.
	DelayCorr Prob `json:"delay_corr,omitempty"`
	// Loss is the probability of dropping a packet.
	Loss Prob `json:"loss,omitempty"`
	// LossCorr correlates successive loss draws.
	LossCorr Prob `json:"loss_corr,omitempty"`
	// Duplicate is the probability of sending a packet twice.
	Duplicate Prob `json:"duplicate,omitempty"`
	// DuplicateCorr correlates successive duplicate draws.
	DuplicateCorr Prob `json:"duplicate_corr,omitempty"`
	// Reorder is the probability of sending a packet at once, ahead of
	// the delayed ones (see the package documentation).
	Reorder Prob `json:"reorder,omitempty"`
	// ReorderCorr correlates successive reorder draws.
	ReorderCorr Prob `json:"reorder_corr,omitempty"`
	// Gap is the number of packets delayed between reordering candidates
	// plus one; 0 means 1 when Reorder is set (as tc).
	Gap uint32 `json:"gap,omitempty"`
	// Corrupt is the probability of flipping one random bit of a packet.
	Corrupt Prob `json:"corrupt,omitempty"`
	// CorruptCorr correlates successive corrupt draws.
	CorruptCorr Prob `json:"corrupt_corr,omitempty"`
	// Rate limits throughput in bytes per second (tc "rate"); 0 means no
	// limit.
	Rate uint64 `json:"rate,omitempty"`
	// PacketOverhead is added to each packet's length (may be negative)
	// when computing its serialization time at Rate.
	PacketOverhead int32 `json:"packet_overhead,omitempty"`
}

// Validate reports a configuration netem would refuse, in tc's words.
func (c *Config) Validate() error {
	switch {
	case c.Delay < 0:
		return errors.New("netem: negative delay")
	case c.Jitter < 0:
		return errors.New("netem: negative jitter")
	case c.Jitter > math.MaxUint32*time.Nanosecond:
		// the kernel draws jitter from a 32-bit random number
		return errors.New("netem: jitter too large (max 4.29s)")
	}
	return nil
}

// String formats the configuration as tc qdisc show prints netem's options.
func (c *Config) String() string {
	var b strings.Builder
	lim := c.Limit
	if lim == 0 {
		lim = DefaultLimit
	}
	fmt.Fprintf(&b, "limit %d", lim)
	if c.Delay > 0 || c.Jitter > 0 {
		fmt.Fprintf(&b, " delay %s", fmtTime(c.Delay))
		if c.Jitter > 0 {
			fmt.Fprintf(&b, "  %s", fmtTime(c.Jitter))
			if c.DelayCorr > 0 {
				fmt.Fprintf(&b, " %s", c.DelayCorr)
			}
		}
	}
	probs := []struct {
		name    string
		p, corr Prob
	}{{"loss", c.Loss, c.LossCorr}, {"duplicate", c.Duplicate, c.DuplicateCorr},
		{"reorder", c.Reorder, c.ReorderCorr}, {"corrupt", c.Corrupt, c.CorruptCorr}}
	for _, x := range probs {
		if x.p == 0 {
			continue
		}
		fmt.Fprintf(&b, " %s %s", x.name, x.p)
		if x.corr > 0 {
			fmt.Fprintf(&b, " %s", x.corr)
		}
	}
	if c.Gap > 0 {
		fmt.Fprintf(&b, " gap %d", c.Gap)
	}
	if c.Rate > 0 {
		fmt.Fprintf(&b, " rate %s", FormatRate(c.Rate))
		if c.PacketOverhead != 0 {
			fmt.Fprintf(&b, " packetoverhead %d", c.PacketOverhead)
		}
	}
	return b.String()
}

// fmtTime prints a duration as tc does (sprint_time64: "10ms", "1.5ms",
// "100us", "2s").
func fmtTime(d time.Duration) string {
	switch t := float64(d); {
	case d >= time.Second:
		return strconv.FormatFloat(t/1e9, 'f', -1, 64) + "s"
	case d >= time.Millisecond:
		return strconv.FormatFloat(t/1e6, 'f', -1, 64) + "ms"
	case d >= time.Microsecond:
		return strconv.FormatFloat(t/1e3, 'f', -1, 64) + "us"
	default:
		return strconv.FormatInt(int64(d), 10) + "ns"
	}
}
