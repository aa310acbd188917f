package netem_test

import (
	"math"
	"testing"
	"time"

	"github.com/softnet/softnet/sched/netem"
)

func TestParseProb(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"5%", 5, false}, {"5", 5, false}, {"0.1%", 0.1, false}, {"100%", 100, false},
		{"0", 0, false}, {"101%", 0, true}, {"-1%", 0, true}, {"%", 0, true}, {"abc", 0, true},
		{"NaN", 0, true}, {"", 0, true},
	}
	for _, tc := range tests {
		p, err := netem.ParseProb(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseProb(%q) error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && math.Abs(p.Percent()-tc.want) > 1e-6 {
			t.Errorf("ParseProb(%q) = %v%%, want %v%%", tc.in, p.Percent(), tc.want)
		}
	}
	if p := netem.ProbFromPercent(100); p != math.MaxUint32 {
		t.Errorf("100%% = %d", p)
	}
	if s := netem.ProbFromPercent(0.5).String(); s != "0.5%" {
		t.Errorf("0.5%% prints %q", s)
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    uint64
		wantErr bool
	}{
		{"10mbit", 1250000, false}, {"10Mbit", 1250000, false}, {"1gbit", 125000000, false},
		{"100kbit", 12500, false}, {"8bit", 1, false}, {"1000", 1000, false}, {"1kbps", 1000, false},
		{"1mibit", 131072, false}, {"1.5mbit", 187500, false},
		{"10 furlongs", 0, true}, {"", 0, true}, {"mbit", 0, true}, {"1e999mbit", 0, true},
	}
	for _, tc := range tests {
		got, err := netem.ParseRate(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
	for _, r := range []struct {
		bytes uint64
		want  string
	}{{1250000, "10Mbit"}, {125, "1Kbit"}, {1, "8bit"}, {187500, "1500Kbit"}, {125000000, "1Gbit"}} {
		if got := netem.FormatRate(r.bytes); got != r.want {
			t.Errorf("FormatRate(%d) = %q, want %q", r.bytes, got, r.want)
		}
	}
}

func TestConfigString(t *testing.T) {
	c := netem.Config{Delay: 10 * time.Millisecond, Jitter: time.Millisecond, Loss: netem.ProbFromPercent(1), Rate: 1250000}
	want := "limit 1000 delay 10ms  1ms loss 1% rate 10Mbit"
	if got := c.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	bad := netem.Config{Delay: -1}
	if bad.Validate() == nil {
		t.Error("negative delay accepted")
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"10mbit", "1.5Gbit", "100", "3kibps", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := netem.ParseRate(s)
		if err == nil && r > 0 {
			if _, err := netem.ParseRate(netem.FormatRate(r)); err != nil {
				t.Errorf("FormatRate(%d) = %q does not parse: %v", r, netem.FormatRate(r), err)
			}
		}
	})
}

func FuzzParseProb(f *testing.F) {
	for _, s := range []string{"5%", "0.1", "100%", "-3", "1e2%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := netem.ParseProb(s)
		if err == nil {
			if v := p.Percent(); v < 0 || v > 100 {
				t.Errorf("ParseProb(%q) = %v%%", s, v)
			}
		}
	})
}
