package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/lab"
	"github.com/softnet/softnet/netdev"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// exitError carries an exit status through cobra.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintln(stderr, "softnet:", err)
		return 1
	}
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "softnet",
		Short:         "Linux's virtual network devices, in userspace",
		Long:          "softnet runs Linux's virtual network devices (ipip and vti tunnels, xfrm IPsec, macvlan/macvtap, tc mirred) in userspace, configured with the iproute2 commands you know.\n\nRun a lab (many virtual hosts in one process, no root):\n  softnet lab run examples/routed-three-hosts.yaml",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newLabCmd(stdout, stderr), newScriptCmd(stdin, stdout, stderr),
		newPassthrough("ip", stdout, stderr), newPassthrough("tc", stdout, stderr),
		newPassthrough("sysctl", stdout, stderr),
		newDaemonCmd(stderr), newMonitorCmd(stdout, stderr), newCaptureCmd(stdout, stderr))
	return root
}

func newLabCmd(stdout, stderr io.Writer) *cobra.Command {
	labCmd := &cobra.Command{Use: "lab", Short: "Run and draw labs: virtual networks declared in YAML"}
	var outDir string
	var quiet bool
	runCmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a lab: build the hosts and links, run the scripts and probes, print the report",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := lab.Load(args[0])
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			res, err := l.Run(ctx, lab.RunOptions{
				Stdout: stdout, Stderr: stderr, OutDir: outDir,
				Progress: !quiet && isTerminal(stderr),
			})
			if err != nil {
				return err
			}
			if !res.Passed() {
				return exitError{1}
			}
			return nil
		},
	}
	runCmd.Flags().StringVar(&outDir, "out", "out", "directory for captures and other artefacts")
	runCmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress line")
	graphCmd := &cobra.Command{
		Use:   "graph FILE",
		Short: "Draw a lab's topology as SVG on standard output",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := lab.Load(args[0])
			if err != nil {
				return err
			}
			return lab.Graph(l, stdout)
		},
	}
	labCmd.AddCommand(runCmd, graphCmd)
	return labCmd
}

// newScriptCmd runs ip/tc lines against a fresh, private world: a quick way
// to see what softnet prints for a command sequence.
func newScriptCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "script [FILE|-]",
		Short: "Run ip/tc/sysctl lines in a fresh namespace and print their output",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := stdin
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			w := netdev.NewWorld(netdev.Options{})
			defer w.Close()
			env := &iproute.Env{World: w, NS: w.Init()}
			status := 0
			sc := bufio.NewScanner(in)
			for sc.Scan() {
				if rc := iproute.RunLine(env, sc.Text(), stdout, stderr); rc != 0 {
					status = rc
				}
				if sim, ok := w.Loop().(*netdev.SimLoop); ok {
					sim.Run()
				}
			}
			if err := sc.Err(); err != nil {
				return err
			}
			if status != 0 {
				return exitError{status}
			}
			return nil
		},
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
