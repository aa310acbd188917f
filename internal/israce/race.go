//go:build race

// Package israce reports whether the race detector is on. Allocation tests
// skip under it: sync.Pool drops items at random when racing is enabled.
package israce

// Enabled is true when built with -race.
const Enabled = true
