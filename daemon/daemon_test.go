package daemon

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
)

// TestAPIRoundTrip: over the socket, commands print exactly what iproute
// prints in-process, with the same status.
func TestAPIRoundTrip(t *testing.T) {
	d := newDaemon(t, "", 0)
	c, _ := serve(t, d)
	ref := netdev.NewWorld(netdev.Options{Rand: func(p []byte) { clear(p) }})
	defer ref.Close()
	env := &iproute.Env{World: ref, NS: ref.Init()}
	for _, line := range []string{
		"ip link add d0 type dummy",
		"ip link add d0 type dummy",
		"ip -j link show dev lo",
		"ip addr add 192.0.2.1/24 dev d0",
		"ip -4 addr show dev d0",
		"ip route show",
		"ip link show nosuchdev",
		"ip link frobnicate",
		"tc qdisc show dev lo",
		"ip netns add b",
		"ip -n b link show",
		"ip -n nope link show",
	} {
		words := strings.Fields(line)
		resp, err := c.Do(&Request{Cmd: words[0], Argv: words[1:]})
		if err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		var rc int
		if words[0] == "ip" {
			rc = iproute.IP(env, words[1:], &out, &errb)
		} else {
			rc = iproute.TC(env, words[1:], &out, &errb)
		}
		got := Response{Stdout: resp.Stdout, Stderr: resp.Stderr, Status: resp.Status}
		want := Response{Stdout: out.String(), Stderr: errb.String(), Status: rc}
		// Lines with a random MAC (link/ether) differ between the worlds.
		if diff := cmp.Diff(want, got); diff != "" && !strings.Contains(want.Stdout, "link/ether") {
			t.Errorf("%s: (-iproute +daemon)\n%s", line, diff)
		}
	}
	// -n through the request's netns field.
	resp, err := c.Do(&Request{Cmd: "ip", Argv: []string{"link", "show"}, Netns: "b"})
	if err != nil || resp.Status != 0 || !strings.Contains(resp.Stdout, "1: lo:") {
		t.Errorf("netns b: %+v %v", resp, err)
	}
	resp, _ = c.Do(&Request{Cmd: "sysctl", Argv: []string{"-w", "net.ipv4.ip_forward=1"}})
	if resp.Status != 0 || resp.Stdout != "net.ipv4.ip_forward = 1\n" {
		t.Errorf("sysctl: %+v", resp)
	}
	resp, _ = c.Do(&Request{Cmd: CmdPing})
	if resp.Stdout != "pong\n" {
		t.Errorf("ping: %+v", resp)
	}
}

// TestTypedLinkRequests: link-add/set/del with a netdev.LinkRequest.
func TestTypedLinkRequests(t *testing.T) {
	d := newDaemon(t, "", 0)
	c, _ := serve(t, d)
	for _, tc := range []struct {
		line   string
		status int
		stderr string
	}{
		{`{"cmd":"link-add","link":{"ifname":"t0","kind":"dummy","mtu":1300}}`, 0, ""},
		{`{"cmd":"link-add","link":{"ifname":"t0","kind":"dummy"}}`, 2, "RTNETLINK answers: File exists\n"},
		{`{"cmd":"link-add","link":{"ifname":"t1","kind":"nosuchkind"}}`, 2, ""},
		{`{"cmd":"link-set","dev":"t0","link":{"up":true,"ifalias":"x"}}`, 0, ""},
		{`{"cmd":"link-set","dev":"zz","link":{"up":true}}`, 1, "Cannot find device \"zz\"\n"},
		{`{"cmd":"link-add","link":{"ifname":"v0","kind":"veth","data":{"peer":{"ifname":"v1"}}}}`, 0, ""},
		{`{"cmd":"link-del","dev":"t0"}`, 0, ""},
	} {
		resp, err := c.DoRaw([]byte(tc.line + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != tc.status || tc.stderr != "" && resp.Stderr != tc.stderr {
			t.Errorf("%s: got %+v, want status %d stderr %q", tc.line, resp, tc.status, tc.stderr)
		}
	}
	out := run(t, d, "", "ip link show").Stdout
	if strings.Contains(out, "t0") || !strings.Contains(out, "v1@v0") {
		t.Errorf("links after typed requests:\n%s", out)
	}
}

// TestStrictDecoding: bad requests get clear errors and the connection
// (and daemon) keep working.
func TestStrictDecoding(t *testing.T) {
	d := newDaemon(t, "", 0)
	c, _ := serve(t, d)
	for _, tc := range []struct{ line, want string }{
		{`{"cmd":`, "malformed JSON"},
		{`not json`, "malformed JSON at byte"},
		{`{"cmd":"ip","argvv":["link"]}`, `unknown field "argvv"`},
		{`{"cmd":"ip","argv":"link show"}`, `wrong type for "argv": got JSON string, want []string`},
		{`{"cmd":7}`, `wrong type for "cmd"`},
		{`{"cmd":"ip","link":{"mtu":"big"}}`, `wrong type for "link.mtu"`},
		{`{"cmd":"ping"} {"cmd":"ping"}`, "data after the JSON object"},
		{`{}`, `missing "cmd"`},
		{`[1,2]`, "wrong type"},
		{`{"cmd":"rm -rf"}`, `unknown command "rm -rf"`},
		{`{"cmd":"link-del"}`, `needs "dev"`},
		{`{"cmd":"capture","dev":"lo","direction":"up"}`, `direction "up"`},
		{`{"cmd":"ip","argv":["a\u0000b"]}`, "NUL"},
		{`{"cmd":"link-add","link":{"ifname":"x","kind":"veth","data":{"peer":7}}}`, "kind veth data"},
	} {
		resp, err := c.DoRaw([]byte(tc.line + "\n"))
		if err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		if resp.Status == 0 || !strings.Contains(resp.Stderr, tc.want) {
			t.Errorf("%s: got %+v, want an error containing %q", tc.line, resp, tc.want)
		}
	}
	resp, err := c.Do(&Request{Cmd: CmdPing})
	if err != nil || resp.Stdout != "pong\n" {
		t.Fatalf("connection broken after bad requests: %+v %v", resp, err)
	}
}

// TestOversize: a request over 1 MiB is refused and the connection closed;
// the daemon serves the next one.
func TestOversize(t *testing.T) {
	d := newDaemon(t, "", 0)
	c, path := serve(t, d)
	big := append([]byte(`{"cmd":"ip","argv":["`), bytes.Repeat([]byte("a"), MaxRequestSize)...)
	big = append(big, `"]}`+"\n"...)
	resp, err := c.DoRaw(big)
	if err != nil && !strings.Contains(err.Error(), "reset") && !strings.Contains(err.Error(), "broken pipe") {
		t.Fatal(err)
	}
	if err == nil && !strings.Contains(resp.Stderr, "larger than 1 MiB") {
		t.Errorf("oversize: %+v", resp)
	}
	c2, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if resp, err := c2.Do(&Request{Cmd: CmdPing}); err != nil || resp.Status != 0 {
		t.Errorf("after oversize: %+v %v", resp, err)
	}
}

func TestDecodeLimit(t *testing.T) {
	if _, err := DecodeRequest(make([]byte, MaxRequestSize+1)); err != ErrTooLarge {
		t.Errorf("err = %v", err)
	}
	if _, err := DecodeRequest([]byte("  \n")); err != ErrEmpty {
		t.Errorf("err = %v", err)
	}
}

// TestPeerCredentials: root and the daemon's user pass, others are
// refused before any request runs.
func TestPeerCredentials(t *testing.T) {
	for _, tc := range []struct {
		uid, daemon int
		ok          bool
	}{{0, 1000, true}, {1000, 1000, true}, {1001, 1000, false}, {0, 0, true}, {65534, 0, false}} {
		err := authorize(Cred{UID: tc.uid}, tc.daemon)
		if (err == nil) != tc.ok {
			t.Errorf("uid %d, daemon uid %d: %v", tc.uid, tc.daemon, err)
		}
	}
	d := newDaemon(t, "", 0)
	var seen Cred
	d.peerCred = func(conn any) (Cred, error) {
		cred, err := peerCredentials(conn)
		seen = cred
		cred.UID = d.uid + 4242 // as if another user connected
		return cred, err
	}
	c, _ := serve(t, d)
	resp, err := c.Do(&Request{Cmd: "ip", Argv: []string{"link", "add", "x0", "type", "dummy"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status == 0 || !strings.Contains(resp.Stderr, "permission denied") {
		t.Errorf("another user: %+v", resp)
	}
	if seen.UID != os.Geteuid() || seen.PID != os.Getpid() {
		t.Errorf("SO_PEERCRED = %+v, want uid %d pid %d", seen, os.Geteuid(), os.Getpid())
	}
	if d.world.Init().DeviceByName("x0") != nil {
		t.Error("a refused client's command ran")
	}
}

// TestListenStaleSocket: a socket left by a crashed daemon is replaced, a
// live one is not; the socket is 0600.
func TestListenStaleSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "s.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v %v", st.Mode(), err)
	}
	if _, err := Listen(path); err == nil || !strings.Contains(err.Error(), "already listening") {
		t.Errorf("second Listen: %v", err)
	}
	l.SetUnlinkOnClose(false)
	l.Close() // leaves the file, as a crash does
	l2, err := Listen(path)
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	l2.Close()
	if _, err := Dial(path); err == nil {
		t.Error("Dial after close succeeded")
	}
}
