// Package kernelpeer is test support for the differential tests against a
// real Linux kernel: the harness in ../shared/kernel-peer (a Debian 6.1
// kernel booted in QEMU whose NICs are TAPs in a host network namespace).
//
// Those tests are opt-in: they boot a VM. They run when
// SOFTNET_KERNEL_PEER=1, as root, with qemu-system-x86_64 installed and the
// harness built (its build.sh); otherwise they skip with a message saying
// which of these is missing. CI sets SOFTNET_KERNEL_PEER=1 on this machine.
package kernelpeer

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Cache is where the harness's build.sh leaves the kernel and initramfs.
const Cache = "/var/cache/kernel-peer"

// Dir returns the harness directory: $SOFTNET_KERNEL_PEER_DIR, or
// shared/kernel-peer beside the module's root directory (the layout of a
// developer's checkout and of CI's clone), or "" if neither exists.
func Dir() string {
	if d := os.Getenv("SOFTNET_KERNEL_PEER_DIR"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			cand := filepath.Join(filepath.Dir(d), "shared", "kernel-peer")
			if _, err := os.Stat(filepath.Join(cand, "boot.sh")); err == nil {
				return cand
			}
			return ""
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Require skips t unless a kernel-peer test can run here, and returns the
// harness directory.
func Require(t testing.TB) string {
	t.Helper()
	if os.Getenv("SOFTNET_KERNEL_PEER") != "1" {
		t.Skip("kernel-peer test: set SOFTNET_KERNEL_PEER=1 to boot a Linux guest (needs root and QEMU)")
	}
	if os.Geteuid() != 0 {
		t.Skip("kernel-peer test: needs root (network namespaces, TAP devices)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("kernel-peer test: no qemu-system-x86_64")
	}
	dir := Dir()
	if dir == "" {
		t.Skip("kernel-peer test: no harness (set SOFTNET_KERNEL_PEER_DIR or put shared/kernel-peer beside the checkout)")
	}
	if _, err := os.Stat(filepath.Join(Cache, "kernel-peer.env")); err != nil {
		t.Skipf("kernel-peer test: harness not built (run %s/build.sh)", dir)
	}
	return dir
}

// Script runs one of the harness's scripts for the guest named name (its
// KP_NAME: a network namespace and a VM of the test's own, never the shared
// kvmpeer) and returns the combined output.
func Script(name, script string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(Dir(), script), args...)
	cmd.Env = append(os.Environ(), "KP_NAME="+name)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// MustScript is Script that fails the test on error.
func MustScript(t testing.TB, name, script string, args ...string) string {
	t.Helper()
	out, err := Script(name, script, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", script, args, err, out)
	}
	return out
}
