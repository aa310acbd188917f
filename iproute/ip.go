package iproute

import (
	"fmt"
	"io"
)

const ipUsage = `Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
`

// ipOption is one global option: its spelling (matched by prefix, in
// order, as ip.c does) and what it does; arg options consume the next word.
type ipOption struct {
	name  string
	exact bool // compared with strcmp, not matches()
	arg   bool
	apply func(c *Cmd, arg string) error
}

var ipOptions = []ipOption{
	{name: "-loops", arg: true, apply: func(*Cmd, string) error { return nil }},
	{name: "-family", arg: true, apply: func(c *Cmd, a string) error {
		f := readFamily(a)
		if f < 0 {
			return invarg("invalid protocol family", a)
		}
		c.Opts.Family = f
		return nil
	}},
	{name: "-4", exact: true, apply: func(c *Cmd, _ string) error { c.Opts.Family = FamilyInet; return nil }},
	{name: "-6", exact: true, apply: func(c *Cmd, _ string) error { c.Opts.Family = FamilyInet6; return nil }},
	{name: "-0", exact: true, apply: func(c *Cmd, _ string) error { c.Opts.Family = FamilyPacket; return nil }},
	{name: "-M", exact: true, apply: func(c *Cmd, _ string) error { c.Opts.Family = FamilyMPLS; return nil }},
	{name: "-B", exact: true, apply: func(c *Cmd, _ string) error { c.Opts.Family = FamilyBridge; return nil }},
	{name: "-human-readable", apply: func(c *Cmd, _ string) error { c.Opts.Human++; return nil }},
	{name: "-iec", apply: func(c *Cmd, _ string) error { c.Opts.IEC = true; return nil }},
	{name: "-statistics", apply: func(c *Cmd, _ string) error { c.Opts.Stats++; return nil }},
	{name: "-details", apply: func(c *Cmd, _ string) error { c.Opts.Details++; return nil }},
	{name: "-resolve", apply: func(c *Cmd, _ string) error { c.Opts.Resolve = true; return nil }},
	{name: "-oneline", apply: func(c *Cmd, _ string) error { c.Opts.Oneline = true; return nil }},
	{name: "-timestamp", apply: func(*Cmd, string) error { return nil }},
	{name: "-tshort", apply: func(*Cmd, string) error { return nil }},
	{name: "-Version", apply: nil}, // handled in runIP
	{name: "-force", apply: func(c *Cmd, _ string) error { c.Opts.Force = true; return nil }},
	{name: "-batch", arg: true, apply: func(*Cmd, string) error {
		return fail(255, "softnet: -batch is not supported; run the lines one by one")
	}},
	{name: "-brief", apply: func(c *Cmd, _ string) error { c.Opts.Brief = true; return nil }},
	{name: "-json", apply: func(c *Cmd, _ string) error { c.Opts.JSON = true; return nil }},
	{name: "-pretty", apply: func(c *Cmd, _ string) error { c.Opts.Pretty = true; return nil }},
	{name: "-rcvbuf", arg: true, apply: func(*Cmd, string) error { return nil }},
	{name: "-color", apply: func(*Cmd, string) error { return nil }},
	{name: "-help", apply: func(*Cmd, string) error { return usageErr(ipUsage) }},
	{name: "-netns", arg: true, apply: selectNetns},
	{name: "-Numeric", apply: func(c *Cmd, _ string) error { c.Opts.Numeric = true; return nil }},
	{name: "-all", apply: func(c *Cmd, _ string) error { c.Opts.All = true; return nil }},
}

// selectNetns switches the command to another namespace of the world
// (netns_switch).
func selectNetns(c *Cmd, name string) error {
	if c.Env.World == nil {
		return fail(255, "Cannot open network namespace \"%s\": No such file or directory", name)
	}
	ns := c.Env.World.Namespace(name)
	if ns == nil {
		return fail(255, "Cannot open network namespace \"%s\": No such file or directory", name)
	}
	c.NS = ns
	return nil
}

// matchOption finds the first option word selects ("-s" is -statistics).
func matchOption(word string) *ipOption {
	for i := range ipOptions {
		o := &ipOptions[i]
		if o.exact {
			if word == o.name {
				return o
			}
		} else if Matches(word, o.name) {
			return o
		}
	}
	// -c[olor]=… forms
	if len(word) > 2 && Matches("-c", word[:2]) && Matches(word[:min(len(word), 6)], "-color") {
		return &ipOptions[len(ipOptions)-5]
	}
	return nil
}

func runIP(env *Env, argv []string, stdout, stderr io.Writer) int {
	return withBuffer(stdout, func(out io.Writer) int {
		c := &Cmd{Env: env, NS: env.NS, Stdout: out, Stderr: stderr, tool: "ip"}
		if c.NS == nil && env.World != nil {
			c.NS = env.World.Init()
		}
		rc := report(c.ipMain(argv), stderr)
		if err := c.Out.Err(); err != nil && rc == 0 {
			rc = 1
		}
		return rc
	})
}

func (c *Cmd) ipMain(argv []string) error {
	c.newPrinter()
	for len(argv) > 0 {
		opt := argv[0]
		if opt == "--" {
			argv = argv[1:]
			break
		}
		if len(opt) == 0 || opt[0] != '-' {
			break
		}
		opt = trimDash(opt)
		o := matchOption(opt)
		if o == nil {
			return fail(255, "Option \"%s\" is unknown, try \"ip -help\".", opt)
		}
		if o.name == "-Version" {
			c.Out.Textf("ip utility, %s\n", Version)
			return nil
		}
		arg := ""
		if o.arg {
			if len(argv) < 2 {
				return usageErr(ipUsage)
			}
			argv = argv[1:]
			arg = argv[0]
		}
		if err := o.apply(c, arg); err != nil {
			return err
		}
		argv = argv[1:]
	}
	c.newPrinter()
	if len(argv) == 0 {
		return usageErr(ipUsage)
	}
	if c.NS == nil {
		return fail(1, "softnet: no namespace")
	}
	obj := lookupObject(ipObjects, argv[0])
	if obj == nil {
		return fail(1, "Object \"%s\" is unknown, try \"ip help\".", argv[0])
	}
	return obj.Handler(c, argv[1:])
}

func init() {
	// The order of ip.c's cmds[]: a prefix picks the first match.
	for _, o := range []Object{
		{"address", doAddr}, {"addrlabel", notYet("addrlabel")}, {"maddress", notYet("maddress")},
		{"route", doRoute}, {"rule", notYet("rule")},
		{"neighbor", doNeigh}, {"neighbour", doNeigh},
		{"ntable", notYet("ntable")}, {"ntbl", notYet("ntable")},
		{"link", doLink},
	} {
		RegisterIPObject(o.Name, o.Handler)
	}
}

// lateObjects are ip.c's objects after "link" that other packages may
// register; registering them here keeps their prefixes' precedence.
func init() {
	for _, n := range []string{"l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "tuntap", "tap",
		"token", "tcpmetrics", "tcp_metrics", "monitor", "xfrm", "mroute", "mrule"} {
		registerPlaceholder(n)
	}
	RegisterIPObject("netns", doNetns)
	for _, n := range []string{"netconf", "vrf", "sr", "nexthop", "mptcp", "ioam"} {
		registerPlaceholder(n)
	}
	RegisterIPObject("help", func(*Cmd, []string) error { return usageErr(ipUsage) })
	registerPlaceholder("stats")
}

// placeholders maps object names registered before their implementation
// arrives; SetIPObject replaces them in place, keeping the order.
func registerPlaceholder(name string) { RegisterIPObject(name, notYet(name)) }

// SetIPObject installs the handler of an object (replacing the placeholder
// of ip.c's table, so prefix precedence stays iproute2's), or appends it.
func SetIPObject(name string, h Handler) {
	objMu.Lock()
	defer objMu.Unlock()
	for i := range ipObjects {
		if ipObjects[i].Name == name {
			ipObjects[i].Handler = h
		}
	}
	for i := range ipObjects {
		if ipObjects[i].Name == name {
			return
		}
	}
	ipObjects = append(ipObjects, Object{Name: name, Handler: h})
}

func notYet(name string) Handler {
	return func(c *Cmd, args []string) error {
		return fail(1, "softnet: \"ip %s\" is not implemented yet", name)
	}
}

var _ = fmt.Sprintf
