package capfilter

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// MaxLen bounds a filter expression (bytes); MaxNodes its program.
const (
	MaxLen   = 4096
	MaxNodes = 512
)

type op uint8

const (
	opTrue op = iota
	opAnd
	opOr
	opNot
	opHost       // addr, dir
	opNet        // pfx, dir
	opPort       // lo..hi, dir, l4 (0 = tcp, udp or sctp)
	opProto      // num = IP protocol, fam (0, 4, 6)
	opIPVersion  // fam: ip or ip6
	opEtherProto // num = ethertype
	opEtherHost  // mac, dir
	opLess       // num
	opGreater    // num
)

type dir uint8

const (
	dirAny dir = iota
	dirSrc
	dirDst
)

// node is one instruction; a and b index child nodes.
type node struct {
	op     op
	dir    dir
	fam    uint8
	l4     uint8
	a, b   int32
	lo, hi uint16
	num    uint32
	addr   netip.Addr
	pfx    netip.Prefix
	mac    [6]byte
}

// Filter is a parsed capture filter. Its zero value, and the filter of an
// empty expression, match every frame. A Filter is immutable and safe
// for concurrent use.
type Filter struct {
	nodes []node
	root  int32
}

// Parse compiles a filter expression; errors say what was expected where.
func Parse(expr string) (*Filter, error) {
	if len(expr) > MaxLen {
		return nil, fmt.Errorf("filter longer than %d bytes", MaxLen)
	}
	p := &parser{toks: tokenize(expr)}
	f := &Filter{}
	if len(p.toks) == 0 {
		f.nodes = []node{{op: opTrue}}
		return f, nil
	}
	p.f = f
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if !p.eof() {
		return nil, fmt.Errorf("unexpected %q", p.peek())
	}
	f.root = root
	return f, nil
}

// tokenize splits on blanks, keeping ( ) ! && || as tokens.
func tokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '!':
			out = append(out, s[i:i+1])
			i++
		case (c == '&' || c == '|') && i+1 < len(s) && s[i+1] == c:
			out = append(out, s[i:i+2])
			i += 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()!", rune(s[j])) &&
				!((s[j] == '&' || s[j] == '|') && j+1 < len(s) && s[j+1] == s[j]) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out
}

type parser struct {
	toks  []string
	pos   int
	depth int
	f     *Filter
}

func (p *parser) eof() bool { return p.pos >= len(p.toks) }

func (p *parser) peek() string {
	if p.eof() {
		return ""
	}
	return p.toks[p.pos]
}

func (p *parser) next() string { t := p.peek(); p.pos++; return t }

func (p *parser) add(n node) (int32, error) {
	if len(p.f.nodes) >= MaxNodes {
		return 0, fmt.Errorf("filter too complex (more than %d terms)", MaxNodes)
	}
	p.f.nodes = append(p.f.nodes, n)
	return int32(len(p.f.nodes) - 1), nil
}

// want returns the next word or an error naming what was expected.
func (p *parser) want(what, after string) (string, error) {
	if p.eof() {
		return "", fmt.Errorf("expected %s after %q, got end of filter", what, after)
	}
	t := p.next()
	if t == "(" || t == ")" || t == "!" || t == "&&" || t == "||" {
		return "", fmt.Errorf("expected %s after %q, got %q", what, after, t)
	}
	return t, nil
}

func (p *parser) or() (int32, error) {
	l, err := p.and()
	for err == nil && (p.peek() == "or" || p.peek() == "||") {
		p.next()
		var r int32
		if r, err = p.and(); err == nil {
			l, err = p.add(node{op: opOr, a: l, b: r})
		}
	}
	return l, err
}

func (p *parser) and() (int32, error) {
	l, err := p.not()
	for err == nil && (p.peek() == "and" || p.peek() == "&&") {
		p.next()
		var r int32
		if r, err = p.not(); err == nil {
			l, err = p.add(node{op: opAnd, a: l, b: r})
		}
	}
	return l, err
}

func (p *parser) not() (int32, error) {
	if t := p.peek(); t == "not" || t == "!" {
		p.next()
		if p.depth++; p.depth > 100 {
			return 0, errors.New("filter nested too deeply")
		}
		x, err := p.not()
		p.depth--
		if err != nil {
			return 0, err
		}
		return p.add(node{op: opNot, a: x})
	}
	return p.primary()
}

func (p *parser) primary() (int32, error) {
	if p.eof() {
		return 0, errors.New("unexpected end of filter")
	}
	if p.peek() == "(" {
		p.next()
		if p.depth++; p.depth > 100 {
			return 0, errors.New("filter nested too deeply")
		}
		x, err := p.or()
		p.depth--
		if err != nil {
			return 0, err
		}
		if p.next() != ")" {
			return 0, errors.New("missing \")\"")
		}
		return x, nil
	}
	n, err := p.prim()
	if err != nil {
		return 0, err
	}
	return p.add(n)
}

// prim parses one primitive.
func (p *parser) prim() (node, error) {
	t := p.next()
	switch t {
	case "src", "dst":
		d := dirSrc
		if t == "dst" {
			d = dirDst
		}
		return p.directed(d, t, 0)
	case "host", "net", "port", "portrange":
		p.pos--
		return p.directed(dirAny, "", 0)
	case "tcp", "udp", "sctp":
		l4 := protoNums[t]
		if k := p.peek(); k == "port" || k == "portrange" || k == "src" || k == "dst" {
			d := dirAny
			if k == "src" || k == "dst" {
				p.next()
				d = map[string]dir{"src": dirSrc, "dst": dirDst}[k]
			}
			n, err := p.directed(d, t, l4)
			if err == nil && n.op != opPort {
				return n, fmt.Errorf("expected port or portrange after %q", t)
			}
			return n, err
		}
		return node{op: opProto, num: uint32(l4)}, nil
	case "ip", "ip6":
		fam := uint8(4)
		if t == "ip6" {
			fam = 6
		}
		if p.peek() == "proto" {
			p.next()
			n, err := p.protoArg("proto")
			n.fam = fam
			return n, err
		}
		return node{op: opIPVersion, fam: fam}, nil
	case "proto":
		return p.protoArg(t)
	case "arp":
		return node{op: opEtherProto, num: 0x0806}, nil
	case "ether":
		return p.ether()
	case "less", "greater":
		v, err := p.want("a length", t)
		if err != nil {
			return node{}, err
		}
		n, err := strconv.ParseUint(v, 0, 32)
		if err != nil {
			return node{}, fmt.Errorf("invalid length %q", v)
		}
		o := opLess
		if t == "greater" {
			o = opGreater
		}
		return node{op: o, num: uint32(n)}, nil
	}
	if n, ok := protoNums[strings.TrimPrefix(t, "\\")]; ok {
		return node{op: opProto, num: uint32(n)}, nil
	}
	return node{}, fmt.Errorf("unknown word %q", t)
}

// directed parses host/net/port/portrange after an optional direction.
func (p *parser) directed(d dir, after string, l4 uint8) (node, error) {
	k, err := p.want("host, net, port or portrange", after)
	if err != nil {
		return node{}, err
	}
	switch k {
	case "host":
		v, err := p.want("an address", k)
		if err != nil {
			return node{}, err
		}
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			return node{}, fmt.Errorf("invalid address %q", v)
		}
		return node{op: opHost, dir: d, addr: a.Unmap()}, nil
	case "net":
		v, err := p.want("a prefix", k)
		if err != nil {
			return node{}, err
		}
		pfx, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil || a.Zone() != "" {
				return node{}, fmt.Errorf("invalid prefix %q", v)
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		if pfx != pfx.Masked() {
			return node{}, fmt.Errorf("non-network bits set in %q", v)
		}
		return node{op: opNet, dir: d, pfx: pfx}, nil
	case "port", "portrange":
		v, err := p.want("a port", k)
		if err != nil {
			return node{}, err
		}
		lo, hi, err := parsePorts(v, k == "portrange")
		if err != nil {
			return node{}, err
		}
		return node{op: opPort, dir: d, l4: l4, lo: lo, hi: hi}, nil
	}
	return node{}, fmt.Errorf("expected host, net, port or portrange after %q, got %q", after, k)
}

func parsePorts(v string, isRange bool) (lo, hi uint16, err error) {
	one := func(s string) (uint16, error) {
		if n, ok := portNames[s]; ok {
			return n, nil
		}
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return 0, fmt.Errorf("invalid port %q", s)
		}
		return uint16(n), nil
	}
	if !isRange {
		lo, err = one(v)
		return lo, lo, err
	}
	a, b, ok := strings.Cut(v, "-")
	if !ok {
		return 0, 0, fmt.Errorf("invalid port range %q (want LOW-HIGH)", v)
	}
	if lo, err = one(a); err == nil {
		hi, err = one(b)
	}
	if err == nil && lo > hi {
		lo, hi = hi, lo
	}
	return lo, hi, err
}

func (p *parser) protoArg(after string) (node, error) {
	v, err := p.want("a protocol", after)
	if err != nil {
		return node{}, err
	}
	v = strings.TrimPrefix(v, "\\")
	if n, ok := protoNums[v]; ok {
		return node{op: opProto, num: uint32(n)}, nil
	}
	n, err := strconv.ParseUint(v, 0, 8)
	if err != nil {
		return node{}, fmt.Errorf("unknown protocol %q", v)
	}
	return node{op: opProto, num: uint32(n)}, nil
}

func (p *parser) ether() (node, error) {
	k, err := p.want("proto, host, src or dst", "ether")
	if err != nil {
		return node{}, err
	}
	switch k {
	case "proto":
		v, err := p.want("an ethertype", k)
		if err != nil {
			return node{}, err
		}
		v = strings.TrimPrefix(v, "\\")
		if n, ok := etherNames[v]; ok {
			return node{op: opEtherProto, num: uint32(n)}, nil
		}
		n, err := strconv.ParseUint(v, 0, 16)
		if err != nil {
			return node{}, fmt.Errorf("unknown ethertype %q", v)
		}
		return node{op: opEtherProto, num: uint32(n)}, nil
	case "host", "src", "dst":
		d := map[string]dir{"host": dirAny, "src": dirSrc, "dst": dirDst}[k]
		if d != dirAny && p.peek() == "host" {
			p.next()
		}
		v, err := p.want("a MAC address", k)
		if err != nil {
			return node{}, err
		}
		hw, err := net.ParseMAC(v)
		if err != nil || len(hw) != 6 {
			return node{}, fmt.Errorf("invalid MAC address %q", v)
		}
		return node{op: opEtherHost, dir: d, mac: [6]byte(hw)}, nil
	}
	return node{}, fmt.Errorf("expected proto, host, src or dst after \"ether\", got %q", k)
}

var protoNums = map[string]uint8{
	"icmp": 1, "igmp": 2, "ipip": 4, "ipencap": 4, "tcp": 6, "udp": 17, "ipv6": 41,
	"gre": 47, "esp": 50, "ah": 51, "icmp6": 58, "ipv6-icmp": 58, "ipcomp": 108, "comp": 108,
	"vrrp": 112, "l2tp": 115, "sctp": 132,
}

var etherNames = map[string]uint16{"ip": 0x0800, "arp": 0x0806, "ip6": 0x86dd, "ipv6": 0x86dd,
	"vlan": 0x8100, "mpls": 0x8847, "rarp": 0x8035}

var portNames = map[string]uint16{"ssh": 22, "domain": 53, "http": 80, "ntp": 123, "https": 443,
	"isakmp": 500, "ipsec-nat-t": 4500, "vxlan": 4789, "geneve": 6081}
