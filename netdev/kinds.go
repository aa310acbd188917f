package netdev

import (
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/packet"
)

// loopbackKind is lo: one per namespace, created with it, never deleted by
// the user (drivers/net/loopback.c).
type loopbackKind struct{}

func (loopbackKind) Name() string { return "loopback" }

func (loopbackKind) Setup(d *Device) {
	d.Type = ARPHRDLoopback
	d.HardHeaderLen = EthHeaderLen
	d.AddrLen = 6
	d.setAddrs(make([]byte, 6), make([]byte, 6))
	d.MinMTU, d.MaxMTU = 0, 0
	d.mtu.Store(65536)
	d.TSOMaxSize = GSOMaxSizeBig
	d.NoQueue = true
	d.NetnsLocal = true
	d.flags.Store(uint32(FlagLoopback))
	d.InitFeatures(FeatSG|FeatFragList|FeatHighDMA|FeatLLTX|FeatNetnsLocal|FeatLoopback|FeatRxCsum|FeatHWCsum|FeatGSOMask, 0)
	d.Driver = DriverFunc(loopbackXmit)
}

func (loopbackKind) NewLink(*Namespace, *Device, *LinkRequest) error {
	return extack.Errno(syscall.EOPNOTSUPP)
}

// loopbackXmit turns the packet around: it is received on lo, through the
// backlog, with its checksum considered verified.
func loopbackXmit(d *Device, b *packet.Buffer) {
	n := b.Len()
	if !EthTypeTrans(d, b) {
		return
	}
	if b.Csum.Mode == packet.CsumPartial {
		b.Csum.Mode = packet.CsumUnnecessary
	}
	d.Stats.CountTx(n)
	d.Stats.CountRx(n)
	d.Namespace().world.loop.NetifRx(d, b)
}

// dummyKind is dummy: it transmits into the void (drivers/net/dummy.c).
type dummyKind struct{}

func (dummyKind) Name() string { return "dummy" }

func (dummyKind) Setup(d *Device) {
	d.Type = ARPHRDEther
	d.HardHeaderLen = EthHeaderLen
	d.AddrLen = 6
	d.setAddrs(nil, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	d.MinMTU, d.MaxMTU = 0, 0
	d.NoQueue = true
	d.flags.Store(uint32(FlagBroadcast | FlagNoARP))
	d.InitFeatures(FeatSG|FeatFragList|FeatHighDMA|FeatLLTX|FeatHWCsum|FeatGSOMask, FeatGSOMask)
	d.DefaultName = "dummy%d"
	d.Driver = DriverFunc(func(d *Device, b *packet.Buffer) {
		d.Stats.CountTx(b.Len())
		b.Free()
	})
}

func (dummyKind) NewLink(*Namespace, *Device, *LinkRequest) error { return nil }

// DelLink implements LinkDeleter (nothing to do beyond unregistering).
func (dummyKind) DelLink(*Device) {}

func init() {
	RegisterKind(dummyKind{})
	RegisterKind(vethKind{})
}
