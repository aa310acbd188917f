package xfrm

// Anti-replay, as net/xfrm/xfrm_replay.c: three flavours chosen the way
// xfrm_init_replay chooses them.
//
//   - legacy: window <= 32 without ESN (struct xfrm_replay_state): a 32-bit
//     bitmap shifted as the window slides, bit 0 = newest;
//   - bmp: window 33..4096 without ESN (iproute2 sends it as an ESN replay
//     attribute): a ring bitmap of up to 128 words (RFC 6479 style);
//   - esn: the ring bitmap with 64-bit sequence numbers whose high half is
//     inferred from the window position (RFC 4303 Appendix A).
//
// The replay type is not safe for concurrent use; State guards it.

// MaxReplayWindow is XFRMA_REPLAY_ESN_MAX: 128 32-bit words.
const MaxReplayWindow = 4096

// ReplayKind says which replay implementation an SA uses.
type ReplayKind uint8

// Replay kinds.
const (
	ReplayLegacy ReplayKind = iota
	ReplayBmp
	ReplayESN
)

// Replay is an SA's replay state (struct xfrm_replay_state[_esn]).
type Replay struct {
	Kind   ReplayKind
	Window uint32
	Seq    uint32 // highest received (low half)
	SeqHi  uint32
	OSeq   uint32 // last sent (low half)
	OSeqHi uint32
	Bitmap uint32      // legacy
	Bmp    [128]uint32 // bmp/esn ring; the first BmpLen words are used
	BmpLen uint32
	// Stats (struct xfrm_stats): shown by `ip -s xfrm state`.
	ReplayWindowErrs uint32
	ReplayErrs       uint32
	IntegrityFailed  uint32
}

func newReplay(window uint32, esn bool, st ReplayState) Replay {
	r := Replay{Window: window, Seq: st.Seq, SeqHi: st.SeqHi, OSeq: st.OSeq, OSeqHi: st.OSeqHi}
	switch {
	case esn:
		r.Kind = ReplayESN
	case window > 32:
		r.Kind = ReplayBmp
	default:
		r.Kind = ReplayLegacy
	}
	if r.Kind != ReplayLegacy {
		r.BmpLen = (window + 31) / 32
	}
	return r
}

// replayVerdict is the outcome of Check.
type replayVerdict uint8

const (
	replayOK replayVerdict = iota
	replayTooOld
	replayDup
	replayZero
)

// SeqHi infers the high half of a received sequence number
// (xfrm_replay_seqhi); 0 without ESN.
func (r *Replay) InferSeqHi(seq uint32) uint32 {
	if r.Kind != ReplayESN {
		return 0
	}
	hi := r.SeqHi
	bottom := r.Seq - r.Window + 1
	if r.Seq >= r.Window-1 {
		if seq < bottom {
			hi++
		}
	} else if seq >= bottom {
		hi--
	}
	return hi
}

func (r *Replay) bitOf(diff uint32) (int, uint32) {
	pos := (r.Seq - 1) % r.Window
	var bit uint32
	if pos >= diff {
		bit = (pos - diff) % r.Window
	} else {
		bit = r.Window - (diff - pos)
	}
	return int(bit >> 5), 1 << (bit & 31)
}

// Check reports whether seq (low half) may be accepted, counting window and
// replay failures in the stats (xfrm_replay_check*).
func (r *Replay) check(seq uint32) replayVerdict {
	if r.Window == 0 {
		return replayOK
	}
	switch r.Kind {
	case ReplayLegacy, ReplayBmp:
		if seq == 0 {
			return replayZero
		}
		if seq > r.Seq {
			return replayOK
		}
		diff := r.Seq - seq
		if diff >= r.Window {
			r.ReplayWindowErrs++
			return replayTooOld
		}
		if r.Kind == ReplayLegacy {
			if r.Bitmap&(1<<diff) != 0 {
				r.ReplayErrs++
				return replayDup
			}
			return replayOK
		}
		return r.checkBit(diff)
	}
	// ESN
	top := r.Seq
	bottom := top - r.Window + 1
	if seq == 0 && r.SeqHi == 0 && r.Seq < r.Window-1 {
		return replayZero
	}
	diff := top - seq
	if top >= r.Window-1 {
		if seq > top || seq < bottom {
			return replayOK
		}
	} else {
		if seq > top && seq < bottom {
			return replayOK
		}
		if seq >= bottom {
			diff = ^seq + top + 1
		}
	}
	if diff >= r.Window {
		r.ReplayWindowErrs++
		return replayTooOld
	}
	return r.checkBit(diff)
}

func (r *Replay) checkBit(diff uint32) replayVerdict {
	w, m := r.bitOf(diff)
	if r.Bmp[w]&m != 0 {
		r.ReplayErrs++
		return replayDup
	}
	return replayOK
}

// recheck is the check after decryption; for ESN it also verifies that the
// high half used for the ICV is still the inferred one.
func (r *Replay) recheck(seq, hi uint32) replayVerdict {
	if r.Kind == ReplayESN && hi != r.InferSeqHi(seq) {
		r.ReplayWindowErrs++
		return replayTooOld
	}
	return r.check(seq)
}

// advance records seq as received (xfrm_replay_advance*).
func (r *Replay) advance(seq uint32) {
	if r.Window == 0 {
		return
	}
	if r.Kind == ReplayLegacy {
		if seq > r.Seq {
			diff := seq - r.Seq
			if diff < r.Window {
				r.Bitmap = r.Bitmap<<diff | 1
			} else {
				r.Bitmap = 1
			}
			r.Seq = seq
		} else {
			r.Bitmap |= 1 << (r.Seq - seq)
		}
		return
	}
	wrap := int32(0)
	if r.Kind == ReplayESN {
		wrap = int32(r.InferSeqHi(seq) - r.SeqHi)
	}
	pos := (r.Seq - 1) % r.Window
	var bit uint32
	if (wrap == 0 && seq > r.Seq) || wrap > 0 {
		var diff uint32
		if wrap == 0 {
			diff = seq - r.Seq
		} else {
			diff = ^r.Seq + seq + 1
		}
		if diff < r.Window {
			for i := uint32(1); i < diff; i++ {
				b := (pos + i) % r.Window
				r.Bmp[b>>5] &^= 1 << (b & 31)
			}
		} else {
			for i := uint32(0); i <= (r.Window-1)>>5; i++ {
				r.Bmp[i] = 0
			}
		}
		bit = (pos + diff) % r.Window
		r.Seq = seq
		if wrap > 0 {
			r.SeqHi++
		}
	} else {
		diff := r.Seq - seq
		if pos >= diff {
			bit = (pos - diff) % r.Window
		} else {
			bit = r.Window - (diff - pos)
		}
	}
	r.Bmp[bit>>5] |= 1 << (bit & 31)
}

// nextOutput assigns the next outbound sequence number
// (xfrm_replay_overflow*); ok is false on overflow, which leaves the
// counter unchanged.
func (r *Replay) nextOutput(mayWrap bool) (seq uint64, ok bool) {
	if r.Kind != ReplayESN {
		r.OSeq++
		if r.OSeq == 0 && !mayWrap {
			r.OSeq--
			return 0, false
		}
		return uint64(r.OSeq), true
	}
	r.OSeq++
	if r.OSeq == 0 {
		r.OSeqHi++
		if r.OSeqHi == 0 {
			r.OSeq--
			r.OSeqHi--
			return 0, false
		}
	}
	return uint64(r.OSeqHi)<<32 | uint64(r.OSeq), true
}
