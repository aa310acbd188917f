package frag

import (
	"encoding/binary"

	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/packet"
)

// FragmentIPv4 splits b, an IPv4 datagram with its data at the IP header,
// into fragments of at most mtu bytes and passes them in order to emit
// (ip_do_fragment, slow path). It owns b. Each fragment carries the
// datagram's ID; the first keeps all options, later ones only those with
// the copied bit (the others become NOPs, so every fragment has the same
// header length, as ip_options_fragment does). Offsets continue those of b
// if b is itself a fragment, and MF stays set throughout if b had it. DF is
// cleared unless keepDF (IPSKB_FRAG_PMTU). Header checksums are
// recomputed; a pending (CHECKSUM_PARTIAL) transport checksum is completed
// first.
//
// It does not look at DF: the caller decides whether fragmenting is
// allowed. emit owns each fragment it is given, even when it fails; an
// emit error stops the split and is returned. st may be nil; otherwise
// FragOKs, FragFails and FragCreates are counted. A datagram that fits is
// emitted as a single fragment. The last fragment reuses b's buffer.
func FragmentIPv4(b *packet.Buffer, mtu int, keepDF bool, st *Stats, emit func(*packet.Buffer) error) error {
	d := b.Bytes()
	ip := header.IPv4(d)
	if ip.Check(len(d)) != header.IPv4OK {
		return fragFail(b, st, ErrMalformed)
	}
	b.Trim(int(ip.TotalLength()))
	d = b.Bytes()
	hlen := ip.HeaderLength()
	space := mtu - hlen
	if space < 8 && len(d) > mtu {
		return fragFail(b, st, ErrMTU)
	}
	completeChecksum(b)
	var df uint16
	if keepDF {
		df = header.IPv4FlagDF
	}
	notLast := ip.MoreFragments()
	offset := int(ip.FragmentOffset())
	headroom := max(b.Headroom(), packet.DefaultHeadroom)
	for ptr, first := hlen, true; ; first = false {
		n := len(d) - ptr
		last := n <= space
		if !last {
			n = space &^ 7
		}
		var fb *packet.Buffer
		if last {
			// Move the header in front of the last piece and send b itself.
			copy(d[ptr-hlen:ptr], d[:hlen])
			b.Pull(ptr - hlen)
			fb = b
		} else {
			var err error
			if fb, err = packet.New(headroom, hlen+n); err != nil {
				return fragFail(b, st, ErrNoBuffer)
			}
			copy(fb.Put(hlen+n), d[:hlen])
			copy(fb.Bytes()[hlen:], d[ptr:ptr+n])
			fb.Meta = b.Meta
		}
		fh := header.IPv4(fb.Bytes())
		v := uint16(offset/8) | df
		if !last || notLast {
			v |= header.IPv4FlagMF
		}
		fh.SetFlagsFragOff(v)
		fh.SetTotalLength(uint16(hlen + n))
		fh.UpdateChecksum()
		fb.SetNetworkHeader(0)
		fb.SetTransportHeader(hlen)
		fb.Csum, fb.GSO = packet.Csum{}, packet.GSO{}
		if first && !last {
			optionsFragment(d[header.IPv4MinimumSize:hlen])
		}
		if err := emit(fb); err != nil {
			if !last {
				return fragFail(b, st, err)
			}
			if st != nil {
				st.FragFails.Add(1)
			}
			return err
		}
		if st != nil {
			st.FragCreates.Add(1)
		}
		if last {
			break
		}
		ptr += n
		offset += n
	}
	if st != nil {
		st.FragOKs.Add(1)
	}
	return nil
}

// optionsFragment turns the options that are not copied into fragments
// into NOPs, in place (ip_options_fragment).
func optionsFragment(opts []byte) {
	for i := 0; i < len(opts); {
		switch opts[i] {
		case header.IPv4OptionEOL:
			return
		case header.IPv4OptionNOP:
			i++
			continue
		}
		if i+1 >= len(opts) {
			return
		}
		l := int(opts[i+1])
		if l < 2 || i+l > len(opts) {
			return
		}
		if opts[i]&header.IPv4OptionCopied == 0 {
			for j := i; j < i+l; j++ {
				opts[j] = header.IPv4OptionNOP
			}
		}
		i += l
	}
}

// fragFail frees b, counts a failure and returns err.
func fragFail(b *packet.Buffer, st *Stats, err error) error {
	b.Free()
	if st != nil {
		st.FragFails.Add(1)
	}
	return err
}

// completeChecksum finishes a CHECKSUM_PARTIAL transport checksum in place
// (skb_checksum_help).
func completeChecksum(b *packet.Buffer) {
	if b.Csum.Mode != packet.CsumPartial {
		return
	}
	d := b.Bytes()
	start, at := int(b.Csum.Start), int(b.Csum.Start)+int(b.Csum.Offset)
	if start < len(d) && at+2 <= len(d) {
		c := ^header.Checksum(d[start:], 0)
		if c == 0 {
			c = 0xffff
		}
		binary.BigEndian.PutUint16(d[at:], c)
	}
	b.Csum = packet.Csum{}
}

// UnfragmentableLen returns the length of the part of an IPv6 packet that
// every fragment repeats — the fixed header, hop-by-hop options, and
// routing and destination options up to the routing header — and the
// offset of the byte naming the header after it (ip6_find_1stfragopt).
// Like Linux, a destination-options header with no routing header after
// it counts as unfragmentable. ok is false for a broken header chain.
func UnfragmentableLen(pkt []byte) (hlen, nhoff int, ok bool) {
	if len(pkt) < header.IPv6MinimumSize {
		return 0, 0, false
	}
	off, nhoff := header.IPv6MinimumSize, 6
	routing := false
	for off <= len(pkt) && off <= IPv6MaxPayload {
		switch pkt[nhoff] {
		case header.IPProtoHopByHop:
		case header.IPProtoRouting:
			routing = true
		case header.IPProtoDstOpts:
			if routing {
				return off, nhoff, true
			}
		default:
			return off, nhoff, true
		}
		if off+2 > len(pkt) {
			return 0, 0, false
		}
		nhoff = off
		off += (int(pkt[off+1]) + 1) * 8
	}
	return 0, 0, false
}

// FragmentIPv6 splits b, an IPv6 packet with its data at the IP header,
// into fragments of at most mtu bytes with fragment ID id, and passes them
// in order to emit (ip6_fragment, slow path). It owns b. Each fragment
// repeats the unfragmentable part (see UnfragmentableLen) followed by a
// fragment header. A pending transport checksum is completed first. It
// fails with ErrMTU when mtu leaves no room for 8 bytes of data (Linux
// sends packet-too-big: the caller's part), and does not look at the
// packet's size against the MTU otherwise: a packet that fits becomes one
// fragment. Ownership of fragments, errors and counters are as for
// FragmentIPv4. The last fragment reuses b's buffer.
func FragmentIPv6(b *packet.Buffer, mtu int, id uint32, st *Stats, emit func(*packet.Buffer) error) error {
	d := b.Bytes()
	if len(d) < header.IPv6MinimumSize || header.IPv6(d).Version() != 6 {
		return fragFail(b, st, ErrMalformed)
	}
	if plen := int(header.IPv6(d).PayloadLength()); plen != 0 && header.IPv6MinimumSize+plen <= len(d) {
		b.Trim(header.IPv6MinimumSize + plen)
		d = b.Bytes()
	}
	hlen, nhoff, ok := UnfragmentableLen(d)
	if !ok || hlen > len(d) {
		return fragFail(b, st, ErrMalformed)
	}
	if mtu < hlen+header.IPv6FragmentSize+8 {
		return fragFail(b, st, ErrMTU)
	}
	space := mtu - hlen - header.IPv6FragmentSize
	completeChecksum(b)
	next := d[nhoff]
	headroom := max(b.Headroom(), packet.DefaultHeadroom)
	fragHdr := hlen + header.IPv6FragmentSize
	for ptr, first := hlen, true; ; first = false {
		n := len(d) - ptr
		last := n <= space
		if !last {
			n = space &^ 7
		}
		var fb *packet.Buffer
		if last && !first {
			copy(d[ptr-fragHdr:ptr-header.IPv6FragmentSize], d[:hlen])
			b.Pull(ptr - fragHdr)
			fb = b
		} else {
			var err error
			if fb, err = packet.New(headroom, fragHdr+n); err != nil {
				return fragFail(b, st, ErrNoBuffer)
			}
			copy(fb.Put(fragHdr+n), d[:hlen])
			copy(fb.Bytes()[fragHdr:], d[ptr:ptr+n])
			fb.Meta = b.Meta
		}
		fd := fb.Bytes()
		fd[nhoff] = header.IPProtoFragment
		header.IPv6Fragment(fd[hlen:]).Encode(&header.IPv6FragmentFields{
			NextHeader: next, FragmentOffset: uint16(ptr - hlen), More: !last, ID: id})
		header.IPv6(fd).SetPayloadLength(uint16(len(fd) - header.IPv6MinimumSize))
		fb.SetNetworkHeader(0)
		fb.SetTransportHeader(fragHdr)
		fb.Csum, fb.GSO = packet.Csum{}, packet.GSO{}
		reused := fb == b
		if err := emit(fb); err != nil {
			if !reused {
				return fragFail(b, st, err)
			}
			if st != nil {
				st.FragFails.Add(1)
			}
			return err
		}
		if st != nil {
			st.FragCreates.Add(1)
		}
		if last {
			if !reused {
				b.Free()
			}
			break
		}
		ptr += n
	}
	if st != nil {
		st.FragOKs.Add(1)
	}
	return nil
}
