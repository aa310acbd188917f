// Package mirred is the mirred action: mirror or redirect packets to
// another device's egress or ingress, or to every port of a shared block.
// It mirrors Linux's net/sched/act_mirred.c (the version with block
// targets and the nest limit): clone unless a redirected packet at ingress
// may be consumed, MAC header pushed or pulled for the target, egress to
// ingress through the backlog when nested, down and deleted targets
// counted as overlimits, a nest limit of 4 and loop detection.
package mirred
