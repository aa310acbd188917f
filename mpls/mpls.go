package mpls

import (
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// Label limits.
const (
	FirstUnreserved = 16      // MPLS_LABEL_FIRST_UNRESERVED
	MaxLabel        = 1 << 20 // labels are 20 bits
	maxLabels       = 30      // MAX_NEW_LABELS
)

// Route is one label's forwarding entry (struct mpls_route with its one
// nexthop).
type Route struct {
	Label uint32
	// NewLabels replace the incoming label (as L1/L2…); empty pops it.
	NewLabels []uint32
	// Via is the nexthop address (via inet A / via inet6 A).
	Via netip.Addr
	// Ifindex is the output device (dev D).
	Ifindex int32
}

// table is a namespace's label table, published as a snapshot.
type table struct {
	mu             sync.Mutex
	routes         atomic.Pointer[map[uint32]*Route]
	input          atomic.Pointer[map[int32]bool]
	platformLabels atomic.Int64
}

var tables = netdev.NewPernet(func(*netdev.Namespace) *table {
	t := &table{}
	m := map[uint32]*Route{}
	t.routes.Store(&m)
	return t
}, nil)

func init() {
	netdev.IntSysctl("net.mpls.platform_labels", 0, MaxLabel,
		func(ns *netdev.Namespace) *atomic.Int64 { return &tables.Get(ns).platformLabels })
	netdev.AddPacketHandler(netdev.EthPMPLS, rcv)
}

// AddRoute adds (or with replace, replaces) a label's route, with
// af_mpls.c's checks and messages.
func AddRoute(ns *netdev.Namespace, r Route, replace bool) error {
	t := tables.Get(ns)
	switch {
	case r.Label < FirstUnreserved:
		return extack.New(syscall.EINVAL, "Invalid label - must be MPLS_LABEL_FIRST_UNRESERVED or higher")
	case int64(r.Label) >= t.platformLabels.Load():
		return extack.New(syscall.EINVAL, "Label >= configured maximum in platform_labels")
	case len(r.NewLabels) > maxLabels:
		return extack.New(syscall.EINVAL, "Too many labels")
	}
	for _, l := range r.NewLabels {
		if l >= MaxLabel {
			return extack.New(syscall.EINVAL, "Invalid label")
		}
	}
	d := ns.Device(r.Ifindex)
	if d == nil {
		return extack.New(syscall.ENODEV, "Invalid device")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.routes.Load()
	if _, ok := old[r.Label]; ok && !replace {
		return extack.Errno(syscall.EEXIST)
	}
	m := make(map[uint32]*Route, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	rc := r
	rc.NewLabels = slices.Clone(r.NewLabels)
	m[r.Label] = &rc
	t.routes.Store(&m)
	return nil
}

// DelRoute removes a label's route (ESRCH "No such process" if absent).
func DelRoute(ns *netdev.Namespace, label uint32) error {
	t := tables.Get(ns)
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.routes.Load()
	if _, ok := old[label]; !ok {
		return extack.Errno(syscall.ESRCH)
	}
	m := make(map[uint32]*Route, len(old))
	for k, v := range old {
		if k != label {
			m[k] = v
		}
	}
	t.routes.Store(&m)
	return nil
}

// Routes lists the label table in label order.
func Routes(ns *netdev.Namespace) []Route {
	var out []Route
	for _, r := range *tables.Get(ns).routes.Load() {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Route) int { return int(a.Label) - int(b.Label) })
	return out
}

// Drop reasons.
var (
	DropNoRoute = netdev.RegisterDropReason("MPLS_NO_ROUTE")
	DropTTL     = netdev.RegisterDropReason("MPLS_TTL_EXPIRED")
	DropHdr     = netdev.RegisterDropReason("MPLS_BAD_HEADER")
	DropNoDev   = netdev.RegisterDropReason("MPLS_NO_DEVICE")
)

// rcv is mpls_forward: b's data is at the top label stack entry.
func rcv(d *netdev.Device, b *packet.Buffer) {
	ns := d.Namespace()
	if ns == nil {
		b.Free()
		return
	}
	if !inputEnabled(ns, d.Index()) {
		d.Drops.Add(DropInputDisabled)
		b.Free()
		return
	}
	data := b.Bytes()
	if len(data) < header.MPLSEntrySize {
		d.Drop(b, DropHdr)
		return
	}
	top := header.MPLS(data)
	r := (*tables.Get(ns).routes.Load())[top.Label()]
	if r == nil {
		d.Drop(b, DropNoRoute)
		return
	}
	ttl := top.TTL()
	if ttl <= 1 {
		d.Drop(b, DropTTL)
		return
	}
	ttl--
	bos := top.BottomOfStack()
	b.Pull(header.MPLSEntrySize)
	switch {
	case len(r.NewLabels) > 0:
		if !push(b, r.NewLabels, ttl, bos) {
			d.Drop(b, DropHdr)
			return
		}
	case bos:
		if !egressIP(b, ttl) {
			d.Drop(b, DropHdr)
			return
		}
	default:
		b.Protocol = netdev.EthPMPLS
	}
	output(ns, d, b, r.Ifindex, r.Via)
}

// push prepends a label stack (the first label outermost).
func push(b *packet.Buffer, labels []uint32, ttl uint8, bos bool) bool {
	n := len(labels) * header.MPLSEntrySize
	if b.Headroom() < n && !b.Reserve(n, 0) {
		return false
	}
	p := b.Push(n)
	for i, l := range labels {
		last := i == len(labels)-1
		header.MPLS(p[i*header.MPLSEntrySize:]).SetEntry(header.MPLSEntry(l, 0, last && bos, ttl))
	}
	b.Protocol = netdev.EthPMPLS
	return true
}

// egressIP turns a popped bottom-of-stack payload back into IP, with the
// MPLS TTL propagated (net.mpls.ip_ttl_propagate, on by default).
func egressIP(b *packet.Buffer, ttl uint8) bool {
	p := b.Bytes()
	if len(p) == 0 {
		return false
	}
	switch p[0] >> 4 {
	case 4:
		if len(p) < header.IPv4MinimumSize {
			return false
		}
		header.IPv4(p).SetTTLUpdateChecksum(ttl)
		b.Protocol = netdev.EthPIPv4
	case 6:
		if len(p) < header.IPv6MinimumSize {
			return false
		}
		p[7] = ttl
		b.Protocol = netdev.EthPIPv6
	default:
		return false
	}
	b.SetNetworkHeader(0)
	return true
}

// output sends b (data at the label stack or IP header, b.Protocol set)
// to via over the device ifindex.
func output(ns *netdev.Namespace, in *netdev.Device, b *packet.Buffer, ifindex int32, via netip.Addr) {
	d := ns.Device(ifindex)
	if d == nil {
		in.Drop(b, DropNoDev)
		return
	}
	b.ResetMACHeader()
	switch {
	case d.Flags()&netdev.FlagLoopback != 0:
		if !netdev.PushEthernet(d, b, zeroMAC[:], b.Protocol) {
			d.DropTx(b, netdev.DropNoHeadroom)
			return
		}
		_ = d.Transmit(b)
	case d.HardHeaderLen == 0 || d.Type != netdev.ARPHRDEther:
		_ = d.Transmit(b)
	default:
		fam := inet.FamilyV4
		if via.Is6() {
			fam = inet.FamilyV6
		}
		_ = inet.NeighTable(ns, fam).Output(ifindex, via, b)
	}
}

var zeroMAC [6]byte
