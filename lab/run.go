package lab

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/sched/netem"
	"golang.org/x/term"
)

// RunOptions control a run.
type RunOptions struct {
	// Stdout receives the report; Stderr the progress line. Nil discards.
	Stdout, Stderr io.Writer
	// OutDir is where relative capture files are written ("" for the
	// current directory).
	OutDir string
	// Progress shows a live progress line for long probes, when Stderr
	// is a terminal.
	Progress bool
}

// Epoch is the virtual time at which every lab starts.
var Epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// SettleTime is how long the network runs after the scripts and before
// the first probe (IPv6 duplicate address detection, neighbour discovery).
const SettleTime = 3 * time.Second

// ScriptFunc runs one script line in a host and returns its exit status.
type ScriptFunc func(w *netdev.World, ns *netdev.Namespace, line string, stdout, stderr io.Writer) int

// RunScript runs script lines; it is iproute.RunLine. Tests may replace it.
var RunScript ScriptFunc = func(w *netdev.World, ns *netdev.Namespace, line string, stdout, stderr io.Writer) int {
	return iproute.RunLine(&iproute.Env{World: w, NS: ns}, line, stdout, stderr)
}

// runner is one run of a lab.
type runner struct {
	lab   *Lab
	opts  RunOptions
	ctx   context.Context
	w     *netdev.World
	loop  *netdev.SimLoop
	start time.Time
	caps  []*capturer
	out   io.Writer
}

// Run builds the lab's world, runs the scripts and the probes, and prints
// the report to opts.Stdout. The error is non-nil when the lab could not be
// built (a script line failed, a capture device is missing…); the Result
// then holds what was done. Result.Passed reports whether every
// expectation held.
func (l *Lab) Run(ctx context.Context, opts RunOptions) (*Result, error) {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	loop := netdev.NewSimLoop(Epoch)
	w := netdev.NewWorld(netdev.Options{Loop: loop, InitName: "_init", Rand: seededRand(l.Seed)})
	r := &runner{lab: l, opts: opts, ctx: ctx, w: w, loop: loop, start: Epoch, out: opts.Stdout}
	res := &Result{Lab: l}
	err := r.run(res)
	for _, c := range r.caps {
		if cerr := c.close(); cerr != nil && err == nil {
			err = fmt.Errorf("capture %s: %w", c.path, cerr)
		}
		res.Captures = append(res.Captures, CaptureResult{File: c.path, Packets: c.packets})
	}
	res.Duration = loop.Now().Sub(r.start)
	res.Devices = r.deviceStats()
	res.Err = err
	w.Close()
	res.print(opts.Stdout)
	return res, err
}

func (r *runner) run(res *Result) error {
	l := r.lab
	fmt.Fprintf(r.out, "lab %s (seed %d)\n", l.Name, l.Seed)
	if l.Description != "" {
		for _, line := range strings.Split(strings.TrimSpace(l.Description), "\n") {
			fmt.Fprintf(r.out, "  %s\n", line)
		}
	}
	if err := r.build(); err != nil {
		return err
	}
	if err := r.attachCaptures(false); err != nil {
		return err
	}
	if err := r.runScripts(); err != nil {
		return err
	}
	if err := r.attachCaptures(true); err != nil {
		return err
	}
	r.loop.RunFor(SettleTime)
	for i, p := range l.Probes {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		pr := r.runProbe(i, p)
		res.Probes = append(res.Probes, pr)
		pr.print(r.out)
	}
	return nil
}

// build creates the namespaces and links.
func (r *runner) build() error {
	l := r.lab
	for _, h := range l.Hosts {
		ns, err := r.w.AddNamespace(h.Name)
		if err != nil {
			return r.errAt(h.Pos, "host %q: %v", h.Name, err)
		}
		if h.Forwarding {
			for _, s := range []string{"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"} {
				if err := ns.SetSysctl(s, "1"); err != nil {
					return r.errAt(h.Pos, "host %q: forwarding: sysctl %s: %v", h.Name, s, err)
				}
			}
		}
		for _, s := range h.Sysctls {
			if err := ns.SetSysctl(s.Name, s.Value); err != nil {
				return r.errAt(s.Pos, "host %q: sysctl %s=%s: %v", h.Name, s.Name, s.Value, err)
			}
		}
	}
	for _, k := range l.Links {
		if err := r.buildLink(k); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) buildLink(k *Link) error {
	what := fmt.Sprintf("link %q - %q", k.A.String(), k.B.String())
	ns := r.w.Namespace(k.A.Host)
	req := &netdev.LinkRequest{Name: k.A.Dev, Kind: "veth",
		Data: &netdev.VethPeer{Peer: netdev.LinkRequest{Name: k.B.Dev, NetNS: k.B.Host}}}
	if k.MTU != 0 {
		mtu := k.MTU
		req.MTU = &mtu
		req.Data.(*netdev.VethPeer).Peer.MTU = &mtu
	}
	a, err := ns.NewLink(req)
	if err != nil {
		return r.errAt(k.Pos, "%s: %v", what, err)
	}
	b := r.w.Namespace(k.B.Host).DeviceByName(k.B.Dev)
	if k.Impair == nil {
		return nil
	}
	for _, x := range []struct {
		dev *netdev.Device
		cfg *netem.Config
	}{{a, k.Impair.atob}, {b, k.Impair.btoa}} {
		if x.cfg == nil || x.dev == nil {
			continue
		}
		q, err := netem.New(r.w, *x.cfg)
		if err != nil {
			return r.errAt(k.Pos, "%s: %v", what, err)
		}
		x.dev.SetQdisc(q)
	}
	return nil
}

// runScripts runs every host's script, stopping at the first failure.
func (r *runner) runScripts() error {
	for _, h := range r.lab.Hosts {
		ns := r.w.Namespace(h.Name)
		for _, line := range h.Script {
			var stdout, stderr bytes.Buffer
			status := RunScript(r.w, ns, line.Text, &stdout, &stderr)
			r.loop.Run()
			if status != 0 {
				out := strings.TrimSpace(stderr.String() + stdout.String())
				return r.errAt(line.Pos, "host %q: script line failed (exit status %d): %s\n\t%s",
					h.Name, status, line.Text, strings.ReplaceAll(out, "\n", "\n\t"))
			}
		}
	}
	return nil
}

// attachCaptures opens the captures whose device exists; with final set,
// a missing device is an error.
func (r *runner) attachCaptures(final bool) error {
	for _, c := range r.lab.Captures {
		if r.captureOpen(c) {
			continue
		}
		dev := r.w.Namespace(c.Host).DeviceByName(c.Dev)
		if dev == nil {
			if final {
				return r.errAt(c.Pos, "capture %s:%s: host %q has no device %q after its script ran", c.Host, c.Dev, c.Host, c.Dev)
			}
			continue
		}
		cp, err := openCapture(c, dev, r.opts.OutDir)
		if err != nil {
			return r.errAt(c.Pos, "capture %s:%s: %v", c.Host, c.Dev, err)
		}
		r.caps = append(r.caps, cp)
	}
	return nil
}

func (r *runner) captureOpen(c *Capture) bool {
	for _, x := range r.caps {
		if x.spec == c {
			return true
		}
	}
	return false
}

func (r *runner) errAt(p Pos, format string, args ...any) error {
	return &Error{File: r.lab.File, Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)}
}

// runUntil runs the loop until done reports true or the virtual deadline
// passes, in small steps so that it stops soon after done.
func (r *runner) runUntil(deadline time.Time, done func() bool) {
	const step = time.Millisecond
	for !done() {
		now := r.loop.Now()
		if !now.Before(deadline) || r.ctx.Err() != nil {
			return
		}
		r.loop.RunUntil(minTime(now.Add(step), deadline))
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// seededRand returns a deterministic random source for the world.
func seededRand(seed uint64) func([]byte) {
	var mu sync.Mutex
	g := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	return func(p []byte) {
		mu.Lock()
		defer mu.Unlock()
		var w [8]byte
		for i := 0; i < len(p); i += 8 {
			binary.LittleEndian.PutUint64(w[:], g.Uint64())
			copy(p[i:], w[:])
		}
	}
}

// progressWanted reports whether to draw a progress line.
func (r *runner) progressWanted() bool {
	if !r.opts.Progress {
		return false
	}
	f, ok := r.opts.Stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
