package ipip

import (
	"net/netip"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/tunnel"
)

// Data is an ip link add/set request for an ipip device (the IFLA_IPTUN_*
// attributes). Nil fields are not given: on add they take iproute2's
// defaults (mode any, ttl inherit, tos 0, pmtudisc), on set they keep the
// tunnel's current values, as iproute2 fetches and resends them.
type Data struct {
	Remote   *netip.Addr `json:"remote,omitempty"`
	Local    *netip.Addr `json:"local,omitempty"`
	LinkName *string     `json:"link,omitempty"` // dev PHYS ("" unbinds)
	TTL      *uint8      `json:"ttl,omitempty"`  // 0 inherit
	TOS      *uint8      `json:"tos,omitempty"`  // 1 inherit
	PMTUDisc *bool       `json:"pmtudisc,omitempty"`
	Proto    *uint8      `json:"proto,omitempty"` // 4 ipip, 137 mplsip, 0 any
	Fwmark   *uint32     `json:"fwmark,omitempty"`
	External bool        `json:"external,omitempty"`

	EncapType  *tunnel.EncapType `json:"encap_type,omitempty"`
	EncapSport *uint16           `json:"encap_sport,omitempty"`
	EncapDport *uint16           `json:"encap_dport,omitempty"`
	// EncapSet and EncapClear are the [no]encap-csum/-csum6/-remcsum
	// flags to set and clear.
	EncapSet   tunnel.EncapFlags `json:"encap_flags_set,omitempty"`
	EncapClear tunnel.EncapFlags `json:"encap_flags_clear,omitempty"`

	// NoDevice, if set, is the error for a LinkName that does not exist
	// (iproute2 resolves dev before asking the kernel); default ENODEV.
	NoDevice error `json:"-"`
	// Incompatible, if set, is the error for ttl with nopmtudisc after
	// merging (iproute2's check); default: accepted, as the kernel does.
	Incompatible error `json:"-"`
}

// parms builds the tunnel parameters from the request over cur (nil on
// add), with ipip_tunnel_validate's protocol check.
func (x *Data) parms(ns *netdev.Namespace, cur *tunnel.Parms) (tunnel.Parms, error) {
	p := tunnel.Parms{DF: true}
	if cur != nil {
		p = *cur
	}
	if x.External {
		proto := p.Proto
		if x.Proto != nil {
			proto = *x.Proto
		}
		if !validProto(proto) {
			return p, extack.Errno(syscall.EINVAL)
		}
		return tunnel.Parms{Proto: proto, DF: true, CollectMD: true}, nil
	}
	if x.Remote != nil {
		p.Remote = *x.Remote
	}
	if x.Local != nil {
		p.Local = *x.Local
	}
	link, err := tunnel.ResolveLink(ns, p.Link, x.LinkName, x.NoDevice)
	if err != nil {
		return p, err
	}
	p.Link = link
	if x.TTL != nil {
		p.TTL = *x.TTL
	}
	if x.TOS != nil {
		p.TOS = *x.TOS
	}
	if x.PMTUDisc != nil {
		p.DF = *x.PMTUDisc
	}
	if x.Proto != nil {
		p.Proto = *x.Proto
	}
	if x.Fwmark != nil {
		p.Fwmark = *x.Fwmark
	}
	if err := x.encap(&p.Encap); err != nil {
		return p, err
	}
	if p.TTL != 0 && !p.DF && x.Incompatible != nil {
		return p, x.Incompatible
	}
	if p.TTL != 0 {
		p.DF = true // a fixed TTL implies DF (ipip_netlink_parms)
	}
	if !validProto(p.Proto) {
		return p, extack.Errno(syscall.EINVAL)
	}
	p.CollectMD = false
	return p, nil
}

func (x *Data) encap(e *tunnel.Encap) error {
	if x.EncapType != nil {
		e.Type = *x.EncapType
	}
	if x.EncapSport != nil {
		e.SPort = *x.EncapSport
	}
	if x.EncapDport != nil {
		e.DPort = *x.EncapDport
	}
	e.Flags = e.Flags&^x.EncapClear | x.EncapSet
	if e.HeaderLen() < 0 {
		return extack.Errno(syscall.EINVAL)
	}
	return nil
}

// validProto is ipip_tunnel_validate / the ioctl protocol check.
func validProto(p uint8) bool {
	return p == 0 || p == tunnel.ProtoIPIP || p == tunnel.ProtoMPLS
}
