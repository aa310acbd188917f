package xfrm

import "net/netip"

// The inexact policies of a direction (those not hashed by full-length
// addresses) are binned, as Linux's inexact policy tree bins them, by
// the prefix lengths and masked addresses of their selector's
// destination and source: a lookup probes one bin per (destination
// length, source length) pair present, instead of scanning every
// policy. A family with so many pairs for its policies that probing
// would cost more than scanning (a probe costs about two policy checks)
// is scanned in order, as before.

// binLens is a (destination, source) prefix-length pair.
type binLens struct{ d, s uint8 }

// binKey names a bin: the masked addresses and their prefix lengths.
type binKey struct {
	dst, src netip.Addr
	lens     binLens
}

// famBins are the bins of one address family.
type famBins struct {
	lens []binLens
	bins map[binKey][]*Policy // each in lookup order
	n    int                  // policies binned
	// scan is set when the family has too many length pairs for its
	// policies to be worth binning.
	scan bool
}

// binFamilies lists the families (index 0 for IPv4, 1 for IPv6) whose
// flows a selector can match.
func binFamilies(s *Selector) []int {
	fam := s.Family
	switch {
	case s.Daddr.IsValid():
		fam = prefixFamily(s.Daddr)
	case s.Saddr.IsValid():
		fam = prefixFamily(s.Saddr)
	}
	switch fam {
	case 4:
		return []int{0}
	case 6:
		return []int{1}
	}
	return []int{0, 1}
}

func prefixFamily(p netip.Prefix) int {
	if p.Addr().Is4() {
		return 4
	}
	return 6
}

// binPart is a selector prefix's length and masked address in a family
// (length 0 and the family's zero address when the selector has none).
func binPart(p netip.Prefix, fi int) (uint8, netip.Addr) {
	if !p.IsValid() {
		if fi == 0 {
			return 0, netip.IPv4Unspecified()
		}
		return 0, netip.IPv6Unspecified()
	}
	return uint8(p.Bits()), p.Masked().Addr()
}

// binInexact fills tab.fams from tab.inexact (already in lookup order).
func (tab *dirTable) binInexact() {
	for _, p := range tab.inexact {
		s := &p.cfg.Selector
		for _, fi := range binFamilies(s) {
			fb := &tab.fams[fi]
			dl, da := binPart(s.Daddr, fi)
			sl, sa := binPart(s.Saddr, fi)
			k := binKey{da, sa, binLens{dl, sl}}
			if fb.bins == nil {
				fb.bins = map[binKey][]*Policy{}
			}
			if _, ok := fb.bins[k]; !ok && !containsLens(fb.lens, k.lens) {
				fb.lens = append(fb.lens, k.lens)
			}
			fb.bins[k] = append(fb.bins[k], p)
			fb.n++
		}
	}
	for i := range tab.fams {
		if fb := &tab.fams[i]; 2*len(fb.lens) >= fb.n && fb.n > 0 {
			*fb = famBins{scan: true}
		}
	}
}

func containsLens(ls []binLens, l binLens) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

// lookupInexact returns the best of best (nil or the exact-hash
// candidate) and the inexact policies matching f, probing the bins of
// the flow's family, or scanning when the family is not binned.
func (tab *dirTable) lookupInexact(best *Policy, family int, f *Flow, ifID uint32) *Policy {
	fi := -1
	switch {
	case family == 4 && f.Daddr.Is4() && f.Saddr.Is4():
		fi = 0
	case family == 6 && f.Daddr.Is6() && f.Saddr.Is6():
		fi = 1
	}
	if fi < 0 || tab.fams[fi].scan {
		return bestOf(tab.inexact, best, family, f, ifID)
	}
	fb := &tab.fams[fi]
	for _, l := range fb.lens {
		dp, err1 := f.Daddr.Prefix(int(l.d))
		sp, err2 := f.Saddr.Prefix(int(l.s))
		if err1 != nil || err2 != nil {
			return bestOf(tab.inexact, best, family, f, ifID)
		}
		if list, ok := fb.bins[binKey{dp.Addr(), sp.Addr(), l}]; ok {
			best = bestOf(list, best, family, f, ifID)
		}
	}
	return best
}

// bestOf returns the first policy of list (in lookup order) that matches
// f and ranks before best, or best.
func bestOf(list []*Policy, best *Policy, family int, f *Flow, ifID uint32) *Policy {
	for _, pol := range list {
		if best != nil && !ranksBefore(pol, best) {
			break
		}
		if pol.Match(f, family, ifID) {
			return pol
		}
	}
	return best
}
