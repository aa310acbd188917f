package macvtap_test

import (
	"errors"
	"net"
	"syscall"
	"testing"

	"github.com/softnet/softnet/macvlan"
	"github.com/softnet/softnet/macvlan/macvtap"
	"github.com/softnet/softnet/netdev"
)

func TestSetIff(t *testing.T) {
	base := macvtap.IffTAP | macvtap.IffNoPI
	tests := []struct {
		name  string
		flags uint16
		want  error
	}{
		{"tap no_pi", base, nil},
		{"vnet_hdr", base | macvtap.IffVnetHdr, nil},
		{"multi_queue", base | macvtap.IffMultiQueue, nil},
		{"both", base | macvtap.IffVnetHdr | macvtap.IffMultiQueue, nil},
		{"tun", macvtap.IffTUN | macvtap.IffNoPI, syscall.EINVAL},
		{"without no_pi", macvtap.IffTAP, syscall.EINVAL},
		{"without tap", macvtap.IffNoPI, syscall.EINVAL},
		{"one_queue", base | macvtap.IffOneQueue, syscall.EINVAL},
		{"napi", base | macvtap.IffNAPI, syscall.EINVAL},
		{"persist", base | macvtap.IffPersist, syscall.EINVAL},
		{"zero", 0, syscall.EINVAL},
	}
	e := newEnv(t)
	q := open(t, e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _, _ := iff(q)
			err := q.SetIff("ignored", tt.flags)
			if !errors.Is(err, tt.want) && err != tt.want {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			flags, _, _ := iff(q)
			if tt.want == nil && flags != tt.flags {
				t.Fatalf("flags %#x, want %#x", flags, tt.flags)
			}
			if tt.want != nil && flags != before {
				t.Fatalf("refused TUNSETIFF changed flags %#x → %#x", before, flags)
			}
		})
	}
}

func iff(q *macvtap.Queue) (uint16, string, error) {
	name, f, err := q.Iff()
	return f, name, err
}

func TestIoctlDefaultsAndValidation(t *testing.T) {
	e := newEnv(t)
	tap := e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	q := open(t, tap)
	name, flags, err := q.Iff()
	if err != nil || name != "macvtap0" || flags != macvtap.IffTAP|macvtap.IffNoPI|macvtap.IffVnetHdr {
		t.Fatalf("TUNGETIFF %q %#x %v", name, flags, err)
	}
	if f := q.Features(); f != macvtap.IffTAP|macvtap.IffNoPI|macvtap.IffVnetHdr|macvtap.IffMultiQueue {
		t.Fatalf("TUNGETFEATURES %#x", f)
	}
	ints := []struct {
		name string
		set  func(int) error
		get  func() int
		in   int
		want error
	}{
		{"sndbuf 0", q.SetSndbuf, q.Sndbuf, 0, syscall.EINVAL},
		{"sndbuf -1", q.SetSndbuf, q.Sndbuf, -1, syscall.EINVAL},
		{"sndbuf 1", q.SetSndbuf, q.Sndbuf, 1, nil},
		{"sndbuf 212992", q.SetSndbuf, q.Sndbuf, 212992, nil},
		{"vnethdrsz 9", q.SetVnetHdrSize, q.VnetHdrSize, 9, syscall.EINVAL},
		{"vnethdrsz -10", q.SetVnetHdrSize, q.VnetHdrSize, -10, syscall.EINVAL},
		{"vnethdrsz 10", q.SetVnetHdrSize, q.VnetHdrSize, 10, nil},
		{"vnethdrsz 12", q.SetVnetHdrSize, q.VnetHdrSize, 12, nil},
		{"vnethdrsz 20", q.SetVnetHdrSize, q.VnetHdrSize, 20, nil},
	}
	for _, tt := range ints {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.get()
			err := tt.set(tt.in)
			if err != tt.want {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if want := map[bool]int{true: tt.in, false: before}[err == nil]; tt.get() != want {
				t.Fatalf("value %d, want %d", tt.get(), want)
			}
		})
	}
	if q.VnetLE() {
		t.Fatal("vnet LE on by default")
	}
	q.SetVnetLE(true)
	if !q.VnetLE() {
		t.Fatal("TUNSETVNETLE did not stick")
	}
	if _, err := q.VnetBE(); err != syscall.EINVAL {
		t.Fatalf("TUNGETVNETBE: %v", err)
	}
	if err := q.SetVnetBE(true); err != syscall.EINVAL {
		t.Fatalf("TUNSETVNETBE: %v", err)
	}
	a, err := q.HardwareAddr()
	if err != nil || a.String() != net.HardwareAddr(mac0[:]).String() {
		t.Fatalf("SIOCGIFHWADDR %v %v", a, err)
	}
	na := net.HardwareAddr{2, 0, 0, 0, 0, 0x55}
	if err := q.SetHardwareAddr(na); err != nil || tap.Device().HardwareAddr().String() != na.String() {
		t.Fatalf("SIOCSIFHWADDR: %v, device %v", err, tap.Device().HardwareAddr())
	}
	if err := q.SetHardwareAddr(net.HardwareAddr{1, 0, 0, 0, 0, 1}); !errors.Is(err, syscall.EADDRNOTAVAIL) {
		t.Fatalf("multicast SIOCSIFHWADDR: %v", err)
	}
}

func TestSetOffload(t *testing.T) {
	const (
		c   = macvtap.TunFCsum
		t4  = macvtap.TunFTSO4
		t6  = macvtap.TunFTSO6
		ecn = macvtap.TunFTSOECN
		ufo = macvtap.TunFUFO
		u4  = macvtap.TunFUSO4
		u6  = macvtap.TunFUSO6
	)
	tests := []struct {
		name string
		arg  uint32
		want error
		lro  bool
	}{
		{"none", 0, nil, false},
		{"csum", c, nil, false},
		{"tso4 without csum", t4, nil, false},
		{"csum tso4", c | t4, nil, true},
		{"csum tso6 ecn", c | t6 | ecn, nil, true},
		{"csum ufo", c | ufo, nil, false},
		{"csum uso4 only", c | u4, nil, false},
		{"csum uso4 uso6", c | u4 | u6, nil, true},
		{"everything", c | t4 | t6 | ecn | ufo | u4 | u6, nil, true},
		{"unknown bit", 0x80, syscall.EINVAL, false},
		{"high bit", 1 << 31, syscall.EINVAL, false},
	}
	e := newEnv(t)
	tap := e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	q := open(t, tap)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := q.SetOffload(tt.arg)
			if err != tt.want {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if err == nil {
				if lro := tap.Device().Features()&netdev.FeatLRO != 0; lro != tt.lro {
					t.Fatalf("LRO %v, want %v", lro, tt.lro)
				}
			}
		})
	}
	e.ns.DelLink(tap.Device())
	if err := q.SetOffload(c); err != syscall.ENOLINK {
		t.Fatalf("detached TUNSETOFFLOAD: %v", err)
	}
	if _, err := q.HardwareAddr(); err != syscall.ENOLINK {
		t.Fatalf("detached SIOCGIFHWADDR: %v", err)
	}
	if err := q.SetQueue(macvtap.IffAttachQueue); err != syscall.EINVAL {
		t.Fatalf("detached TUNSETQUEUE: %v", err)
	}
}

func TestSetQueue(t *testing.T) {
	e := newEnv(t)
	tap := e.macvtap(t, "macvtap0", macvlan.ModeBridge, mac0)
	q0, q1, q2 := open(t, tap), open(t, tap), open(t, tap)
	steps := []struct {
		q       *macvtap.Queue
		flags   uint16
		want    error
		enabled int
	}{
		{q0, macvtap.IffAttachQueue, syscall.EINVAL, 3},
		{q0, macvtap.IffDetachQueue, nil, 2},
		{q0, macvtap.IffDetachQueue, syscall.EINVAL, 2},
		{q1, 0, syscall.EINVAL, 2},
		{q1, macvtap.IffDetachQueue, nil, 1},
		{q0, macvtap.IffAttachQueue, nil, 2},
		{q2, macvtap.IffAttachQueue | macvtap.IffDetachQueue, syscall.EINVAL, 2},
	}
	for i, s := range steps {
		if err := s.q.SetQueue(s.flags); err != s.want {
			t.Fatalf("step %d: err %v, want %v", i, err, s.want)
		}
		if a, en := tap.NumQueues(); a != 3 || en != s.enabled {
			t.Fatalf("step %d: queues %d/%d, want 3/%d", i, a, en, s.enabled)
		}
	}
	// A disabled queue receives nothing.
	peer := e.peer.DeviceByName("eth0")
	for i := range 20 {
		sendFrom(t, peer, udpFrame(mac0, mac1, ip1, ip0, uint16(1000+i), 53, nil))
	}
	e.run()
	if q1.Len() != 0 || q0.Len()+q2.Len() != 20 {
		t.Fatalf("lens %d %d %d", q0.Len(), q1.Len(), q2.Len())
	}
}
