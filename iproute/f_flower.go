package iproute

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/softnet/softnet/sched"
	"github.com/softnet/softnet/sched/flower"
)

// flowerUsage is f_flower.c's explain() of iproute2 6.1, byte for byte
// (including its missing newline after ppp_proto).
const flowerUsage = "Usage: ... flower\t[ MATCH-LIST ] [ verbose ]\n" +
	"\t\t\t[ skip_sw | skip_hw ]\n" +
	"\t\t\t[ action ACTION-SPEC ] [ classid CLASSID ]\n" +
	"\n" +
	"Where: MATCH-LIST := [ MATCH-LIST ] MATCH\n" +
	"       MATCH      := {\tindev DEV-NAME |\n" +
	"\t\t\tnum_of_vlans VLANS_COUNT |\n" +
	"\t\t\tvlan_id VID |\n" +
	"\t\t\tvlan_prio PRIORITY |\n" +
	"\t\t\tvlan_ethtype [ ipv4 | ipv6 | ETH-TYPE ] |\n" +
	"\t\t\tcvlan_id VID |\n" +
	"\t\t\tcvlan_prio PRIORITY |\n" +
	"\t\t\tcvlan_ethtype [ ipv4 | ipv6 | ETH-TYPE ] |\n" +
	"\t\t\tpppoe_sid PSID |\n" +
	"\t\t\tppp_proto [ ipv4 | ipv6 | mpls_uc | mpls_mc | PPP_PROTO ]" +
	"\t\t\tdst_mac MASKED-LLADDR |\n" +
	"\t\t\tsrc_mac MASKED-LLADDR |\n" +
	"\t\t\tip_proto [tcp | udp | sctp | icmp | icmpv6 | IP-PROTO ] |\n" +
	"\t\t\tip_tos MASKED-IP_TOS |\n" +
	"\t\t\tip_ttl MASKED-IP_TTL |\n" +
	"\t\t\tmpls LSE-LIST |\n" +
	"\t\t\tmpls_label LABEL |\n" +
	"\t\t\tmpls_tc TC |\n" +
	"\t\t\tmpls_bos BOS |\n" +
	"\t\t\tmpls_ttl TTL |\n" +
	"\t\t\tdst_ip PREFIX |\n" +
	"\t\t\tsrc_ip PREFIX |\n" +
	"\t\t\tdst_port PORT-NUMBER |\n" +
	"\t\t\tsrc_port PORT-NUMBER |\n" +
	"\t\t\ttcp_flags MASKED-TCP_FLAGS |\n" +
	"\t\t\ttype MASKED-ICMP-TYPE |\n" +
	"\t\t\tcode MASKED-ICMP-CODE |\n" +
	"\t\t\tarp_tip IPV4-PREFIX |\n" +
	"\t\t\tarp_sip IPV4-PREFIX |\n" +
	"\t\t\tarp_op [ request | reply | OP ] |\n" +
	"\t\t\tarp_tha MASKED-LLADDR |\n" +
	"\t\t\tarp_sha MASKED-LLADDR |\n" +
	"\t\t\tenc_dst_ip [ IPV4-ADDR | IPV6-ADDR ] |\n" +
	"\t\t\tenc_src_ip [ IPV4-ADDR | IPV6-ADDR ] |\n" +
	"\t\t\tenc_key_id [ KEY-ID ] |\n" +
	"\t\t\tenc_tos MASKED-IP_TOS |\n" +
	"\t\t\tenc_ttl MASKED-IP_TTL |\n" +
	"\t\t\tgeneve_opts MASKED-OPTIONS |\n" +
	"\t\t\tvxlan_opts MASKED-OPTIONS |\n" +
	"                       erspan_opts MASKED-OPTIONS |\n" +
	"\t\t\tgtp_opts MASKED-OPTIONS |\n" +
	"\t\t\tip_flags IP-FLAGS |\n" +
	"\t\t\tenc_dst_port [ port_number ] |\n" +
	"\t\t\tct_state MASKED_CT_STATE |\n" +
	"\t\t\tct_label MASKED_CT_LABEL |\n" +
	"\t\t\tct_mark MASKED_CT_MARK |\n" +
	"\t\t\tct_zone MASKED_CT_ZONE }\n" +
	"\tLSE-LIST := [ LSE-LIST ] LSE\n" +
	"\tLSE := lse depth DEPTH { label LABEL | tc TC | bos BOS | ttl TTL }\n" +
	"\tFILTERID := X:Y:Z\n" +
	"\tMASKED_LLADDR := { LLADDR | LLADDR/MASK | LLADDR/BITS }\n" +
	"\tMASKED_CT_STATE := combination of {+|-} and flags trk,est,new,rel,rpl,inv\n" +
	"\tACTION-SPEC := ... look at individual actions\n" +
	"\n" +
	"NOTE:\tCLASSID, IP-PROTO are parsed as hexadecimal input.\n" +
	"NOTE:\tThere can be only used one mask per one prio. If user needs\n" +
	"\tto specify different mask, he has to use different prio.\n"

const (
	ethPIP    = 0x0800
	ethPIPv6  = 0x86DD
	ethP8021Q = 0x8100
	ethP8021A = 0x88A8
)

// flowerState is what flower_parse_opt tracks while reading words.
type flowerState struct {
	ethType     uint16
	vlanEthType uint16
	ipProto     uint8
	protoSet    bool
	sp          flower.Spec
}

// l3Type is the ethertype the IP keys are read for (vlan_ethtype wins).
func (st *flowerState) l3Type() uint16 {
	if st.vlanEthType != 0 {
		return st.vlanEthType
	}
	return st.ethType
}

// parseFlower is f_flower.c's flower_parse_opt (iproute2 6.1).
func parseFlower(c *Cmd, handle string, protocol uint16, args []string) (*FilterArgs, error) {
	fa := &FilterArgs{}
	h, err := parseHandle(handle)
	if err != nil {
		return nil, err
	}
	fa.Handle = h
	st := &flowerState{ethType: protocol}
	for len(args) > 0 {
		w := args[0]
		if Matches(w, "action") {
			if len(args) < 2 {
				return nil, incomplete()
			}
			acts, rest, err := c.parseActions(args[1:])
			if err != nil {
				return nil, illegalAction(err, 1)
			}
			fa.Actions = append(fa.Actions, acts...)
			args = rest
			continue
		}
		switch {
		case Matches(w, "skip_hw"):
			fa.Flags |= sched.ClsSkipHW
		case Matches(w, "skip_sw"):
			fa.Flags |= sched.ClsSkipSW
		case Matches(w, "verbose"):
			fa.Flags |= sched.ClsVerbose
		case w == "help":
			return nil, fail(1, "%s", strings.TrimSuffix(flowerUsage, "\n"))
		default:
			key, ok := flowerKeyFor(w)
			if !ok {
				return nil, fail(1, "What is \"%s\"?\n%s", w, strings.TrimSuffix(flowerUsage, "\n"))
			}
			if len(args) < 2 {
				return nil, incomplete()
			}
			if err := key.parse(st, args[1]); err != nil {
				return nil, err
			}
			args = args[1:]
		}
		args = args[1:]
	}
	if st.ethType != sched.EthPAll && st.ethType != 0 && st.vlanEthType == 0 && !isVLAN(st.ethType) {
		st.sp.Key.EthType, st.sp.Mask.EthType = st.ethType, 0xffff
	}
	if isVLAN(st.ethType) {
		st.sp.Key.VlanTPID, st.sp.Mask.VlanTPID = st.ethType, 0xffff
	}
	fa.Spec = &st.sp
	return fa, nil
}

func isVLAN(t uint16) bool { return t == ethP8021Q || t == ethP8021A }

// flowerKey is one keyword of the match list, in flower_parse_opt's order
// (which decides what an abbreviation means).
type flowerKey struct {
	name  string
	parse func(st *flowerState, arg string) error
}

var flowerKeys []flowerKey

func init() {
	flowerKeys = []flowerKey{
		{"ct_state", parseCTState},
		{"vlan_id", parseVlanID},
		{"vlan_prio", parseVlanPrio},
		{"vlan_ethtype", parseVlanEthType},
		{"dst_mac", macParser("dst_mac", func(sp *flower.Spec) (*[6]byte, *[6]byte) { return &sp.Key.DstMAC, &sp.Mask.DstMAC })},
		{"src_mac", macParser("src_mac", func(sp *flower.Spec) (*[6]byte, *[6]byte) { return &sp.Key.SrcMAC, &sp.Mask.SrcMAC })},
		{"ip_proto", parseFlowerIPProto},
		{"ip_tos", tosTTLParser("ip_tos", func(sp *flower.Spec) (*uint8, *uint8) { return &sp.Key.TOS, &sp.Mask.TOS })},
		{"ip_ttl", tosTTLParser("ip_ttl", func(sp *flower.Spec) (*uint8, *uint8) { return &sp.Key.TTL, &sp.Mask.TTL })},
		{"dst_ip", ipParser("dst_ip", false)},
		{"src_ip", ipParser("src_ip", false)},
		{"dst_port", portParser("dst_port", false)},
		{"src_port", portParser("src_port", true)},
		{"tcp_flags", parseTCPFlags},
		{"type", icmpParser("icmp type", false)},
		{"code", icmpParser("icmp code", true)},
		{"enc_dst_ip", ipParser("enc_dst_ip", true)},
		{"enc_src_ip", ipParser("enc_src_ip", true)},
		{"enc_key_id", parseEncKeyID},
		{"enc_dst_port", parseEncDstPort},
	}
}

func flowerKeyFor(w string) (flowerKey, bool) {
	for _, k := range flowerKeys {
		if Matches(w, k.name) {
			return k, true
		}
	}
	return flowerKey{}, false
}

func illegal(what string) error { return fail(1, "Illegal \"%s\"", what) }

func parseVlanID(st *flowerState, arg string) error {
	if !isVLAN(st.ethType) {
		return fail(1, "Can't set \"vlan_id\" if ethertype isn't 802.1Q or 802.1AD and num_of_vlans is 0")
	}
	v, err := strconv.ParseUint(arg, 10, 16)
	if err != nil || v&^0xfff != 0 {
		return illegal("vlan_id")
	}
	st.sp.Key.VlanID, st.sp.Mask.VlanID = uint16(v), 0x0fff
	return nil
}

func parseVlanPrio(st *flowerState, arg string) error {
	if !isVLAN(st.ethType) {
		return fail(1, "Can't set \"vlan_prio\" if ethertype isn't 802.1Q or 802.1AD and num_of_vlans is 0")
	}
	v, err := strconv.ParseUint(arg, 10, 8)
	if err != nil || v&^7 != 0 {
		return illegal("vlan_prio")
	}
	st.sp.Key.VlanPrio, st.sp.Mask.VlanPrio = uint8(v), 7
	return nil
}

func parseVlanEthType(st *flowerState, arg string) error {
	if !isVLAN(st.ethType) {
		return fail(1, "Can't set \"vlan_ethtype\" if ethertype isn't 802.1Q or 802.1AD and num_of_vlans is 0")
	}
	t, ok := protoA2N(arg)
	if !ok {
		return invarg("invalid vlan_ethtype", arg)
	}
	if isVLAN(t) {
		return fail(1, "Illegal \"vlan_ethtype\"") // cvlan: not supported by softnet
	}
	st.vlanEthType = t
	st.sp.Key.EthType, st.sp.Mask.EthType = t, 0xffff
	return nil
}

func macParser(name string, at func(*flower.Spec) (*[6]byte, *[6]byte)) func(*flowerState, string) error {
	return func(st *flowerState, arg string) error {
		addr, mask, err := parseMaskedMAC(arg)
		if err != nil {
			if ee, ok := err.(*exitError); ok {
				return fail(1, "%sIllegal \"%s\"", ee.msg, name)
			}
			return illegal(name)
		}
		k, m := at(&st.sp)
		*k, *m = addr, mask
		return nil
	}
}

// parseMaskedMAC reads LLADDR, LLADDR/MASK or LLADDR/BITS.
func parseMaskedMAC(arg string) (addr, mask [6]byte, err error) {
	a, m, slash := strings.Cut(arg, "/")
	hw, err := parseLLAddr(a)
	if err != nil {
		return addr, mask, err
	}
	if len(hw) != 6 {
		return addr, mask, fail(1, "")
	}
	copy(addr[:], hw)
	if !slash {
		return addr, [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, nil
	}
	if n, perr := strconv.ParseUint(m, 10, 32); perr == nil {
		if n > 48 {
			return addr, mask, fail(1, "")
		}
		for i := 0; i < int(n); i++ {
			mask[i/8] |= 0x80 >> (i % 8)
		}
		return addr, mask, nil
	}
	hm, err := parseLLAddr(m)
	if err != nil {
		return addr, mask, err
	}
	if len(hm) != 6 {
		return addr, mask, fail(1, "")
	}
	copy(mask[:], hm)
	return addr, mask, nil
}

func parseFlowerIPProto(st *flowerState, arg string) error {
	t := st.l3Type()
	bad := func() error { return fail(1, "Illegal \"eth_type\" for ip proto\nIllegal \"ip_proto\"") }
	if t != ethPIP && t != ethPIPv6 {
		return bad()
	}
	var p uint8
	switch {
	case Matches(arg, "tcp"):
		p = 6
	case Matches(arg, "udp"):
		p = 17
	case Matches(arg, "sctp"):
		p = 132
	case Matches(arg, "icmp"):
		if t != ethPIP {
			return bad()
		}
		p = 1
	case Matches(arg, "icmpv6"):
		if t != ethPIPv6 {
			return bad()
		}
		p = 58
	default:
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(arg, "0x"), "0X"), 16, 8)
		if err != nil {
			return illegal("ip_proto")
		}
		p = uint8(v)
	}
	st.ipProto, st.protoSet = p, true
	st.sp.Key.IPProto, st.sp.Mask.IPProto = p, 0xff
	return nil
}

// getU8Base is get_u8 with an explicit base (strtoul semantics: 16
// accepts a 0x prefix).
func getU8Base(s string, base int) (uint8, bool) {
	if base == 16 {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	}
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseUint(s, base, 8)
	return uint8(v), err == nil
}

func tosTTLParser(name string, at func(*flower.Spec) (*uint8, *uint8)) func(*flowerState, string) error {
	return func(st *flowerState, arg string) error {
		v, m, slash := strings.Cut(arg, "/")
		val, ok := getU8Base(v, 10)
		if !ok {
			if val, ok = getU8Base(v, 16); !ok {
				return illegal(name)
			}
		}
		mask := uint8(0xff)
		if slash {
			if mask, ok = getU8Base(m, 16); !ok {
				return illegal(name)
			}
		}
		k, mk := at(&st.sp)
		*k, *mk = val, mask
		return nil
	}
}

func ipParser(name string, enc bool) func(*flowerState, string) error {
	return func(st *flowerState, arg string) error {
		family := FamilyAll
		if !enc {
			switch st.l3Type() {
			case ethPIP:
				family = FamilyInet
			case ethPIPv6:
				family = FamilyInet6
			default:
				return illegal(name)
			}
		}
		a, bitsN, err := flowerPrefix(arg, family)
		if err != nil {
			return err
		}
		addr, fam := flower.Addr16(a)
		var mask [16]byte
		for i := 0; i < bitsN; i++ {
			mask[i/8] |= 0x80 >> (i % 8)
		}
		sp := &st.sp
		switch name {
		case "dst_ip":
			sp.Key.Dst, sp.Mask.Dst = addr, mask
		case "src_ip":
			sp.Key.Src, sp.Mask.Src = addr, mask
		case "enc_dst_ip":
			sp.Key.EncDst, sp.Mask.EncDst = addr, mask
		case "enc_src_ip":
			sp.Key.EncSrc, sp.Mask.EncSrc = addr, mask
		}
		if enc {
			sp.Key.EncAddrType, sp.Mask.EncAddrType = fam, 0xff
		} else {
			sp.Key.AddrType, sp.Mask.AddrType = fam, 0xff
		}
		return nil
	}
}

// flowerPrefix is get_prefix with IPv4 dotted netmasks accepted.
func flowerPrefix(arg string, family int) (netip.Addr, int, error) {
	if a, m, ok := strings.Cut(arg, "/"); ok && strings.Contains(m, ".") {
		ip := net.ParseIP(m).To4()
		pa, perr := getAddr(a, family)
		if ip != nil && perr == nil && pa.addr.Is4() {
			ones, size := net.IPMask(ip).Size()
			if size == 32 {
				return pa.addr, ones, nil
			}
		}
		return netip.Addr{}, 0, fail(1, "Error: %s prefix is expected rather than \"%s\".", familyVerbose(family), arg)
	}
	p, err := getPrefix(arg, family)
	if err != nil {
		return netip.Addr{}, 0, err
	}
	if p.any || !p.addr.IsValid() {
		return netip.Addr{}, 0, fail(1, "Error: %s prefix is expected rather than \"%s\".", familyVerbose(family), arg)
	}
	return p.addr, p.bits, nil
}

func portParser(name string, src bool) func(*flowerState, string) error {
	return func(st *flowerState, arg string) error {
		switch st.ipProto {
		case 6, 17, 132:
		default:
			return illegal(name)
		}
		sp := &st.sp
		if lo, hi, ok := strings.Cut(arg, "-"); ok {
			min, e1 := strconv.ParseUint(lo, 10, 16)
			max, e2 := strconv.ParseUint(hi, 10, 16)
			if e1 != nil || e2 != nil {
				return illegal(name)
			}
			if min > max {
				return fail(1, "max value should be greater than min value\nIllegal \"%s\"", name)
			}
			r := flower.PortRange{Min: uint16(min), Max: uint16(max)}
			if src {
				sp.SrcRange, sp.Key.SrcPort, sp.Mask.SrcPort = r, 0, 0
			} else {
				sp.DstRange, sp.Key.DstPort, sp.Mask.DstPort = r, 0, 0
			}
			return nil
		}
		v, err := strconv.ParseUint(arg, 10, 16)
		if err != nil {
			return illegal(name)
		}
		if src {
			sp.SrcRange, sp.Key.SrcPort, sp.Mask.SrcPort = flower.PortRange{}, uint16(v), 0xffff
		} else {
			sp.DstRange, sp.Key.DstPort, sp.Mask.DstPort = flower.PortRange{}, uint16(v), 0xffff
		}
		return nil
	}
}

// tcpFlagsMax is TCP_FLAGS_MAX_MASK.
const tcpFlagsMax = 0xfff

func parseTCPFlags(st *flowerState, arg string) error {
	v, m, slash := strings.Cut(arg, "/")
	val, ok := scanHex(v)
	if !ok || val&^tcpFlagsMax != 0 || !isHexWord(v) {
		return illegal("tcp_flags")
	}
	mask := uint64(tcpFlagsMax)
	if slash {
		if mask, ok = scanHex(m); !ok || mask&^tcpFlagsMax != 0 || !isHexWord(m) {
			return illegal("tcp_flags")
		}
	}
	st.sp.Key.TCPFlags, st.sp.Mask.TCPFlags = uint16(val), uint16(mask)
	return nil
}

func isHexWord(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

func icmpParser(what string, code bool) func(*flowerState, string) error {
	return func(st *flowerState, arg string) error {
		t := st.ethType
		if !((t == ethPIP && st.ipProto == 1) || (t == ethPIPv6 && st.ipProto == 58)) {
			return illegal(what)
		}
		v, m, slash := strings.Cut(arg, "/")
		val, ok := getU8Base(v, 10)
		if !ok {
			return illegal(what)
		}
		mask := uint8(0xff)
		if slash {
			if mask, ok = getU8Base(m, 10); !ok {
				return illegal(what)
			}
		}
		if code {
			st.sp.Key.ICMPCode, st.sp.Mask.ICMPCode = val, mask
		} else {
			st.sp.Key.ICMPType, st.sp.Mask.ICMPType = val, mask
		}
		return nil
	}
}

func parseEncKeyID(st *flowerState, arg string) error {
	v, err := strconv.ParseUint(arg, 10, 32)
	if err != nil {
		return illegal("enc_key_id")
	}
	st.sp.Key.EncKeyID, st.sp.Mask.EncKeyID = uint32(v), 0xffffffff
	return nil
}

func parseEncDstPort(st *flowerState, arg string) error {
	v, err := strconv.ParseUint(arg, 10, 16)
	if err != nil {
		return illegal("enc_dst_port")
	}
	st.sp.Key.EncDstPort, st.sp.Mask.EncDstPort = uint16(v), 0xffff
	return nil
}

// ctFlags are the ct_state words (TCA_FLOWER_KEY_CT_FLAGS_*).
var ctFlags = map[string]uint16{"new": 1, "est": 2, "rel": 4, "trk": 8, "inv": 16, "rpl": 32}

// parseCTState reads +trk-est… so that the words are checked; the filter
// itself is refused by the classifier (softnet has no conntrack).
func parseCTState(st *flowerState, arg string) error {
	s := arg
	var val, mask uint16
	for s != "" {
		sign := s[0]
		if sign != '+' && sign != '-' {
			return illegal("ct_state")
		}
		s = s[1:]
		n := strings.IndexAny(s, "+-")
		if n < 0 {
			n = len(s)
		}
		f, ok := ctFlags[s[:n]]
		if !ok {
			return illegal("ct_state")
		}
		mask |= f
		if sign == '+' {
			val |= f
		}
		s = s[n:]
	}
	if mask == 0 {
		return illegal("ct_state")
	}
	st.sp.CTState, st.sp.CTStateMask = val, mask
	return nil
}

// printFlower is f_flower.c's flower_print_opt for the keys softnet has.
func printFlower(c *Cmd, tp *sched.Proto, sf sched.Filter) {
	p := c.Out
	f := sf.(*flower.Filter)
	sp := f.Spec()
	k, m := &sp.Key, &sp.Mask
	p.PrintUint("handle", "handle 0x%x ", uint64(f.Handle()))
	p.OpenObject("keys")
	line := func() { p.Textf("\n") }
	if m.VlanID != 0 {
		line()
		p.PrintUint("vlan_id", "  vlan_id %d", uint64(k.VlanID))
	}
	if m.VlanPrio != 0 {
		line()
		p.PrintUint("vlan_prio", "  vlan_prio %d", uint64(k.VlanPrio))
	}
	if m.VlanTPID != 0 && m.EthType != 0 {
		line()
		p.PrintString("vlan_ethtype", "  vlan_ethtype %s", protoN2A(k.EthType))
	}
	printMaskedMAC(p, "dst_mac", k.DstMAC, m.DstMAC)
	printMaskedMAC(p, "src_mac", k.SrcMAC, m.SrcMAC)
	if m.EthType != 0 {
		line()
		p.PrintString("eth_type", "  eth_type %s", ethTypeName(k.EthType))
	}
	if m.IPProto != 0 {
		line()
		p.PrintString("ip_proto", "  ip_proto %s", flowerProtoName(k.IPProto))
	}
	printIPAttr(p, "ip_tos", k.TOS, m.TOS)
	printIPAttr(p, "ip_ttl", k.TTL, m.TTL)
	printFlowerAddr(p, "dst_ip", k.Dst, m.Dst, k.AddrType)
	printFlowerAddr(p, "src_ip", k.Src, m.Src, k.AddrType)
	printFlowerPorts(p, sp)
	if m.TCPFlags != 0 {
		line()
		p.PrintString("tcp_flags", "  tcp_flags %s", fmt.Sprintf("0x%x/%x", k.TCPFlags, m.TCPFlags))
	}
	if k.IPProto == 1 || k.IPProto == 58 {
		printMaskedU8(p, "icmp_type", k.ICMPType, m.ICMPType)
		printMaskedU8(p, "icmp_code", k.ICMPCode, m.ICMPCode)
	}
	printFlowerAddr(p, "enc_dst_ip", k.EncDst, m.EncDst, k.EncAddrType)
	printFlowerAddr(p, "enc_src_ip", k.EncSrc, m.EncSrc, k.EncAddrType)
	if m.EncKeyID != 0 {
		line()
		p.PrintUint("enc_key_id", "  enc_key_id %d", uint64(k.EncKeyID))
	}
	if m.EncDstPort != 0 {
		line()
		p.PrintUint("enc_dst_port", "  enc_dst_port %d", uint64(k.EncDstPort))
	}
	p.CloseObject()
	printClsFlags(p, f.Flags())
	c.printActions(f.Exts().Actions())
}

func ethTypeName(t uint16) string {
	switch t {
	case ethPIP:
		return "ipv4"
	case ethPIPv6:
		return "ipv6"
	}
	return fmt.Sprintf("%04x", t)
}

func flowerProtoName(p uint8) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 132:
		return "sctp"
	case 1:
		return "icmp"
	case 58:
		return "icmpv6"
	}
	return fmt.Sprintf("%02x", p)
}

// maskBits is __mask_bits: the prefix length of a contiguous mask, -1
// otherwise.
func maskBits(b []byte) int {
	n, hole := 0, false
	for _, x := range b {
		for j := 7; j >= 0; j-- {
			switch {
			case x>>j&1 == 1:
				if hole {
					return -1
				}
				n++
			case n > 0:
				hole = true
			default:
				return -1
			}
		}
	}
	return n
}

func printMaskedMAC(p *Printer, name string, addr, mask [6]byte) {
	if mask == [6]byte{} {
		return
	}
	s := net.HardwareAddr(addr[:]).String()
	switch n := maskBits(mask[:]); {
	case n < 0:
		s += "/" + net.HardwareAddr(mask[:]).String()
	case n < 48:
		s += "/" + strconv.Itoa(n)
	}
	p.Textf("\n")
	p.PrintString(name, "  "+name+" %s", s)
}

func printIPAttr(p *Printer, name string, v, mask uint8) {
	if mask == 0 {
		return
	}
	p.Textf("\n")
	p.PrintUint(name, "  "+name+" %d", uint64(v))
	if mask != 0xff {
		p.Textf("/0x%x", mask)
		p.JSONString(name+"_mask", fmt.Sprintf("%x", mask))
	}
}

func printMaskedU8(p *Printer, name string, v, mask uint8) {
	if mask == 0 {
		return
	}
	s := strconv.Itoa(int(v))
	if mask != 0xff {
		s += "/" + strconv.Itoa(int(mask))
	}
	p.Textf("\n")
	p.PrintString(name, "  "+name+" %s", s)
}

func printFlowerAddr(p *Printer, name string, addr, mask [16]byte, family uint8) {
	n := 16
	if family == 4 {
		n = 4
	} else if family != 6 {
		return
	}
	if mask == [16]byte{} {
		return
	}
	a := flower.AddrFrom(addr, family)
	s := a.String()
	switch b := maskBits(mask[:n]); {
	case b < 0:
		s += "/" + flower.AddrFrom(mask, family).String()
	case b < n*8:
		s += "/" + strconv.Itoa(b)
	}
	p.Textf("\n")
	p.PrintString(name, "  "+name+" %s", s)
}

func printFlowerPorts(p *Printer, sp *flower.Spec) {
	if sp.Mask.DstPort != 0 {
		p.Textf("\n")
		p.PrintUint("dst_port", "  dst_port %d", uint64(sp.Key.DstPort))
	}
	if sp.Mask.SrcPort != 0 {
		p.Textf("\n")
		p.PrintUint("src_port", "  src_port %d", uint64(sp.Key.SrcPort))
	}
	for _, r := range []struct {
		name string
		r    flower.PortRange
	}{{"dst_port", sp.DstRange}, {"src_port", sp.SrcRange}} {
		if !r.r.Set() {
			continue
		}
		p.Textf("\n")
		p.OpenObject(r.name)
		p.JSONUint("start", uint64(r.r.Min))
		p.JSONUint("end", uint64(r.r.Max))
		p.CloseObject()
		p.Textf("  %s %d-%d", r.name, r.r.Min, r.r.Max)
	}
}

func init() { RegisterTCFilter("flower", parseFlower, printFlower) }
