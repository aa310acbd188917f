// Package fib is softnet's longest-prefix-match engine: the data structure
// under every routing table (main, local, numbered tables) of package inet,
// for IPv4 and IPv6. It stores only prefix → value; routes, metrics,
// multipath and table semantics belong to inet.
//
// # Relation to Linux
//
// Linux keeps IPv4 tables in net/ipv4/fib_trie.c, a level-compressed
// binary trie (LC-trie) whose leaves hold, per key, the aliases of every
// prefix length, and IPv6 tables in net/ipv6/ip6_fib.c, a path-compressed
// binary radix tree. Both are binary tries searched bit by bit with
// backtracking; both are read under RCU and written under RTNL.
//
// This package does not mirror their layout; it keeps their contract.
// Lookup answers what fib_table_lookup / fib6_node_lookup answer (the
// longest prefix containing the address), and Walk dumps each family in
// the order its kernel table does, so that "ip route show" and
// "ip -6 route show" can match Linux line for line:
//
//   - IPv4 (fib_trie): ascending by address; for the same address the
//     longer prefix first, because a trie leaf keeps its aliases sorted by
//     suffix length;
//   - IPv6 (ip6_fib): the post-order of the prefix tree, so a prefix comes
//     after every prefix it contains and ::/0 comes last.
//
// # Structure
//
// The trie is multibit with 8-bit strides: a node at depth d covers
// octet d of the address (4 levels for IPv4, 16 for IPv6). Inside a node,
// prefixes of length 8d..8d+7 are numbered as in a complete binary tree
// (the ART scheme of Knuth/Hedayat, as used by the "bart" and poptrie
// designs) and stored in an array compressed by a 256-bit bitmap and
// popcount; children are compressed the same way. A child slot holding a
// single route stores that route inline as a leaf instead of a chain of
// nodes (path compression), which keeps a /48 in IPv6 or a /32 host route
// to one slot. The longest match within a node is one AND of the node's
// prefix bitmap with a precomputed ancestor bitmap and a leading-zero
// count; a lookup descends at most 4 (IPv4) or 16 (IPv6) nodes, then
// backtracks through the visited ones, with no allocation.
//
// # Concurrency
//
// Readers never lock. A Table publishes its tries as an immutable version
// behind an atomic.Pointer (RCU in spirit). Writers serialize on a mutex
// inside the Table and build the next version by path copying: nodes on
// the changed path are copied, everything else is shared. A reader sees
// either the version before or the one after a write, never a part of it.
// Table.Update groups many writes into one version: nodes created within
// it are modified in place (they are unreachable to readers until it
// returns), so a bulk load of a million routes does not copy the table a
// million times. Snapshot gives a reader a stable view across several
// calls.
package fib
