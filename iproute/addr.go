package iproute

import (
	"net/netip"
	"strconv"

	"github.com/softnet/softnet/inet"
)

const addrUsage = `Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]
                                                      [ CONFFLAG-LIST ]
       ip address del IFADDR dev IFNAME [mngtmpaddr]
       ip address {save|flush} [ dev IFNAME ] [ scope SCOPE-ID ]
                            [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]
       ip address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]
                         [ nomaster ]
                         [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]
                         [ label LABEL ] [up] [ vrf NAME ] ]
       ip address {showdump|restore}
IFADDR := PREFIX | ADDR peer PREFIX
          [ broadcast ADDR ] [ anycast ADDR ]
          [ label IFNAME ] [ scope SCOPE-ID ] [ metric METRIC ]
SCOPE-ID := [ host | link | global | NUMBER ]
FLAG-LIST := [ FLAG-LIST ] FLAG
FLAG  := [ permanent | dynamic | secondary | primary |
           [-]tentative | [-]deprecated | [-]dadfailed | temporary |
           CONFFLAG-LIST ]
CONFFLAG-LIST := [ CONFFLAG-LIST ] CONFFLAG
CONFFLAG  := [ home | nodad | mngtmpaddr | noprefixroute | autojoin ]
LIFETIME := [ valid_lft LFT ] [ preferred_lft LFT ]
LFT := forever | SECONDS
TYPE := { amt | bareudp | bond | bond_slave | bridge | bridge_slave |
          dsa | dummy | erspan | geneve | gre | gretap | gtp | ifb |
          ip6erspan | ip6gre | ip6gretap | ip6tnl |
          ipip | ipoib | ipvlan | ipvtap |
          macsec | macvlan | macvtap |
          netdevsim | nlmon | rmnet | sit | team | team_slave |
          vcan | veth | vlan | vrf | vti | vxcan | vxlan | wwan |
          xfrm }
`

// doAddr is do_ipaddr: ip address add|change|replace|del|show|flush.
func doAddr(c *Cmd, args []string) error {
	if len(args) == 0 {
		return c.addrList(nil, false)
	}
	w, rest := args[0], args[1:]
	switch {
	case Matches(w, "add"):
		return c.addrModify(rest, addrAdd)
	case Matches(w, "change") || w == "chg":
		return c.addrModify(rest, addrChange)
	case Matches(w, "replace"):
		return c.addrModify(rest, addrReplace)
	case Matches(w, "delete"):
		return c.addrModify(rest, addrDelete)
	case Matches(w, "list") || Matches(w, "show") || Matches(w, "lst"):
		return c.addrList(rest, false)
	case Matches(w, "flush"):
		return c.addrList(rest, true)
	case Matches(w, "save"), Matches(w, "showdump"), Matches(w, "restore"):
		return fail(1, "softnet: \"ip address %s\" is not supported", w)
	case Matches(w, "help"):
		return usageErr(addrUsage)
	}
	return fail(255, "Command \"%s\" is unknown, try \"ip address help\".", w)
}

// addrOp is the request an ip address command sends.
type addrOp int

const (
	addrAdd     addrOp = iota // NLM_F_CREATE|NLM_F_EXCL
	addrChange                // NLM_F_REPLACE
	addrReplace               // NLM_F_CREATE|NLM_F_REPLACE
	addrDelete                // RTM_DELADDR
)

// addrReq is what ipaddr_modify collects from the command line.
type addrReq struct {
	family   int
	dev      string
	label    string
	local    inetArg
	localArg string
	hasLocal bool
	peer     inetArg
	hasPeer  bool
	brd      netip.Addr
	brdMode  int // 0 none, 1 address, -1 "+", -2 "-"
	scope    inet.Scope
	scoped   bool
	metric   uint32
	flags    inet.AddrFlags
	valid    uint32
	pref     uint32
	lftGiven bool
	warnings string
}

// parseAddrReq is the argument loop of ipaddr_modify.
func parseAddrReq(args []string, family int, del bool) (*addrReq, error) {
	r := &addrReq{family: family, valid: inet.Forever, pref: inet.Forever}
	var validSet, prefSet bool
	for len(args) > 0 {
		w := args[0]
		next := func() (string, error) {
			if len(args) < 2 {
				return "", incomplete()
			}
			args = args[1:]
			return args[0], nil
		}
		var v string
		var err error
		switch {
		case w == "peer" || w == "remote":
			if v, err = next(); err != nil {
				return nil, err
			}
			if r.hasPeer {
				return nil, duparg("peer", v)
			}
			if r.peer, err = getPrefix(v, r.family); err != nil {
				return nil, err
			}
			r.hasPeer = true
			if r.family == FamilyAll {
				r.family = r.peer.family
			}
		case Matches(w, "broadcast") || w == "brd":
			if v, err = next(); err != nil {
				return nil, err
			}
			if r.brdMode != 0 {
				return nil, duparg("broadcast", v)
			}
			switch v {
			case "+":
				r.brdMode = -1
			case "-":
				r.brdMode = -2
			default:
				a, err := getAddr(v, r.family)
				if err != nil {
					return nil, err
				}
				if r.family == FamilyAll {
					r.family = a.family
				}
				r.brd, r.brdMode = a.addr, 1
			}
		case w == "anycast":
			if v, err = next(); err != nil {
				return nil, err
			}
			if _, err := getAddr(v, r.family); err != nil {
				return nil, err
			}
			return nil, fail(2, "RTNETLINK answers: Operation not supported")
		case w == "scope":
			if v, err = next(); err != nil {
				return nil, err
			}
			s, ok := parseRtScope(v)
			if !ok {
				return nil, invarg("invalid scope value.", v)
			}
			r.scope, r.scoped = s, true
		case w == "dev":
			if v, err = next(); err != nil {
				return nil, err
			}
			r.dev = v
		case w == "label":
			if v, err = next(); err != nil {
				return nil, err
			}
			r.label = v
		case Matches(w, "metric") || Matches(w, "priority") || Matches(w, "preference"):
			if v, err = next(); err != nil {
				return nil, err
			}
			n, ok := getU32(v)
			if !ok {
				return nil, invarg("\"metric\" value is invalid\n", v)
			}
			r.metric = n
		case Matches(w, "valid_lft"):
			if validSet {
				return nil, duparg("valid_lft", w)
			}
			if v, err = next(); err != nil {
				return nil, err
			}
			n, ok := parseLifetime(v)
			if !ok {
				return nil, invarg("valid_lft value", v)
			}
			r.valid, validSet = n, true
		case Matches(w, "preferred_lft"):
			if prefSet {
				return nil, duparg("preferred_lft", w)
			}
			if v, err = next(); err != nil {
				return nil, err
			}
			n, ok := parseLifetime(v)
			if !ok {
				return nil, invarg("preferred_lft value", v)
			}
			r.pref, prefSet = n, true
		case w == "home", w == "nodad", w == "optimistic", w == "mngtmpaddr":
			if r.family != FamilyInet6 {
				r.warnings += "Warning: " + w + " option can be set only for IPv6 addresses\n"
				break
			}
			r.flags |= map[string]inet.AddrFlags{"home": inet.AddrHomeAddress, "nodad": inet.AddrNoDAD,
				"optimistic": inet.AddrOptimistic, "mngtmpaddr": inet.AddrManageTempAddr}[w]
		case w == "noprefixroute":
			r.flags |= inet.AddrNoPrefixRoute
		case w == "autojoin":
			r.flags |= inet.AddrMcAutoJoin
		default:
			if w == "local" {
				if v, err = next(); err != nil {
					return nil, err
				}
				w = v
			}
			if Matches(w, "help") {
				return nil, usageErr(addrUsage)
			}
			if r.hasLocal {
				return nil, duparg2("local", w)
			}
			if r.local, err = getPrefix(w, r.family); err != nil {
				return nil, err
			}
			r.hasLocal, r.localArg = true, w
			if r.family == FamilyAll {
				r.family = r.local.family
			}
		}
		args = args[1:]
	}
	r.lftGiven = validSet || prefSet
	return r, nil
}

// parseLifetime is set_lifetime: "forever" or a number of seconds.
func parseLifetime(s string) (uint32, bool) {
	if s == "forever" {
		return inet.Forever, true
	}
	return getU32(s)
}

// getU32 is get_u32(…, 0).
func getU32(s string) (uint32, bool) {
	n, ok := cUint(s)
	if !ok || n > 0xFFFFFFFF {
		return 0, false
	}
	return uint32(n), true
}

// addrModify is ipaddr_modify.
func (c *Cmd) addrModify(args []string, op addrOp) error {
	r, err := parseAddrReq(args, c.Opts.Family, op == addrDelete)
	if r != nil && r.warnings != "" {
		_, _ = c.Stderr.Write([]byte(r.warnings))
	}
	if err != nil {
		return err
	}
	if r.dev == "" {
		return fail(1, "Not enough information: \"dev\" argument is required.")
	}
	a := inet.Addr{Label: r.label, Flags: r.flags, Metric: r.metric}
	wildcard := false
	plen := 0
	if r.hasPeer {
		a.Peer = r.peer.prefix()
		plen = r.peer.bits
	}
	if r.hasLocal && !r.hasPeer {
		if op == addrDelete && r.local.family == FamilyInet && !r.local.lenGiven {
			_, _ = c.Stderr.Write([]byte("Warning: Executing wildcard deletion to stay compatible with old scripts.\n" +
				"         Explicitly specify the prefix length (" + r.localArg + "/32) to avoid this warning.\n" +
				"         This special behaviour is likely to disappear in further releases,\n" +
				"         fix your scripts!\n"))
			wildcard = true
		}
	}
	if plen == 0 || !r.hasPeer {
		plen = r.local.bits
	}
	if r.hasLocal {
		a.Prefix = netip.PrefixFrom(r.local.addr, plen)
	}
	if err := c.addrBroadcast(r, &a, op); err != nil {
		return err
	}
	if !r.scoped && op != addrDelete {
		r.scope = defaultScope(r.local)
	}
	a.Scope = r.scope
	d := c.NS.DeviceByName(r.dev)
	if d == nil {
		return noDevice(r.dev)
	}
	a.Ifindex = d.Index()
	if r.lftGiven {
		if r.valid == 0 {
			return fail(1, "valid_lft is zero")
		}
		if r.valid < r.pref {
			return fail(1, "preferred_lft is greater than valid_lft")
		}
		a.ValidLft, a.PreferredLft = r.valid, r.pref
	}
	if !r.hasLocal && !r.hasPeer {
		// No address: the request has no family, which no rtnetlink
		// handler takes.
		return fail(2, "RTNETLINK answers: Operation not supported")
	}
	if !a.Prefix.IsValid() && a.Peer.IsValid() {
		a.Prefix = a.Peer
	}
	switch op {
	case addrDelete:
		if wildcard {
			err = inet.DelAddrWildcard(c.NS, a)
		} else {
			err = inet.DelAddr(c.NS, a)
		}
	default:
		err = inet.AddAddr(c.NS, a, op != addrAdd)
	}
	if err != nil {
		return kernelError(err)
	}
	return nil
}

// addrBroadcast computes brd + / brd - (from the peer prefix, as
// ipaddr_modify does) and sets an explicit broadcast.
func (c *Cmd) addrBroadcast(r *addrReq, a *inet.Addr, op addrOp) error {
	switch {
	case r.brdMode == 1:
		a.Broadcast = r.brd
	case r.brdMode < 0 && op != addrDelete:
		if r.family != FamilyInet {
			return fail(1, "Broadcast can be set only for IPv4 addresses")
		}
		base := r.local
		bits := r.local.bits
		if r.hasPeer {
			base, bits = r.peer, r.peer.bits
		}
		if bits <= 30 {
			v := base.addr.As4()
			n := uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
			host := uint32(1)<<(32-bits) - 1
			if bits == 0 {
				host = 0xFFFFFFFF
			}
			if r.brdMode == -1 {
				n |= host
			} else {
				n &^= host
			}
			a.Broadcast = netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
		}
	}
	return nil
}

// defaultScope is default_scope: host for 127/8, global otherwise.
func defaultScope(a inetArg) inet.Scope {
	if a.addr.Is4() && a.addr.As4()[0] == 127 {
		return inet.ScopeHost
	}
	return inet.ScopeUniverse
}

// lifetime formats an address lifetime for text output.
func lifetime(v uint32) string {
	if v == inet.Forever {
		return "forever"
	}
	return strconv.FormatUint(uint64(v), 10) + "sec"
}
