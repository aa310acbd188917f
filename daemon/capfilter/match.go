package capfilter

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"strings"
)

// Link says where a frame starts.
type Link uint8

// Link types of captured frames (the pcap link type of the device).
const (
	// Ethernet frames start with the Ethernet header (LINKTYPE_ETHERNET).
	Ethernet Link = iota
	// Raw frames start with the IPv4 or IPv6 header (LINKTYPE_RAW).
	Raw
)

// frame is what a filter looks at, decoded once per packet.
type frame struct {
	length   int
	eth      bool
	src, dst [6]byte
	etype    uint16
	ipver    uint8
	saddr    netip.Addr
	daddr    netip.Addr
	proto    int16 // final IP protocol (after IPv6 extension headers), -1 unknown
	ports    bool
	sport    uint16
	dport    uint16
}

// Match reports whether the frame passes the filter. It does not
// allocate and never panics on a truncated or malformed frame (fields
// beyond the frame simply do not match).
func (f *Filter) Match(data []byte, link Link) bool {
	if f == nil || len(f.nodes) == 0 {
		return true
	}
	var fr frame
	fr.decode(data, link)
	return f.eval(f.root, &fr)
}

func (f *Filter) eval(i int32, fr *frame) bool {
	n := &f.nodes[i]
	switch n.op {
	case opTrue:
		return true
	case opAnd:
		return f.eval(n.a, fr) && f.eval(n.b, fr)
	case opOr:
		return f.eval(n.a, fr) || f.eval(n.b, fr)
	case opNot:
		return !f.eval(n.a, fr)
	case opHost:
		return fr.ipver != 0 && dirMatch(n.dir, fr.saddr == n.addr, fr.daddr == n.addr)
	case opNet:
		return fr.ipver != 0 && dirMatch(n.dir, n.pfx.Contains(fr.saddr), n.pfx.Contains(fr.daddr))
	case opPort:
		if !fr.ports || (n.l4 != 0 && fr.proto != int16(n.l4)) {
			return false
		}
		in := func(p uint16) bool { return p >= n.lo && p <= n.hi }
		return dirMatch(n.dir, in(fr.sport), in(fr.dport))
	case opProto:
		return fr.proto == int16(n.num) && (n.fam == 0 || n.fam == fr.ipver)
	case opIPVersion:
		return fr.ipver == n.fam
	case opEtherProto:
		if !fr.eth {
			// A raw IP frame has an implied ethertype.
			return fr.ipver == 4 && n.num == 0x0800 || fr.ipver == 6 && n.num == 0x86dd
		}
		return uint32(fr.etype) == n.num
	case opEtherHost:
		return fr.eth && dirMatch(n.dir, fr.src == n.mac, fr.dst == n.mac)
	case opLess:
		return fr.length <= int(n.num)
	case opGreater:
		return fr.length >= int(n.num)
	}
	return false
}

func dirMatch(d dir, src, dst bool) bool {
	switch d {
	case dirSrc:
		return src
	case dirDst:
		return dst
	}
	return src || dst
}

// decode fills the frame's fields from the data that is present.
func (fr *frame) decode(b []byte, link Link) {
	fr.length = len(b)
	fr.proto = -1
	if link == Ethernet {
		if len(b) < 14 {
			return
		}
		fr.eth = true
		copy(fr.dst[:], b[0:6])
		copy(fr.src[:], b[6:12])
		fr.etype = binary.BigEndian.Uint16(b[12:14])
		b = b[14:]
		// Look through up to two VLAN tags (802.1Q, 802.1ad).
		for range 2 {
			if (fr.etype != 0x8100 && fr.etype != 0x88a8) || len(b) < 4 {
				break
			}
			fr.etype = binary.BigEndian.Uint16(b[2:4])
			b = b[4:]
		}
		switch fr.etype {
		case 0x0800, 0x86dd:
		default:
			return
		}
	}
	if len(b) == 0 {
		return
	}
	switch b[0] >> 4 {
	case 4:
		fr.ip4(b)
	case 6:
		fr.ip6(b)
	}
}

func (fr *frame) ip4(b []byte) {
	if len(b) < 20 {
		return
	}
	ihl := int(b[0]&0xf) * 4
	if ihl < 20 || ihl > len(b) {
		return
	}
	fr.ipver = 4
	fr.saddr = netip.AddrFrom4([4]byte(b[12:16]))
	fr.daddr = netip.AddrFrom4([4]byte(b[16:20]))
	fr.proto = int16(b[9])
	if binary.BigEndian.Uint16(b[6:8])&0x1fff == 0 {
		fr.l4(b[ihl:])
	}
}

func (fr *frame) ip6(b []byte) {
	if len(b) < 40 {
		return
	}
	fr.ipver = 6
	fr.saddr = netip.AddrFrom16([16]byte(b[8:24]))
	fr.daddr = netip.AddrFrom16([16]byte(b[24:40]))
	next, b := b[6], b[40:]
chase:
	for range 8 {
		switch next {
		case 0, 43, 60: // hop-by-hop, routing, destination options
			if len(b) < 8 || int(b[1]+1)*8 > len(b) {
				fr.proto = int16(next)
				return
			}
			next, b = b[0], b[int(b[1]+1)*8:]
			continue
		case 44: // fragment: ports only in the first
			if len(b) < 8 {
				fr.proto = int16(next)
				return
			}
			first := binary.BigEndian.Uint16(b[2:4])&0xfff8 == 0
			next, b = b[0], b[8:]
			fr.proto = int16(next)
			if first {
				fr.l4(b)
			}
			return
		default:
			break chase
		}
	}
	fr.proto = int16(next)
	fr.l4(b)
}

// l4 reads TCP/UDP/SCTP ports.
func (fr *frame) l4(b []byte) {
	switch fr.proto {
	case 6, 17, 132:
		if len(b) >= 4 {
			fr.ports = true
			fr.sport = binary.BigEndian.Uint16(b[0:2])
			fr.dport = binary.BigEndian.Uint16(b[2:4])
		}
	}
}

// String returns the filter in a canonical form that Parse accepts and
// that prints the same again: binary operators fully parenthesized.
func (f *Filter) String() string {
	if f == nil || len(f.nodes) == 0 {
		return ""
	}
	var b strings.Builder
	f.format(&b, f.root)
	return b.String()
}

func (f *Filter) format(b *strings.Builder, i int32) {
	n := &f.nodes[i]
	dirWord := [...]string{"", "src ", "dst "}[n.dir]
	switch n.op {
	case opTrue:
	case opAnd, opOr:
		b.WriteString("(")
		f.format(b, n.a)
		b.WriteString(map[op]string{opAnd: " and ", opOr: " or "}[n.op])
		f.format(b, n.b)
		b.WriteString(")")
	case opNot:
		b.WriteString("not ")
		f.format(b, n.a)
	case opHost:
		b.WriteString(dirWord + "host " + n.addr.String())
	case opNet:
		b.WriteString(dirWord + "net " + n.pfx.String())
	case opPort:
		if n.l4 != 0 {
			b.WriteString(map[uint8]string{6: "tcp ", 17: "udp ", 132: "sctp "}[n.l4])
		}
		if n.lo == n.hi {
			b.WriteString(dirWord + "port " + strconv.Itoa(int(n.lo)))
		} else {
			b.WriteString(dirWord + "portrange " + strconv.Itoa(int(n.lo)) + "-" + strconv.Itoa(int(n.hi)))
		}
	case opProto:
		b.WriteString(map[uint8]string{0: "", 4: "ip ", 6: "ip6 "}[n.fam] + "proto " + strconv.Itoa(int(n.num)))
	case opIPVersion:
		b.WriteString(map[uint8]string{4: "ip", 6: "ip6"}[n.fam])
	case opEtherProto:
		b.WriteString("ether proto 0x" + strconv.FormatUint(uint64(n.num), 16))
	case opEtherHost:
		b.WriteString("ether " + map[dir]string{dirAny: "host ", dirSrc: "src ", dirDst: "dst "}[n.dir] +
			netHW(n.mac))
	case opLess:
		b.WriteString("less " + strconv.Itoa(int(n.num)))
	case opGreater:
		b.WriteString("greater " + strconv.Itoa(int(n.num)))
	}
}

func netHW(m [6]byte) string {
	const hex = "0123456789abcdef"
	var b [17]byte
	for i, x := range m {
		if i > 0 {
			b[i*3-1] = ':'
		}
		b[i*3], b[i*3+1] = hex[x>>4], hex[x&0xf]
	}
	return string(b[:])
}
