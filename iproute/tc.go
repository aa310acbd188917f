package iproute

import "io"

const tcUsage = `Usage: tc [ OPTIONS ] OBJECT { COMMAND | help }
       tc [-force] -batch filename
where  OBJECT := { qdisc | class | filter | chain |
                    action | monitor | exec }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[aw] |
                    -o[neline] | -j[son] | -p[retty] | -c[olor]
                    -b[atch] [filename] | -n[etns] name | -N[umeric] |
                     -nm | -nam[es] | { -cf | -conf } path
                     -br[ief] }
`

func runTC(env *Env, argv []string, stdout, stderr io.Writer) int {
	return withBuffer(stdout, func(out io.Writer) int {
		c := &Cmd{Env: env, NS: env.NS, Stdout: out, Stderr: stderr, tool: "tc"}
		if c.NS == nil && env.World != nil {
			c.NS = env.World.Init()
		}
		return report(c.tcMain(argv), stderr)
	})
}

// tcOptions are tc.c's global options, matched by prefix in its order.
var tcOptions = []struct {
	name  string
	arg   bool
	apply func(c *Cmd, arg string) error
}{
	{"-stats", false, func(c *Cmd, _ string) error { c.Opts.Stats++; return nil }},
	{"-details", false, func(c *Cmd, _ string) error { c.Opts.Details++; return nil }},
	{"-raw", false, func(*Cmd, string) error { return nil }},
	{"-pretty", false, func(c *Cmd, _ string) error { c.Opts.Pretty = true; return nil }},
	{"-graph", false, func(*Cmd, string) error { return nil }},
	{"-Version", false, nil},
	{"-iec", false, func(c *Cmd, _ string) error { c.Opts.IEC = true; return nil }},
	{"-help", false, func(*Cmd, string) error { return usageErr(tcUsage) }},
	{"-force", false, func(c *Cmd, _ string) error { c.Opts.Force = true; return nil }},
	{"-batch", true, func(*Cmd, string) error { return fail(255, "softnet: -batch is not supported") }},
	{"-netns", true, selectNetns},
	{"-Numeric", false, func(c *Cmd, _ string) error { c.Opts.Numeric = true; return nil }},
	{"-names", false, func(*Cmd, string) error { return nil }},
	{"-oneline", false, func(c *Cmd, _ string) error { c.Opts.Oneline = true; return nil }},
	{"-json", false, func(c *Cmd, _ string) error { c.Opts.JSON = true; return nil }},
	{"-brief", false, func(c *Cmd, _ string) error { c.Opts.Brief = true; return nil }},
	{"-color", false, func(*Cmd, string) error { return nil }},
}

func (c *Cmd) tcMain(argv []string) error {
	c.newPrinter()
	for len(argv) > 0 && len(argv[0]) > 0 && argv[0][0] == '-' {
		opt := trimDash(argv[0])
		found := false
		for _, o := range tcOptions {
			if !Matches(opt, o.name) {
				continue
			}
			found = true
			if o.apply == nil {
				c.Out.Textf("tc utility, %s\n", Version)
				return nil
			}
			arg := ""
			if o.arg {
				if len(argv) < 2 {
					return usageErr(tcUsage)
				}
				argv = argv[1:]
				arg = argv[0]
			}
			if err := o.apply(c, arg); err != nil {
				return err
			}
			break
		}
		if !found {
			return fail(255, "Option \"%s\" is unknown, try \"tc -help\".", opt)
		}
		argv = argv[1:]
	}
	c.newPrinter()
	if len(argv) == 0 {
		return usageErr(tcUsage)
	}
	if c.NS == nil {
		return fail(1, "softnet: no namespace")
	}
	obj := lookupObject(tcObjects, argv[0])
	if obj == nil {
		return fail(255, "Object \"%s\" is unknown, try \"tc help\".", argv[0])
	}
	return obj.Handler(c, argv[1:])
}

func init() {
	for _, n := range []string{"qdisc", "class", "filter", "chain", "actions", "monitor", "exec", "help"} {
		name := n
		h := notYetTC(name)
		switch n {
		case "qdisc":
			h = doQdisc
		case "help":
			h = func(*Cmd, []string) error { return usageErr(tcUsage) }
		}
		RegisterTCObject(name, h)
	}
}

// SetTCObject installs the handler of a tc object (qdisc, filter, actions…)
// in place of its placeholder.
func SetTCObject(name string, h Handler) {
	objMu.Lock()
	defer objMu.Unlock()
	for i := range tcObjects {
		if tcObjects[i].Name == name {
			tcObjects[i].Handler = h
			return
		}
	}
	tcObjects = append(tcObjects, Object{Name: name, Handler: h})
}

func notYetTC(name string) Handler {
	return func(c *Cmd, args []string) error {
		return fail(1, "softnet: \"tc %s\" is not implemented yet", name)
	}
}
