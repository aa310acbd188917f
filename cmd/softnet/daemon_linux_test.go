package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/softnet/softnet/internal/sys/privtest"
)

// TestMain lets the test binary act as the softnet command, so the
// privileged test can run `softnet daemon` as a real subprocess.
func TestMain(m *testing.M) {
	if os.Getenv("SOFTNET_TEST_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// startDaemon runs `softnet daemon` as a subprocess (in the test's
// namespace: the test thread is locked in it) and waits for its
// "daemon listening" log line.
func startDaemon(t *testing.T, state, sock string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "daemon", "--state", state, "--socket", sock)
	cmd.Env = append(os.Environ(), "SOFTNET_TEST_AS_MAIN=1")
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(logs)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.Contains(sc.Text(), "daemon listening") {
			go io.Copy(io.Discard, logs)
			return cmd
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	t.Fatalf("daemon did not start:\n%s", strings.Join(seen, "\n"))
	return nil
}

// client runs `softnet ip/tc …` in-process against SOFTNET_SOCKET.
func client(t *testing.T, line string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	rc := run(strings.Fields(line), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), rc
}

// TestPrivDaemonKill9: the daemon, a real process, is killed with SIGKILL
// in the middle of a configuration and restarted: every acknowledged
// command is back (a host TUN device included), and softnet ip works
// against it.
func TestPrivDaemonKill9(t *testing.T) {
	privtest.Netns(t)
	privtest.RequireTun(t)
	dir := t.TempDir()
	state, sock := filepath.Join(dir, "state"), filepath.Join(dir, "softnet.sock")
	t.Setenv("SOFTNET_SOCKET", sock)
	d := startDaemon(t, state, sock)
	lines := []string{
		"ip link add d0 type dummy",
		"ip link set d0 up",
		"ip addr add 192.0.2.1/24 dev d0",
		"ip link add t0 type host-tun host-name sntest0",
		"ip link set t0 up",
		"ip route add 203.0.113.0/24 dev t0",
		"ip netns add b",
		"ip -n b link add d1 type dummy",
	}
	// Kill in the middle: the first half acknowledged, a stream of further
	// commands in flight when SIGKILL lands.
	for _, l := range lines[:5] {
		if _, stderr, rc := client(t, l); rc != 0 {
			t.Fatalf("%s: %d %s", l, rc, stderr)
		}
	}
	want, _, _ := client(t, "ip -d link show")
	wantAddr, _, _ := client(t, "ip addr show dev d0")
	inflight := make(chan int)
	progress := make(chan struct{}, 1000)
	go func() {
		n := 0
		for i := 0; i < 1000; i++ {
			var out, errb bytes.Buffer
			if run([]string{"ip", "link", "add", "x" + strconv.Itoa(i), "type", "dummy"}, nil, &out, &errb) != 0 {
				break
			}
			n++
			progress <- struct{}{}
		}
		inflight <- n
	}()
	for range 10 {
		<-progress // some of the stream acknowledged: kill it mid-flight
	}
	d.Process.Signal(syscall.SIGKILL)
	d.Wait()
	acked := <-inflight

	d = startDaemon(t, state, sock)
	defer func() {
		d.Process.Signal(syscall.SIGTERM)
		d.Wait()
	}()
	got, _, _ := client(t, "ip -d link show")
	for _, l := range strings.Split(want, "\n") {
		if strings.Contains(l, "x") && strings.Contains(l, ": x") {
			continue
		}
		if l != "" && !strings.Contains(got, l) {
			t.Errorf("after restart, missing %q in:\n%s", l, got)
		}
	}
	if gotAddr, _, _ := client(t, "ip addr show dev d0"); gotAddr != wantAddr {
		t.Errorf("addresses: got\n%s\nwant\n%s", gotAddr, wantAddr)
	}
	// Every acknowledged x device is back; at most one more (applied and
	// journaled, killed before the reply).
	n := strings.Count(got, ": x")
	if n < acked || n > acked+1 {
		t.Errorf("%d x devices after restart, %d were acknowledged", n, acked)
	}
	// The host TUN device exists again on the host.
	if _, err := net.InterfaceByName("sntest0"); err != nil {
		t.Errorf("host TUN not recreated: %v", err)
	}
	for _, l := range lines[5:] {
		if _, stderr, rc := client(t, l); rc != 0 {
			t.Fatalf("%s: %d %s", l, rc, stderr)
		}
	}
	out, _, _ := client(t, "ip -n b link show d1")
	if !strings.Contains(out, "d1:") {
		t.Errorf("ip -n b link show d1: %q", out)
	}
	if _, stderr, rc := client(t, "ip link add d0 type dummy"); rc != 2 || stderr != "RTNETLINK answers: File exists\n" {
		t.Errorf("duplicate add: %d %q", rc, stderr)
	}
}

// TestNoDaemon: without a daemon, ip says how to start one.
func TestNoDaemon(t *testing.T) {
	t.Setenv("SOFTNET_SOCKET", filepath.Join(t.TempDir(), "none.sock"))
	_, stderr, rc := client(t, "ip link show")
	if rc != 1 || !strings.Contains(stderr, "softnet daemon") || !strings.Contains(stderr, "softnet script") ||
		!strings.Contains(stderr, "softnet lab run") {
		t.Errorf("rc %d stderr %q", rc, stderr)
	}
}
