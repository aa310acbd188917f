package daemon

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/softnet/softnet/netdev"
)

// Config configures a Daemon.
type Config struct {
	// StateDir holds the journal and snapshot (created 0700). Empty means
	// no durability: the configuration lives in memory only.
	StateDir string
	// Loop runs the world; default a netdev.RealLoop with one worker per
	// CPU. Tests pass a SimLoop, which the daemon runs after each command.
	Loop netdev.Loop
	// Logger receives structured logs; default slog.Default().
	Logger *slog.Logger
	// UID is the daemon's user: besides root, the only one allowed to
	// connect. Default os.Geteuid().
	UID *int
	// CompactEvery is how many journal records trigger a compaction into
	// the snapshot; default 256.
	CompactEvery int
}

// Daemon holds one world and serves the API.
type Daemon struct {
	cfg   Config
	log   *slog.Logger
	uid   int
	world *netdev.World
	rnd   *randSource

	mu     sync.Mutex // configuration lock: one change at a time, journaled in apply order
	store  *store     // nil without a state directory
	closed bool

	peerCred func(conn any) (Cred, error)
	srv      server
	done     chan struct{}
}

// New creates the world, loads the state directory and replays it: the
// daemon comes back with the configuration it had acknowledged.
func New(cfg Config) (*Daemon, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.CompactEvery <= 0 {
		cfg.CompactEvery = 256
	}
	uid := os.Geteuid()
	if cfg.UID != nil {
		uid = *cfg.UID
	}
	loop := cfg.Loop
	if loop == nil {
		loop = netdev.NewRealLoop(runtime.GOMAXPROCS(0))
	}
	d := &Daemon{cfg: cfg, log: cfg.Logger, uid: uid, rnd: &randSource{},
		peerCred: peerCredentials, done: make(chan struct{})}
	d.srv.init()
	d.world = netdev.NewWorld(netdev.Options{Loop: loop, Rand: d.rnd.Read})
	if cfg.StateDir != "" {
		st, warnings, err := openStore(cfg.StateDir)
		if err != nil {
			d.world.Close()
			return nil, fmt.Errorf("state %s: %w", cfg.StateDir, err)
		}
		for _, w := range warnings {
			d.log.Warn(w, "state", cfg.StateDir)
		}
		d.store = st
		d.replay()
		if err := d.store.compact(); err != nil {
			d.log.Error("compaction failed", "err", err)
		}
	}
	return d, nil
}

// World returns the daemon's world (for in-process use and tests).
func (d *Daemon) World() *netdev.World { return d.world }

// replay applies every stored entry in order, with the random bytes it
// drew the first time.
func (d *Daemon) replay() {
	start := time.Now()
	failed := 0
	for i := range d.store.entries {
		e := &d.store.entries[i]
		var stderr bytes.Buffer
		d.rnd.begin(e.Rand)
		status := d.safeExecute(&e.Req, io.Discard, &stderr)
		d.rnd.end()
		d.runSim()
		if status != 0 {
			failed++
			d.log.Warn("replayed change failed", "seq", e.Seq, "cmd", Redact(&e.Req),
				"status", status, "stderr", redactOutput(&e.Req, stderr.String()))
		}
	}
	d.log.Info("state replayed", "entries", len(d.store.entries), "failed", failed,
		"took", time.Since(start).Round(time.Microsecond))
}

// Exec runs one request as a client with credentials cred would, and
// returns its response. Changes are journaled before Exec returns.
func (d *Daemon) Exec(req *Request) Response {
	switch req.Cmd {
	case CmdPing:
		return Response{Stdout: "pong\n"}
	case CmdMonitor, CmdCapture:
		return errorResponse("%s streams; use it over the socket", req.Cmd)
	}
	var stdout, stderr bytes.Buffer
	readOnly := ReadOnly(req)
	start := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errorResponse("the daemon is shutting down")
	}
	if !readOnly {
		d.rnd.begin(nil)
	}
	status := d.safeExecute(req, &stdout, &stderr)
	var rnd []byte
	if !readOnly {
		rnd = d.rnd.end()
	}
	d.runSim()
	if !readOnly && status == 0 && d.store != nil {
		if err := d.store.append(req, rnd); err != nil {
			d.log.Error("journal write failed", "cmd", Redact(req), "err", err)
			fmt.Fprintf(&stderr, "softnet: the change was applied but could not be journaled (%v): it will not survive a restart\n", err)
			status = 1
		} else if d.store.inJournal >= d.cfg.CompactEvery {
			if err := d.store.compact(); err != nil {
				d.log.Error("compaction failed", "err", err)
			}
		}
	}
	if !readOnly {
		d.log.Info("change", "cmd", Redact(req), "netns", req.Netns, "status", status,
			"took", time.Since(start).Round(time.Microsecond))
	}
	return Response{Stdout: stdout.String(), Stderr: stderr.String(), Status: status}
}

// safeExecute is execute that turns a panic into an error response: one
// request never takes the daemon down.
func (d *Daemon) safeExecute(req *Request, stdout, stderr io.Writer) (status int) {
	defer func() {
		if p := recover(); p != nil {
			d.log.Error("command panicked", "cmd", Redact(req), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			fmt.Fprintf(stderr, "softnet: internal error running the command (logged by the daemon)\n")
			status = 1
		}
	}()
	return d.execute(req, stdout, stderr)
}

// runSim advances a simulated loop (tests) as `softnet script` does.
func (d *Daemon) runSim() {
	if sim, ok := d.world.Loop().(*netdev.SimLoop); ok {
		sim.Run()
	}
}

// Close stops serving, compacts the journal and tears the world down.
func (d *Daemon) Close() error {
	d.srv.shutdown()
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.done)
	var err error
	if d.store != nil {
		err = d.store.compact()
		if cerr := d.store.close(); err == nil {
			err = cerr
		}
	}
	d.mu.Unlock()
	d.srv.wait()
	d.world.Close()
	return err
}

// redactOutput hides a command's output in logs when it may echo key
// material (ip xfrm).
func redactOutput(req *Request, s string) string {
	if Redact(req) != joinCmd(req) {
		return "[redacted]"
	}
	return s
}

func joinCmd(req *Request) string {
	b := []byte(req.Cmd)
	for _, a := range req.Argv {
		b = append(b, ' ')
		b = append(b, a...)
	}
	return string(b)
}
