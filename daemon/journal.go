package daemon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Names of the files in the state directory.
const (
	journalFile  = "journal.jsonl"
	snapshotFile = "snapshot.json"
	snapshotTemp = "snapshot.json.tmp"
)

// Entry is one accepted configuration change: the request as the client
// sent it, and the random bytes the world drew while applying it (MAC
// addresses, seeds), so replaying it rebuilds the same devices.
type Entry struct {
	Seq  uint64  `json:"seq"`
	Req  Request `json:"req"`
	Rand []byte  `json:"rand,omitempty"`
}

// snapshot is the compacted command list: every entry up to Seq.
type snapshot struct {
	Version int     `json:"version"`
	Seq     uint64  `json:"seq"`
	Entries []Entry `json:"entries"`
}

// store keeps the journal and snapshot of a state directory. Its methods
// are called with the daemon's configuration lock held.
type store struct {
	dir       string
	f         *os.File // the journal, opened for append
	seq       uint64   // last sequence number written
	entries   []Entry  // snapshot entries then journal entries
	inJournal int      // how many of entries are in the journal file
}

// openStore creates the state directory if needed (0700), loads the
// snapshot and the journal (cutting a torn last line left by a crash) and
// opens the journal for appending. It returns the entries to replay.
func openStore(dir string) (*store, []string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil { // it holds key material
		return nil, nil, err
	}
	var warnings []string
	_ = os.Remove(filepath.Join(dir, snapshotTemp)) // an interrupted compaction
	s := &store{dir: dir}
	snap, err := readSnapshot(filepath.Join(dir, snapshotFile))
	if err != nil {
		return nil, nil, err
	}
	s.entries, s.seq = snap.Entries, snap.Seq
	f, err := os.OpenFile(filepath.Join(dir, journalFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, err
	}
	entries, good, torn, err := readJournal(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, journalFile), err)
	}
	if torn {
		warnings = append(warnings, fmt.Sprintf("journal: cut a torn last record at byte %d (a change that was never acknowledged)", good))
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	for _, e := range entries {
		if e.Seq <= s.seq {
			continue // already in the snapshot (a crash during compaction)
		}
		s.entries = append(s.entries, e)
		s.seq = e.Seq
		s.inJournal++
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, nil, err
	}
	s.f = f
	return s, warnings, nil
}

func readSnapshot(path string) (snapshot, error) {
	var snap snapshot
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return snap, nil
	}
	if err != nil {
		return snap, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		return snap, fmt.Errorf("%s: %v", path, err)
	}
	if snap.Version != 1 {
		return snap, fmt.Errorf("%s: unknown snapshot version %d", path, snap.Version)
	}
	return snap, nil
}

// readJournal parses the journal's lines. A last line without its newline
// or that does not parse is torn (the crash came during its write, so it
// was never acknowledged): torn is set and good is where it starts. A bad
// line before the last is corruption and an error.
func readJournal(r io.Reader) (entries []Entry, good int64, torn bool, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, 0, false, err
	}
	var last uint64
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return entries, good, true, nil
		}
		var e Entry
		if err := json.Unmarshal(data[:i], &e); err != nil || e.Seq <= last {
			if i == len(data)-1 {
				return entries, good, true, nil
			}
			return nil, 0, false, fmt.Errorf("corrupt record at byte %d (sequence after %d)", good, last)
		}
		last = e.Seq
		entries = append(entries, e)
		good += int64(i + 1)
		data = data[i+1:]
	}
	return entries, good, false, nil
}

// append journals one accepted change durably: one write of the whole
// record, then fsync.
func (s *store) append(req *Request, rnd []byte) error {
	e := Entry{Seq: s.seq + 1, Req: *req, Rand: rnd}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if _, err := s.f.Write(line); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return err
	}
	s.seq = e.Seq
	s.entries = append(s.entries, e)
	s.inJournal++
	return nil
}

// compact writes every entry into a new snapshot (temp file, fsync,
// rename, fsync of the directory) and then empties the journal. A crash
// at any point leaves either the old snapshot and the full journal, or
// the new snapshot and a journal whose entries it already holds.
func (s *store) compact() error {
	if s.inJournal == 0 {
		return nil
	}
	snap := snapshot{Version: 1, Seq: s.seq, Entries: s.entries}
	if snap.Entries == nil {
		snap.Entries = []Entry{}
	}
	data, err := json.MarshalIndent(snap, "", " ")
	if err != nil {
		return err
	}
	if err := writeFileSync(filepath.Join(s.dir, snapshotTemp), append(data, '\n')); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(s.dir, snapshotTemp), filepath.Join(s.dir, snapshotFile)); err != nil {
		return err
	}
	if err := syncDir(s.dir); err != nil {
		return err
	}
	if err := s.f.Truncate(0); err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return err
	}
	s.inJournal = 0
	return nil
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// close closes the journal file.
func (s *store) close() error { return s.f.Close() }
