package netem

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// rateUnits are tc's rate suffixes (get_rate64 in iproute2's tc_util.c)
// with their value in bits per second; they match case-insensitively.
var rateUnits = []struct {
	name  string
	scale float64
}{
	{"bit", 1}, {"kibit", 1024}, {"kbit", 1e3}, {"mibit", 1 << 20}, {"mbit", 1e6},
	{"gibit", 1 << 30}, {"gbit", 1e9}, {"tibit", 1 << 40}, {"tbit", 1e12},
	{"bps", 8}, {"kibps", 8 * 1024}, {"kbps", 8e3}, {"mibps", 8 << 20}, {"mbps", 8e6},
	{"gibps", 8 << 30}, {"gbps", 8e9}, {"tibps", 8 << 40}, {"tbps", 8e12},
}

// ErrRate is wrapped by ParseRate errors.
var ErrRate = errors.New("invalid rate")

// ParseRate parses a tc rate ("10mbit", "1.5Gbit", "125000bps", or a bare
// number of bytes per second) and returns bytes per second.
func ParseRate(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], t[i:]
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%w %q", ErrRate, s)
	}
	bits := v * 8 // no unit: bytes per second
	if unit != "" {
		found := false
		for _, u := range rateUnits {
			if strings.EqualFold(unit, u.name) {
				bits, found = v*u.scale, true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("%w %q: unknown unit %q (want bit, kbit, mbit, gbit, bps, kbps, …)", ErrRate, s, unit)
		}
	}
	bytes := bits / 8
	if bytes > math.MaxUint64/2 {
		return 0, fmt.Errorf("%w %q: too large", ErrRate, s)
	}
	return uint64(math.Round(bytes)), nil
}

// FormatRate formats bytes per second as tc prints a rate ("10Mbit",
// "1500Kbit").
func FormatRate(bytesPerSec uint64) string {
	r := bytesPerSec * 8
	units := []string{"", "K", "M", "G", "T"}
	i := 0
	for i < len(units)-1 && r >= 1000 && r%1000 == 0 {
		r /= 1000
		i++
	}
	for i < len(units)-1 && r >= 1000*1000 {
		// large values that are not round: keep three significant
		// places as tc's %.0f with the next unit would
		r /= 1000
		i++
	}
	return strconv.FormatUint(r, 10) + units[i] + "bit"
}
