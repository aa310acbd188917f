package frag

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Drop reasons used by the package (enum skb_drop_reason names where Linux
// has one).
var (
	// DropReasmTimeout: the queue timed out (FRAG_REASM_TIMEOUT).
	DropReasmTimeout = netdev.RegisterDropReason("FRAG_REASM_TIMEOUT")
	// DropTooFar: ipfrag_max_dist exceeded, the queue restarted (FRAG_TOO_FAR).
	DropTooFar = netdev.RegisterDropReason("FRAG_TOO_FAR")
	// DropDup: a duplicate fragment (DUP_FRAG); the queue is kept.
	DropDup = netdev.RegisterDropReason("DUP_FRAG")
	// DropOverlap: overlapping fragments dropped the queue. Linux reports
	// NOT_SPECIFIED here; softnet names it.
	DropOverlap = netdev.RegisterDropReason("FRAG_OVERLAP")
	// DropInvalid: a malformed fragment or an inconsistent end, empty
	// fragment or oversize datagram (IP_INHDR).
	DropInvalid = netdev.RegisterDropReason("IP_INHDR")
	// DropMemory: the reassembly memory is above HighThresh (Linux reports
	// NOT_SPECIFIED here; softnet names it).
	DropMemory = netdev.RegisterDropReason("FRAG_MEM_LIMIT")
	// DropPurge: the reassembler was closed with fragments queued.
	DropPurge = netdev.DropQueuePurge
)

// Stats are the fragmentation MIB counters of one namespace and family
// (IPSTATS_MIB_REASM*, IPSTATS_MIB_FRAG*; /proc/net/snmp "Ip:" and
// /proc/net/snmp6 "Ip6"). One Stats may be shared by a Reassembler and the
// fragmenting functions.
type Stats struct {
	ReasmReqds    atomic.Uint64 // IpReasmReqds: fragments received
	ReasmOKs      atomic.Uint64 // IpReasmOKs: datagrams reassembled
	ReasmFails    atomic.Uint64 // IpReasmFails: reassembly failures (queues lost, fragments refused)
	ReasmTimeout  atomic.Uint64 // IpReasmTimeout: queues timed out
	ReasmOverlaps atomic.Uint64 // IpExtReasmOverlaps: queues dropped for overlapping fragments
	FragOKs       atomic.Uint64 // IpFragOKs: datagrams fragmented
	FragFails     atomic.Uint64 // IpFragFails: datagrams that could not be fragmented
	FragCreates   atomic.Uint64 // IpFragCreates: fragments created
}

// Limits are the reassembly sysctls (net.ipv4.ipfrag_*, net.ipv6.ip6frag_*).
type Limits struct {
	// HighThresh is the most memory, in bytes, the queues may hold before
	// new fragments are refused; 0 disables reassembly.
	HighThresh int64
	// LowThresh is kept for the sysctl; like Linux since 4.17 it is unused.
	LowThresh int64
	// Timeout is how long a queue may wait for its fragments.
	Timeout time.Duration
	// MaxDist is ipfrag_max_dist (IPv4 only; 0 disables the check).
	MaxDist int
}

// DefaultLimits returns Linux's defaults for family 4 or 6: 4 MiB / 3 MiB,
// 30 s (IPv4) or 60 s (IPv6), max_dist 64 (IPv4).
func DefaultLimits(family int) Limits {
	l := Limits{HighThresh: 4 << 20, LowThresh: 3 << 20, Timeout: 30 * time.Second, MaxDist: 64}
	if family == 6 {
		l.Timeout, l.MaxDist = 60*time.Second, 0
	}
	return l
}

// Clock is what a Reassembler needs from its loop: the time and timers.
// netdev.Loop (SimLoop, RealLoop) satisfies it.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) netdev.Timer
}

// Config configures a Reassembler.
type Config struct {
	// Family is 4 or 6.
	Family int
	// Clock gives time and runs the expiry timer.
	Clock Clock
	// Limits are the initial sysctl values (see DefaultLimits).
	Limits Limits
	// Stats receives the MIB counters; nil gives the Reassembler its own.
	Stats *Stats
	// OnTimeout, if set, is called when a queue whose first fragment had
	// arrived times out, so that the caller can send ICMP time exceeded
	// "fragment reassembly time exceeded" (ICMP 11/1, ICMPv6 3/1). first
	// is that fragment (data at the IP header, as received but trimmed to
	// its datagram length); iif is the ifindex the queue's latest fragment
	// arrived on. first is only lent: it is freed after the call. It runs
	// on the timer's goroutine without the Reassembler's lock held.
	OnTimeout func(first *packet.Buffer, iif int32)
}

// Status is the outcome of Reassembler.Add.
type Status uint8

// Add outcomes.
const (
	// Queued: the fragment is held; more fragments are needed.
	Queued Status = iota
	// Done: Result.Packet is a whole datagram (reassembled; or, for IPv6,
	// an atomic fragment; or a packet that was not a fragment at all).
	Done
	// Dropped: the fragment was freed and counted under Result.Reason.
	Dropped
	// ParamProblem: IPv6 only. The packet is handed back in Result.Packet
	// so that the caller can send ICMPv6 parameter problem
	// (Result.ICMPCode, Result.Pointer), count Ip6InHdrErrors, and free it.
	ParamProblem
)

var statusNames = [...]string{"queued", "done", "dropped", "param-problem"}

// String names the status.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// ICMPv6 parameter problem codes used in Result.ICMPCode.
const (
	ICMPv6ErroneousHeader  uint8 = 0 // ICMPV6_HDR_FIELD
	ICMPv6HeaderIncomplete uint8 = 3 // ICMPV6_HDR_INCOMP
)

// Result is what Add returns.
type Result struct {
	Status Status
	// Packet is the datagram (Done) or the offending fragment
	// (ParamProblem); the caller owns it. Nil otherwise.
	Packet *packet.Buffer
	// Reason says why the fragment was dropped (Dropped).
	Reason netdev.DropReason
	// ICMPCode and Pointer are the ICMPv6 parameter problem code and
	// pointer (ParamProblem).
	ICMPCode uint8
	Pointer  uint32
	// Reassembled is set when Packet was rebuilt from fragments.
	Reassembled bool
	// MaxFragSize is the largest fragment received (IPCB frag_max_size),
	// for the forwarding path's MTU check and refragmentation.
	MaxFragSize int
	// FragPMTU is set when the largest fragment carried DF
	// (IPSKB_FRAG_PMTU): refragment with DF set. IPv4 only.
	FragPMTU bool
	// NextHeaderOffset (IPv6) is the offset from the network header of the
	// byte naming the header at TransportOffset (IP6CB nhoff).
	NextHeaderOffset int
	// TransportOffset (IPv6) is where the headers after the fragment
	// header begin, from the network header; the transport header offset
	// of Packet is set there. NextHeader is their type.
	TransportOffset int
	NextHeader      uint8
}

// Errors returned by the fragmenting functions.
var (
	// ErrMTU: the MTU leaves no room for 8 bytes of payload per fragment
	// (the caller sends ICMP frag-needed / packet-too-big).
	ErrMTU = errors.New("frag: MTU too small to fragment")
	// ErrMalformed: the datagram's IP header is invalid.
	ErrMalformed = errors.New("frag: malformed IP header")
	// ErrNoBuffer: no packet buffer could be had for a fragment.
	ErrNoBuffer = errors.New("frag: no buffer for fragment")
)
