package macvtap

// TUN/TAP interface flags (IFF_* in include/uapi/linux/if_tun.h).
const (
	IffTUN         uint16 = 0x0001
	IffTAP         uint16 = 0x0002
	IffNAPI        uint16 = 0x0010
	IffNAPIFrags   uint16 = 0x0020
	IffNoCarrier   uint16 = 0x0040
	IffMultiQueue  uint16 = 0x0100
	IffAttachQueue uint16 = 0x0200
	IffDetachQueue uint16 = 0x0400
	IffPersist     uint16 = 0x0800
	IffNoPI        uint16 = 0x1000
	IffOneQueue    uint16 = 0x2000
	IffVnetHdr     uint16 = 0x4000
	IffTUNExcl     uint16 = 0x8000
)

// TUNSETOFFLOAD flags (TUN_F_*).
const (
	TunFCsum   uint32 = 0x01
	TunFTSO4   uint32 = 0x02
	TunFTSO6   uint32 = 0x04
	TunFTSOECN uint32 = 0x08
	TunFUFO    uint32 = 0x10
	TunFUSO4   uint32 = 0x20
	TunFUSO6   uint32 = 0x40
)

// Queue limits.
const (
	// MaxQueues is the most queues a device has (MAX_TAP_QUEUES).
	MaxQueues = 256
	// DefaultQueueLen is a macvtap's txqueuelen and so each queue's ring
	// size (TUN_READQ_SIZE).
	DefaultQueueLen = 500
	// MaxFrame is the largest frame a queue accepts on write: a 64 KiB
	// GSO frame plus its Ethernet header.
	MaxFrame = 65535 + 14
	// udpMaxSegments bounds USO frames (UDP_MAX_SEGMENTS).
	udpMaxSegments = 128
	// gsoByFrags is the special gso_size GSO_BY_FRAGS, refused.
	gsoByFrags = 0xFFFF
)

// tapIffFeatures are the flags TUNSETIFF may add to IFF_TAP|IFF_NO_PI
// (TAP_IFFEATURES).
const tapIffFeatures = IffVnetHdr | IffMultiQueue

// features is what TUNGETFEATURES reports.
const features = IffTAP | IffNoPI | IffVnetHdr | IffMultiQueue
