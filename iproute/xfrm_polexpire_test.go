package iproute

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestXfrmPolicyExpireMonitor: `limit time-soft 5 limit time-hard 10` on
// a policy: `ip xfrm monitor` prints POLEXPIRE as iproute2's
// xfrm_policy_print does ("Expired " + the policy + "\thard N") on the
// virtual clock, and the policy is gone after the hard expiry.
func TestXfrmPolicyExpireMonitor(t *testing.T) {
	env, loop := xfrmEnv(t)
	var mon bytes.Buffer
	defer XfrmMonitor(env, env.NS, &mon, 0)()
	if out, rc := runXfrm(env, "ip xfrm policy add src 203.0.113.0/26 dst 203.0.113.64/26 dir out limit time-soft 5 limit time-hard 10 tmpl src 192.0.2.1 dst 198.51.100.2 proto esp mode tunnel"); rc != 0 {
		t.Fatal(out)
	}
	loop.RunFor(20 * time.Second)
	out := mon.String()
	head := "Expired src 203.0.113.0/26 dst 203.0.113.64/26 \n\tdir out priority 0 ptype main \n"
	if strings.Count(out, head) != 2 || !strings.Contains(out, "\thard 0\n") || !strings.HasSuffix(out, "\thard 1\n") {
		t.Errorf("monitor output:\n%s", out)
	}
	if strings.Index(out, "\thard 0\n") > strings.Index(out, "\thard 1\n") {
		t.Errorf("soft expiry after hard:\n%s", out)
	}
	if got, _ := runXfrm(env, "ip xfrm policy count"); !strings.Contains(got, "IN  0 OUT 0 FWD 0") {
		t.Errorf("after the hard expiry: %q", got)
	}
	if out, rc := runXfrm(env, "ip xfrm policy add src 203.0.113.0/26 dst 203.0.113.64/26 dir out limit time-hard 3"); rc != 0 {
		t.Fatal(out)
	}
	out, rc := runXfrm(env, "ip xfrm monitor expire")
	if rc != 0 || !strings.HasPrefix(out, head) || !strings.HasSuffix(out, "\thard 1\n") {
		t.Errorf("ip xfrm monitor expire: %d\n%s", rc, out)
	}
}
