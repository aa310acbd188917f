package frag

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// add4 is ip_defrag + ip_frag_queue.
func (r *Reassembler) add4(b *packet.Buffer) Result {
	d := b.Bytes()
	ip := header.IPv4(d)
	if ip.Check(len(d)) != header.IPv4OK {
		return r.drop(b, DropInvalid)
	}
	b.Trim(int(ip.TotalLength()))
	b.SetNetworkHeader(0)
	if !ip.IsFragment() {
		return Result{Status: Done, Packet: b, MaxFragSize: b.Len()}
	}
	r.stats.ReasmReqds.Add(1)
	var k key
	copy(k.src[:], ip.SourceSlice())
	copy(k.dst[:], ip.DestinationSlice())
	k.id, k.proto = uint32(ip.ID()), ip.Protocol()

	r.mu.Lock()
	defer r.mu.Unlock()
	if res, refused := r.refuse(b); refused {
		return res
	}
	q := r.find(k)
	if r.tooFar(q) {
		r.purge(q, DropTooFar)
	}

	hlen := ip.HeaderLength()
	off := int(ip.FragmentOffset())
	end := off + b.Len() - hlen
	if ip.MoreFragments() {
		if end&7 != 0 {
			end &^= 7
			if b.Csum.Mode != packet.CsumUnnecessary {
				b.Csum.Mode = packet.CsumNone
			}
		}
		if end > q.len {
			if q.flags&lastIn != 0 {
				return r.discard(q, b, DropInvalid)
			}
			q.len = end
		}
	} else {
		if end < q.len || (q.flags&lastIn != 0 && end != q.len) {
			return r.discard(q, b, DropInvalid)
		}
		q.flags |= lastIn
		q.len = end
	}
	if end == off {
		return r.discard(q, b, DropInvalid)
	}
	b.Trim(hlen + end - off)
	return r.queue4(q, b, entry{b: b, off: off, end: end, hlen: hlen, truesize: truesize(b)})
}

// queue4 inserts a checked fragment and reassembles when complete.
// Called with r.mu held.
func (r *Reassembler) queue4(q *queue, b *packet.Buffer, e entry) Result {
	switch q.insert(e) {
	case insertDup:
		return r.drop(b, DropDup)
	case insertOverlap:
		r.stats.ReasmOverlaps.Add(1)
		return r.discard(q, b, DropOverlap)
	}
	ip := header.IPv4(b.Bytes())
	q.iif = b.InIfindex
	q.meat += e.end - e.off
	q.ecn |= ecnBit(ip.ECN())
	q.mem += e.truesize
	r.mem += e.truesize
	if e.off == 0 {
		q.flags |= firstIn
	}
	size := b.Len()
	q.maxSize = max(q.maxSize, size)
	if ip.DontFragment() {
		q.maxDFSize = max(q.maxDFSize, size)
	}
	if !q.complete() {
		return Result{Status: Queued}
	}
	return r.reasm4(q, b.Meta)
}

// discard drops the whole queue and the fragment b, which is not queued,
// counting a reassembly failure. Called with r.mu held.
func (r *Reassembler) discard(q *queue, b *packet.Buffer, reason netdev.DropReason) Result {
	r.kill(q, reason)
	r.stats.ReasmFails.Add(1)
	return r.drop(b, reason)
}

// fail drops the whole queue, the last fragment included (it is queued),
// counting a reassembly failure. Called with r.mu held.
func (r *Reassembler) fail(q *queue, reason netdev.DropReason) Result {
	r.kill(q, reason)
	r.stats.ReasmFails.Add(1)
	return Result{Status: Dropped, Reason: reason}
}

// reasm4 is ip_frag_reasm. last is the metadata of the fragment that
// completed the datagram. Called with r.mu held.
func (r *Reassembler) reasm4(q *queue, last packet.Meta) Result {
	hlen := q.frags[0].hlen
	if hlen+q.len > header.IPv4MaximumTotalLength {
		return r.fail(q, DropInvalid)
	}
	ecn := ecnTable[q.ecn]
	if ecn == ecnInvalid {
		return r.fail(q, DropInvalid)
	}
	b := q.assemble()
	if b == nil {
		return r.fail(q, netdev.DropNoHeadroom)
	}
	ip := header.IPv4(b.Bytes())
	ip.SetTotalLength(uint16(b.Len()))
	ip.SetTOS(ip.TOS() | ecn)
	pmtu := q.maxDFSize == q.maxSize
	if pmtu {
		ip.SetFlagsFragOff(header.IPv4FlagDF)
	} else {
		ip.SetFlagsFragOff(0)
	}
	ip.UpdateChecksum()
	finish(b, last)
	b.SetTransportHeader(hlen)
	res := Result{Status: Done, Packet: b, Reassembled: true, MaxFragSize: max(q.maxSize, q.maxDFSize), FragPMTU: pmtu}
	r.stats.ReasmOKs.Add(1)
	r.release(q)
	return res
}

// finish sets the reassembled datagram's metadata: the first fragment's,
// with the devices of the fragment that completed it and no offload state.
func finish(b *packet.Buffer, last packet.Meta) {
	b.SetNetworkHeader(0)
	b.InIfindex, b.Ifindex = last.InIfindex, last.Ifindex
	b.Csum = packet.Csum{}
	b.GSO = packet.GSO{}
}
