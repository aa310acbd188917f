package iproute

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/tunnel"
	_ "github.com/softnet/softnet/tunnel/ipip"
)

// goldenTunnelSkip lists tunnel/ cases whose objects do not exist yet.
var goldenTunnelSkip = map[string]string{
	"tc-mirred": "run by TestGoldenTC (it needs no tunnel device)",
}

// goldenTunnelKnown lists single commands of the tunnel cases known to
// differ, as goldenKnown does for the other cases.
var goldenTunnelKnown = map[string]map[string]string{}

// vtiFallback is the name of the vti fallback device the recordings show
// at ifindex 3.
const vtiFallback = "ip_vti0"

// TestGoldenTunnel runs testdata/golden/cases/tunnel/*.sh whose objects
// exist. The recordings start with tunl0 (ifindex 2) and ip_vti0 (ifindex
// 3), as loading ipip and ip_vti creates them: the world loads the tunnel
// families the same way.
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
// them (loading ipip and ip_vti).
func loadTunnelModules(t *testing.T, w *netdev.World) {
	ns := w.Init()
	for _, fb := range []string{"tunl0", vtiFallback} {
		if err := tunnel.FamilyByFallback(fb).Load(ns); err != nil {
			t.Fatal(err)
		}
	}
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
	loadTunnelModules(t, w)
	env := &Env{World: w, NS: w.Init()}
	linuxN, softN := newNormalizer(string(script)), newNormalizer(string(script))
	known := goldenTunnelKnown[name]
	seen := map[string]int{}
	for _, st := range steps {
		seen[st.cmd]++
		got := normXfrmTime(softN.apply(runGoldenStep(env, st.cmd)))
		want := normXfrmTime(linuxN.apply(st.out))
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
