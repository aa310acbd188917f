//go:build !linux

package privtest

import "testing"

func netns(t testing.TB) *NS {
	t.Skip("privileged test: network namespaces are Linux-only")
	return nil
}

func another(t testing.TB, name string) *NS {
	t.Skip("privileged test: network namespaces are Linux-only")
	return nil
}

func do(t testing.TB, n *NS, f func()) { f() }

func requireTun(t testing.TB) { t.Skip("privileged test: TUN is Linux-only") }
