package xfrm

import (
	"net/netip"
	"syscall"

	"github.com/softnet/softnet/extack"
)

// The kernel tunnel state of a tunnel-mode IPComp SA (ipcomp_tunnel_attach,
// ipcomp_tunnel_create, ipcomp6_tunnel_create): an SA of protocol 4
// (IPv4) or 41 (IPv6) with the IPComp SA's addresses, mode, selector,
// flags, mark and if_id, which decapsulates the packets the IPComp SA
// sent uncompressed as plain IP in IP. It lives in the SAD, so `ip xfrm
// state` lists it ("proto 4 spi 0xc0000201", the IPv4 source address as
// SPI; IPv6 gets an SPI allocated per source address from 1, as
// xfrm6_tunnel_alloc_spi), is shared by every IPComp SA with the same
// endpoints (tunnel_users), cannot be deleted by the user (EPERM) nor
// flushed, and goes away with its last IPComp SA (xfrm_state_delete_tunnel).

func init() { RegisterType(ProtoIPIP, kernTunnelType{}); RegisterType(ProtoIPv6, kernTunnelType{}) }

// kernTunnelType is xfrm4_tunnel / xfrm6_tunnel's xfrm_type: nothing to
// set up; the data path of package stack decapsulates through the state.
type kernTunnelType struct{}

func (kernTunnelType) Init(*State) error { return nil }

// KernelTunnel reports whether x is a kernel tunnel state in use
// (xfrm_state_kern: tunnel_users > 0).
func (x *State) KernelTunnel() bool { return x.tunnelUsers.Load() > 0 }

// needsTunnel reports whether an SA of cfg gets a kernel tunnel state.
func needsTunnel(c *Config) bool { return c.ID.Proto == ProtoComp && c.Mode == ModeTunnel }

// TunnelSPI returns the SPI of the kernel tunnel state for outer source
// address saddr: the IPv4 address itself, or the SPI allocated to an
// IPv6 address (0 if none: no such state).
func (t *SAD) TunnelSPI(saddr netip.Addr) uint32 {
	if saddr.Is4() {
		a := saddr.As4()
		return uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tun6[saddr]
}

// TunnelProto is the protocol of the kernel tunnel state of an SA of
// family fam.
func TunnelProto(fam int) Proto {
	if fam == 6 {
		return ProtoIPv6
	}
	return ProtoIPIP
}

// attachTunnelLocked gives x its kernel tunnel state, creating and
// inserting it unless one with the same identity exists.
func (t *SAD) attachTunnelLocked(x *State) error {
	c := &x.cfg
	kc := Config{ID: ID{Daddr: c.ID.Daddr, Proto: TunnelProto(c.Family)}, Saddr: c.Saddr, Family: c.Family,
		Mode: c.Mode, Selector: c.Selector, Flags: c.Flags &^ FlagESN, Mark: c.Mark, IfID: c.IfID}
	if c.Family == 4 {
		a := c.Saddr.As4()
		kc.ID.SPI = uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	} else {
		kc.ID.SPI = t.alloc6Locked(c.Saddr)
	}
	probe := &State{cfg: kc}
	kern := t.locate(probe)
	if kern == nil || kern.cfg.ID.Proto != kc.ID.Proto {
		var err error
		if kern, err = t.NewState(kc); err != nil {
			return extack.New(syscall.EINVAL, "Kernel error: failed to initialize the associated state")
		}
		t.insertLocked(kern)
	}
	kern.tunnelUsers.Add(1)
	x.tunnel = kern
	return nil
}

// alloc6Locked returns the SPI of IPv6 source address a, allocating the
// next free one (from 1) for a new address.
func (t *SAD) alloc6Locked(a netip.Addr) uint32 {
	if spi, ok := t.tun6[a]; ok {
		return spi
	}
	if t.tun6 == nil {
		t.tun6 = map[netip.Addr]uint32{}
	}
	used := make(map[uint32]bool, len(t.tun6))
	for _, s := range t.tun6 {
		used[s] = true
	}
	spi := t.tun6Next
	for {
		if spi == 0 || spi >= 1<<30 {
			spi = 1
		}
		if !used[spi] {
			break
		}
		spi++
	}
	t.tun6Next = spi + 1
	t.tun6[a] = spi
	return spi
}

// detachTunnelLocked drops x's use of its kernel tunnel state, removing
// the state with its last user.
func (t *SAD) detachTunnelLocked(x *State) {
	kern := x.tunnel
	if kern == nil {
		return
	}
	x.tunnel = nil
	if kern.tunnelUsers.Add(-1) > 0 {
		return
	}
	t.removeLocked(kern)
	if kern.cfg.Family == 6 {
		delete(t.tun6, kern.cfg.Saddr)
	}
	kern.mu.Lock()
	kern.km = StateDead
	kern.bumpLocked()
	kern.owner = nil
	kern.mu.Unlock()
}
