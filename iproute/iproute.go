package iproute

import (
	"io"

	"github.com/softnet/softnet/netdev"
)

// Env is where commands run: a world and the namespace commands address by
// default.
type Env struct {
	World *netdev.World
	NS    *netdev.Namespace
}

// Version is what `ip -V` and `tc -V` print after the utility name.
const Version = "iproute2-softnet"

// IP runs one `ip` command (argv without the leading "ip"); it writes like
// iproute2 and returns the exit status.
func IP(env *Env, argv []string, stdout, stderr io.Writer) int {
	return runIP(env, argv, stdout, stderr)
}

// TC runs one `tc` command (argv without the leading "tc").
func TC(env *Env, argv []string, stdout, stderr io.Writer) int {
	return runTC(env, argv, stdout, stderr)
}

// RunLine runs one script line: "ip …", "tc …", "sysctl -w k=v" / "sysctl k"
// (through netdev's sysctl registry), split with shell-like quoting; blank
// lines and # comments do nothing.
func RunLine(env *Env, line string, stdout, stderr io.Writer) int {
	return runLine(env, line, stdout, stderr)
}
