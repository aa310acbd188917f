package netdev

import (
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/softnet/softnet/extack"
)

// Kind is a link kind (struct rtnl_link_ops).
type Kind interface {
	// Name is the kind's name in ip link ("veth", "ipip").
	Name() string
	// Setup sets a new device's defaults (the kind's setup callback):
	// Type, MTU bounds, flags, Driver, DefaultName…
	Setup(d *Device)
	// NewLink validates the request's kind data and creates the kind's
	// state (validate + newlink). The device is registered by the caller
	// after NewLink returns nil, unless NewLink registered it itself with
	// RegisterLocked (veth does, to register its peer first).
	NewLink(ns *Namespace, d *Device, req *LinkRequest) error
}

// LinkChanger is implemented by kinds that accept ip link set … type K …
type LinkChanger interface {
	ChangeLink(d *Device, req *LinkRequest) error
}

// LinkDeleter is implemented by kinds with work to do on ip link del
// (dellink); it is called with RTNL held before the device is unregistered.
type LinkDeleter interface {
	DelLink(d *Device)
}

// DelLinkKeeper is implemented by kinds whose dellink leaves some devices
// in place: ip link del of a tunnel's fallback device (tunl0, ip_vti0)
// succeeds and does nothing, as ip_tunnel_dellink does.
type DelLinkKeeper interface {
	KeepOnDelLink(d *Device) bool
}

// InfoFiller is implemented by kinds that report kind data for ip -d link
// (fill_info); the value is printed by the kind's iproute printer and is
// JSON-encodable.
type InfoFiller interface {
	LinkInfo(d *Device) any
}

// DataMaker is implemented by kinds with kind data: it returns a new, empty
// data value for decoding a request (the JSON API uses it).
type DataMaker interface {
	NewData() any
}

var (
	kindMu sync.Mutex
	kinds  = map[string]Kind{}
)

// RegisterKind adds a link kind (rtnl_link_register); call it at init.
func RegisterKind(k Kind) {
	kindMu.Lock()
	defer kindMu.Unlock()
	if _, dup := kinds[k.Name()]; dup {
		panic("netdev: kind registered twice: " + k.Name())
	}
	kinds[k.Name()] = k
}

// LookupKind returns a registered kind or nil.
func LookupKind(name string) Kind {
	kindMu.Lock()
	defer kindMu.Unlock()
	return kinds[name]
}

// KindNames lists the registered kinds, sorted.
func KindNames() []string {
	kindMu.Lock()
	defer kindMu.Unlock()
	var out []string
	for n := range kinds {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// HWAddr is a hardware address that encodes as Linux prints it.
type HWAddr []byte

// String formats the address as colon-separated lower-case hex.
func (a HWAddr) String() string {
	var sb strings.Builder
	for i, b := range a {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02x", b)
	}
	return sb.String()
}

// MarshalText encodes the address.
func (a HWAddr) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses colon-separated hex of any length.
func (a *HWAddr) UnmarshalText(t []byte) error {
	v, err := ParseHWAddr(string(t))
	*a = v
	return err
}

// ParseHWAddr parses "02:00:00:00:00:01"-style addresses of any length,
// as iproute2's ll_addr_a2n.
func ParseHWAddr(s string) (HWAddr, error) {
	if s == "" {
		return nil, fmt.Errorf("empty hardware address")
	}
	var out HWAddr
	for _, part := range strings.Split(s, ":") {
		var v uint
		if len(part) == 0 || len(part) > 2 {
			return nil, fmt.Errorf("\"%s\" is invalid lladdr", s)
		}
		if _, err := fmt.Sscanf(part, "%x", &v); err != nil {
			return nil, fmt.Errorf("\"%s\" is invalid lladdr", s)
		}
		out = append(out, byte(v))
	}
	return out, nil
}

// LinkRequest is an ip link add/set request: the generic attributes plus
// the kind's data. Nil pointers mean "not given".
type LinkRequest struct {
	Name      string  `json:"ifname,omitempty"`
	Kind      string  `json:"kind,omitempty"`
	NewName   string  `json:"new_ifname,omitempty"` // ip link set … name NEW
	Link      string  `json:"link,omitempty"`       // lower device (IFLA_LINK)
	LinkNetns string  `json:"link_netns,omitempty"` // namespace of Link
	MTU       *uint32 `json:"mtu,omitempty"`
	Address   HWAddr  `json:"address,omitempty"`
	Broadcast HWAddr  `json:"broadcast,omitempty"`
	TxQLen    *uint32 `json:"txqlen,omitempty"`
	Up        *bool   `json:"up,omitempty"`
	NetNS     string  `json:"netns,omitempty"`
	Group     *uint32 `json:"group,omitempty"`
	NumTx     *uint32 `json:"numtxqueues,omitempty"`
	NumRx     *uint32 `json:"numrxqueues,omitempty"`
	Promisc   *bool   `json:"promisc,omitempty"`
	Allmulti  *bool   `json:"allmulticast,omitempty"`
	NoARP     *bool   `json:"noarp,omitempty"`
	Multicast *bool   `json:"multicast,omitempty"`
	Carrier   *bool   `json:"carrier,omitempty"`
	Alias     *string `json:"ifalias,omitempty"` // ip link set … alias NAME ("" removes it)
	// Data is the kind's data (e.g. *veth.Peer); see DataMaker.
	Data any `json:"-"`
	// RawData is Data as JSON, decoded by DecodeData.
	RawData json.RawMessage `json:"data,omitempty"`
}

// DecodeData decodes RawData into a value from the kind's DataMaker.
func (r *LinkRequest) DecodeData() error {
	if r.Data != nil || len(r.RawData) == 0 {
		return nil
	}
	k := LookupKind(r.Kind)
	dm, ok := k.(DataMaker)
	if k == nil || !ok {
		return extack.Errorf(syscall.EINVAL, "kind %q takes no data", r.Kind)
	}
	v := dm.NewData()
	if err := json.Unmarshal(r.RawData, v); err != nil {
		return extack.Errorf(syscall.EINVAL, "kind %s data: %v", r.Kind, err)
	}
	r.Data = v
	return nil
}

var _ = net.HardwareAddr(nil)
