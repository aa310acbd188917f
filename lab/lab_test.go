package lab

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet/packettest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"empty", "", []string{"x.yaml: empty lab file"}},
		{"syntax", "hosts: [a\n", []string{"x.yaml:"}},
		{"not a map", "- a\n", []string{"x.yaml:1:1: expected a map"}},
		{"unknown key", "name: x\nhost:\n  a: {}\n", []string{`x.yaml:2:1: unknown key "host" (did you mean "hosts"?)`}},
		{"unknown host key", "hosts:\n  a: { scrpt: [] }\n", []string{`x.yaml:2:8: unknown key "scrpt" (did you mean "script"?)`}},
		{"no hosts", "name: x\n", []string{`no hosts`}},
		{"bad host name", "hosts:\n  \"a b\": {}\n", []string{`x.yaml:2:3: invalid host name "a b"`}},
		{"duplicate host", "hosts:\n  a: {}\n  a: {}\n", []string{`x.yaml:3:3: duplicate host "a"`}},
		{"link to unknown host", "hosts:\n  a: {}\n  r: {}\nlinks:\n  - { a: \"a:eth0\", b: \"s:eth9\" }\n",
			[]string{`x.yaml:5:23: link "a:eth0" - "s:eth9": no host "s" is declared`}},
		{"duplicate dev", "hosts:\n  a: {}\n  b: {}\nlinks:\n  - { a: \"a:eth0\", b: \"b:eth0\" }\n  - { a: \"a:eth0\", b: \"b:eth1\" }\n",
			[]string{`x.yaml:6:10: link "a:eth0" - "b:eth1": device "eth0" already exists on host "a" (line 5)`}},
		{"bad endpoint", "hosts:\n  a: {}\nlinks:\n  - { a: \"a\", b: \"a:x\" }\n", []string{`x.yaml:4:10: invalid link end "a" (want host:dev)`}},
		{"bad mtu", "hosts:\n  a: {}\n  b: {}\nlinks:\n  - { a: \"a:e\", b: \"b:e\", mtu: 9 }\n", []string{`mtu 9 out of range`}},
		{"bad percent", "hosts:\n  a: {}\n  b: {}\nlinks:\n  - { a: \"a:e\", b: \"b:e\", impair: { loss: 120% } }\n",
			[]string{`x.yaml:5:43: invalid percentage "120%"`}},
		{"bad duration", "hosts:\n  a: {}\n  b: {}\nlinks:\n  - { a: \"a:e\", b: \"b:e\", impair: { delay: 10 } }\n",
			[]string{`invalid duration "10"`}},
		{"reorder without delay", "hosts:\n  a: {}\n  b: {}\nlinks:\n  - { a: \"a:e\", b: \"b:e\", impair: { reorder: 5% } }\n",
			[]string{`reordering not possible without specifying some delay`}},
		{"bad rate", "hosts:\n  a: {}\n  b: {}\nlinks:\n  - { a: \"a:e\", b: \"b:e\", impair: { rate: 10furlongs } }\n",
			[]string{`invalid rate "10furlongs"`}},
		{"bad address", "hosts:\n  a: {}\nprobes:\n  - ping: { from: a, to: 192.0.2.300 }\n", []string{`x.yaml:4:26: invalid IP address "192.0.2.300"`}},
		{"probe kind", "hosts:\n  a: {}\nprobes:\n  - name: p\n", []string{`probe "p": needs "ping" or "udp"`}},
		{"wrong expectation", "hosts:\n  a: {}\nprobes:\n  - ping: { from: a, to: 192.0.2.1 }\n    expect: { latency_p50: 1ms }\n",
			[]string{`expectation "latency_p50" does not apply to ping probes`}},
		{"expectation unit", "hosts:\n  a: {}\nprobes:\n  - ping: { from: a, to: 192.0.2.1 }\n    expect: { rtt_max: 5 }\n",
			[]string{`expectation rtt_max: "5" is not a duration`}},
		{"alias", "hosts:\n  a: &x {}\n  b: *x\n", []string{`aliases`}},
		{"bad bool", "hosts:\n  a: { forwarding: yes }\n", []string{`x.yaml:2:20: invalid boolean "yes"`}},
		{"bad direction", "hosts:\n  a: {}\ncaptures:\n  - { host: a, dev: e, direction: sideways }\n", []string{`invalid direction "sideways"`}},
		{"unknown probe host", "hosts:\n  a: {}\nprobes:\n  - udp: { from: z, to: \"192.0.2.1:5\" }\n", []string{`no host "z" is declared`}},
		{"udp too small", "hosts:\n  a: {}\nprobes:\n  - udp: { from: a, to: \"192.0.2.1:5\", size: 4 }\n", []string{`size 4 out of range`}},
		{"families", "hosts:\n  a: {}\nprobes:\n  - ping: { from: a, to: 192.0.2.1, src: \"2001:db8::1\" }\n", []string{`different families`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !IsLoadError(err) {
				t.Errorf("error %T is not an ErrorList", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	src := `
hosts:
  a: { forwarding: true, sysctl: { net.ipv4.icmp_ratelimit: 0 }, script: [ "ip link set lo up" ] }
  b: {}
links:
  - { a: "a:eth0", b: "b:eth0", impair: { delay: 10ms, loss: 1%, b_to_a: { loss: 0%, rate: 1mbit } } }
probes:
  - ping: { from: a, to: 192.0.2.2 }
  - udp: { from: a, to: "[2001:db8::2]:5000" }
captures:
  - { host: a, dev: eth0 }
`
	l, err := Parse("lab/x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "x" || l.Seed != DefaultSeed || len(l.Hosts) != 2 || l.Hosts[0].Name != "a" {
		t.Errorf("lab %+v", l)
	}
	g := l.Probes[0].Ping
	if g.Count != DefaultPingCount || g.Size != DefaultPingSize || g.Interval.D != time.Second || l.Probes[0].Name != "ping a → 192.0.2.2" {
		t.Errorf("ping defaults %+v name %q", g, l.Probes[0].Name)
	}
	u := l.Probes[1].UDP
	if u.Count != DefaultUDPCount || u.Rate.PPS != DefaultUDPRate || u.SrcPort != DefaultUDPSrcPort {
		t.Errorf("udp defaults %+v", u)
	}
	if c := l.Captures[0]; c.File != "a-eth0.pcapng" || c.Direction != "both" {
		t.Errorf("capture defaults %+v", c)
	}
	im := l.Links[0].Impair
	ab, ba := im.AtoBConfig(), im.BtoAConfig()
	if ab == nil || ba == nil || ab.Delay != 10*time.Millisecond || ab.Loss == 0 || ab.Rate != 0 ||
		ba.Delay != 10*time.Millisecond || ba.Loss != 0 || ba.Rate != 125000 {
		t.Errorf("impairments a→b %+v b→a %+v", ab, ba)
	}
	if l.Hosts[0].Sysctls[0].Name != "net.ipv4.icmp_ratelimit" || l.Hosts[0].Script[0].Pos.Line != 3 {
		t.Errorf("host a %+v", l.Hosts[0])
	}
}

func examples(t testing.TB) []string {
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	return files
}

func TestExamplesLoad(t *testing.T) {
	for _, f := range examples(t) {
		if _, err := Load(f); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// inetReady reports whether package inet implements addresses yet.
func inetReady() bool {
	w := netdev.NewWorld(netdev.Options{})
	defer w.Close()
	err := inet.AddAddr(w.Init(), inet.Addr{Ifindex: 1}, false)
	return extack.ErrnoOf(err) != syscall.EOPNOTSUPP
}

// TestExamples runs every example lab; each must pass.
func TestExamples(t *testing.T) {
	if !inetReady() {
		t.Skip("package inet does not implement addresses yet")
	}
	for _, f := range examples(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			l, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			res, err := l.Run(context.Background(), RunOptions{Stdout: &out, OutDir: t.TempDir()})
			if err != nil || !res.Passed() {
				t.Errorf("lab failed (%v):\n%s", err, out.String())
			}
		})
	}
}

func TestBrokenLab(t *testing.T) {
	_, err := Load("testdata/broken.yaml")
	if err == nil {
		t.Fatal("broken lab loaded")
	}
	for _, w := range []string{
		`testdata/broken.yaml:6:8: unknown key "forwardng" (did you mean "forwarding"?)`,
		`testdata/broken.yaml:12:26: invalid IP address "192.0.2.300"`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error:\n%v\nwant it to contain %q", err, w)
		}
	}
}

func TestFailingScript(t *testing.T) {
	packettest.CheckBalance(t)
	l, err := Load("testdata/failing-script.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := l.Run(context.Background(), RunOptions{Stdout: &out})
	if err == nil || res.Passed() {
		t.Fatalf("lab passed:\n%s", out.String())
	}
	want := `testdata/failing-script.yaml:8:9: host "a": script line failed (exit status 1): ip link set eth9 up`
	if !strings.Contains(err.Error(), want) || !strings.Contains(out.String(), "FAIL") {
		t.Errorf("error %v\nreport:\n%s\nwant %q", err, out.String(), want)
	}
}

func TestRunImpairments(t *testing.T) {
	packettest.CheckBalance(t)
	l, err := Parse("x.yaml", []byte(`
hosts:
  a: { script: [ "ip link set eth0 up" ] }
  b: { script: [ "ip link set eth0 up" ] }
links:
  - { a: "a:eth0", b: "b:eth0", mtu: 1400, impair: { delay: 20ms, a_to_b: { loss: 5% } } }
`))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := l.Run(context.Background(), RunOptions{Stdout: &out})
	if err != nil || !res.Passed() {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"qdisc netem limit 1000 delay 20ms loss 5%", "PASS: 0 expectations held", "virtual time 3s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestGraphGolden(t *testing.T) {
	for _, name := range []string{"routed-three-hosts", "impaired-link"} {
		l, err := Load("../examples/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		var a, b bytes.Buffer
		if err := Graph(l, &a); err != nil {
			t.Fatal(err)
		}
		_ = Graph(l, &b)
		if a.String() != b.String() {
			t.Fatal("Graph is not deterministic")
		}
		golden := filepath.Join("testdata", name+".svg")
		if *update {
			if err := os.WriteFile(golden, a.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if a.String() != string(want) {
			t.Errorf("%s: graph differs from %s (run go test -update and review)", name, golden)
		}
	}
}

func FuzzLoad(f *testing.F) {
	for _, file := range examples(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("hosts:\n  a: { script: [x] }\nlinks: [{a: \"a:e\", b: \"a:f\", impair: {delay: 1s, a_to_b: {}}}]\n"))
	f.Add([]byte("probes: [{ping: {from: a, to: \"::1\"}, expect: {loss: \"<=5%\"}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !IsLoadError(err) || err.Error() == "" {
				t.Fatalf("error %T %q", err, err)
			}
			return
		}
		if len(l.Hosts) == 0 {
			t.Fatal("a lab without hosts loaded")
		}
		_ = Graph(l, &bytes.Buffer{})
	})
}
