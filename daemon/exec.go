package daemon

import (
	"fmt"
	"io"
	"strings"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
)

// execute runs a configuration request (ip, tc, sysctl, link-*) on the
// world and returns its exit status, writing what iproute2 would print.
func (d *Daemon) execute(req *Request, stdout, stderr io.Writer) int {
	env := &iproute.Env{World: d.world, NS: d.world.Init()}
	switch req.Cmd {
	case CmdIP, CmdTC:
		argv := req.Argv
		if req.Netns != "" {
			argv = append([]string{"-n", req.Netns}, argv...)
		}
		if req.Cmd == CmdIP {
			return iproute.IP(env, argv, stdout, stderr)
		}
		return iproute.TC(env, argv, stdout, stderr)
	}
	ns, rc := d.namespace(req.Netns, stderr)
	if ns == nil {
		return rc
	}
	env.NS = ns
	switch req.Cmd {
	case CmdSysctl:
		return iproute.RunLine(env, "sysctl "+shellQuote(req.Argv), stdout, stderr)
	case CmdLinkAdd:
		if err := req.Link.DecodeData(); err != nil {
			return kernelError(stderr, err)
		}
		if _, err := ns.NewLink(req.Link); err != nil {
			return kernelError(stderr, err)
		}
		return 0
	case CmdLinkSet, CmdLinkDel:
		dev, err := ns.LookupDevice(req.Dev)
		if err != nil {
			fmt.Fprintf(stderr, "Cannot find device \"%s\"\n", req.Dev)
			return 1
		}
		if req.Cmd == CmdLinkDel {
			err = ns.DelLink(dev)
		} else {
			if err = req.Link.DecodeData(); err == nil {
				err = ns.SetLink(dev, req.Link)
			}
		}
		return kernelError(stderr, err)
	}
	fmt.Fprintf(stderr, "softnet: command %q cannot be executed\n", req.Cmd)
	return 1
}

// namespace finds the namespace a request addresses, printing iproute2's
// message when it does not exist.
func (d *Daemon) namespace(name string, stderr io.Writer) (*netdev.Namespace, int) {
	if name == "" {
		return d.world.Init(), 0
	}
	if ns := d.world.Namespace(name); ns != nil {
		return ns, 0
	}
	fmt.Fprintf(stderr, "Cannot open network namespace \"%s\": No such file or directory\n", name)
	return nil, 255
}

// kernelError prints err as iproute2 prints an rtnetlink error and returns
// the exit status (0 for nil).
func kernelError(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	if msg := extack.MessageOf(err); msg != "" {
		fmt.Fprintf(stderr, "Error: %s.\n", msg)
		return 2
	}
	errno := extack.ErrnoOf(err)
	if errno == 0 {
		errno = syscall.EINVAL
	}
	fmt.Fprintf(stderr, "RTNETLINK answers: %s\n", extack.Strerror(errno))
	return 2
}

// shellQuote joins words so that iproute.SplitLine gives them back.
func shellQuote(words []string) string {
	var sb strings.Builder
	for i, w := range words {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteByte('\'')
		sb.WriteString(strings.ReplaceAll(w, "'", `'\''`))
		sb.WriteByte('\'')
	}
	return sb.String()
}

// ReadOnly reports whether a request certainly changes nothing (show,
// list, get, help …), so it need not be journaled. It errs towards
// "changes something": journaling a read-only command is harmless, losing
// a change is not.
func ReadOnly(req *Request) bool {
	switch req.Cmd {
	case CmdPing, CmdMonitor, CmdCapture:
		return true
	case CmdSysctl:
		for _, a := range req.Argv {
			if strings.Contains(a, "=") {
				return false
			}
		}
		return true
	case CmdIP:
		return readOnlyArgv(req.Argv, ipOptArgs)
	case CmdTC:
		return readOnlyArgv(req.Argv, tcOptArgs)
	}
	return false
}

// Global options taking an argument, per utility.
var (
	ipOptArgs = []string{"-f", "-family", "-l", "-loops", "-rc", "-rcvbuf", "-n", "-netns", "-b", "-batch"}
	tcOptArgs = []string{"-n", "-netns", "-b", "-batch", "-cf", "-conf", "-rc", "-rcvbuf"}
)

// readOnlyArgv looks past the global options at "OBJECT [SUBCOMMAND]".
func readOnlyArgv(argv []string, optArgs []string) bool {
	i := 0
	for i < len(argv) && strings.HasPrefix(argv[i], "-") {
		opt := argv[i]
		if opt == "-V" || opt == "-Version" || opt == "-h" || opt == "-help" {
			return true
		}
		if opt == "-b" || opt == "-batch" || opt == "-force" {
			return false
		}
		for _, o := range optArgs {
			if opt == o {
				i++
				break
			}
		}
		i++
	}
	if i >= len(argv) {
		return true // usage
	}
	obj, rest := argv[i], argv[i+1:]
	switch {
	case obj == "xfrm" || obj == "x" || iproute.Matches(obj, "xfrm") && len(obj) > 1:
		if len(rest) == 0 {
			return true
		}
		rest = rest[1:] // state | policy | monitor
	case iproute.Matches(obj, "netns") && len(obj) >= 3:
		if len(rest) >= 3 && rest[0] == "exec" && (rest[2] == "ip" || rest[2] == "tc") {
			if rest[2] == "ip" {
				return readOnlyArgv(rest[3:], ipOptArgs)
			}
			return readOnlyArgv(rest[3:], tcOptArgs)
		}
	case obj == "help" || obj == "monitor":
		return true
	}
	if len(rest) == 0 {
		return true // OBJECT alone shows
	}
	return readOnlyVerb(rest[0])
}

func readOnlyVerb(w string) bool {
	switch w {
	case "lst", "ls", "help", "count", "identify", "pids", "list-id":
		return true
	}
	if len(w) >= 2 && (iproute.Matches(w, "show") || iproute.Matches(w, "list")) {
		return true
	}
	return iproute.Matches(w, "get")
}

// keyWords introduce key material in ip xfrm state: the word after the
// algorithm name is the key.
var keyWords = map[string]bool{"enc": true, "auth": true, "auth-trunc": true, "aead": true, "comp": false}

// Redact returns a request's command words for logs: ip xfrm commands are
// cut before their first algorithm (key material is never logged), typed
// link requests show the kind and name only.
func Redact(req *Request) string {
	switch req.Cmd {
	case CmdLinkAdd, CmdLinkSet:
		name := req.Dev
		if name == "" && req.Link != nil {
			name = req.Link.Name
		}
		kind := ""
		if req.Link != nil {
			kind = req.Link.Kind
		}
		return strings.TrimSpace(fmt.Sprintf("%s %s %s", req.Cmd, name, kind))
	case CmdLinkDel, CmdCapture:
		return req.Cmd + " " + req.Dev
	}
	words := append([]string{req.Cmd}, req.Argv...)
	xfrm := false
	for i, w := range words {
		if w == "xfrm" || (req.Cmd == CmdIP && i > 0 && strings.HasPrefix(w, "x") && iproute.Matches(w, "xfrm")) {
			xfrm = true
		}
		if xfrm && keyWords[w] {
			return strings.Join(words[:i+1], " ") + " [redacted]"
		}
	}
	if xfrm && len(words) > 6 {
		return strings.Join(words[:6], " ") + " [redacted]"
	}
	return strings.Join(words, " ")
}
