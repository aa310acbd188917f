package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func apply(t *testing.T, d *Daemon, n int) {
	t.Helper()
	for _, c := range configure[:n] {
		run(t, d, c.netns, c.line)
	}
}

// TestJournalReplay: a clean restart brings back the same configuration,
// random MAC addresses included; read-only commands are not journaled.
func TestJournalReplay(t *testing.T) {
	dir := t.TempDir()
	d := newDaemon(t, dir, 1000)
	apply(t, d, len(configure))
	want := dump(t, d) // read-only: nothing journaled
	if got := len(d.store.entries); got != len(configure) {
		t.Errorf("journal holds %d entries, want %d", got, len(configure))
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d2 := newDaemon(t, dir, 1000)
	defer d2.Close()
	if got := dump(t, d2); got != want {
		t.Errorf("after restart:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(want, "link/ether") || !strings.Contains(want, "uplink") {
		t.Fatalf("dump lacks what it should show:\n%s", want)
	}
	for _, name := range []string{journalFile, snapshotFile} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", name, st.Mode(), err)
		}
	}
	st, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode %v", st.Mode())
	}
}

// TestCrashRestart: kill -9 after each number of commands, with a torn
// record at the journal's end (a write the crash interrupted): the
// restarted daemon has exactly the acknowledged commands.
func TestCrashRestart(t *testing.T) {
	for n := 0; n <= len(configure); n += 3 {
		dir := t.TempDir()
		d := newDaemon(t, dir, 4) // compaction every 4 entries happens too
		apply(t, d, n)
		want := dump(t, d)
		crash(d)
		f, err := os.OpenFile(filepath.Join(dir, journalFile), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(`{"seq":999,"req":{"cmd":"ip","argv":["link","add","half"`)
		f.Close()

		d2 := newDaemon(t, dir, 4)
		got := dump(t, d2)
		// Twice, and with new commands after the cut tail.
		run(t, d2, "", "ip link add late type dummy")
		crash(d2)
		d3 := newDaemon(t, dir, 4)
		late := d3.world.Init().DeviceByName("late") != nil
		d3.Close()
		if got != want {
			t.Errorf("after %d commands and a crash:\n%s\nwant:\n%s", n, got, want)
		}
		if !late {
			t.Errorf("after %d commands: a change after the torn record was lost", n)
		}
	}
}

// TestSnapshotCompaction: the journal is folded into the snapshot every
// CompactEvery records; a crash between the snapshot's rename and the
// journal's truncation applies nothing twice.
func TestSnapshotCompaction(t *testing.T) {
	dir := t.TempDir()
	d := newDaemon(t, dir, 3)
	apply(t, d, 7)
	want := dump(t, d)
	journal := readFile(t, filepath.Join(dir, journalFile))
	if n := strings.Count(journal, "\n"); n != 1 {
		t.Errorf("journal has %d records after 7 changes compacted every 3, want 1:\n%s", n, journal)
	}
	snap, err := readSnapshot(filepath.Join(dir, snapshotFile))
	if err != nil || snap.Seq != 6 || len(snap.Entries) != 6 {
		t.Fatalf("snapshot seq %d entries %d err %v", snap.Seq, len(snap.Entries), err)
	}
	// The crash-during-compaction state: a snapshot holding everything and
	// a journal still holding its last record.
	snap.Entries = d.store.entries
	snap.Seq = d.store.seq
	crash(d)
	data := mustJSON(t, snap)
	if err := os.WriteFile(filepath.Join(dir, snapshotFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, snapshotTemp), []byte("{garbage"), 0o600) // an interrupted one
	d2 := newDaemon(t, dir, 3)
	defer d2.Close()
	if got := dump(t, d2); got != want {
		t.Errorf("after compaction crash:\n%s\nwant:\n%s", got, want)
	}
	if len(d2.store.entries) != 7 {
		t.Errorf("entries = %d, want 7", len(d2.store.entries))
	}
}

// TestCorruptJournal: a bad record before the last is not silently
// skipped: the daemon refuses to start and says where.
func TestCorruptJournal(t *testing.T) {
	dir := t.TempDir()
	d := newDaemon(t, dir, 1000)
	apply(t, d, 3)
	crash(d)
	path := filepath.Join(dir, journalFile)
	lines := strings.SplitAfter(readFile(t, path), "\n")
	lines[1] = "{oops}\n"
	os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600)
	_, err := New(Config{StateDir: dir, Loop: nil, Logger: quiet})
	if err == nil || !strings.Contains(err.Error(), "corrupt record at byte") {
		t.Fatalf("New with a corrupt journal: %v", err)
	}
}

// TestFailedCommandsNotJournaled: only accepted changes are journaled.
func TestFailedCommandsNotJournaled(t *testing.T) {
	dir := t.TempDir()
	d := newDaemon(t, dir, 1000)
	defer d.Close()
	run(t, d, "", "ip link add d0 type dummy")
	d.Exec(&Request{Cmd: "ip", Argv: []string{"link", "add", "d0", "type", "dummy"}})
	d.Exec(&Request{Cmd: "ip", Argv: []string{"route", "add", "bogus"}})
	run(t, d, "", "ip link show")
	run(t, d, "", "ip -s -d link ls")
	d.Exec(&Request{Cmd: "ip", Argv: []string{"r", "g", "127.0.0.1"}})
	if n := len(d.store.entries); n != 1 {
		t.Errorf("%d entries journaled, want 1: %+v", n, d.store.entries)
	}
}
