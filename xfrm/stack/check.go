package stack

import (
	"github.com/softnet/softnet/packet"
	"github.com/softnet/softnet/xfrm"
)

// policyCheck is __xfrm_policy_check for a packet whose data starts at its
// IP header: the SAs of its SecPath must match the flow, and the policy of
// dir (in or fwd) must allow it with templates the SecPath satisfies. It
// counts the failure and reports whether the packet may pass.
func policyCheck(n *xfrm.Net, b *packet.Buffer, dir xfrm.PolicyDir) bool {
	var f xfrm.Flow
	fam, ok := decode(b.Bytes(), &f)
	if !ok {
		n.MIB.Inc(xfrm.InHdrError)
		return false
	}
	f.Mark, f.Oif = b.Mark, b.InIfindex
	return policyCheckFlow(n, b.SecPath, dir, fam, &f)
}

// policyCheckFlow is policyCheck on a decoded flow (the packet's own, or
// for ICMP the quoted packet's reversed).
func policyCheckFlow(n *xfrm.Net, sp any, dir xfrm.PolicyDir, fam int, f *xfrm.Flow) bool {
	spLen := xfrm.SecPathLen(sp)
	for i := spLen - 1; i >= 0; i-- {
		x := xfrm.SecPathAt(sp, i)
		if c := x.Cfg(); !c.Selector.Match(f) {
			n.MIB.Inc(xfrm.InStateMismatch)
			return false
		}
	}
	pol := n.SPD.Lookup(dir, fam, f, 0)
	if pol == nil {
		if n.SPD.DefaultBlock(dir) || hasNonTransport(sp, spLen, 0) {
			n.MIB.Inc(xfrm.InNoPols)
			return false
		}
		return true
	}
	n.SPD.Touch(pol)
	pc := pol.Cfg()
	if pc.Action == xfrm.ActionBlock {
		n.MIB.Inc(xfrm.InPolBlock)
		return false
	}
	k := 0
	for i := len(pc.Tmpls) - 1; i >= 0; i-- {
		k = tmplOK(&pc.Tmpls[i], sp, spLen, k, pc.IfID)
		if k < 0 {
			n.MIB.Inc(xfrm.InTmplMismatch)
			return false
		}
	}
	if hasNonTransport(sp, spLen, k) {
		n.MIB.Inc(xfrm.InTmplMismatch)
		return false
	}
	return true
}

// hasNonTransport is secpath_has_nontransport from index k.
func hasNonTransport(sp any, n, k int) bool {
	for ; k < n; k++ {
		if xfrm.SecPathAt(sp, k).Cfg().Mode != xfrm.ModeTransport {
			return true
		}
	}
	return false
}

// tmplOK is xfrm_policy_ok: the index after the SecPath entry that
// satisfies t searching from start, start itself for a skipped optional
// transport template, or a negative value.
func tmplOK(t *xfrm.Tmpl, sp any, n, start int, ifID uint32) int {
	idx := start
	if t.Optional {
		if t.Mode == xfrm.ModeTransport {
			return start
		}
	} else {
		start = -1
	}
	for ; idx < n; idx++ {
		x := xfrm.SecPathAt(sp, idx)
		if stateOK(t, x, ifID) {
			return idx + 1
		}
		if x.Cfg().Mode != xfrm.ModeTransport {
			if start == -1 {
				start = -2 - idx
			}
			break
		}
	}
	return start
}

// stateOK is xfrm_state_ok.
func stateOK(t *xfrm.Tmpl, x *xfrm.State, ifID uint32) bool {
	c := x.Cfg()
	if c.ID.Proto.Kernel() {
		// xfrm_state_kern: only an optional template with its addresses.
		return t.Optional && (!t.Daddr.IsValid() || t.Daddr.IsUnspecified() || t.Daddr == c.ID.Daddr) &&
			(!t.Saddr.IsValid() || t.Saddr.IsUnspecified() || t.Saddr == c.Saddr)
	}
	if t.Proto != c.ID.Proto || (t.SPI != 0 && t.SPI != c.ID.SPI) ||
		(t.Reqid != 0 && t.Reqid != c.Reqid) || t.Mode != c.Mode {
		return false
	}
	if c.Mode != xfrm.ModeTransport {
		if t.Daddr.IsValid() && !t.Daddr.IsUnspecified() && t.Daddr != c.ID.Daddr {
			return false
		}
		if t.Saddr.IsValid() && !t.Saddr.IsUnspecified() && t.Saddr != c.Saddr {
			return false
		}
	}
	return ifID == 0 || ifID == c.IfID
}
