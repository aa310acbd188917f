package frag

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// IPv6MaxPayload is the largest payload length (IPV6_MAXPLEN).
const IPv6MaxPayload = 65535

// findFragHeader walks the extension headers in front of the first fragment
// header of pkt. It returns the fragment header's offset and the offset of
// the byte naming it, or ok false when there is none (or the chain is
// broken before it).
func findFragHeader(pkt []byte) (fhoff, nhoff int, ok bool) {
	nh, off, nhoff := header.IPv6(pkt).NextHeader(), header.IPv6MinimumSize, 6
	for range header.IPv6MaxExtHeaders {
		if nh == header.IPProtoFragment {
			return off, nhoff, true
		}
		if !header.IsIPv6ExtHeader(nh) || off+8 > len(pkt) {
			return 0, 0, false
		}
		hlen := (int(pkt[off+1]) + 1) * 8
		if nh == header.IPProtoAH {
			hlen = (int(pkt[off+1]) + 2) * 4
		}
		nh, nhoff = pkt[off], off
		off += hlen
	}
	return 0, 0, false
}

// headerTruncated reports whether a first fragment lacks part of its
// header chain or the start of its upper-layer header
// (ipv6frag_thdr_truncated; RFC 8200 4.5, RFC 7112).
func headerTruncated(pkt []byte, fh header.IPv6Fragment, fhoff int) bool {
	info := header.WalkIPv6Ext(pkt, fh.NextHeader(), fhoff+header.IPv6FragmentSize, fhoff)
	switch info.Status {
	case header.IPv6ExtTruncated:
		return true
	case header.IPv6ExtOK:
	default:
		return false
	}
	need := 1
	switch info.Protocol {
	case header.IPProtoNoNext:
		return false
	case header.IPProtoTCP:
		need = header.TCPMinimumSize
	case header.IPProtoUDP:
		need = header.UDPMinimumSize
	case header.IPProtoICMPv6:
		need = header.ICMPv6MinimumSize
	}
	return info.Offset+need > len(pkt)
}

// paramProblem hands b back for an ICMPv6 parameter problem.
func paramProblem(b *packet.Buffer, code uint8, ptr int) Result {
	return Result{Status: ParamProblem, Packet: b, ICMPCode: code, Pointer: uint32(ptr)}
}

// add6 is ipv6_frag_rcv + ip6_frag_queue.
func (r *Reassembler) add6(b *packet.Buffer) Result {
	d := b.Bytes()
	if len(d) < header.IPv6MinimumSize || header.IPv6(d).Version() != 6 {
		return r.drop(b, DropInvalid)
	}
	ip := header.IPv6(d)
	plen := int(ip.PayloadLength())
	if plen != 0 {
		if header.IPv6MinimumSize+plen > len(d) {
			return r.drop(b, DropInvalid)
		}
		b.Trim(header.IPv6MinimumSize + plen)
		d = b.Bytes()
	}
	b.SetNetworkHeader(0)
	fhoff, nhoff, ok := findFragHeader(d)
	if !ok {
		return Result{Status: Done, Packet: b, MaxFragSize: b.Len()}
	}
	r.stats.ReasmReqds.Add(1)
	if plen == 0 || fhoff+header.IPv6FragmentSize > len(d) {
		// A jumbo payload cannot be fragmented; or the header is cut.
		return paramProblem(b, ICMPv6ErroneousHeader, fhoff)
	}
	fh := header.IPv6Fragment(d[fhoff:])
	off := int(fh.FragmentOffset())
	hlen := fhoff + header.IPv6FragmentSize
	if off == 0 && !fh.More() {
		// An atomic fragment (RFC 6946): nothing to reassemble.
		r.stats.ReasmOKs.Add(1)
		b.SetTransportHeader(hlen)
		return Result{Status: Done, Packet: b, MaxFragSize: b.Len(),
			NextHeaderOffset: fhoff, TransportOffset: hlen, NextHeader: fh.NextHeader()}
	}
	if off == 0 && headerTruncated(d, fh, fhoff) {
		return paramProblem(b, ICMPv6HeaderIncomplete, 0)
	}
	end := off + len(d) - hlen
	if end > IPv6MaxPayload {
		return paramProblem(b, ICMPv6ErroneousHeader, fhoff+2)
	}
	if fh.More() && end&7 != 0 {
		return paramProblem(b, ICMPv6ErroneousHeader, 4)
	}
	var k key
	copy(k.src[:], ip.SourceSlice())
	copy(k.dst[:], ip.DestinationSlice())
	k.id = fh.ID()
	if dst := ip.Destination(); dst.IsLinkLocalUnicast() || dst.IsMulticast() {
		k.ifindex = b.InIfindex
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if res, refused := r.refuse(b); refused {
		return res
	}
	q := r.find(k)
	q.iif = b.InIfindex
	if !fh.More() {
		if end < q.len || (q.flags&lastIn != 0 && end != q.len) {
			return r.discard(q, b, DropInvalid)
		}
		q.flags |= lastIn
		q.len = end
	} else if end > q.len {
		if q.flags&lastIn != 0 {
			return r.discard(q, b, DropInvalid)
		}
		q.len = end
	}
	if end == off {
		return r.discard(q, b, DropInvalid)
	}
	return r.queue6(q, b, entry{b: b, off: off, end: end, hlen: hlen, truesize: truesize(b)}, nhoff)
}

// queue6 inserts a checked fragment and reassembles when complete.
// Called with r.mu held.
func (r *Reassembler) queue6(q *queue, b *packet.Buffer, e entry, nhoff int) Result {
	switch q.insert(e) {
	case insertDup:
		return r.drop(b, DropDup)
	case insertOverlap:
		r.stats.ReasmOverlaps.Add(1)
		return r.discard(q, b, DropOverlap)
	}
	q.meat += e.end - e.off
	q.ecn |= ecnBit(header.IPv6(b.Bytes()).ECN())
	q.mem += e.truesize
	r.mem += e.truesize
	q.maxSize = max(q.maxSize, b.Len())
	if e.off == 0 {
		q.nhoff = nhoff
		q.flags |= firstIn
	}
	if !q.complete() {
		return Result{Status: Queued}
	}
	return r.reasm6(q, b.Meta)
}

// reasm6 is ip6_frag_reasm. Called with r.mu held.
func (r *Reassembler) reasm6(q *queue, last packet.Meta) Result {
	fhoff := q.frags[0].hlen - header.IPv6FragmentSize
	if fhoff-header.IPv6MinimumSize+q.len > IPv6MaxPayload {
		return r.fail(q, DropInvalid)
	}
	ecn := ecnTable[q.ecn]
	if ecn == ecnInvalid {
		return r.fail(q, DropInvalid)
	}
	nhoff := q.nhoff
	b := q.assemble()
	if b == nil {
		return r.fail(q, netdev.DropNoHeadroom)
	}
	next := b.Bytes()[fhoff]
	b.Bytes()[nhoff] = next
	removeFragHeader(b, fhoff)
	ip := header.IPv6(b.Bytes())
	ip.SetPayloadLength(uint16(b.Len() - header.IPv6MinimumSize))
	ip.SetTrafficClass(ip.TrafficClass() | ecn)
	finish(b, last)
	b.SetTransportHeader(fhoff)
	res := Result{Status: Done, Packet: b, Reassembled: true, MaxFragSize: q.maxSize,
		NextHeaderOffset: nhoff, TransportOffset: fhoff, NextHeader: next}
	r.stats.ReasmOKs.Add(1)
	r.release(q)
	return res
}

// removeFragHeader deletes the 8-byte fragment header at fhoff by moving
// what precedes it (the link-layer header too, when it sits in the
// headroom) 8 bytes forward.
func removeFragHeader(b *packet.Buffer, fhoff int) {
	mac, hasMAC := b.MACOffset()
	if !hasMAC || mac > 0 || -mac > b.Headroom() {
		d := b.Bytes()
		copy(d[header.IPv6FragmentSize:], d[:fhoff])
		b.Pull(header.IPv6FragmentSize)
		b.ResetMACHeader()
		return
	}
	b.Push(-mac)
	d := b.Bytes()
	copy(d[header.IPv6FragmentSize:], d[:-mac+fhoff])
	b.Pull(header.IPv6FragmentSize)
	b.SetMACHeader()
	b.Pull(-mac)
}
