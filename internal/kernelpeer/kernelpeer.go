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
	"strings"
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

// ShareDir is the host directory of the guest named name that its /host
// is mounted from (the harness's $KP_RUN/share; KP_RUNROOT as in its
// common.sh).
func ShareDir(name string) string {
	root := os.Getenv("KP_RUNROOT")
	if root == "" {
		root = "/tmp/kernel-peer"
	}
	return filepath.Join(root, name, "share")
}

// GuestTool builds the Go command pkg (an import path of this module, e.g.
// ".../internal/kernelpeer/udpencap") statically for the guest into the
// share of the running guest named name, and returns its path in the
// guest (/host/BASENAME). The guest image has busybox, bash, iproute2 and
// tcpdump but no perl or python, so small helpers travel this way.
func GuestTool(t testing.TB, name, pkg string) string {
	t.Helper()
	base := filepath.Base(pkg)
	cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(ShareDir(name), base), pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s for the guest: %v\n%s", pkg, err, out)
	}
	return "/host/" + base
}

// GuestModules extracts kernel modules that the guest image lacks (paths
// under lib/modules/VERSION/kernel/, e.g. "net/ipv6/esp6.ko") from the
// kernel package build.sh downloaded into the share of the running guest
// named name, and returns their paths in the guest, for insmod in the
// order given. The image carries only build.sh's WANT closure (esp4, not
// esp6 or xfrm4_tunnel), and rebuilding the shared image is not a test's
// business.
func GuestModules(t testing.TB, name string, mods ...string) []string {
	t.Helper()
	env, err := os.ReadFile(filepath.Join(Cache, "kernel-peer.env"))
	if err != nil {
		t.Fatal(err)
	}
	var deb string
	for _, l := range strings.Split(string(env), "\n") {
		if v, ok := strings.CutPrefix(l, "KP_KDEB="); ok {
			deb = v
		}
	}
	if deb == "" {
		t.Fatalf("no KP_KDEB in %s/kernel-peer.env", Cache)
	}
	dir := filepath.Join(ShareDir(name), "modules")
	args := []string{"-x", "-C", dir, "--wildcards"}
	for _, m := range mods {
		args = append(args, "*/kernel/"+m)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sh := exec.Command("sh", append([]string{"-c", `dpkg-deb --fsys-tarfile "$0" | tar "$@"`, deb}, args...)...)
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("extracting %v from %s: %v\n%s", mods, deb, err, out)
	}
	var paths []string
	for _, m := range mods {
		found, _ := filepath.Glob(filepath.Join(dir, "lib", "modules", "*", "kernel", m))
		if len(found) != 1 {
			t.Fatalf("module %s not in %s", m, deb)
		}
		rel, _ := filepath.Rel(ShareDir(name), found[0])
		paths = append(paths, "/host/"+rel)
	}
	return paths
}
