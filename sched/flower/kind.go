package flower

import (
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/sched"
)

type kind struct{}

func (kind) Name() string          { return "flower" }
func (kind) New() sched.Classifier { return &head{} }

// Check validates a spec as fl_set_key does before anything is created.
func (kind) Check(spec any) error {
	sp, _ := spec.(*Spec)
	if sp == nil {
		return nil
	}
	if sp.CTStateMask != 0 || sp.CTState != 0 {
		return extack.New(syscall.EOPNOTSUPP, "ct_state matching needs connection tracking, which softnet does not have")
	}
	if r := sp.DstRange; r.Set() && r.Min >= r.Max {
		return extack.New(syscall.EINVAL, "Invalid destination port range (min must be strictly smaller than max)")
	}
	if r := sp.SrcRange; r.Set() && r.Min >= r.Max {
		return extack.New(syscall.EINVAL, "Invalid source port range (min must be strictly smaller than max)")
	}
	if sp.Mask.VlanID&^0x0fff != 0 || sp.Key.VlanID > 0x0fff || sp.Key.VlanPrio > 7 {
		return extack.Errno(syscall.EINVAL)
	}
	return nil
}

func init() { sched.RegisterClassifier(kind{}) }
