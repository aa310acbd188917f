package iproute

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/tunnel"
	_ "github.com/softnet/softnet/tunnel/ipip"
)

// goldenTunnelSkip lists tunnel/ cases whose objects do not exist yet.
var goldenTunnelSkip = map[string]string{
	"xfrmi":     "needs the xfrm interface kind (the xfrm issue)",
	"tc-mirred": "run by TestGoldenTC (it needs no tunnel device)",
}

// goldenTunnelKnown lists single commands of the tunnel cases known to
// differ, as goldenKnown does for the other cases.
var goldenTunnelKnown = map[string]map[string]string{
	"ipip": {
		"ip addr show dev t0": "inet addrconf gives ipip devices no ISATAP-style link-local (fe80::5efe:c000:201/64) yet",
	},
	"vti": {
		"ip addr show dev t1": "inet addrconf gives ARPHRD_TUNNEL devices no ISATAP-style link-local (fe80::5efe:c000:201/64) yet",
	},
}

// vtiFallback is the name of the vti fallback device the recordings show
// at ifindex 3.
const vtiFallback = "ip_vti0"

// TestGoldenTunnel runs testdata/golden/cases/tunnel/*.sh whose objects
// exist. The recordings start with tunl0 (ifindex 2) and ip_vti0 (ifindex
// 3), as loading ipip and ip_vti creates them: the world loads the tunnel
// families the same way. While the vti kind does not exist, ifindex 3 is
// held by a placeholder and every line (or JSON object) about ip_vti0 is
// removed from both sides before comparing.
func TestGoldenTunnel(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(goldenDir, "cases", "tunnel", "*.sh"))
	if err != nil || len(cases) == 0 {
		t.Skipf("no golden tunnel cases: %v", err)
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".sh")
		t.Run(name, func(t *testing.T) {
			if why := goldenTunnelSkip[name]; why != "" {
				t.Skip(why)
			}
			runGoldenTunnelCase(t, name, path)
		})
	}
}

// loadTunnelModules creates tunl0 and ip_vti0 as the recorder's guest has
// them; it reports whether ip_vti0 is real.
func loadTunnelModules(t *testing.T, w *netdev.World) bool {
	ns := w.Init()
	if err := tunnel.FamilyByFallback("tunl0").Load(ns); err != nil {
		t.Fatal(err)
	}
	if f := tunnel.FamilyByFallback(vtiFallback); f != nil {
		if err := f.Load(ns); err != nil {
			t.Fatal(err)
		}
		return true
	}
	w.Lock()
	defer w.Unlock()
	if _, err := ns.NewLinkLocked(&netdev.LinkRequest{Name: vtiFallback, Kind: "dummy"}); err != nil {
		t.Fatal(err)
	}
	return false
}

func runGoldenTunnelCase(t *testing.T, name, path string) {
	script, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := os.ReadFile(filepath.Join(goldenDir, "linux", "tunnel", name+".out"))
	if err != nil {
		t.Skipf("no recording: %v", err)
	}
	steps, err := parseGolden(string(rec))
	if err != nil {
		t.Fatal(err)
	}
	w := netdev.NewWorld(netdev.Options{})
	defer w.Close()
	realVTI := loadTunnelModules(t, w)
	env := &Env{World: w, NS: w.Init()}
	linuxN, softN := newNormalizer(string(script)), newNormalizer(string(script))
	known := goldenTunnelKnown[name]
	seen := map[string]int{}
	for _, st := range steps {
		seen[st.cmd]++
		got := normXfrmTime(softN.apply(runGoldenStep(env, st.cmd)))
		want := normXfrmTime(linuxN.apply(st.out))
		if !realVTI {
			got, want = withoutDevice(got, vtiFallback), withoutDevice(want, vtiFallback)
		}
		why, isKnown := known[fmt.Sprintf("%s#%d", st.cmd, seen[st.cmd])]
		if !isKnown {
			why, isKnown = known[st.cmd]
		}
		switch {
		case got == want && isKnown:
			t.Errorf("%s:%d: %q now matches Linux; remove it from goldenTunnelKnown (%s)", name, st.line, st.cmd, why)
		case got != want && isKnown:
			t.Logf("%s:%d: known difference (%s): %q", name, st.line, why, st.cmd)
		case got != want:
			t.Errorf("%s:%d: $ %s\n--- linux\n%s--- softnet\n%s", name, st.line, st.cmd, want, got)
		}
	}
}

var linkHeadLineRE = regexp.MustCompile(`^\d+: `)

// withoutDevice removes what an output says about device name: link
// blocks (header and indented lines), ip tunnel lines with their -s
// counters, -br lines, and compact JSON objects naming it.
func withoutDevice(s, name string) string {
	var out []string
	lines := strings.SplitAfter(s, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "[") || strings.HasPrefix(l, ",") {
			if l = withoutJSONObject(l, name); l != "\n" {
				out = append(out, l)
			}
			continue
		}
		if !strings.Contains(l, name) {
			out = append(out, l)
			continue
		}
		for i+1 < len(lines) && lines[i+1] != "" && !linkHeadLineRE.MatchString(lines[i+1]) &&
			(strings.HasPrefix(lines[i+1], " ") || strings.HasPrefix(lines[i+1], "RX:") || strings.HasPrefix(lines[i+1], "TX:")) {
			i++
		}
	}
	return strings.Join(out, "")
}

// withoutJSONObject drops the JSON objects of a compact JSON line whose
// "ifname" is name (and the comma that joined them).
func withoutJSONObject(l, name string) string {
	key := `"ifname":"` + name + `"`
	for {
		k := strings.Index(l, key)
		if k < 0 {
			return l
		}
		start := strings.LastIndexByte(l[:k], '{')
		depth, end := 0, -1
		for j := start; j < len(l); j++ {
			if l[j] == '{' {
				depth++
			} else if l[j] == '}' {
				depth--
				if depth == 0 {
					end = j + 1
					break
				}
			}
		}
		if start < 0 || end < 0 {
			return l
		}
		switch {
		case end < len(l) && l[end] == ',':
			end++
		case start > 0 && l[start-1] == ',':
			start--
		}
		l = l[:start] + l[end:]
	}
}
