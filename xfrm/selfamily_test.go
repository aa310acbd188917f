package xfrm_test

import (
	"net/netip"
	"testing"

	"github.com/softnet/softnet/xfrm"
)

// TestSelectorFamily: an SA without a selector family takes its own
// family unless af-unspec is set (copy_from_user_state), and the output
// lookup skips an SA whose selector family is not the flow's
// (xfrm_state_look_at); an SA of no selector family serves both.
func TestSelectorFamily(t *testing.T) {
	f4 := &xfrm.Flow{Saddr: netip.MustParseAddr("203.0.113.1"), Daddr: netip.MustParseAddr("203.0.113.65"), Proto: 1}
	f6 := &xfrm.Flow{Saddr: netip.MustParseAddr("2001:db8:1::1"), Daddr: netip.MustParseAddr("2001:db8:2::1"), Proto: 58}
	for _, tc := range []struct {
		name       string
		flags      xfrm.Flags
		sel        xfrm.Selector
		wantFamily int
		want4      bool
		want6      bool
	}{
		{"no sel", 0, xfrm.Selector{}, 4, true, false},
		{"af-unspec", xfrm.FlagAFUnspec, xfrm.Selector{}, 0, true, true},
		{"sel of the other family", 0, xfrm.Selector{Family: 6}, 6, false, true},
		{"sel of the other family, af-unspec", xfrm.FlagAFUnspec, xfrm.Selector{Family: 6}, 6, false, true},
		{"sel prefix", 0, xfrm.Selector{Family: 4, Daddr: netip.MustParsePrefix("203.0.113.64/26")}, 4, true, false},
		{"sel other prefix", 0, xfrm.Selector{Family: 4, Daddr: netip.MustParsePrefix("203.0.113.128/26")}, 4, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sad := xfrm.NewSAD(nil, nil, nil)
			c := gcmConfig()
			c.Flags, c.Selector = tc.flags, tc.sel
			x, err := sad.NewState(c)
			if err != nil {
				t.Fatal(err)
			}
			if err := sad.Add(x); err != nil {
				t.Fatal(err)
			}
			if got := x.Cfg().Selector.Family; got != tc.wantFamily {
				t.Errorf("selector family = %d, want %d", got, tc.wantFamily)
			}
			for _, fc := range []struct {
				f    *xfrm.Flow
				want bool
			}{{f4, tc.want4}, {f6, tc.want6}} {
				q := &xfrm.OutputQuery{Daddr: dst, Saddr: src, Reqid: 1, Proto: xfrm.ProtoESP, Mode: xfrm.ModeTunnel, Flow: fc.f}
				if got := sad.FindOutput(q) != nil; got != fc.want {
					t.Errorf("flow %v: found = %v, want %v", fc.f.Daddr, got, fc.want)
				}
			}
		})
	}
}
