// Package stack wires the xfrm engine into package inet, as Linux's
// xfrm4_policy.c/xfrm6_policy.c, xfrm4_input.c, xfrm4_protocol.c,
// xfrm_output.c and __xfrm_policy_check in xfrm_policy.c do:
//
//   - output: inet's output hook sees every routed packet; packets an out
//     policy matches are transformed by the states its templates resolve
//     to (tunnel mode routes the outer packet again) or dropped
//     (XfrmOutPolBlock, XfrmOutNoStates with an ACQUIRE notification);
//     forwarded packets are first checked against the fwd policies.
//   - input: handlers for ESP (50), AH (51) and IPComp (108) in inet's
//     protocol table, registered at priority 0 so that a VTI-style handler
//     (RegisterProtocol with a higher priority) sees packets first; NAT-T
//     ESP-in-UDP through inet's UDP encapsulation ports (4500); the
//     decapsulated packet is re-injected on its device with the SA
//     appended to its SecPath.
//   - the input policy check at local delivery (a gate ahead of every
//     other protocol handler) and forwarding: XfrmInNoPols,
//     XfrmInTmplMismatch, XfrmInPolBlock, XfrmInStateMismatch.
//
// Importing the package installs the hooks.
package stack
