// Package privtest runs privileged tests in isolated network namespaces,
// as cilium's pkg/testutils/privileged.go does: each test named TestPriv…
// calls Netns first, which locks the test goroutine to its OS thread, moves
// that thread into a fresh network namespace (lo up) and moves it back when
// the test ends, or skips the test with a clear message when the process
// lacks root / CAP_SYS_ADMIN / CAP_NET_ADMIN or the kernel lacks what the
// test needs (/dev/net/tun).
//
// File descriptors (TUN queues, sockets) belong to the namespace of the
// thread that opened them, so open them on the test goroutine; goroutines
// started later (device readers) may run anywhere.
package privtest

import "testing"

// NS is a network namespace created for a test.
type NS struct {
	fd   int
	name string
}

// Name is a label for messages ("a", "b").
func (n *NS) Name() string { return n.name }

// Netns moves the test into a fresh network namespace and returns it. It
// skips the test when that is not possible.
func Netns(t testing.TB) *NS {
	t.Helper()
	return netns(t)
}

// Another creates a second fresh namespace without entering it; use Do to
// run code in it. The test must already be in a namespace from Netns.
func Another(t testing.TB, name string) *NS {
	t.Helper()
	return another(t, name)
}

// Do runs f with the test's thread in namespace n, then returns to the
// namespace it was in.
func (n *NS) Do(t testing.TB, f func()) {
	t.Helper()
	do(t, n, f)
}

// RequireTun skips the test when /dev/net/tun cannot be opened.
func RequireTun(t testing.TB) {
	t.Helper()
	requireTun(t)
}
