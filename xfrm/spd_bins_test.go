package xfrm

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// linearLookup is Lookup without hashing or bins: the first policy of the
// direction in lookup order that matches.
func linearLookup(t *SPD, dir PolicyDir, family int, f *Flow, ifID uint32) *Policy {
	tab := t.dirs[dir].Load()
	if tab == nil {
		return nil
	}
	for _, p := range tab.all {
		if p.Match(f, family, ifID) {
			return p
		}
	}
	return nil
}

// TestPolicyBinsMatchLinear: for random tables (prefix lengths, families,
// priorities, ports, marks) and random flows, the hashed and binned
// Lookup returns what a scan in lookup order does — with few length
// pairs (binned) and with many (scanned).
func TestPolicyBinsMatchLinear(t *testing.T) {
	for _, tc := range []struct {
		name string
		lens []int // prefix lengths the policies use (-1: none)
	}{
		{"few lengths", []int{-1, 0, 24, 32}},
		{"many lengths", []int{-1, 0, 8, 12, 16, 20, 22, 24, 26, 28, 30, 32}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(len(tc.lens))))
			for round := range 20 {
				spd := NewSPD(nil, nil)
				for range 200 {
					spd.Add(randomPolicy(r, tc.lens)) // duplicates are refused: fine
				}
				if round == 0 {
					tab := spd.dirs[PolicyOut].Load()
					scanned := tab.fams[0].scan
					if wantScan := tc.name == "many lengths"; scanned != wantScan {
						t.Fatalf("IPv4 scan %v, want %v (%d length pairs)", scanned, wantScan, len(tab.fams[0].lens))
					}
				}
				for range 2000 {
					fam, f := randomFlow(r)
					mark := uint32(r.IntN(3))
					f.Mark = mark
					got := spd.Lookup(PolicyOut, fam, &f, 0)
					want := linearLookup(spd, PolicyOut, fam, &f, 0)
					if got != want {
						t.Fatalf("round %d flow %+v: Lookup %v, scan %v", round, f, policyName(got), policyName(want))
					}
				}
			}
		})
	}
}

func policyName(p *Policy) string {
	if p == nil {
		return "none"
	}
	c := p.cfg
	return c.Selector.Saddr.String() + "→" + c.Selector.Daddr.String()
}

// testNets are the networks random policies and flows are drawn from.
var testNets = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("2001:db8::/64"), netip.MustParsePrefix("2001:db8:1::/64"),
}

func randomAddr(r *rand.Rand, v6 bool) netip.Addr {
	n := testNets[r.IntN(2)]
	if v6 {
		n = testNets[2+r.IntN(2)]
	}
	b := n.Addr().AsSlice()
	b[len(b)-1] = byte(r.IntN(8)) // few hosts, so prefixes overlap often
	a, _ := netip.AddrFromSlice(b)
	return a
}

func randomPrefix(r *rand.Rand, v6 bool, lens []int) netip.Prefix {
	l := lens[r.IntN(len(lens))]
	if l < 0 {
		return netip.Prefix{}
	}
	if v6 && l > 0 {
		l += 96
	}
	p, _ := randomAddr(r, v6).Prefix(l)
	return p
}

func randomPolicy(r *rand.Rand, lens []int) PolicyConfig {
	v6 := r.IntN(3) == 0
	s := Selector{Family: 4, Saddr: randomPrefix(r, v6, lens), Daddr: randomPrefix(r, v6, lens)}
	if v6 {
		s.Family = 6
	}
	if !s.Saddr.IsValid() && !s.Daddr.IsValid() && r.IntN(2) == 0 {
		s.Family = 0
	}
	if r.IntN(3) == 0 {
		s.Proto, s.Dport, s.DportMask = 17, uint16(r.IntN(3)), 0xffff
	}
	c := PolicyConfig{Selector: s, Dir: PolicyOut, Priority: uint32(r.IntN(4))}
	if r.IntN(4) == 0 {
		c.Mark = Mark{Value: uint32(r.IntN(3)), Mask: 0xffffffff}
	}
	return c
}

func randomFlow(r *rand.Rand) (int, Flow) {
	v6 := r.IntN(3) == 0
	f := Flow{Saddr: randomAddr(r, v6), Daddr: randomAddr(r, v6), Proto: 17, Dport: uint16(r.IntN(3))}
	if v6 {
		return 6, f
	}
	return 4, f
}
