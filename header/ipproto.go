package header

// IP protocol numbers (include/uapi/linux/in.h, in6.h).
const (
	IPProtoHopByHop uint8 = 0   // IPPROTO_HOPOPTS (IPv6 only)
	IPProtoICMP     uint8 = 1   // IPPROTO_ICMP
	IPProtoIGMP     uint8 = 2   // IPPROTO_IGMP
	IPProtoIPIP     uint8 = 4   // IPPROTO_IPIP (IPv4 in IP)
	IPProtoTCP      uint8 = 6   // IPPROTO_TCP
	IPProtoUDP      uint8 = 17  // IPPROTO_UDP
	IPProtoIPv6     uint8 = 41  // IPPROTO_IPV6 (IPv6 in IP)
	IPProtoRouting  uint8 = 43  // IPPROTO_ROUTING (IPv6 only)
	IPProtoFragment uint8 = 44  // IPPROTO_FRAGMENT (IPv6 only)
	IPProtoGRE      uint8 = 47  // IPPROTO_GRE
	IPProtoESP      uint8 = 50  // IPPROTO_ESP
	IPProtoAH       uint8 = 51  // IPPROTO_AH
	IPProtoICMPv6   uint8 = 58  // IPPROTO_ICMPV6
	IPProtoNoNext   uint8 = 59  // IPPROTO_NONE (IPv6 only)
	IPProtoDstOpts  uint8 = 60  // IPPROTO_DSTOPTS (IPv6 only)
	IPProtoIPComp   uint8 = 108 // IPPROTO_COMP
	IPProtoSCTP     uint8 = 132 // IPPROTO_SCTP
	IPProtoMobility uint8 = 135 // IPPROTO_MH (IPv6 only)
	IPProtoUDPLite  uint8 = 136 // IPPROTO_UDPLITE
	IPProtoMPLS     uint8 = 137 // IPPROTO_MPLS (MPLS in IP)
	IPProtoRaw      uint8 = 255 // IPPROTO_RAW
)
