package kernelpeer

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDirFindsSharedBesideModule(t *testing.T) {
	t.Setenv("SOFTNET_KERNEL_PEER_DIR", "")
	root := t.TempDir()
	mod := filepath.Join(root, "main")
	pkg := filepath.Join(mod, "a", "b")
	harness := filepath.Join(root, "shared", "kernel-peer")
	for _, d := range []string{pkg, harness} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o644)
	os.WriteFile(filepath.Join(harness, "boot.sh"), nil, 0o755)
	t.Chdir(pkg)
	if got := Dir(); got != harness {
		t.Fatalf("Dir() = %q, want %q", got, harness)
	}
	t.Setenv("SOFTNET_KERNEL_PEER_DIR", "/elsewhere")
	if got := Dir(); got != "/elsewhere" {
		t.Fatalf("Dir() with the variable = %q", got)
	}
}
