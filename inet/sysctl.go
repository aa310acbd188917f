package inet

import (
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/netdev"
)

// sysctls are the namespace's IP knobs, with Linux's defaults.
type sysctls struct {
	ipForward       atomic.Int64 // net.ipv4.ip_forward (0)
	ip6Forward      atomic.Int64 // net.ipv6.conf.all.forwarding (0)
	defaultTTL      atomic.Int64 // net.ipv4.ip_default_ttl (64)
	icmpRatelimit   atomic.Int64 // net.ipv4.icmp_ratelimit, ms (1000)
	icmpRatemask    atomic.Int64 // net.ipv4.icmp_ratemask (6168)
	icmpMsgsPerSec  atomic.Int64 // net.ipv4.icmp_msgs_per_sec (1000)
	icmpMsgsBurst   atomic.Int64 // net.ipv4.icmp_msgs_burst (50)
	icmpEchoIgnore  atomic.Int64 // net.ipv4.icmp_echo_ignore_all (0)
	icmp6Ratelimit  atomic.Int64 // net.ipv6.icmp.ratelimit, ms (1000)
	mtuExpires      atomic.Int64 // net.ipv4.route.mtu_expires, s (600)
	minPMTU         atomic.Int64 // net.ipv4.route.min_pmtu (552)
	fragTime        atomic.Int64 // net.ipv4.ipfrag_time, s (30)
	fragHigh        atomic.Int64 // net.ipv4.ipfrag_high_thresh (4 MiB)
	fragLow         atomic.Int64 // net.ipv4.ipfrag_low_thresh (3 MiB)
	frag6Time       atomic.Int64 // net.ipv6.ip6frag_time, s (60)
	frag6High       atomic.Int64
	frag6Low        atomic.Int64
	hopLimit6       atomic.Int64 // net.ipv6.conf.all.hop_limit (64)
	disableIPv6     atomic.Int64 // net.ipv6.conf.all.disable_ipv6 (0)
	acceptRedirects atomic.Int64 // net.ipv4.conf.all.accept_redirects (1)
	sendRedirects   atomic.Int64 // net.ipv4.conf.all.send_redirects (1)
}

func (s *sysctls) init() {
	s.defaultTTL.Store(64)
	s.icmpRatelimit.Store(1000)
	s.icmpRatemask.Store(6168)
	s.icmpMsgsPerSec.Store(1000)
	s.icmpMsgsBurst.Store(50)
	s.icmp6Ratelimit.Store(1000)
	s.mtuExpires.Store(600)
	s.minPMTU.Store(552)
	s.fragTime.Store(30)
	s.fragHigh.Store(4 << 20)
	s.fragLow.Store(3 << 20)
	s.frag6Time.Store(60)
	s.frag6High.Store(4 << 20)
	s.frag6Low.Store(3 << 20)
	s.hopLimit6.Store(64)
	s.acceptRedirects.Store(1)
	s.sendRedirects.Store(1)
}

func sys(f func(*sysctls) *atomic.Int64) func(*netdev.Namespace) *atomic.Int64 {
	return func(ns *netdev.Namespace) *atomic.Int64 { return f(&stateOf(ns).sys) }
}

func init() {
	netdev.IntSysctl("net.ipv4.ip_forward", 0, 1, sys(func(s *sysctls) *atomic.Int64 { return &s.ipForward }))
	netdev.IntSysctl("net.ipv4.conf.all.forwarding", 0, 1, sys(func(s *sysctls) *atomic.Int64 { return &s.ipForward }))
	netdev.IntSysctl("net.ipv6.conf.all.forwarding", 0, 1, sys(func(s *sysctls) *atomic.Int64 { return &s.ip6Forward }))
	netdev.IntSysctl("net.ipv4.ip_default_ttl", 1, 255, sys(func(s *sysctls) *atomic.Int64 { return &s.defaultTTL }))
	netdev.IntSysctl("net.ipv4.icmp_ratelimit", 0, 1<<31-1, sys(func(s *sysctls) *atomic.Int64 { return &s.icmpRatelimit }))
	netdev.IntSysctl("net.ipv4.icmp_ratemask", 0, 1<<31-1, sys(func(s *sysctls) *atomic.Int64 { return &s.icmpRatemask }))
	netdev.IntSysctl("net.ipv4.icmp_msgs_per_sec", 0, 1<<31-1, sys(func(s *sysctls) *atomic.Int64 { return &s.icmpMsgsPerSec }))
	netdev.IntSysctl("net.ipv4.icmp_msgs_burst", 0, 1<<31-1, sys(func(s *sysctls) *atomic.Int64 { return &s.icmpMsgsBurst }))
	netdev.IntSysctl("net.ipv4.icmp_echo_ignore_all", 0, 1, sys(func(s *sysctls) *atomic.Int64 { return &s.icmpEchoIgnore }))
	netdev.IntSysctl("net.ipv6.icmp.ratelimit", 0, 1<<31-1, sys(func(s *sysctls) *atomic.Int64 { return &s.icmp6Ratelimit }))
	netdev.IntSysctl("net.ipv4.route.mtu_expires", 0, 1<<31-1, sys(func(s *sysctls) *atomic.Int64 { return &s.mtuExpires }))
	netdev.IntSysctl("net.ipv4.route.min_pmtu", 68, 65535, sys(func(s *sysctls) *atomic.Int64 { return &s.minPMTU }))
	fragSysctl("net.ipv4.ipfrag_time", func(s *sysctls) *atomic.Int64 { return &s.fragTime })
	fragSysctl("net.ipv4.ipfrag_high_thresh", func(s *sysctls) *atomic.Int64 { return &s.fragHigh })
	fragSysctl("net.ipv4.ipfrag_low_thresh", func(s *sysctls) *atomic.Int64 { return &s.fragLow })
	fragSysctl("net.ipv6.ip6frag_time", func(s *sysctls) *atomic.Int64 { return &s.frag6Time })
	fragSysctl("net.ipv6.ip6frag_high_thresh", func(s *sysctls) *atomic.Int64 { return &s.frag6High })
	fragSysctl("net.ipv6.ip6frag_low_thresh", func(s *sysctls) *atomic.Int64 { return &s.frag6Low })
	netdev.IntSysctl("net.ipv6.conf.all.hop_limit", 1, 255, sys(func(s *sysctls) *atomic.Int64 { return &s.hopLimit6 }))
	netdev.IntSysctl("net.ipv4.conf.all.send_redirects", 0, 1, sys(func(s *sysctls) *atomic.Int64 { return &s.sendRedirects }))
	netdev.IntSysctl("net.ipv4.conf.all.accept_redirects", 0, 1, sys(func(s *sysctls) *atomic.Int64 { return &s.acceptRedirects }))
	registerDisableIPv6()
}

// registerDisableIPv6 adds net.ipv6.conf.all.disable_ipv6: writing 1 removes
// every IPv6 address and route of the namespace's devices and keeps new ones
// from being configured; writing 0 configures the devices that are up again
// (addrconf_disable_change).
func registerDisableIPv6() {
	const name = "net.ipv6.conf.all.disable_ipv6"
	netdev.RegisterSysctl(netdev.Sysctl{
		Name: name,
		Get:  func(ns *netdev.Namespace) string { return strconv.FormatInt(stateOf(ns).sys.disableIPv6.Load(), 10) },
		Set: func(ns *netdev.Namespace, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || n > 1 {
				return extack.Errorf(syscall.EINVAL, "sysctl: setting key \"%s\": Invalid argument", name)
			}
			w := ns.World()
			w.Lock()
			defer w.Unlock()
			st := stateOf(ns)
			if st.sys.disableIPv6.Swap(n) == n {
				return nil
			}
			for _, d := range ns.Devices() {
				switch {
				case n == 1:
					addrconfDown(ns, d)
				case d.IsUp():
					addrconfUp(ns, d)
				}
			}
			return nil
		},
	})
}

// forwarding reports whether the family forwards.
func (st *netState) forwarding(family int) bool {
	if family == FamilyV4 {
		return st.sys.ipForward.Load() != 0
	}
	return st.sys.ip6Forward.Load() != 0
}

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }

// fragSysctl registers a reassembly knob that is pushed into the
// reassemblers when written.
func fragSysctl(name string, f func(*sysctls) *atomic.Int64) {
	field := sys(f)
	netdev.RegisterSysctl(netdev.Sysctl{
		Name: name,
		Get:  func(ns *netdev.Namespace) string { return strconv.FormatInt(field(ns).Load(), 10) },
		Set: func(ns *netdev.Namespace, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || n > 1<<31-1 {
				return extack.Errorf(syscall.EINVAL, "sysctl: setting key \"%s\": Invalid argument", name)
			}
			field(ns).Store(n)
			stateOf(ns).syncFragLimits()
			return nil
		},
	})
}
