package macvtap_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
	"github.com/softnet/softnet/netdev"
)

// The kernel peer's guest (../shared/kernel-peer): a Debian 6.1 kernel
// booted by QEMU whose first NIC is attached to a softnet macvtap queue
// through -netdev stream. The guest configures 192.0.2.2/24 on eth0 from
// its command line; softnet's "server" namespace owns 192.0.2.1/24 on the
// other end of the macvtap's lower device.
const (
	kpCache    = "/var/cache/kernel-peer"
	kpGuestMAC = "52:54:00:00:01:02"
)

func qemuPrereqs(t *testing.T) (kernel, initrd string) {
	t.Helper()
	if os.Getenv("SOFTNET_QEMU") == "" {
		t.Skip("real-QEMU guest test: set SOFTNET_QEMU=1 to boot the kernel peer's Debian guest on a macvtap queue " +
			"(needs root, qemu-system-x86_64 and ../shared/kernel-peer/build.sh's cache in " + kpCache + "; ~30 s under TCG)")
	}
	if os.Geteuid() != 0 {
		t.Skip("real-QEMU guest test needs root (the kernel peer's 9p share and QEMU run as root)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("real-QEMU guest test: qemu-system-x86_64 not installed")
	}
	kernel = filepath.Join(kpCache, "vmlinux")
	if _, err := os.Stat(kernel); err != nil {
		kernel = filepath.Join(kpCache, "vmlinuz")
	}
	initrd = filepath.Join(kpCache, "initramfs.cpio.gz")
	for _, f := range []string{kernel, initrd} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("real-QEMU guest test: %s missing; run ../shared/kernel-peer/build.sh", f)
		}
	}
	return kernel, initrd
}

func TestQEMUGuestOnMacvtap(t *testing.T) {
	kernel, initrd := qemuPrereqs(t)
	dir := t.TempDir()
	share := filepath.Join(dir, "share")
	if err := os.MkdirAll(filepath.Join(share, "jobs"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnvLoop(t, netdev.NewRealLoop(2), nil)
	gm, _ := netdev.ParseHWAddr(kpGuestMAC)
	mode := macvlan.ModeBridge
	d, err := e.ns.NewLink(&netdev.LinkRequest{Name: "macvtap0", Kind: "macvtap", Link: "eth0", Address: gm, Up: ptr(true),
		Data: &macvlan.Data{Mode: &mode}})
	if err != nil {
		t.Fatal(err)
	}
	srv := e.peer.DeviceByName("eth0")
	if err := inet.AddAddr(e.peer, inet.Addr{Ifindex: srv.Index(), Prefix: netip.MustParsePrefix("192.0.2.1/24")}, false); err != nil {
		t.Fatal(err)
	}
	q, err := macvtap.Open(macvtap.TapOf(d))
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "q.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- macvtap.ListenStream(ctx, l, q) }()
	defer func() {
		cancel()
		<-served
		q.Close()
	}()

	qemu := exec.Command("qemu-system-x86_64",
		"-machine", "pc", "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", "512",
		"-nodefaults", "-no-user-config", "-display", "none", "-vga", "none", "-no-reboot",
		"-kernel", kernel, "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 loglevel=4 ipv6.disable_ipv6=1 kp.ip0=192.0.2.2/24",
		"-serial", "file:"+filepath.Join(dir, "console.log"),
		"-netdev", "stream,id=n0,server=off,addr.type=unix,addr.path="+sock,
		"-device", "virtio-net-pci,netdev=n0,mac="+kpGuestMAC,
		"-fsdev", "local,id=fs0,path="+share+",security_model=none",
		"-device", "virtio-9p-pci,fsdev=fs0,mount_tag=kpshare")
	qemu.Stdout, qemu.Stderr = os.Stderr, os.Stderr
	if err := qemu.Start(); err != nil {
		t.Fatalf("qemu: %v", err)
	}
	defer func() {
		qemu.Process.Kill()
		qemu.Wait()
	}()
	if err := waitFile(filepath.Join(share, "ready"), 180*time.Second); err != nil {
		console, _ := os.ReadFile(filepath.Join(dir, "console.log"))
		t.Fatalf("guest not ready: %v\nconsole:\n%s", err, console)
	}
	// The guest pings softnet's server through the macvtap.
	out, rc, err := guestExec(share, "/bin/ping -c 3 -W 5 192.0.2.1", 60*time.Second)
	if err != nil || rc != 0 {
		t.Fatalf("guest ping: rc %d, %v\n%s", rc, err, out)
	}
	t.Logf("guest:\n%s", out)
	// softnet's server pings the guest.
	got := make(chan struct{}, 8)
	c, err := inet.DialICMP(e.peer, inet.FamilyV4, func(ev inet.EchoEvent) {
		if ev.Reply {
			got <- struct{}{}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 3 {
		if err := c.SendEcho(netip.MustParseAddr("192.0.2.2"), inet.EchoOpts{ID: 7, Seq: uint16(i + 1)}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			t.Fatalf("no echo reply %d from the guest", i+1)
		}
	}
}

// waitFile polls for a file the guest writes into the 9p share.
func waitFile(path string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timeout waiting for " + path)
		}
		time.Sleep(50 * time.Millisecond) // polling a file written by another machine
	}
}

// guestExec runs cmd in the guest through the kernel peer's job agent
// (jobs/<id>.cmd → <id>.out, <id>.rc), as gexec.sh does.
func guestExec(share, cmd string, limit time.Duration) (string, int, error) {
	id := fmt.Sprint(time.Now().UnixNano())
	jobs := filepath.Join(share, "jobs")
	tmp := filepath.Join(jobs, "."+id+".tmp")
	if err := os.WriteFile(tmp, []byte(cmd+"\n"), 0o644); err != nil {
		return "", -1, err
	}
	if err := os.Rename(tmp, filepath.Join(jobs, id+".cmd")); err != nil {
		return "", -1, err
	}
	if err := waitFile(filepath.Join(jobs, id+".rc"), limit); err != nil {
		return "", -1, err
	}
	out, _ := os.ReadFile(filepath.Join(jobs, id+".out"))
	var rc int
	b, _ := os.ReadFile(filepath.Join(jobs, id+".rc"))
	fmt.Sscan(string(b), &rc)
	return string(out), rc, nil
}
