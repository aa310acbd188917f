package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/softnet/softnet/daemon"
	"github.com/softnet/softnet/iproute"
	"github.com/spf13/cobra"
)

// socketPath is where `softnet ip/tc/monitor/capture` find the daemon:
// $SOFTNET_SOCKET, or daemon.DefaultSocket.
func socketPath() string {
	if p := os.Getenv("SOFTNET_SOCKET"); p != "" {
		return p
	}
	return daemon.DefaultSocket
}

// noDaemon is the message for a client verb with no daemon to talk to.
func noDaemon(stderr io.Writer, verb string, err error) error {
	fmt.Fprintf(stderr, "softnet %s: %v.\n"+
		"Start one with\n"+
		"  softnet daemon [--state DIR] [--socket PATH]   (then softnet ip/tc talk to it; SOFTNET_SOCKET=PATH picks the socket)\n"+
		"or, without a daemon, use\n"+
		"  softnet script FILE     (ip/tc lines in a fresh namespace)\n"+
		"  softnet lab run FILE    (a whole virtual network)\n", verb, err)
	return exitError{1}
}

// dial connects to the daemon or reports how to start one.
func dial(stderr io.Writer, verb string) (*daemon.Client, error) {
	c, err := daemon.Dial(socketPath())
	if errors.Is(err, daemon.ErrNoDaemon) {
		return nil, noDaemon(stderr, verb, err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "softnet %s: cannot reach the daemon: %v\n", verb, err)
		return nil, exitError{1}
	}
	return c, nil
}

// newPassthrough is `softnet ip …` / `softnet tc …`: the command runs in
// the daemon, which answers with what iproute2 would print and its exit
// status.
func newPassthrough(name string, stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:                name + " ARGS…",
		Short:              "Run `" + name + "` against a running softnet daemon",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := dial(stderr, name)
			if err != nil {
				return err
			}
			defer c.Close()
			resp, err := c.Do(&daemon.Request{Cmd: name, Argv: args})
			if err != nil {
				fmt.Fprintf(stderr, "softnet %s: %v\n", name, err)
				return exitError{1}
			}
			io.WriteString(stdout, resp.Stdout)
			io.WriteString(stderr, resp.Stderr)
			if resp.Status != 0 {
				return exitError{resp.Status}
			}
			return nil
		},
	}
}

func newDaemonCmd(stderr io.Writer) *cobra.Command {
	var state, socket, metrics, level, cpuprofile string
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run the dataplane daemon: one softnet world configured over a Unix socket",
		Long: "Run the dataplane daemon. softnet ip/tc/monitor/capture talk to it over its Unix socket\n" +
			"(mode 0600; root and the daemon's user only). Every accepted change is journaled in\n" +
			"--state before it is acknowledged and replayed at start. See docs/daemon.md.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(level)); err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
			if cpuprofile != "" {
				f, err := os.Create(cpuprofile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDaemon(ctx, log, state, socket, metrics)
		},
	}
	cmd.Flags().StringVar(&state, "state", "/var/lib/softnet", "state directory (journal and snapshot); empty: keep nothing")
	cmd.Flags().StringVar(&socket, "socket", daemon.DefaultSocket, "Unix socket to listen on")
	cmd.Flags().StringVar(&metrics, "metrics", "", "serve Prometheus /metrics on this address (e.g. 127.0.0.1:9477); off by default")
	cmd.Flags().StringVar(&level, "log-level", "info", "log level: debug, info, warn, error")
	cmd.Flags().StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile (go tool pprof) of the whole run to this file")
	return cmd
}

func runDaemon(ctx context.Context, log *slog.Logger, state, socket, metrics string) error {
	d, err := daemon.New(daemon.Config{StateDir: state, Logger: log})
	if err != nil {
		return err
	}
	l, err := daemon.Listen(socket)
	if err != nil {
		d.Close()
		return err
	}
	errc := make(chan error, 2)
	go func() { errc <- d.Serve(l) }()
	var hs *http.Server
	if metrics != "" {
		ml, err := net.Listen("tcp", metrics)
		if err != nil {
			d.Close()
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", d.MetricsHandler())
		hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := hs.Serve(ml); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
		log.Info("metrics listening", "addr", ml.Addr().String())
	}
	log.Info("daemon listening", "socket", socket, "state", state, "pid", os.Getpid())
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-errc:
		log.Error("serve failed", "err", err)
	}
	if hs != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = hs.Shutdown(sctx)
		cancel()
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func newMonitorCmd(stdout, stderr io.Writer) *cobra.Command {
	var netns string
	cmd := &cobra.Command{
		Use:   "monitor [all | OBJECTS]",
		Short: "Print link, address, route and xfrm events from the daemon as `ip monitor` does",
		Long: "Print the daemon's events as `ip monitor` does. OBJECTS: link, address, route, xfrm\n" +
			"(iproute2 abbreviations accepted: a, addr, r, l …); none or all: every one.",
		RunE: func(cmd *cobra.Command, args []string) error {
			var objects []string
			for _, a := range args {
				o, ok := monitorObject(a)
				if !ok {
					fmt.Fprintf(stderr, "softnet monitor: unknown object %q (want link, address, route, xfrm or all)\n", a)
					return exitError{255}
				}
				objects = append(objects, o)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return stream(ctx, stdout, stderr, "monitor", &daemon.Request{Cmd: daemon.CmdMonitor, Netns: netns, Objects: objects})
		},
	}
	cmd.Flags().StringVarP(&netns, "netns", "n", "", "namespace to watch")
	return cmd
}

// monitorObject resolves an ip monitor object word (prefixes as iproute2).
func monitorObject(w string) (string, bool) {
	if w == "all" || w == "xfrm" {
		return w, true
	}
	for _, o := range []string{"link", "address", "route"} {
		if iproute.Matches(w, o) {
			return o, true
		}
	}
	return "", false
}

func newCaptureCmd(stdout, stderr io.Writer) *cobra.Command {
	var dev, file, netns, dir string
	var snaplen int
	cmd := &cobra.Command{
		Use:   "capture -i DEV [-w FILE] [-n NS] [FILTER]",
		Short: "Capture a daemon device's packets (ingress and egress) as pcapng",
		Long: "Capture a daemon device's packets as pcapng. FILTER is a subset of pcap-filter(7):\n" +
			"  [src|dst] host ADDR, [src|dst] net PREFIX, [tcp|udp|sctp] [src|dst] port N | portrange N-M,\n" +
			"  proto P, ip proto P, ip6 proto P, ip, ip6, arp, tcp, udp, sctp, icmp, icmp6, esp, ah, gre, ipip,\n" +
			"  ether proto T, ether host|src|dst MAC, less N, greater N; and/&&, or/||, not/!, ( ).\n" +
			"See docs/daemon.md.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := stdout
			if file != "" && file != "-" {
				f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				out = f
			} else if isTerminal(stdout) {
				fmt.Fprintln(stderr, "softnet capture: pcapng is binary; use -w FILE or pipe it (softnet capture -i DEV | tshark -r -)")
				return exitError{1}
			}
			switch dir {
			case "inout", "":
				dir = ""
			case "in", "out":
			default:
				fmt.Fprintf(stderr, "softnet capture: -Q wants in, out or inout (got %q)\n", dir)
				return exitError{1}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return stream(ctx, out, stderr, "capture", &daemon.Request{Cmd: daemon.CmdCapture,
				Dev: dev, Netns: netns, Direction: dir, Snaplen: snaplen, Filter: strings.Join(args, " ")})
		},
	}
	cmd.Flags().StringVarP(&dev, "interface", "i", "", "device to capture (required)")
	cmd.Flags().StringVarP(&file, "write", "w", "", "pcapng file to write (default: standard output)")
	cmd.Flags().StringVarP(&netns, "netns", "n", "", "namespace of the device")
	cmd.Flags().StringVarP(&dir, "direction", "Q", "inout", "in, out or inout")
	cmd.Flags().IntVarP(&snaplen, "snapshot-length", "s", 0, "bytes kept per packet (default 262144)")
	_ = cmd.MarkFlagRequired("interface")
	return cmd
}

// stream runs a streaming request, copying the stream to out until the
// daemon ends it or ctx is done (then it ends the stream cleanly, so the
// file is whole).
func stream(ctx context.Context, out, stderr io.Writer, verb string, req *daemon.Request) error {
	c, err := dial(stderr, verb)
	if err != nil {
		return err
	}
	defer c.Close()
	r, resp, err := c.Stream(req)
	if err != nil {
		fmt.Fprintf(stderr, "softnet %s: %v\n", verb, err)
		return exitError{1}
	}
	if resp.Status != 0 {
		io.WriteString(stderr, resp.Stderr)
		return exitError{resp.Status}
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = c.CloseWrite()
		case <-done:
		}
	}()
	_, err = io.Copy(out, r)
	close(done)
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "softnet %s: %v\n", verb, err)
		return exitError{1}
	}
	return nil
}
