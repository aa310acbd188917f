package iproute

import (
	"fmt"
	"io"

	"github.com/softnet/softnet/xfrm"
)

// The offload words of ip xfrm state and ip xfrm policy
// (xfrm_offload_parse and the XFRMA_OFFLOAD_DEV part of xfrm_xfrma_print).

// xfrmOffload parses `offload [ crypto | packet ] dev DEV dir DIR` with a
// at "offload" and leaves a at the last word consumed. A policy takes
// only `offload packet dev DEV` (policy true).
func (c *Cmd) xfrmOffload(a *xfrmArgs, policy bool) (*xfrm.Offload, error) {
	o := &xfrm.Offload{Dir: xfrm.DirOut}
	v, err := a.next()
	if err != nil {
		return nil, err
	}
	switch {
	case v == "packet":
		o.Packet = true
		if v, err = a.next(); err != nil {
			return nil, err
		}
	case v == "crypto" && !policy:
		if v, err = a.next(); err != nil {
			return nil, err
		}
	case policy:
		return nil, invarg("Invalid offload type", v)
	}
	if v != "dev" {
		return nil, invarg("Missing dev keyword", v)
	}
	name, err := a.next()
	if err != nil {
		return nil, err
	}
	d := c.NS.DeviceByName(name)
	if d == nil {
		return nil, invarg("Invalid device name", name)
	}
	o.Ifindex = d.Index()
	if policy {
		return o, nil
	}
	if v, err = a.next(); err != nil {
		return nil, err
	}
	if v != "dir" {
		return nil, invarg("Missing dir keyword", v)
	}
	if v, err = a.next(); err != nil {
		return nil, err
	}
	switch v {
	case "in":
		o.Dir = xfrm.DirIn
	case "out":
	default:
		return nil, invarg("DIR value is invalid", v) // iproute2 6.1 (6.10: DIR value is not "in" or "out")
	}
	return o, nil
}

// printOffload prints an SA's device binding as iproute2 prints
// XFRMA_OFFLOAD_DEV: "crypto offload parameters: dev D dir in|out mode
// crypto|packet" (the words are iproute2's whatever the mode), then what
// the driver describes (xfrm.OffloadDescriber: the crypto engine's worker).
//
// The state printer calls it before it reads the SA's lifetime and
// statistics, so the device's counters are refreshed first, as
// copy_to_user_state does with xfrm_dev_state_update_stats.
func printOffload(w io.Writer, xo *xfrm.DevOffload) {
	if xo == nil || xo.Dev == nil {
		return
	}
	xo.State.UpdateOffloadStats()
	dir := "out"
	if xo.Dir == xfrm.DirIn {
		dir = "in"
	}
	fmt.Fprintf(w, "\tcrypto offload parameters: dev %s dir %s mode %s", xo.Dev.Name(), dir, xo.Type)
	if ds, ok := xo.Dev.Driver.(xfrm.OffloadDescriber); ok {
		fmt.Fprintf(w, " %s", ds.DescribeOffload(xo))
	}
	fmt.Fprintln(w)
}

// printPolicyOffload prints a packet-offload policy's binding, as
// iproute2 prints a policy's XFRMA_OFFLOAD_DEV (no direction).
func printPolicyOffload(w io.Writer, prefix string, p *xfrm.Policy) {
	po := xfrm.PolicyOffloadOf(p)
	if po == nil || po.Dev == nil {
		return
	}
	fmt.Fprintf(w, "%s\tcrypto offload parameters: dev %s mode packet\n", prefix, po.Dev.Name())
}

// xfrmPolicyOffload binds a just-added policy to its device
// (xfrm_dev_policy_add); on failure the policy is removed again, as the
// kernel never publishes it.
func (c *Cmd) xfrmPolicyOffload(p *xfrm.Policy, o *xfrm.Offload) error {
	if o == nil {
		return nil
	}
	err := xfrm.DevPolicyAdd(p, c.NS.Device(o.Ifindex))
	if err != nil {
		pc := p.Cfg()
		_ = xfrm.ForNamespace(c.NS).SPD.Delete(xfrm.PolicyKey{Index: p.Index(), Dir: pc.Dir, Type: pc.Type})
	}
	return err
}

// unbindPolicies unbinds policies leaving the SPD from their devices
// (xfrm_dev_policy_delete and free).
func unbindPolicies(ps []*xfrm.Policy) {
	for _, p := range ps {
		xfrm.DevPolicyDelete(p)
	}
}
