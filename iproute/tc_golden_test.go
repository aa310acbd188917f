package iproute

import (
	"path/filepath"
	"testing"
)

// TestGoldenTC replays the tc cases kept with the tunnel recordings
// (tunnel/tc-mirred: clsact, matchall, mirred, the action table and their
// errors). The case does not depend on the fallback tunnel devices those
// recordings start with: tc never prints them.
func TestGoldenTC(t *testing.T) {
	for _, name := range []string{"tunnel/tc-mirred", "tunnel/tc-flower"} {
		t.Run(name, func(t *testing.T) {
			runGoldenCase(t, name, filepath.Join(goldenDir, "cases", name+".sh"))
		})
	}
}
