// Package xfrm is softnet's IPsec engine core, the counterpart of Linux's
// net/xfrm: security associations (struct xfrm_state) and their table (the
// SAD, xfrm_state.c), the algorithm registry with Linux's names and default
// truncations (xfrm_algo.c), the anti-replay window with extended sequence
// numbers (xfrm_replay.c), lifetimes (soft and hard limits on bytes,
// packets, add time and use time, driven by an injectable Clock), and the
// per-namespace MIB that /proc/net/xfrm_stat prints (xfrm_proc.c).
//
// The transforms themselves live in the subpackages esp (esp4.c/esp6.c),
// ah (ah4.c/ah6.c) and ipcomp (ipcomp.c/xfrm_ipcomp.c). They register with
// RegisterType, like xfrm_register_type, and NewState calls their Init to
// build and cache the per-SA cipher objects (never per packet).
//
// The policy database (SPD), the inet input/output hooks, the `ip xfrm`
// grammar and the netlink-style monitor are not here yet; the types carry
// what they need (selectors, reqid, marks, if_id, direction, offload).
//
// Control-plane errors are extack errors with Linux's errno and message
// (verify_newsa_info and attach_* in xfrm_user.c). Data-path failures are
// preallocated *Drop values carrying a netdev drop reason and the MIB
// counter Linux bumps.
package xfrm
