// Package skbedit is the skbedit action's "mark" edit: it sets the
// packet's firewall mark (skb->mark), under an optional mask, and
// returns its control verdict (pipe by default). It mirrors Linux's
// net/sched/act_skbedit.c (SKBEDIT_F_MARK and SKBEDIT_F_MASK).
package skbedit
