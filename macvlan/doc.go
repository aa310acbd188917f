// Package macvlan is the macvlan link kind: virtual Ethernet devices with
// their own MAC addresses stacked on one lower device, as Linux's
// drivers/net/macvlan.c.
//
// The first macvlan on a lower device creates a port (struct
// macvlan_port) that installs itself as the lower device's rx handler.
// The handler dispatches received frames by destination MAC address:
// unicast to the macvlan that owns the address (or, in passthru mode, to
// the only macvlan), broadcast and multicast to every macvlan the mode
// allows, through a bounded broadcast queue processed on the world's loop
// (bcqueuelen, bclim). Source mode macvlans receive copies of frames by
// source address (macaddr add|del|set|flush; nodst stops normal
// delivery).
//
// On transmit, bridge mode switches frames between bridge-mode siblings
// locally; vepa, private and frames to the outside go out of the lower
// device. Passthru takes over the lower device (making it promiscuous
// unless nopromisc).
//
// The configuration a packet path reads (the address hash, the source
// table, the open devices) is an immutable snapshot published with an
// atomic pointer; writers hold the world's RTNL.
//
// Package macvlan/macvtap builds the macvtap kind on top of this one, the
// way drivers/net/macvtap.c reuses macvlan_common_newlink.
package macvlan
