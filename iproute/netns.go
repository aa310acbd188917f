package iproute

import (
	"sort"
)

const netnsUsage = `Usage:	ip netns list
	ip [-all] netns add NAME
	ip netns attach NAME PID
	ip netns set NAME NETNSID
	ip [-all] netns delete [NAME]
	ip netns identify [PID]
	ip netns pids NAME
	ip [-all] netns exec [NAME] cmd ...
	ip netns monitor
	ip netns list-id [target-nsid POSITIVE-INT] [nsid POSITIVE-INT]
NETNSID := auto | POSITIVE-INT
`

// doNetns is ip netns add|del|list|exec over the world's namespaces.
func doNetns(c *Cmd, args []string) error {
	if len(args) == 0 {
		return c.netnsList()
	}
	sub, rest := args[0], args[1:]
	switch {
	case Matches(sub, "list"), Matches(sub, "show"), sub == "lst":
		return c.netnsList()
	case Matches(sub, "add"):
		if len(rest) != 1 {
			return fail(255, "No netns name specified")
		}
		if _, err := c.Env.World.AddNamespace(rest[0]); err != nil {
			return fail(1, "%s", errText(err))
		}
		return nil
	case Matches(sub, "delete"):
		if len(rest) != 1 {
			return fail(255, "No netns name specified")
		}
		if err := c.Env.World.DelNamespace(rest[0]); err != nil {
			return fail(1, "%s", errText(err))
		}
		return nil
	case Matches(sub, "exec"):
		return c.netnsExec(rest)
	case Matches(sub, "help"):
		return usageErr(netnsUsage)
	}
	return fail(255, "Command \"%s\" is unknown, try \"ip netns help\".", sub)
}

func errText(err error) string { return err.Error() }

// netnsList prints the named namespaces, newest first (as ls of
// /run/netns with iproute2's ordering); the initial namespace is not one.
func (c *Cmd) netnsList() error {
	all := c.Env.World.Namespaces()
	var names []string
	for i := len(all) - 1; i >= 0; i-- {
		if !all[i].IsInit() {
			names = append(names, all[i].Name())
		}
	}
	_ = sort.Strings
	p := c.Out
	p.Begin()
	for _, n := range names {
		p.OpenObject("")
		p.PrintString("name", "%s", n)
		p.Textf("\n")
		p.CloseObject()
	}
	p.End()
	return nil
}

// netnsExec runs "ip …" or "tc …" in a namespace: ip netns exec NAME ip …
func (c *Cmd) netnsExec(args []string) error {
	if len(args) < 1 {
		return fail(255, "No netns name specified")
	}
	if len(args) < 2 {
		return fail(255, "No command specified")
	}
	ns := c.Env.World.Namespace(args[0])
	if ns == nil {
		return fail(255, "Cannot open network namespace \"%s\": No such file or directory", args[0])
	}
	env := &Env{World: c.Env.World, NS: ns}
	var rc int
	switch args[1] {
	case "ip":
		rc = IP(env, args[2:], c.Stdout, c.Stderr)
	case "tc":
		rc = TC(env, args[2:], c.Stdout, c.Stderr)
	case "sysctl":
		rc = sysctl(env, ns, args[2:], c.Stdout, c.Stderr)
	default:
		return fail(255, "exec of \"%s\" failed: No such file or directory", args[1])
	}
	if rc != 0 {
		return &exitError{code: rc}
	}
	return nil
}
