package daemon

import (
	"crypto/rand"
	"sync"
)

// randSource is the world's random source. While a change is applied it
// records what it hands out, so the journal can keep it; while a journal
// entry is replayed it hands back the recorded bytes first, so the
// replayed command picks the same MAC addresses and seeds.
type randSource struct {
	mu        sync.Mutex
	recording bool
	rec       []byte
	replay    []byte
}

// Read fills p (the netdev.Options.Rand signature).
func (r *randSource) Read(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := copy(p, r.replay)
	r.replay = r.replay[n:]
	if n < len(p) {
		_, _ = rand.Read(p[n:]) // crypto/rand.Read never fails on Linux
	}
	if r.recording {
		r.rec = append(r.rec, p...)
	}
}

// begin starts recording, serving replay first.
func (r *randSource) begin(replay []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recording, r.rec, r.replay = true, nil, replay
}

// end stops recording and returns the bytes handed out since begin.
func (r *randSource) end() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.rec
	r.recording, r.rec, r.replay = false, nil, nil
	return rec
}
