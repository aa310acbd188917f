package kernelpeer

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// EnterNetns moves the calling goroutine, locked to its OS thread, into the
// named network namespace (/var/run/netns/NAME, e.g. the guest's host-side
// namespace) and moves it back when the test ends.
func EnterNetns(t testing.TB, name string) {
	t.Helper()
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	fd, err := unix.Open("/var/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(orig)
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
		unix.Close(orig)
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = unix.Setns(orig, unix.CLONE_NEWNET)
		unix.Close(orig)
		runtime.UnlockOSThread()
	})
}
