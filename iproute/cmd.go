package iproute

import (
	"bufio"
	"io"
	"strings"
	"sync"

	"github.com/softnet/softnet/netdev"
)

// Address families as the -4/-6/-0/-f options select them.
const (
	FamilyAll    = 0
	FamilyInet   = 4
	FamilyInet6  = 6
	FamilyPacket = 17 // -0, -f link
	FamilyMPLS   = 28 // -M, -f mpls
	FamilyBridge = 7  // -B, -f bridge
)

// Opts are the global options (ip.c's globals).
type Opts struct {
	Stats   int  // -s, repeatable
	Details int  // -d
	JSON    bool // -j
	Pretty  bool // -p
	Brief   bool // -br
	Oneline bool // -o
	Human   int  // -h
	IEC     bool // -iec
	Numeric bool // -N
	Resolve bool // -r
	Family  int  // -4/-6/-0/-f
	All     bool // -a
	Force   bool // -force
}

// Cmd is one running command: where it runs, its options and its output.
// Object handlers receive it.
type Cmd struct {
	Env    *Env
	NS     *netdev.Namespace // the namespace addressed (-n, ip netns exec)
	Opts   Opts
	Stdout io.Writer
	Stderr io.Writer
	Out    *Printer // writes to Stdout as the options ask (text or JSON)
	tool   string   // "ip" or "tc"
}

// Handler runs an object's command: args are the words after the object
// name. It returns nil, or an error carrying iproute2's message and exit
// status (kernel-side extack errors print as "Error: …." / "RTNETLINK
// answers: …" and exit 2).
type Handler func(c *Cmd, args []string) error

// Object is a registered command object (an entry of ip.c's cmds[]).
type Object struct {
	Name    string
	Handler Handler
}

var (
	objMu     sync.RWMutex
	ipObjects []Object
	tcObjects []Object
)

// RegisterIPObject adds an `ip` object (ip xfrm, ip tunnel, ip fou…). Order
// matters as in iproute2: a prefix selects the first object it matches, so
// register at init in the order of ip.c's table.
func RegisterIPObject(name string, h Handler) {
	objMu.Lock()
	defer objMu.Unlock()
	ipObjects = append(ipObjects, Object{Name: name, Handler: h})
}

// RegisterTCObject adds a `tc` object (qdisc, filter, actions…).
func RegisterTCObject(name string, h Handler) {
	objMu.Lock()
	defer objMu.Unlock()
	tcObjects = append(tcObjects, Object{Name: name, Handler: h})
}

// lookupObject finds the first object whose name word is a prefix of.
func lookupObject(list []Object, word string) *Object {
	objMu.RLock()
	defer objMu.RUnlock()
	for i := range list {
		if Matches(word, list[i].Name) {
			o := list[i]
			return &o
		}
	}
	return nil
}

// Matches reports whether word is a non-empty prefix of keyword, as
// iproute2's matches() (which also accepts an empty word; we do not, so
// that "" never selects an object).
func Matches(word, keyword string) bool {
	return word != "" && len(word) <= len(keyword) && keyword[:len(word)] == word
}

// run executes a handler with a fresh Printer and writes errors.
func (c *Cmd) newPrinter() {
	c.Out = NewPrinter(c.Stdout, c.Opts.JSON, c.Opts.Pretty)
}

// bufWriter buffers a command's stdout so a failing command's partial
// output still reaches the caller in order.
func withBuffer(w io.Writer, f func(io.Writer) int) int {
	bw := bufio.NewWriter(w)
	rc := f(bw)
	_ = bw.Flush()
	return rc
}

// splitFamily maps a -f/-family argument to a family.
func readFamily(s string) int {
	switch s {
	case "inet":
		return FamilyInet
	case "inet6":
		return FamilyInet6
	case "link":
		return FamilyPacket
	case "mpls":
		return FamilyMPLS
	case "bridge":
		return FamilyBridge
	}
	return -1
}

func trimDash(opt string) string {
	if strings.HasPrefix(opt, "--") {
		return opt[1:]
	}
	return opt
}
