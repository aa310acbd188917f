package iproute

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/softnet/softnet/netdev"
)

// goldenDir holds the cases and Linux's recorded output (see its README).
const goldenDir = "../testdata/golden"

// goldenSkip lists cases softnet cannot run yet, with what is missing.
var goldenSkip = map[string]string{}

// goldenKnown lists single commands whose output is known to differ, with
// the reason; they still run (later commands depend on them). A key is the
// command line (every occurrence) or "LINE#N" (its N-th occurrence). A listed
// command that starts matching fails the test, so the list stays honest.
var goldenKnown = map[string]map[string]string{}

// goldenStep is one command of a case and Linux's output for it.
type goldenStep struct {
	cmd  string
	out  string // combined stdout+stderr, with the [noeol]/[exit N] markers
	line int
}

// parseGolden reads a linux/*.out file.
func parseGolden(data string) ([]goldenStep, error) {
	var steps []goldenStep
	for i, l := range strings.SplitAfter(data, "\n") {
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "$ ") {
			steps = append(steps, goldenStep{cmd: strings.TrimSuffix(l[2:], "\n"), line: i + 1})
			continue
		}
		if len(steps) == 0 {
			return nil, fmt.Errorf("line %d: output before the first command", i+1)
		}
		steps[len(steps)-1].out += l
	}
	return steps, nil
}

// runGoldenStep runs one command against env the way the recorder did and
// renders its output in the recording's format.
func runGoldenStep(env *Env, cmd string) string {
	var buf bytes.Buffer
	rc := 0
	if rest, ok := strings.CutPrefix(cmd, "sleep "); ok {
		if s, err := strconv.ParseFloat(rest, 64); err == nil {
			if l, ok := env.World.Loop().(*netdev.SimLoop); ok {
				l.RunFor(time.Duration(s * float64(time.Second)))
			}
		}
	} else {
		rc = RunLine(env, cmd, &buf, &buf)
		if l, ok := env.World.Loop().(*netdev.SimLoop); ok {
			l.Run()
		}
	}
	out := buf.String()
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n[noeol]\n"
	}
	if rc != 0 {
		out += fmt.Sprintf("[exit %d]\n", rc)
	}
	return out
}

var (
	macRE     = regexp.MustCompile(`\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b`)
	versionRE = regexp.MustCompile(`(?m)^(ip|tc) utility, .*$`)
	// tc action ages (testdata/golden/README.md: "installed N sec used N sec").
	tcAgeRE     = regexp.MustCompile(`(installed|used|firstused) \d+ sec`)
	tcAgeJSONRE = regexp.MustCompile(`"(installed|last_used|first_used)":\s?\d+`)
)

// normalizer rewrites what legitimately differs between two runs of the
// same script: MAC addresses the kernel picked at random (any not written
// in the case script), numbered by first appearance, and the version
// string of ip -V / tc -V. Everything else is compared verbatim.
type normalizer struct {
	fixed map[string]bool
	seen  map[string]string
}

func newNormalizer(script string) *normalizer {
	n := &normalizer{fixed: map[string]bool{
		"00:00:00:00:00:00": true, "ff:ff:ff:ff:ff:ff": true,
	}, seen: map[string]string{}}
	for _, m := range macRE.FindAllString(script, -1) {
		n.fixed[m] = true
	}
	return n
}

var (
	linkHeadRE = regexp.MustCompile(`^\d+: ([^:@ ]+)(@\S+)?: <([^>]*)>`)
	stats64RE  = regexp.MustCompile(`"ifname":"([^"]*)"[^\[]*"flags":\[([^\]]*)\][^{}]*"stats64":\{"rx":\{[^}]*\},"tx":\{[^}]*\}\}`)
	numRE      = regexp.MustCompile(`\d+`)
)

// counters hides the -s counters of UP devices other than lo: Linux sends
// IPv6 MLD reports, router solicitations and DAD probes on its own timers,
// so their counts vary between recordings (testdata/golden/README.md).
// Counters of DOWN devices and of lo are compared.
func counters(s string) string {
	lines := strings.Split(s, "\n")
	hide := false
	for i := 0; i < len(lines); i++ {
		if m := linkHeadRE.FindStringSubmatch(lines[i]); m != nil {
			hide = m[1] != "lo" && strings.Contains(","+m[3]+",", ",UP,")
		}
		if hide && (strings.HasPrefix(lines[i], "    RX:") || strings.HasPrefix(lines[i], "    TX:")) && i+1 < len(lines) {
			lines[i] = lines[i][:7] + " <counters>"
			lines[i+1] = "<counters>"
		}
	}
	s = strings.Join(lines, "\n")
	return stats64RE.ReplaceAllStringFunc(s, func(m string) string {
		sub := stats64RE.FindStringSubmatch(m)
		if sub[1] == "lo" || !strings.Contains(sub[2], `"UP"`) {
			return m
		}
		i := strings.Index(m, `"stats64":`)
		return m[:i] + numRE.ReplaceAllString(m[i:], "N")
	})
}

func (n *normalizer) apply(s string) string {
	s = versionRE.ReplaceAllString(s, "$1 utility, <version>")
	s = tcAgeRE.ReplaceAllString(s, "$1 N sec")
	s = tcAgeJSONRE.ReplaceAllString(s, `"$1":N`)
	s = counters(s)
	return macRE.ReplaceAllStringFunc(s, func(m string) string {
		if n.fixed[m] {
			return m
		}
		if r, ok := n.seen[m]; ok {
			return r
		}
		r := fmt.Sprintf("<mac%d>", len(n.seen)+1)
		n.seen[m] = r
		return r
	})
}

// isNeighListing reports whether a command lists neighbours (ip neigh,
// ip neigh show/list/lst …): the kernel dumps its neighbour hash table in
// an order seeded at random, so the README compares those entries as a
// multiset.
func isNeighListing(cmd string) bool {
	w := strings.Fields(cmd)
	if len(w) == 0 || w[0] != "ip" {
		return false
	}
	i := 1
	for i < len(w) && strings.HasPrefix(w[i], "-") {
		i++
	}
	if i >= len(w) || !(Matches(w[i], "neighbor") || Matches(w[i], "neighbour")) {
		return false
	}
	return i+1 >= len(w) || Matches(w[i+1], "show") || Matches(w[i+1], "list") || Matches(w[i+1], "lst")
}

// sortNeighDump sorts the entries of a neighbour listing: text lines, or
// the objects of the -j array (compact or -p), keeping the separators.
func sortNeighDump(s string) string {
	if !strings.HasPrefix(s, "[") {
		lines := strings.SplitAfter(s, "\n")
		sort.Strings(lines)
		return strings.Join(lines, "")
	}
	var objs []string
	var seps []string
	depth, start, last := 0, 0, 0
	inStr := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inStr:
			if ch == '\\' {
				i++
			} else if ch == '"' {
				inStr = false
			}
		case ch == '"':
			inStr = true
		case ch == '{':
			if depth == 0 {
				seps = append(seps, s[last:i])
				start = i
			}
			depth++
		case ch == '}':
			depth--
			if depth == 0 {
				objs = append(objs, s[start:i+1])
				last = i + 1
			}
		}
	}
	sort.Strings(objs)
	var b strings.Builder
	for i, o := range objs {
		b.WriteString(seps[i])
		b.WriteString(o)
	}
	b.WriteString(s[last:])
	return b.String()
}

func TestGolden(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(goldenDir, "cases", "*.sh"))
	if err != nil || len(cases) == 0 {
		t.Skipf("no golden cases: %v", err)
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".sh")
		t.Run(name, func(t *testing.T) {
			if why, ok := goldenSkip[name]; ok {
				t.Skip(why)
			}
			runGoldenCase(t, name, path)
		})
	}
}

func runGoldenCase(t *testing.T, name, path string) {
	script, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := os.ReadFile(filepath.Join(goldenDir, "linux", name+".out"))
	if err != nil {
		t.Skipf("no recording: %v", err)
	}
	steps, err := parseGolden(string(rec))
	if err != nil {
		t.Fatal(err)
	}
	w := netdev.NewWorld(netdev.Options{})
	defer w.Close()
	env := &Env{World: w, NS: w.Init()}
	linuxN, softN := newNormalizer(string(script)), newNormalizer(string(script))
	known := goldenKnown[name]
	seen := map[string]int{}
	for _, st := range steps {
		seen[st.cmd]++
		got := softN.apply(runGoldenStep(env, st.cmd))
		want := linuxN.apply(st.out)
		if isNeighListing(st.cmd) {
			got, want = sortNeighDump(got), sortNeighDump(want)
		}
		why, isKnown := known[fmt.Sprintf("%s#%d", st.cmd, seen[st.cmd])]
		if !isKnown {
			why, isKnown = known[st.cmd]
		}
		switch {
		case got == want && isKnown:
			t.Errorf("%s:%d: %q now matches Linux; remove it from goldenKnown (%s)", name, st.line, st.cmd, why)
		case got != want && isKnown:
			t.Logf("%s:%d: known difference (%s): %q", name, st.line, why, st.cmd)
		case got != want:
			t.Errorf("%s:%d: $ %s\n--- linux\n%s--- softnet\n%s", name, st.line, st.cmd, want, got)
		}
	}
}
