package xfrm

import "testing"

type replayStep struct {
	seq  uint32
	want replayVerdict
	// icvFail: the packet passes the window check but would fail its ICV
	// (ESN: a sequence number below the window is read as the next
	// subspace), so the window is not advanced.
	icvFail bool
}

// run checks then, if accepted, advances, as xfrm_input does.
func runReplay(t *testing.T, r *Replay, steps []replayStep) {
	t.Helper()
	for i, s := range steps {
		got := r.check(s.seq)
		if got != s.want {
			t.Fatalf("step %d seq %#x: got %d want %d (state seq=%#x hi=%d)", i, s.seq, got, s.want, r.Seq, r.SeqHi)
		}
		if got == replayOK && !s.icvFail {
			hi := r.InferSeqHi(s.seq)
			if r.recheck(s.seq, hi) != replayOK {
				t.Fatalf("step %d: recheck failed", i)
			}
			r.advance(s.seq)
		}
	}
}

func TestReplayWindows(t *testing.T) {
	for _, tc := range []struct {
		name   string
		window uint32
		esn    bool
	}{
		{"legacy32", 32, false}, {"legacy8", 8, false}, {"bmp64", 64, false},
		{"bmp4096", 4096, false}, {"esn32", 32, true}, {"esn128", 128, true}, {"esn4096", 4096, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplay(tc.window, tc.esn, ReplayState{})
			w := tc.window
			old := replayStep{10, replayTooOld, false}
			old2 := replayStep{3*w + 20, replayTooOld, false}
			if tc.esn {
				old = replayStep{10, replayOK, true}
				old2 = replayStep{3*w + 20, replayOK, true}
			}
			steps := []replayStep{
				{1, replayOK, false}, {1, replayDup, false}, {3, replayOK, false}, {2, replayOK, false}, {2, replayDup, false},
				{w + 10, replayOK, false},   // jump
				{11, replayOK, false},       // oldest in window: w+10-(w-1)
				old,                         // just outside
				{w + 9, replayOK, false},    // inside
				{w + 9, replayDup, false},   // duplicate
				{w + 10, replayDup, false},  // top duplicate
				{4*w + 20, replayOK, false}, // jump past the window clears it
				{4*w + 19, replayOK, false}, // bit cleared by the jump
				{3*w + 21, replayOK, false}, // bottom edge
				old2,                        // out
			}
			if !tc.esn {
				steps = append(steps, replayStep{0, replayZero, false})
			}
			runReplay(t, &r, steps)
			wantWin := uint32(2)
			if tc.esn {
				wantWin = 0
			}
			if r.ReplayErrs != 4 || r.ReplayWindowErrs != wantWin {
				t.Errorf("stats: replay %d window %d", r.ReplayErrs, r.ReplayWindowErrs)
			}
		})
	}
}

func TestReplayESNWrap(t *testing.T) {
	r := newReplay(64, true, ReplayState{Seq: 0xffffffc0, SeqHi: 0})
	runReplay(t, &r, []replayStep{
		{0xfffffffe, replayOK, false},
		{0xffffffff, replayOK, false},
		{0x00000002, replayOK, false}, // wraps: high half becomes 1
	})
	if r.SeqHi != 1 || r.Seq != 2 {
		t.Fatalf("after wrap: hi %d seq %#x", r.SeqHi, r.Seq)
	}
	// Late packet from the previous subspace, still in the window.
	if hi := r.InferSeqHi(0xfffffffd); hi != 0 {
		t.Fatalf("inferred hi %d for late packet", hi)
	}
	runReplay(t, &r, []replayStep{
		{0xfffffffd, replayOK, false},
		{0xfffffffe, replayDup, false},
		{0xffffffc2, replayOK, true}, // below the window: read as the next subspace, fails its ICV
		{0x00000001, replayOK, false},
		{0x00000000, replayOK, false}, // seq 0 with ESN in the high subspace is fine
		{0x00000001, replayDup, false},
	})
	if hi := r.InferSeqHi(0x10); hi != 1 {
		t.Fatalf("hi %d", hi)
	}
}

func TestReplayDisabled(t *testing.T) {
	r := newReplay(0, false, ReplayState{})
	runReplay(t, &r, []replayStep{{5, replayOK, false}, {5, replayOK, false}, {0, replayOK, false}})
}

func TestOutputSeqOverflow(t *testing.T) {
	r := newReplay(0, false, ReplayState{OSeq: 0xfffffffe})
	if s, ok := r.nextOutput(false); !ok || s != 0xffffffff {
		t.Fatalf("got %#x %v", s, ok)
	}
	if _, ok := r.nextOutput(false); ok {
		t.Fatal("overflow not detected")
	}
	if r.OSeq != 0xffffffff {
		t.Fatalf("oseq changed: %#x", r.OSeq)
	}
	if s, ok := r.nextOutput(true); !ok || s != 0 {
		t.Fatalf("oseq-may-wrap: %#x %v", s, ok)
	}
	e := newReplay(32, true, ReplayState{OSeq: 0xffffffff, OSeqHi: 7})
	if s, ok := e.nextOutput(false); !ok || s != 8<<32 {
		t.Fatalf("esn: %#x %v", s, ok)
	}
	e = newReplay(32, true, ReplayState{OSeq: 0xffffffff, OSeqHi: 0xffffffff})
	if _, ok := e.nextOutput(false); ok {
		t.Fatal("esn overflow not detected")
	}
}
