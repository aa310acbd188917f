package xfrm_test

import (
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/softnet/softnet/xfrm"
)

// TestPolicyLifetimes drives SPD.Tick on a fake clock, one second at a
// time, and records the POLEXPIRE messages (as "soft@T" / "hard@T",
// seconds since the insertion) and the policy's fate.
func TestPolicyLifetimes(t *testing.T) {
	cases := []struct {
		name string
		lft  xfrm.LifetimeConfig
		use  []int // seconds at which a packet uses the policy
		want []string
		gone bool // deleted by the end (60 s)
	}{
		{name: "no limits", want: nil},
		{name: "hard add", lft: xfrm.LifetimeConfig{HardAddExpires: 10 * time.Second}, want: []string{"hard@10"}, gone: true},
		{name: "soft then hard add", lft: xfrm.LifetimeConfig{SoftAddExpires: 5 * time.Second, HardAddExpires: 10 * time.Second},
			want: []string{"soft@5", "hard@10"}, gone: true},
		// The soft warning repeats every XFRM_KM_TIMEOUT (30 s).
		{name: "soft add repeats", lft: xfrm.LifetimeConfig{SoftAddExpires: 5 * time.Second},
			want: []string{"soft@5", "soft@35"}},
		{name: "hard add before soft", lft: xfrm.LifetimeConfig{SoftAddExpires: 20 * time.Second, HardAddExpires: 3 * time.Second},
			want: []string{"hard@3"}, gone: true},
		// Use limits count from the last use, from the add time before.
		{name: "hard use, never used", lft: xfrm.LifetimeConfig{HardUseExpires: 7 * time.Second}, want: []string{"hard@7"}, gone: true},
		{name: "hard use, idle after last use", lft: xfrm.LifetimeConfig{HardUseExpires: 7 * time.Second},
			use: []int{2, 6, 12}, want: []string{"hard@19"}, gone: true},
		{name: "soft use then hard add", lft: xfrm.LifetimeConfig{SoftUseExpires: 4 * time.Second, HardAddExpires: 40 * time.Second},
			use: []int{3}, want: []string{"soft@7", "soft@37", "hard@40"}, gone: true},
		// The first examination is 1 s after insertion (mod_timer(HZ)).
		{name: "zero-ish hard", lft: xfrm.LifetimeConfig{HardAddExpires: time.Nanosecond}, want: []string{"hard@1"}, gone: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Unix(1_000_000, 0)
			clk := &fakeClock{t: start}
			var got []string
			spd := xfrm.NewSPD(clk, func(m xfrm.Msg) {
				if m.Kind != xfrm.MsgPolExpire {
					return
				}
				kind := "soft"
				if m.Hard {
					kind = "hard"
				}
				got = append(got, kind+"@"+strconv.Itoa(int(clk.t.Sub(start)/time.Second)))
			})
			p, err := spd.Add(xfrm.PolicyConfig{Selector: xfrm.Selector{Family: 4, Saddr: netip.MustParsePrefix("203.0.113.0/25"),
				Daddr: netip.MustParsePrefix("203.0.113.128/25")}, Dir: xfrm.PolicyOut, Lifetime: c.lft})
			if err != nil {
				t.Fatal(err)
			}
			next := spd.Tick()
			for s := 1; s <= 60; s++ {
				clk.t = start.Add(time.Duration(s) * time.Second)
				for _, u := range c.use {
					if u == s {
						spd.Touch(p)
					}
				}
				if !next.IsZero() && !clk.t.Before(next) {
					next = spd.Tick()
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("expiries %v, want %v", got, c.want)
			}
			if p.Dead() != c.gone || (spd.Count(xfrm.PolicyOut) == 0) != c.gone {
				t.Errorf("dead = %v, count %d, want gone %v", p.Dead(), spd.Count(xfrm.PolicyOut), c.gone)
			}
		})
	}
}
