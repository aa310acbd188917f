package daemon

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newDaemon starts a daemon on a simulated loop (so runs are
// deterministic and goroutine-free) with the given state directory.
func newDaemon(t *testing.T, dir string, compact int) *Daemon {
	t.Helper()
	d, err := New(Config{StateDir: dir, Loop: netdev.NewSimLoop(time.Unix(0, 0)), Logger: quiet, CompactEvery: compact})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// serve starts d on a socket in a temp directory and returns a client.
func serve(t *testing.T, d *Daemon) (*Client, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Serve(l) }()
	t.Cleanup(func() {
		d.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, path
}

// crash abandons d as kill -9 would: nothing is flushed or compacted.
func crash(d *Daemon) {
	d.store.f.Close()
	d.world.Close()
}

// run executes one command line ("ip …", "tc …") and fails on a non-zero
// status unless want says otherwise.
func run(t *testing.T, d *Daemon, netns, line string) Response {
	t.Helper()
	words := strings.Fields(line)
	resp := d.Exec(&Request{Cmd: words[0], Argv: words[1:], Netns: netns})
	if resp.Status != 0 {
		t.Fatalf("%s: status %d: %s", line, resp.Status, resp.Stderr)
	}
	return resp
}

// config is the configuration a test compares before and after a restart.
var showCommands = []string{
	"ip -d link show", "ip addr show", "ip route show", "ip route show table all",
	"ip neigh show", "tc qdisc show", "ip netns list",
}

func dump(t *testing.T, d *Daemon) string {
	t.Helper()
	var sb strings.Builder
	for _, ns := range append([]string{""}, namespaces(d)...) {
		for _, c := range showCommands {
			words := strings.Fields(c)
			resp := d.Exec(&Request{Cmd: words[0], Argv: words[1:], Netns: ns})
			sb.WriteString("== " + ns + ": " + c + "\n" + resp.Stdout + resp.Stderr)
		}
	}
	return sb.String()
}

func namespaces(d *Daemon) []string {
	var out []string
	for _, ns := range d.world.Namespaces() {
		if !ns.IsInit() {
			out = append(out, ns.Name())
		}
	}
	return out
}

// configure is a small configuration touching devices, addresses, routes,
// neighbours, tc and namespaces.
var configure = []struct{ netns, line string }{
	{"", "ip netns add b"},
	{"", "ip link add d0 type dummy"},
	{"", "ip link set d0 up mtu 1400"},
	{"", "ip addr add 192.0.2.1/24 dev d0"},
	{"", "ip link add v0 type veth peer name v1 netns b"},
	{"", "ip link set v0 up"},
	{"b", "ip link set v1 up"},
	{"b", "ip addr add 198.51.100.2/24 dev v1"},
	{"", "ip addr add 198.51.100.1/24 dev v0"},
	{"", "ip route add 203.0.113.0/24 via 198.51.100.2"},
	{"", "ip neigh add 192.0.2.9 lladdr 02:00:00:00:00:09 dev d0"},
	{"", "tc qdisc add dev v0 clsact"},
	{"", "ip link set d0 alias uplink"},
}

func checkBalance(t *testing.T) { packettest.CheckBalance(t) }

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
