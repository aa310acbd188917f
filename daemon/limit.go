package daemon

import (
	"sync"
	"time"
)

// limiter lets one log line through per interval: anything that can
// happen per packet is logged through one.
type limiter struct {
	mu    sync.Mutex
	every time.Duration
	last  time.Time
}

func newLimiter(every time.Duration) *limiter { return &limiter{every: every} }

// allow reports whether a line may be logged now.
func (l *limiter) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < l.every {
		return false
	}
	l.last = now
	return true
}
