package xfrm

import "syscall"

import "github.com/softnet/softnet/extack"

// updateConfig is xfrm_state_update for a VALID SA: Linux keeps the SA
// (its keys, algorithms, replay state and counters) and takes only the
// new lifetimes, NAT-T ports (same encapsulation type), output mark and
// if_id. It returns the configuration the replacement state is built
// with, or EINVAL when the encapsulation type changes.
func updateConfig(old *State, c Config) (Config, error) {
	nc := old.cfg
	nc.Lifetime = c.Lifetime
	switch {
	case c.Encap != nil && nc.Encap != nil && c.Encap.Type == nc.Encap.Type:
		e := *c.Encap
		nc.Encap = &e
	case c.Encap != nil || nc.Encap != nil:
		return Config{}, extack.Errno(syscall.EINVAL)
	}
	if c.OutputMark != (Mark{}) || c.IfID != 0 {
		nc.OutputMark = c.OutputMark
		if c.IfID != 0 {
			nc.IfID = c.IfID
		}
	}
	return nc, nil
}

// inherit moves the run-time state of old (replay window and sequence
// numbers, counters, add/use times, IV salt) into its replacement x, so
// that an update neither reopens the replay window nor reuses a nonce.
func (x *State) inherit(old *State) {
	old.mu.Lock()
	r, cur := old.replay, old.cur
	old.mu.Unlock()
	x.mu.Lock()
	x.replay, x.cur = r, cur
	x.mu.Unlock()
	x.ivSalt = old.ivSalt
	if x.AEAD != nil {
		setIVSalt(x.AEAD, x.ivSalt)
	}
}
