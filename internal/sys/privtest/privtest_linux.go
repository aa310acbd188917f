package privtest

import (
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/softnet/softnet/internal/sys"
)

func openSelf() (int, error) {
	return unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
}

func netns(t testing.TB) *NS {
	if os.Geteuid() != 0 {
		t.Skip("privileged test: needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) to create a network namespace; run as root")
	}
	runtime.LockOSThread()
	orig, err := openSelf()
	if err != nil {
		runtime.UnlockOSThread()
		t.Skipf("privileged test: cannot open /proc/thread-self/ns/net: %v", err)
	}
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		unix.Close(orig)
		runtime.UnlockOSThread()
		t.Skipf("privileged test: unshare(CLONE_NEWNET): %v (needs CAP_SYS_ADMIN)", err)
	}
	self, err := openSelf()
	if err != nil {
		t.Fatalf("open new netns: %v", err)
	}
	t.Cleanup(func() {
		unix.Close(self)
		err := unix.Setns(orig, unix.CLONE_NEWNET)
		unix.Close(orig)
		if err == nil {
			runtime.UnlockOSThread()
		} // else: the thread stays locked and dies with the goroutine
	})
	if err := sys.LinkUp("lo", true); err != nil {
		t.Fatalf("lo up: %v", err)
	}
	return &NS{fd: self, name: "a"}
}

func another(t testing.TB, name string) *NS {
	cur, err := openSelf()
	if err != nil {
		t.Fatalf("open netns: %v", err)
	}
	defer unix.Close(cur)
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		t.Fatalf("unshare(CLONE_NEWNET): %v", err)
	}
	fd, err := openSelf()
	if err == nil {
		err = sys.LinkUp("lo", true)
	}
	if serr := unix.Setns(cur, unix.CLONE_NEWNET); serr != nil {
		t.Fatalf("setns back: %v", serr)
	}
	if err != nil {
		t.Fatalf("new netns: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return &NS{fd: fd, name: name}
}

func do(t testing.TB, n *NS, f func()) {
	cur, err := openSelf()
	if err != nil {
		t.Fatalf("open netns: %v", err)
	}
	defer unix.Close(cur)
	if err := unix.Setns(n.fd, unix.CLONE_NEWNET); err != nil {
		t.Fatalf("setns %s: %v", n.name, err)
	}
	defer func() {
		if err := unix.Setns(cur, unix.CLONE_NEWNET); err != nil {
			panic("privtest: cannot return to the test's namespace: " + err.Error())
		}
	}()
	f()
}

func requireTun(t testing.TB) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("privileged test: /dev/net/tun unavailable: %v", err)
	}
	unix.Close(fd)
}
