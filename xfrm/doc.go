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
// The policy database (SPD, xfrm_policy.c: policies, templates, index
// allocation, default policies, lock-free lookup) is here too, with the
// per-namespace Net (SAD, SPD, MIB, notifications for `ip xfrm monitor`
// and the lifetime timer on the World's loop). Package xfrm/stack wires
// the engine into package inet (output hook, ESP/AH/IPComp input, input
// policy check, NAT-T); package iproute has the `ip xfrm` grammar.
//
// Control-plane errors are extack errors with Linux's errno and message
// (verify_newsa_info and attach_* in xfrm_user.c). Data-path failures are
// preallocated *Drop values carrying a netdev drop reason and the MIB
// counter Linux bumps.
package xfrm
