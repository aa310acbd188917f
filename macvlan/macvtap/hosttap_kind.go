package macvtap

import (
	"context"
	"errors"
	"strings"
	"sync"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/internal/sys"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/packet"
)

// The "taphost" kind binds a new queue of a macvtap to a host TAP device
// for as long as the softnet device exists: the command-line face of
// HostTAP, for the softnet daemon (a real-time world).
//
//	ip link add name vm0 link macvtap0 type taphost host-name vmtap0
//	ip link del vm0                                   # the host TAP goes away
//
// The softnet device carries no traffic of its own (it is NOARP, and
// what it would transmit is dropped); it names the binding, reports it
// in ip -d link show, and loses its carrier when the binding ends (the
// macvtap deleted, the host TAP gone). It has no Linux counterpart
// (Linux's is QEMU's -netdev tap on /dev/tapN).
type hostKind struct{}

// HostTAPData is the taphost kind's ip link add data.
type HostTAPData struct {
	// HostName is the host TAP's name (empty: the kernel's tap%d).
	HostName string
	// VnetHdr, when set to false, opens both sides without virtio-net
	// headers (HostTAPConfig.NoVnetHdr).
	VnetHdr *bool
	// Offload, when set to false, offers no offloads (NoOffload).
	Offload *bool
}

// HostTAPInfo is the taphost kind's ip -d link data.
type HostTAPInfo struct {
	// Tap is the macvtap's tap endpoint ("tap3"), "" once detached.
	Tap string `json:"tap"`
	// HostName is the host TAP's name.
	HostName string `json:"host_name"`
	// VnetHdr reports virtio-net headers on both sides.
	VnetHdr bool `json:"vnet_hdr"`
	// Offload lists the offloads both sides use ("csum,tso4,…").
	Offload string `json:"offload"`
	// In and Out count frames host → queue and queue → host.
	In  uint64 `json:"in"`
	Out uint64 `json:"out"`
}

type hostBinding struct {
	h      *HostTAP
	tap    string
	cancel context.CancelFunc
	once   sync.Once
}

func init() { netdev.RegisterKind(hostKind{}) }

func (hostKind) Name() string { return "taphost" }

func (hostKind) Setup(d *netdev.Device) {
	d.Type = netdev.ARPHRDNone
	d.MinMTU, d.MaxMTU = 68, 65535
	d.NoQueue = true
	d.InitFlags(netdev.FlagNoARP)
	d.DefaultName = "taphost%d"
	d.Driver = hostDriver{}
}

// NewLink opens a queue on the macvtap named by link and a host TAP for
// it, and starts serving.
func (hostKind) NewLink(ns *netdev.Namespace, d *netdev.Device, req *netdev.LinkRequest) error {
	if _, ok := ns.World().Loop().(*netdev.RealLoop); !ok {
		return extack.New(syscall.EOPNOTSUPP, "host devices need a real-time world (softnet daemon), not a lab")
	}
	if req.Link == "" {
		return extack.New(syscall.EINVAL, "taphost needs a macvtap: link DEV")
	}
	td := ns.DeviceByName(req.Link)
	if td == nil {
		return extack.Errno(syscall.ENODEV)
	}
	t := TapOf(td)
	if t == nil {
		return extack.New(syscall.EINVAL, "link device is not a macvtap")
	}
	var cfg HostTAPConfig
	if data, ok := req.Data.(*HostTAPData); ok && data != nil {
		cfg.Name = data.HostName
		cfg.NoVnetHdr = data.VnetHdr != nil && !*data.VnetHdr
		cfg.NoOffload = data.Offload != nil && !*data.Offload
	}
	q, err := openLocked(t)
	if err != nil {
		return extack.Errno(err.(syscall.Errno))
	}
	h, err := openHostTAPLocked(q, td, cfg)
	if err != nil {
		q.closeLocked()
		var errno syscall.Errno
		if errors.As(err, &errno) {
			return extack.New(errno, "host TAP: "+err.Error())
		}
		return extack.New(syscall.EINVAL, "host TAP: "+err.Error())
	}
	ctx, cancel := context.WithCancel(context.Background())
	hb := &hostBinding{h: h, tap: t.Name(), cancel: cancel}
	d.Priv = hb
	d.InitCarrier(true)
	go func() {
		// TUNSETOFFLOAD on the queue takes the RTNL, held by NewLink:
		// until it runs, GSO frames to the host are segmented.
		if err := q.SetOffload(h.offload); err == nil {
			h.Serve(ctx)
		} else {
			h.Close()
		}
		// The binding is over; the carrier is left to DelLink when it
		// is the cause, else dropped here without the RTNL (SetCarrier
		// is the netif_carrier_off any driver calls from its own path).
		if ctx.Err() == nil {
			d.SetCarrier(false)
		}
	}()
	return nil
}

// openHostTAPLocked is OpenHostTAP with the RTNL held, for NewLink; the
// queue's offloads are left to the caller.
func openHostTAPLocked(q *Queue, td *netdev.Device, cfg HostTAPConfig) (*HostTAP, error) {
	off := DefaultHostOffload
	if cfg.NoOffload || cfg.NoVnetHdr {
		off = 0
	}
	tun, err := sys.OpenTun(sys.TunConfig{Name: cfg.Name, TAP: true, VnetHdr: !cfg.NoVnetHdr,
		VnetHdrLen: header.VirtioNetHdrSize, Offload: off})
	if err != nil {
		return nil, err
	}
	h := &HostTAP{q: q, tun: tun, conn: tun.Queues[0], name: tun.Name, offload: tun.Offload, vnet: !cfg.NoVnetHdr}
	err = h.setupFlags()
	if err == nil {
		err = tun.SetHardwareAddr(td.HardwareAddr())
	}
	if err != nil {
		tun.Close()
		return nil, err
	}
	return h, nil
}

// DelLink stops serving and closes the queue and the host TAP; the
// binding's goroutines end on their own right after. It does not wait
// for them: one may be waiting for the RTNL that DelLink holds.
func (hostKind) DelLink(d *netdev.Device) {
	hb, ok := d.Priv.(*hostBinding)
	if !ok {
		return
	}
	hb.once.Do(func() {
		hb.cancel()
		hb.h.q.closeLocked()
		hb.h.Close()
	})
}

// LinkInfo implements netdev.InfoFiller.
func (hostKind) LinkInfo(d *netdev.Device) any {
	hb, ok := d.Priv.(*hostBinding)
	if !ok {
		return &HostTAPInfo{}
	}
	info := &HostTAPInfo{HostName: hb.h.Name(), VnetHdr: hb.h.vnet,
		Offload: offloadNames(hb.h.Offload()), In: hb.h.In.Load(), Out: hb.h.Out.Load()}
	if hb.h.q.tap.Load() != nil {
		info.Tap = hb.tap
	}
	return info
}

// offloadNames lists TUN_F_* flags as hostlink prints them.
func offloadNames(f uint32) string {
	var names []string
	for _, n := range []struct {
		bit  uint32
		name string
	}{{TunFCsum, "csum"}, {TunFTSO4, "tso4"}, {TunFTSO6, "tso6"}, {TunFTSOECN, "tso_ecn"},
		{TunFUFO, "ufo"}, {TunFUSO4, "uso4"}, {TunFUSO6, "uso6"}} {
		if f&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "off"
	}
	return strings.Join(names, ",")
}

type hostDriver struct{}

// Xmit drops: the device only names a binding.
func (hostDriver) Xmit(d *netdev.Device, b *packet.Buffer) { d.DropTx(b, netdev.DropDevReady) }
