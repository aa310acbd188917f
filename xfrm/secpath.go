package xfrm

// SecPath is the list of SAs that decapsulated a packet, outermost first
// (struct sec_path). A packet's Meta.SecPath holds either a *State (one
// transform: the common case, stored without allocating) or a *SecPath
// (nested transforms).
type SecPath struct {
	n  int
	xs [MaxDepth]*State
}

// SecPathLen returns the number of SAs in a packet's SecPath value.
func SecPathLen(v any) int {
	switch sp := v.(type) {
	case *State:
		if sp != nil {
			return 1
		}
	case *SecPath:
		if sp != nil {
			return sp.n
		}
	}
	return 0
}

// SecPathAt returns SA i (0: outermost) of a SecPath value.
func SecPathAt(v any, i int) *State {
	switch sp := v.(type) {
	case *State:
		if i == 0 {
			return sp
		}
	case *SecPath:
		if i < sp.n {
			return sp.xs[i]
		}
	}
	return nil
}

// AppendSecPath returns the SecPath value prev extended by x; ok is false
// when the path is already MaxDepth long (XfrmInBufferError in Linux).
func AppendSecPath(prev any, x *State) (v any, ok bool) {
	n := SecPathLen(prev)
	if n == 0 {
		return x, true
	}
	if n >= MaxDepth {
		return prev, false
	}
	sp, isSP := prev.(*SecPath)
	if !isSP {
		sp = &SecPath{n: 1}
		sp.xs[0] = prev.(*State)
	}
	sp.xs[sp.n] = x
	sp.n++
	return sp, true
}
