// Package sched is softnet's traffic-control classifier/action core: the
// clsact and ingress qdiscs and the device hooks they install, filter
// blocks (shared with ingress_block/egress_block or private), chains,
// filter priorities and handles, the per-namespace action table (index,
// bind, replace, reference counts), control verdicts including jump, goto
// chain and reclassify, and action statistics with install/last-use/
// first-use times taken from the World's clock.
//
// It mirrors Linux's net/sched/cls_api.c (blocks, chains, tcf_classify),
// act_api.c (the action table and tcf_action_exec) and sch_ingress.c (the
// ingress and clsact qdiscs). Classifier kinds live in sched/matchall and
// sched/flower; action kinds in sched/gact, sched/mirred, sched/skbedit
// and sched/tunnelkey. Configuration is published as immutable snapshots
// behind atomic pointers; writers serialize on the World's RTNL lock, so
// the packet path never locks.
package sched
